"""Devices survive faults: retried issues, a lost callNext answer, and a database outage."""

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from hallapp.models import Ticket, TicketEvent, utcnow
from hallapp.services import devices, queue
from tests.builders import open_counter


@pytest.fixture
def token(hall):
    def make(kind: str, counter: int | None = None) -> dict:
        _row, raw = devices.create_device_token(hall, kind, counter_number=counter, now=utcnow())
        return {"Authorization": f"Bearer {raw}"}

    return make


def tickets(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Ticket.id)))


def test_a_retried_issue_with_the_same_idempotency_key_returns_the_same_ticket(
    client, db, hall, token
):
    kiosk = token("kiosk")
    first = client.post(
        "/api/v1/tickets", json={"service": "A"}, headers=kiosk | {"Idempotency-Key": "k-1"}
    )
    again = client.post(
        "/api/v1/tickets", json={"service": "A"}, headers=kiosk | {"Idempotency-Key": "k-1"}
    )
    other = client.post(
        "/api/v1/tickets", json={"service": "A"}, headers=kiosk | {"Idempotency-Key": "k-2"}
    )
    assert first.status_code == again.status_code == other.status_code == 201
    assert again.get_json()["public_id"] == first.get_json()["public_id"]
    assert other.get_json()["ticket"]["label"] == "A002"
    assert tickets(db) == 2


def test_the_same_key_from_another_kiosk_is_another_request(client, db, hall, token):
    one, two = token("kiosk"), token("kiosk")
    a = client.post(
        "/api/v1/tickets", json={"service": "A"}, headers=one | {"Idempotency-Key": "x"}
    )
    b = client.post(
        "/api/v1/tickets", json={"service": "A"}, headers=two | {"Idempotency-Key": "x"}
    )
    assert a.get_json()["public_id"] != b.get_json()["public_id"]
    assert tickets(db) == 2


def test_a_malformed_idempotency_key_is_refused_in_json(client, db, hall, token):
    response = client.post(
        "/api/v1/tickets",
        json={"service": "A"},
        headers=token("kiosk") | {"Idempotency-Key": "no spaces please"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_value"
    assert tickets(db) == 0


def test_get_counter_tells_a_pad_that_lost_its_answer_which_ticket_it_holds(
    client, db, hall, token
):
    open_counter(hall, 1)
    pad, kiosk = token("counter", counter=1), token("kiosk")
    client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
    free = client.get("/api/v1/counter", headers=pad).get_json()
    assert free == {"counter": {"number": 1, "state": "open"}, "ticket": None}

    called = client.post("/api/v1/counter/call-next", headers=pad).get_json()["ticket"]
    # The answer was lost; calling again is refused ...
    busy = client.post("/api/v1/counter/call-next", headers=pad)
    assert busy.get_json()["error"]["code"] == "counter_busy"
    # ... and the pad asks what it holds, then carries on.
    state = client.get("/api/v1/counter", headers=pad).get_json()
    assert state["ticket"]["public_id"] == called["public_id"]
    assert state["ticket"]["status"] == "called"
    public_id = called["public_id"]
    assert client.post(f"/api/v1/tickets/{public_id}/start", headers=pad).status_code == 200


def test_get_counter_is_for_counter_tokens_only(client, hall, token):
    response = client.get("/api/v1/counter", headers=token("kiosk"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_database_outage_answers_503_in_json_and_a_page_elsewhere(
    client, hall, token, monkeypatch
):
    kiosk = token("kiosk")

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(devices, "device_pass", down)
    response = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.get_json()["error"]["code"] == "database_unavailable"

    monkeypatch.setattr(queue, "get_ticket_by_public_id", down)
    monkeypatch.setattr("hallapp.services.public.find_ticket", down)
    monkeypatch.setattr("hallapp.services.public.ticket_ref", down)
    page = client.get("/t/abcdefghijkl")
    assert page.status_code == 503
    assert "<html" in page.get_data(as_text=True)


@pytest.mark.one_database
def test_pooled_connections_the_database_closed_are_replaced_before_a_request_uses_them(
    client, db, hall, token
):
    """As after a PostgreSQL restart: every idle connection of the pool was closed by the
    server. The next request gets a fresh one, not a 503 (and no ping per request)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to close a connection")
    kiosk = token("kiosk")
    issue = {"json": {"service": "A"}, "headers": kiosk}
    assert client.post("/api/v1/tickets", **issue).status_code == 201
    db.session.remove()
    assert db.engine.pool.checkedin() >= 1
    with psycopg.connect(
        db.engine.url.set(drivername="postgresql").render_as_string(False)
    ) as admin:
        closed = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert closed is not None and closed[0] >= 1

    assert client.post("/api/v1/tickets", **issue).status_code == 201
    assert tickets(db) == 2


def test_an_unexpected_api_failure_is_a_json_500(client, hall, token, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(queue, "display_board", broken)
    response = client.get("/api/v1/display", headers=token("display"))
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"


def test_walkout_and_cancel_over_the_api_close_waiting_tickets_with_events(client, db, hall, token):
    open_counter(hall, 1)
    pad, kiosk = token("counter", counter=1), token("kiosk")
    left = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk).get_json()
    gone = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk).get_json()

    walked = client.post(f"/api/v1/tickets/{left['public_id']}/walkout", headers=pad)
    cancelled = client.post(f"/api/v1/tickets/{gone['public_id']}/cancel", headers=pad)

    assert walked.status_code == 200 and walked.get_json()["ticket"]["status"] == "walked_out"
    assert cancelled.status_code == 200
    assert cancelled.get_json()["ticket"]["status"] == "cancelled"
    db.session.rollback()
    steps = set(db.session.scalars(select(TicketEvent.step)))
    assert {"walked_out", "cancelled"} <= steps
    board = client.get("/api/v1/display", headers=token("display")).get_json()
    assert {"service": "A", "waiting": 0} in board["waiting"]
    again = client.post(f"/api/v1/tickets/{left['public_id']}/walkout", headers=pad)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "illegal_step"


def test_cancel_of_a_ticket_called_to_another_counter_is_refused(client, hall, token):
    open_counter(hall, 1)
    open_counter(hall, 2)
    kiosk = token("kiosk")
    client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
    called = client.post("/api/v1/counter/call-next", headers=token("counter", counter=1))
    public_id = called.get_json()["ticket"]["public_id"]
    other = client.post(f"/api/v1/tickets/{public_id}/cancel", headers=token("counter", counter=2))
    assert other.status_code == 403
    assert other.get_json()["error"]["code"] == "not_your_counter"
