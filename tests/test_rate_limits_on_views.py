"""Rate limits live on the views they guard; the limiter's app-wide hook is off.

hallapp/__init__.py removes Flask-Limiter's before_request check, which only serves
default, application and blueprint limits: right only while the hall has none of them.
The limits themselves are tested where they guard (login, kiosk, suggestions: 429).
"""

import pytest

from hallapp.extensions import limiter


def test_no_limit_needs_the_app_wide_check(app):
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    manager = limiter.limit_manager
    assert not manager._default_limits
    assert not manager._application_limits
    assert not manager._blueprint_limits
    assert manager._decorated_limits  # the views' own limits are all there is


def test_a_limited_view_still_answers_429_when_its_limit_is_spent(app, client, hall):
    app.config["KIOSK_SETUP_LIMIT"] = "2 per minute"
    answers = [
        client.post(f"/display/{hall.code}/setup", data={"token": "nope"}).status_code
        for _ in range(3)
    ]
    assert answers[-1] == 429


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}], indirect=True)
def test_the_hall_starts_with_rate_limits_switched_off(app, client):
    assert client.get("/healthz").status_code == 200
