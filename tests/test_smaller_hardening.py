"""Issue 14, item 8: the smaller holes, each closed where its rule lives."""

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from hallapp.models import DeviceToken, Staff, Ticket, utcnow
from hallapp.services import accounts, devices
from hallapp.services.errors import InvalidValue, WeakPassword
from tests.builders import PASSWORD


@pytest.mark.parametrize(
    "password",
    ["1234567890", "qwertyuiop", "Password123", "woaini1314", "aaaaaaaaaaaa", "abcdefghijk"],
)
def test_common_passwords_are_refused(app, password):
    with pytest.raises(WeakPassword):
        accounts.check_password_policy(password, "li")


def test_an_uncommon_long_password_is_fine(app):
    accounts.check_password_policy(PASSWORD, "li")


@pytest.mark.parametrize(
    "username", ["li\u202emin", "li\x00", "li\u200fwang", "li wang", "li\u0007", "\u2066li"]
)
def test_usernames_with_control_spaces_or_direction_marks_are_refused(db, hall, username):
    with pytest.raises(InvalidValue):
        accounts.create_staff(
            hall=hall, username=username, full_name="", roles=["guide"], password=PASSWORD
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count(Staff.id))) == 0


def test_a_chinese_username_is_fine(db, hall):
    staff = accounts.create_staff(
        hall=hall, username="李警官", full_name="", roles=["guide"], password=PASSWORD
    )
    assert staff.username == "李警官"


def test_device_token_expiring_after_zero_days_is_refused(runner, db, hall):
    zero = runner.invoke(
        args=["device-token", "create", "--kind", "kiosk", "--hall", "demo", "--expires-days", "0"]
    )
    assert zero.exit_code != 0
    assert db.session.scalar(select(func.count(DeviceToken.id))) == 0
    one = runner.invoke(
        args=["device-token", "create", "--kind", "kiosk", "--hall", "demo", "--expires-days", "1"]
    )
    assert one.exit_code == 0, one.output
    token = db.session.scalar(select(DeviceToken))
    assert token.expires_at is not None


def test_the_kiosk_api_may_not_claim_appointment_priority(client, db, hall):
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    db.session.commit()
    _row, raw = devices.create_device_token(hall, "kiosk", now=utcnow())
    headers = {"Authorization": f"Bearer {raw}"}
    refused = client.post(
        "/api/v1/tickets", json={"service": "A", "priority_class": "appointment"}, headers=headers
    )
    assert refused.status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    senior = client.post(
        "/api/v1/tickets", json={"service": "A", "priority_class": "senior"}, headers=headers
    )
    assert senior.status_code == 201


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}], indirect=True)
def test_hsts_is_sent_when_cookies_are_secure(client, hall):
    response = client.get("/auth/login")
    assert response.headers["Strict-Transport-Security"] == f"max-age={365 * 24 * 3600}"


def test_no_hsts_on_plain_http_intranets(client, hall):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_the_kiosk_session_lifetime_is_a_setting(app):
    assert app.config["KIOSK_SESSION_LIFETIME"] == timedelta(hours=12)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
