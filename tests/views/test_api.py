"""The device API: every documented operation, the OpenAPI document, and bad input."""

from datetime import time, timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from hallapp.models import Ticket, TicketEvent, utcnow
from hallapp.services import devices, live
from tests.builders import open_counter

OPERATIONS = {
    "listServices",
    "issueTicket",
    "getTicket",
    "callNext",
    "recallTicket",
    "startTicket",
    "finishTicket",
    "noShowTicket",
    "transferTicket",
    "setCounterState",
    "getDisplay",
    "walkoutTicket",
    "cancelTicket",
    "getCounter",
}


@pytest.fixture
def open_hall(db, hall):
    """The API runs on the real clock: keep the hall open all day for these tests."""
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    db.session.commit()
    return hall


@pytest.fixture
def token(open_hall):
    def make(kind: str, counter: int | None = None, **fields) -> dict:
        _row, raw = devices.create_device_token(
            open_hall, kind, counter_number=counter, now=utcnow(), **fields
        )
        return {"Authorization": f"Bearer {raw}"}

    return make


def counts(db) -> tuple[int, int, int]:
    db.session.rollback()
    return (
        db.session.scalar(select(func.count(Ticket.id))),
        db.session.scalar(select(func.count(TicketEvent.id))),
        live.current_version(db.session.scalar(select(Ticket.hall_id)) or 0),
    )


