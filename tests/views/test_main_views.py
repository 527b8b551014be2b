import pytest


def test_every_page_carries_the_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_script_or_style_in_the_layout(login_as):
    page = login_as("admin").get("/admin/services").text
    assert "<script>" not in page and "style=" not in page
    assert "/static/vendor/htmx-2.0.11.min.js" in page


@pytest.mark.parametrize(("language", "text"), [("zh-CN", "页面不存在"), ("en", "Page not found")])
def test_not_found_page_in_both_languages(client, language, text):
    response = client.get("/no/such/page", headers={"Accept-Language": language})
    assert response.status_code == 404 and text in response.text


def test_forbidden_page_in_both_languages(login_as):
    guide = login_as("guide")
    chinese = guide.get("/admin/staff")
    assert chinese.status_code == 403 and "您无权访问此页面" in chinese.text
    english = guide.get("/admin/staff?lang=en")
    assert "You do not have access to this page" in english.text


def test_server_error_page_is_friendly(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    boom.hall_access = "public"
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500 and "系统出现问题" in response.text


def test_large_text_and_language_are_remembered_for_the_staff_member(login_as, db):
    client = login_as("counter")
    client.post("/preferences", data={"large_text": "on", "next": "/"})
    client.post("/preferences", data={"lang": "en", "next": "/"})
    db.session.refresh(client.staff)
    assert client.staff.large_text is True and client.staff.locale == "en"
    page = client.get("/")
    assert 'class="large-text' in page.text and "Good day" in page.text


def test_preferences_refuse_to_redirect_off_site(client):
    response = client.post("/preferences", data={"lang": "en", "next": "https://evil.example"})
    assert response.status_code == 303
    assert "evil" not in response.headers["Location"]
