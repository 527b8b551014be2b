import pytest
from sqlalchemy import func, select

from hallapp.models import AuditEntry
from tests.builders import PASSWORD, make_staff


def test_login_page_is_chinese_by_default_and_english_on_request(client, hall):
    chinese = client.get("/auth/login")
    assert chinese.status_code == 200
    assert "登录服务大厅系统" in chinese.text
    assert '<html lang="zh-CN"' in chinese.text
    english = client.get("/auth/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Sign in to the hall" in english.text


def test_staff_signs_in_and_lands_on_their_home_page(client, hall):
    make_staff(hall, "admin", username="admin", full_name="刘洋")
    response = client.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert "您好，刘洋" in home.text
    assert "当前用户：刘洋" in home.text


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, hall):
    make_staff(hall, "admin", username="admin")
    asked = client.post(
        "/auth/login", data={"username": "admin", "password": PASSWORD, "next": "/admin/staff"}
    )
    assert asked.headers["Location"] == "/admin/staff"
    client.post("/auth/logout")
    evil = client.post(
        "/auth/login",
        data={"username": "admin", "password": PASSWORD, "next": "https://evil.example/x"},
    )
    assert evil.headers["Location"] == "/"


@pytest.mark.parametrize("username", ["admin", "ghost"])
def test_failed_sign_in_does_not_reveal_whether_the_user_exists(client, hall, username):
    make_staff(hall, "admin", username="admin")
    response = client.post("/auth/login", data={"username": username, "password": "nope-nope"})
    assert response.status_code == 401
    assert "用户名或密码不正确。" in response.text
    assert 'value="' + username + '"' in response.text  # the username stays filled in


def test_empty_login_form_gets_field_messages(client, hall):
    response = client.post("/auth/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert "请填写用户名。" in response.text and "请填写密码。" in response.text


@pytest.fixture
def app_config():
    return {"LOGIN_LIMIT_PER_ACCOUNT": "3 per 5 minutes", "LOGIN_LIMIT_PER_ADDRESS": "5 per minute"}


def test_repeated_failures_on_one_account_are_rate_limited(client, hall):
    make_staff(hall, "admin", username="admin")
    statuses = [
        client.post("/auth/login", data={"username": "admin", "password": "x"}).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    blocked = client.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.text
    # Another account from another desk is not affected by this one's lock.
    make_staff(hall, "guide", username="guide")
    other = client.post(
        "/auth/login",
        data={"username": "guide", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.1.9"},
    )
    assert other.status_code == 303


def test_many_failures_from_one_address_are_rate_limited(client, hall):
    codes = [
        client.post("/auth/login", data={"username": f"user{i}", "password": "x"}).status_code
        for i in range(6)
    ]
    assert codes[-1] == 429 and codes[:5] == [401] * 5


def test_logout_ends_the_session(login_as):
    client = login_as("guide")
    assert client.post("/auth/logout").status_code == 303
    assert client.get("/").status_code == 302


def test_a_cookie_copied_before_logout_no_longer_opens_the_desk(app, login_as):
    client = login_as("guide")
    assert client.get("/desk/").status_code == 200
    copied = client.get_cookie("session", domain="hall.test").value
    assert client.post("/auth/logout").status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", copied, domain="hall.test")
    response = thief.get("/desk/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_change_own_password(login_as, db):
    client = login_as("guide")
    wrong = client.post(
        "/auth/password",
        data={
            "current_password": "bad",
            "new_password": "brand-new-pass",
            "confirm": "brand-new-pass",
        },
    )
    assert wrong.status_code == 422 and "当前密码不正确。" in wrong.text
    mismatch = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "brand-new-pass",
            "confirm": "other-pass-1",
        },
    )
    assert mismatch.status_code == 422 and "两次输入的新密码不一致。" in mismatch.text
    ok = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "brand-new-pass",
            "confirm": "brand-new-pass",
        },
    )
    assert ok.status_code == 303
    assert client.get("/").status_code == 200  # this browser stays signed in
    actions = db.session.scalar(
        select(func.count()).where(AuditEntry.action == "auth.password_changed")
    )
    assert actions == 1


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_csrf_token_is_refused_with_a_clear_message(self, client, hall):
        make_staff(hall, "admin", username="admin")
        response = client.post("/auth/login", data={"username": "admin", "password": PASSWORD})
        assert response.status_code == 400
        assert "表单已过期或并非来自本页面" in response.text

    def test_htmx_post_with_the_header_token_passes(self, login_as, hall):
        client = login_as("admin")
        page = client.get("/admin/services")
        token = page.text.split('"X-CSRFToken": "')[1].split('"')[0]
        response = client.post(
            "/admin/services/1",
            headers={"HX-Request": "true", "X-CSRFToken": token},
            data={
                "service-1-code": "A",
                "service-1-name_zh": "护照",
                "service-1-name_en": "Passport",
                "service-1-room": "main",
                "service-1-active": "y",
            },
        )
        assert response.status_code == 200
        missing = client.post("/admin/services/1", headers={"HX-Request": "true"}, data={})
        assert missing.status_code == 400
