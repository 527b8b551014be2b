"""A simulated morning in the demo hall, driven from counter consoles and the device API alike.

Kiosks issue tickets through the API in waves; counters 1-3 are caller pads on the API,
counters 4-6 are officers at their consoles. Every ticket must end served, a no-show or
transferred-and-served, with a consistent event history.
"""

from datetime import time

from sqlalchemy import func, select

from hallapp.models import Counter, Hall, Staff, StaffRole, Ticket, TicketEvent, utcnow
from hallapp.services import demo, devices, hall_now, queue
from tests.builders import _PASSWORD_HASH

HX = {"HX-Request": "true"}
API_COUNTERS = (1, 2, 3)
CONSOLE_COUNTERS = (4, 5, 6)
WAVES = 8
TICKETS_PER_WAVE = 6


def _bearer(hall, kind, counter=None):
    _row, raw = devices.create_device_token(hall, kind, counter_number=counter, now=utcnow())
    return {"Authorization": f"Bearer {raw}"}


def _console_client(app, db, hall, number):
    staff = Staff(
        hall=hall,
        username=f"officer{number}",
        full_name=f"Officer {number}",
        password_hash=_PASSWORD_HASH,
        role_rows=[StaffRole(role="counter")],
    )
    db.session.add(staff)
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff.get_id()
        session["_fresh"] = True
    assert client.post(f"/queue/counters/{number}/sign-in", headers=HX).status_code == 200
    return client


def test_a_whole_morning_from_consoles_and_the_api(app, db, client):
    demo.load_demo("a-demo-password")
    hall = db.session.scalar(select(Hall).where(Hall.code == demo.DEMO_HALL))
    # The API runs on the real clock; open the demo hall all day so the test runs any time.
    hall.opens_at, hall.closes_at, hall.open_weekdays = time(0, 0), time(23, 59, 59), "1234567"
    db.session.commit()
    kiosk, board = _bearer(hall, "kiosk"), _bearer(hall, "display")
    pads = {number: _bearer(hall, "counter", number) for number in API_COUNTERS}
    consoles = {number: _console_client(app, db, hall, number) for number in CONSOLE_COUNTERS}
    for headers in pads.values():
        assert (
            client.put("/api/v1/counter/state", json={"state": "open"}, headers=headers).status_code
            == 200
        )

    counter_ids = {c.number: c.id for c in hall.counters}
    services = [s["code"] for s in client.get("/api/v1/services", headers=kiosk).json["services"]]
    assert services == ["A", "B", "C", "D", "E"]
    issued = 0
    current: dict[int, dict | None] = {number: None for number in API_COUNTERS}
    handled = 0

    def api_turn(number):
        nonlocal handled
        headers = pads[number]
        ticket = current[number]
        if ticket is None:
            response = client.post("/api/v1/counter/call-next", headers=headers)
            if response.status_code == 200:
                current[number] = response.json["ticket"]
            return response.status_code == 200
        path = f"/api/v1/tickets/{ticket['public_id']}"
        handled += 1
        if handled % 9 == 0:
            assert client.post(f"{path}/no-show", headers=headers).status_code == 200
        elif handled % 7 == 0 and ticket["service"] != "D":
            client.post(f"{path}/start", headers=headers)
            moved = client.post(f"{path}/transfer", json={"service": "D"}, headers=headers)
            assert moved.status_code == 200, moved.json
        else:
            assert client.post(f"{path}/recall", headers=headers).status_code == 200
            assert client.post(f"{path}/start", headers=headers).status_code == 200
            assert client.post(f"{path}/finish", headers=headers).status_code == 200
        current[number] = None
        return True

    def console_turn(number):
        officer = consoles[number]
        assert f'id="counter-{number}-panel"' in officer.get(f"/queue/counters/{number}").text
        ticket = queue.current_ticket(db.session.get(Counter, counter_ids[number]))
        db.session.rollback()
        if ticket is None:
            response = officer.post(f"/queue/counters/{number}/next", headers=HX)
            assert response.status_code == 200
            return "Nobody is waiting" not in response.text and "暂无人" not in response.text
        if ticket.status == "called":
            assert officer.post(f"/queue/counters/{number}/start", headers=HX).status_code == 200
        else:
            assert officer.post(f"/queue/counters/{number}/finish", headers=HX).status_code == 200
        return True

    for wave in range(WAVES):
        for n in range(TICKETS_PER_WAVE):
            body = {"service": "ABCD"[(wave + n) % 4]}
            if n == 0:
                body["priority_class"] = "senior"
            response = client.post("/api/v1/tickets", json=body, headers=kiosk)
            assert response.status_code == 201, response.json
            issued += 1
        for _ in range(4):
            for number in API_COUNTERS:
                api_turn(number)
            for number in CONSOLE_COUNTERS:
                console_turn(number)
        assert client.get("/api/v1/display", headers=board).status_code == 200

    for _ in range(200):  # the late morning: serve whoever is left
        busy = [api_turn(number) for number in API_COUNTERS]
        busy += [console_turn(number) for number in CONSOLE_COUNTERS]
        if not any(busy):
            break

    db.session.rollback()
    statuses = dict(
        db.session.execute(
            select(Ticket.status, func.count(Ticket.id)).group_by(Ticket.status)
        ).all()
    )
    assert set(statuses) <= {"done", "no_show", "transferred"}
    assert statuses.get("done", 0) + statuses.get("no_show", 0) == issued
    assert statuses.get("no_show", 0) > 0 and statuses.get("transferred", 0) > 0
    called_twice = db.session.execute(
        select(TicketEvent.ticket_id)
        .where(TicketEvent.step == "called")
        .group_by(TicketEvent.ticket_id)
        .having(func.count(TicketEvent.id) > 1)
    ).all()
    assert called_twice == []
    served_by_consoles = db.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.status == "done",
            Ticket.counter_id.in_([counter_ids[n] for n in CONSOLE_COUNTERS]),
        )
    )
    assert served_by_consoles > 0
    service_a = queue.get_service(hall, "A")
    assert hall_now.mean_service_times(hall, now=utcnow()).get(service_a.id)
