"""The validation layer on the very inputs that gave 500s (issue 14, items 1 and 2)."""

from datetime import time

import pytest
from sqlalchemy import func, select

from hallapp.models import AuditEntry, Suggestion, Ticket, utcnow
from hallapp.services import devices


@pytest.mark.parametrize(
    "url",
    [
        "/display/de%00mo",
        "/suggest/de%00mo",
        "/said-and-done/de%00mo",
        "/rate/x%00",
        "/rate/counter/demo/99999999999999999999",
        "/rate/counter/demo/9223372036854775807",
        "/t/%E2%80%AEabc",
    ],
)
def test_bad_path_parameters_are_404_without_signing_in(client, hall, url):
    response = client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("since", ["\u00b2", "\uff11", "99999999999999999999", "-1"])
@pytest.mark.parametrize("path", ["/display/demo", "/t/nothing"])
def test_odd_since_values_never_break_polling(client, hall, since, path):
    response = client.get(path, query_string={"since": since}, headers={"HX-Request": "true"})
    assert response.status_code < 500


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_dates_out_of_range_are_refused_in_the_users_language(login_as, day):
    client = login_as("enterprise")
    response = client.get("/enterprise/appointments", query_string={"day": day})
    assert response.status_code == 400
    assert "超出范围" in response.get_data(as_text=True)


def test_a_login_name_with_nul_is_422_and_writes_nothing(client, db, hall):
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    response = client.post("/auth/login", data={"username": "ad\x00min", "password": "x" * 12})
    assert response.status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before


def test_suggestion_text_with_nul_is_refused_and_not_stored(client, db, hall):
    response = client.post(
        "/suggest/demo",
        data={"category": "service", "text": "The queue\x00 was long", "contact": ""},
    )
    assert response.status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(func.count(Suggestion.id))) == 0


@pytest.fixture
def kiosk_token(db, hall):
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    db.session.commit()
    _row, raw = devices.create_device_token(hall, "kiosk", now=utcnow())
    return {"Authorization": f"Bearer {raw}"}


def test_json_nested_thirty_thousand_deep_is_a_json_400(client, db, kiosk_token):
    body = "[" * 30_000 + "]" * 30_000
    response = client.post(
        "/api/v1/tickets", data=body, content_type="application/json", headers=kiosk_token
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "http_400"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_a_large_json_body_is_413(client, kiosk_token):
    body = '{"service": "' + "A" * 70_000 + '"}'
    response = client.post(
        "/api/v1/tickets", data=body, content_type="application/json", headers=kiosk_token
    )
    assert response.status_code == 413


@pytest.mark.parametrize("value", ["A\x00", "9223372036854775808", "A\u202e", "0001-01-01"])
def test_api_strings_and_numbers_are_checked_before_the_service(client, db, kiosk_token, value):
    response = client.post("/api/v1/tickets", json={"service": value}, headers=kiosk_token)
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_api_service_code_with_nul_in_the_path_is_404(client, kiosk_token):
    response = client.get("/api/v1/tickets/ab%00cd", headers=kiosk_token)
    assert response.status_code == 404