def test_the_openapi_document_validates_and_names_every_operation(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    found = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert found == OPERATIONS


def test_a_morning_at_one_counter_through_every_operation(client, db, open_hall, token):
    kiosk, pad, board = token("kiosk"), token("counter", counter=1), token("display")

    state = client.put("/api/v1/counter/state", json={"state": "open"}, headers=pad)
    assert state.status_code == 200 and state.get_json()["counter"]["state"] == "open"

    issued = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
    assert issued.status_code == 201
    body = issued.get_json()
    assert body["ticket"]["label"] == "A001"
    assert body["tracking_url"] == f"http://hall.test/t/{body['public_id']}"
    assert body["print_url"] == f"http://hall.test/t/{body['public_id']}/print"
    second = client.post(
        "/api/v1/tickets", json={"service": "A", "priority_class": "senior"}, headers=kiosk
    ).get_json()

    services = client.get("/api/v1/services", headers=board).get_json()["services"]
    assert {s["code"]: s["waiting"] for s in services} == {"A": 2, "B": 0, "E": 0}

    seen = client.get(f"/api/v1/tickets/{body['public_id']}", headers=board).get_json()["ticket"]
    assert seen["status"] == "waiting" and seen["position"] == 1  # the senior goes first
    assert "visit" not in seen and "priority_class" not in seen

    called = client.post("/api/v1/counter/call-next", headers=pad).get_json()["ticket"]
    assert called["public_id"] == second["public_id"] and called["counter"] == 1
    path = f"/api/v1/tickets/{called['public_id']}"
    assert client.post(f"{path}/recall", headers=pad).status_code == 200
    assert client.post(f"{path}/start", headers=pad).get_json()["ticket"]["status"] == "serving"
    moved = client.post(f"{path}/transfer", json={"service": "B"}, headers=pad)
    assert moved.status_code == 200 and moved.get_json()["ticket"]["label"] == "B001"

    called = client.post("/api/v1/counter/call-next", headers=pad).get_json()["ticket"]
    assert called["label"] == "A001"
    path = f"/api/v1/tickets/{called['public_id']}"
    assert client.post(f"{path}/no-show", headers=pad).get_json()["ticket"]["status"] == "no_show"

    called = client.post("/api/v1/counter/call-next", headers=pad).get_json()["ticket"]
    assert called["label"] == "B001"  # counter 1 serves B after A
    path = f"/api/v1/tickets/{called['public_id']}"
    client.post(f"{path}/start", headers=pad)
    assert client.post(f"{path}/finish", headers=pad).get_json()["ticket"]["status"] == "done"

    assert client.post("/api/v1/counter/call-next", headers=pad).status_code == 204

    board_now = client.get("/api/v1/display", headers=board)
    version = board_now.get_json()["version"]
    assert board_now.get_json()["waiting"][0] == {"service": "A", "waiting": 0}
    assert client.get(f"/api/v1/display?since={version}", headers=board).status_code == 204
    client.post("/api/v1/tickets", json={"service": "B"}, headers=kiosk)
    changed = client.get(f"/api/v1/display?since={version}", headers=board)
    assert changed.status_code == 200 and changed.get_json()["version"] > version


def test_kiosk_and_display_tokens_may_not_act_at_counters(client, db, open_hall, token):
    kiosk, board = token("kiosk"), token("display")
    before = counts(db)
    for headers in (kiosk, board):
        response = client.post("/api/v1/counter/call-next", headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    refused = client.post("/api/v1/tickets", json={"service": "A"}, headers=board)
    assert refused.status_code == 403
    assert counts(db) == before


def test_a_counter_token_cannot_act_for_another_counter(client, db, open_hall, token):
    open_counter(open_hall, 1)
    open_counter(open_hall, 2)
    kiosk, pad1, pad2 = token("kiosk"), token("counter", counter=1), token("counter", counter=2)
    client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
    called = client.post("/api/v1/counter/call-next", headers=pad1).get_json()["ticket"]
    before = counts(db)
    for step in ("recall", "start", "no-show", "finish"):
        response = client.post(f"/api/v1/tickets/{called['public_id']}/{step}", headers=pad2)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "not_your_counter"
    assert counts(db) == before


def test_unknown_service_gives_a_json_error_and_issues_nothing(client, db, token):
    kiosk = token("kiosk")
    before = counts(db)
    response = client.post("/api/v1/tickets", json={"service": "Z"}, headers=kiosk)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "unknown_service"
    assert response.get_json()["error"]["message"]
    assert counts(db) == before


@pytest.mark.parametrize(
    "data",
    [
        "{not json",
        "[1, 2]",
        '"A"',
        '{"service": 5}',
        '{"priority_class": ["x"]}',
        '{"service": "A", "n": NaN}',  # not JSON, though Python's parser takes it
    ],
)
def test_malformed_json_is_refused(client, db, token, data):
    kiosk = token("kiosk")
    before = counts(db)
    response = client.post(
        "/api/v1/tickets", data=data, headers=kiosk | {"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"] in ("malformed_json", "invalid_value")
    assert counts(db) == before


def test_a_body_not_sent_as_json_is_refused(client, db, token):
    before = counts(db)
    response = client.post("/api/v1/tickets", data='{"service": "A"}', headers=token("kiosk"))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"
    assert counts(db) == before


def test_a_ticket_that_does_not_exist_is_404(client, db, token):
    pad, board = token("counter", counter=1), token("display")
    response = client.get("/api/v1/tickets/no-such-ticket", headers=board)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "ticket_not_found"
    response = client.post("/api/v1/tickets/no-such-ticket/finish", headers=pad)
    assert response.status_code == 404


def test_expired_revoked_and_unknown_tokens_are_refused(client, db, open_hall, token):
    expired = token("kiosk", expires_at=utcnow() - timedelta(minutes=1))
    revoked_row, raw = devices.create_device_token(open_hall, "kiosk", now=utcnow())
    devices.revoke_device_token(revoked_row.id, now=utcnow())
    revoked = {"Authorization": f"Bearer {raw}"}
    before = counts(db)
    for headers, code in (
        (expired, "token_expired"),
        (revoked, "token_revoked"),
        ({"Authorization": "Bearer hall_made-up"}, "invalid_token"),
        ({}, "invalid_token"),
        ({"Authorization": "Basic abc"}, "invalid_token"),
    ):
        response = client.post("/api/v1/tickets", json={"service": "A"}, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == code
    assert counts(db) == before


def test_illegal_steps_are_409_with_a_clear_message(client, db, open_hall, token):
    kiosk, pad = token("kiosk"), token("counter", counter=1)
    client.put("/api/v1/counter/state", json={"state": "closed"}, headers=pad)
    response = client.post("/api/v1/counter/call-next", headers=pad)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "counter_not_open"
    bad = client.put("/api/v1/counter/state", json={"state": "asleep"}, headers=pad)
    assert bad.status_code == 422
    client.put("/api/v1/counter/state", json={"state": "open"}, headers=pad)
    client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
    called = client.post("/api/v1/counter/call-next", headers=pad).get_json()["ticket"]
    response = client.post(f"/api/v1/tickets/{called['public_id']}/finish", headers=pad)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "illegal_step"
    assert "A001" in response.get_json()["error"]["message"]


def test_a_pads_start_finish_and_no_show_are_taken_whole_or_refused_with_nothing_written(
    client, db, open_hall, token
):
    """start, finish and no-show as a pad names the ticket (on PostgreSQL each one
    statement, queue/at_counter.py): each moves the ticket, records its one event with the
    pad and its counter, and bumps the hall's version once; refused, nothing is written."""
    kiosk, pad, other_pad = token("kiosk"), token("counter", counter=1), token("counter", counter=2)
    client.put("/api/v1/counter/state", json={"state": "open"}, headers=pad)
    for _ in range(2):
        client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)

    def call() -> str:
        called = client.post("/api/v1/counter/call-next", headers=pad)
        assert called.status_code == 200, called.get_data(as_text=True)
        return called.get_json()["ticket"]["public_id"]

    def step(public_id: str, name: str, headers: dict = pad):
        return client.post(f"/api/v1/tickets/{public_id}/{name}", headers=headers)

    first = call()
    before = counts(db)
    for public_id, name, headers, status, code in (
        (first, "start", other_pad, 403, "not_your_counter"),
        (first, "finish", pad, 409, "illegal_step"),
        ("no-such-ticket", "start", pad, 404, "ticket_not_found"),
    ):
        refused = step(public_id, name, headers)
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (status, code)
        assert counts(db) == before

    second = None
    for public_id, name, status in (
        (first, "start", "serving"),
        (first, "finish", "done"),
        (None, "no-show", "no_show"),
    ):
        public_id = public_id or (second := call())
        tickets, events, version = counts(db)
        answer = step(public_id, name)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert (answer.get_json()["ticket"]["status"], answer.get_json()["ticket"]["counter"]) == (
            status,
            1,
        )
        assert counts(db) == (tickets, events + 1, version + 1)
        ticket = db.session.scalar(select(Ticket).where(Ticket.public_id == public_id))
        event = db.session.scalar(select(TicketEvent).order_by(TicketEvent.id.desc()).limit(1))
        assert ticket.status == status and event.ticket_id == ticket.id
        assert event.counter_id == ticket.counter_id and event.device_token_id is not None
    assert second is not None
    done = db.session.scalar(select(Ticket).where(Ticket.public_id == first))
    assert done.started_at is not None and done.finished_at == done.closed_at is not None


def test_error_messages_follow_the_language_asked_for(client, db, token):
    kiosk = token("kiosk")
    zh = client.post(
        "/api/v1/tickets", json={"service": "Z"}, headers=kiosk | {"Accept-Language": "zh-CN"}
    )
    en = client.post(
        "/api/v1/tickets", json={"service": "Z"}, headers=kiosk | {"Accept-Language": "en"}
    )
    assert zh.get_json()["error"]["message"] == "本大厅没有这项业务。"
    assert en.get_json()["error"]["message"] == "There is no such service in this hall."


def test_device_token_command_prints_the_token_last(runner, db, open_hall):
    result = runner.invoke(
        args=["device-token", "create", "--kind", "counter", "--counter", "2", "--hall", "demo"]
    )
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert devices.authenticate(raw, now=utcnow()).counter.number == 2
    listed = runner.invoke(args=["device-token", "list", "--hall", "demo"])
    token_id = listed.output.split()[0]
    revoked = runner.invoke(args=["device-token", "revoke", token_id])
    assert revoked.exit_code == 0
    with pytest.raises(devices.TokenRevoked):
        devices.authenticate(raw, now=utcnow())
    missing = runner.invoke(args=["device-token", "create", "--kind", "counter"])
    assert missing.exit_code != 0


def test_an_unknown_operation_is_a_json_404(client):
    response = client.post("/api/v1/teleport", json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
