"""Cookie sessions sign with one serializer per set of keys (hallapp/sessions.py)."""

from hallapp.sessions import CookieSessions


def test_the_signer_is_made_once_and_again_when_the_keys_change(app):
    sessions = app.session_interface
    assert isinstance(sessions, CookieSessions)
    first = sessions.get_signing_serializer(app)
    assert sessions.get_signing_serializer(app) is first

    app.secret_key = "rotated"
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret-key"]
    rotated = sessions.get_signing_serializer(app)
    assert rotated is not first
    # A cookie signed with the old key still opens while it is a fallback.
    assert rotated.loads(first.dumps({"lang": "en"})) == {"lang": "en"}


def test_what_a_browser_chose_holds_across_requests(client):
    client.post("/preferences", data={"lang": "en", "large_text": "on"})
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en"' in page and "large-text" in page
