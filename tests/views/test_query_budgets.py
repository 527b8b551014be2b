"""How many SQL statements each hot path costs: deterministic budgets, never timings.

Speed itself is measured by `make bench`. These budgets keep the steps that every kiosk,
counter, board and phone repeats all day cheap, and show that their cost does not grow
with the number of tickets waiting.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from hallapp import render_cache
from hallapp.extensions import db
from hallapp.models import Hall, Service, Ticket, TicketCounter, Visit, utcnow
from hallapp.services import calendar, devices, hall_now, live, queue
from hallapp.services.queue import issuing
from tests.builders import open_counter
from tests.clock import DEFAULT_INSTANT

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def still_clock(clock):
    """The clock stands still: the service-time cache and once-a-minute writes follow it,
    and a count must not depend on how long a busy machine takes to run the test."""
    clock.move_to(DEFAULT_INSTANT, tick=False)


@contextmanager
def statements(db):
    """Collect every statement sent to the database inside the block (BEGIN included)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def on(db, *, postgresql: int, sqlite: int) -> int:
    """A budget per database: on PostgreSQL a step's writes go as one statement (the
    queue's writes.py), on SQLite one by one after its BEGIN."""
    return postgresql if db.engine.dialect.name == "postgresql" else sqlite


class StableHall:
    """The hall's id and code, usable after the test's session was emptied."""

    def __init__(self, hall: Hall):
        self.id, self.code = hall.id, hall.code


@pytest.fixture
def open_hall(db, hall):
    for number in (1, 2):
        open_counter(hall, number)
    return StableHall(hall)


@pytest.fixture
def token(open_hall):
    def make(kind: str, counter: int | None = None) -> dict:
        _row, raw = devices.create_device_token(
            db.session.get(Hall, open_hall.id), kind, counter_number=counter, now=utcnow()
        )
        return {"Authorization": f"Bearer {raw}"}

    return make


def fill(hall, count: int, code: str = "A") -> None:
    hall = db.session.get(Hall, hall.id)
    start = utcnow() - timedelta(hours=1)
    for n in range(count):
        queue.issue_ticket(hall, code, source="desk", now=start + timedelta(seconds=n))


def served(hall, count: int = 3) -> None:
    """A few finished services, so estimates have something to say."""
    hall = db.session.get(Hall, hall.id)
    now = utcnow() - timedelta(minutes=30)
    counter = open_counter(hall, 2)
    for n in range(count):
        queue.issue_ticket(hall, "A", source="desk", now=now + timedelta(minutes=n))
    for n in range(count):
        at = now + timedelta(minutes=5 + n * 3)
        ticket = queue.call_next(counter, now=at)
        queue.start(ticket, now=at)
        queue.finish(ticket, now=at + timedelta(minutes=2))


def cost(db, request) -> int:
    """Statements of one request, starting as a worker does: with nothing in the session."""
    db.session.expire_all()
    db.session.expunge_all()
    with statements(db) as sent:
        response = request()
    assert response.status_code < 400, response.get_data(as_text=True)
    return len(sent)


@pytest.mark.parametrize("waiting", [10, 200])
def test_issuing_a_ticket_costs_the_same_however_long_the_queue(
    client, db, open_hall, token, waiting
):
    served(open_hall)
    fill(open_hall, waiting)
    kiosk = token("kiosk")
    client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)  # a warm worker
    spent = cost(db, lambda: client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk))
    # The kiosk's pass and its hall; the service; the open day; the visit, the number, the
    # ticket, its event and the version together; its place and the open counters (SQLite
    # writes each apart and adds its two BEGINs). A warm worker remembers the pass, the
    # open day and the open counters (the test below).
    assert spent <= on(db, postgresql=7, sqlite=13)


def test_a_console_call_and_its_answer_cost_no_more_at_200_waiting_than_at_10(
    login_as, db, open_hall
):
    served(open_hall)
    clerk = login_as("counter")
    clerk.post("/queue/counters/1/sign-in", headers=HX)
    fill(open_hall, 10)
    clerk.get("/queue/counters/1")  # a warm worker: the service times are measured
    few = cost(db, lambda: clerk.post("/queue/counters/1/next", headers=HX))
    clerk.post("/queue/counters/1/no-show", headers=HX)
    fill(open_hall, 190, code="B")
    many = cost(db, lambda: clerk.post("/queue/counters/1/next", headers=HX))
    assert many == few


def test_the_api_call_start_finish_cycle_stays_within_budget(client, db, open_hall, token):
    served(open_hall)
    fill(open_hall, 50)
    pad = token("counter", counter=1)
    client.get("/api/v1/counter", headers=pad)  # seen once; a warm worker
    db.session.expunge_all()
    with statements(db) as sent:
        called = client.post("/api/v1/counter/call-next", headers=pad)
    assert called.status_code == 200
    # The device, the counter locked with its services and whether it is free; then on
    # PostgreSQL the next ticket locked and called with its event and the hall's version,
    # returned with its service, in one statement (on SQLite the ticket locked, then its
    # writes one by one, after BEGIN).
    assert len(sent) <= on(db, postgresql=3, sqlite=7)
    public_id = called.get_json()["ticket"]["public_id"]
    for step in ("start", "finish"):
        spent = cost(
            db, lambda step=step: client.post(f"/api/v1/tickets/{public_id}/{step}", headers=pad)
        )
        # The device; on PostgreSQL the ticket's update, its event and the hall's version in
        # one statement (on SQLite the ticket locked, then its writes one by one, after
        # BEGIN).
        assert spent <= on(db, postgresql=2, sqlite=6), step


@pytest.mark.parametrize(
    ("step", "budget"),
    [("next", 23), ("recall", 22), ("start", 22), ("finish", 22), ("no-show", 20), ("park", 20)],
)
def test_each_console_key_press_builds_the_panel_once(login_as, db, open_hall, step, budget):
    served(open_hall)
    fill(open_hall, 40)
    clerk = login_as("counter")
    clerk.post("/queue/counters/1/sign-in", headers=HX)
    if step != "next":
        clerk.post("/queue/counters/1/next", headers=HX)
    if step == "finish":
        clerk.post("/queue/counters/1/start", headers=HX)
    spent = cost(db, lambda: clerk.post(f"/queue/counters/1/{step}", headers=HX))
    assert spent <= on(db, postgresql=budget - 4, sqlite=budget)


def test_polls_cost_one_or_two_reads_when_nothing_changed(client, db, open_hall, token):
    fill(open_hall, 20)
    mine = queue.issue_ticket(
        db.session.get(Hall, open_hall.id), "A", source="desk", now=utcnow()
    ).public_id
    version = live.current_version(open_hall.id)
    board = token("display")
    minute = (
        utcnow()
        .astimezone(queue.hall_zone(db.session.get(Hall, open_hall.id)))
        .strftime("%Y%m%d%H%M")
    )

    # A device's first request notes it was seen (one write per half minute); after that a
    # poll of an unchanged hall only reads.
    client.get(f"/api/v1/display?since={version}", headers=board)
    assert cost(db, lambda: client.get(f"/api/v1/display?since={version}", headers=board)) <= 3
    display = f"/display/demo?since={version}&minute={minute}"
    assert cost(db, lambda: client.get(display, headers=HX)) <= 3
    track = f"/t/{mine}?since={version}"
    assert cost(db, lambda: client.get(track, headers=HX)) <= 3


def mine_among_twenty(db, open_hall) -> str:
    """A served hall with 20 waiting and then one more, whose public id this gives: what
    the live-screen tests render. The clock stands at DEFAULT_INSTANT (still_clock)."""
    served(open_hall)
    fill(open_hall, 20)
    hall = db.session.get(Hall, open_hall.id)
    return queue.issue_ticket(hall, "A", source="desk", now=DEFAULT_INSTANT).public_id


def test_live_screens_render_once_per_hall_version(client, db, open_hall, token):
    mine = mine_among_twenty(db, open_hall)
    board = token("display")
    paths = [
        ("/api/v1/display", board),
        ("/display/demo?since=0", HX),
        (f"/t/{mine}?since=0", HX),
    ]
    for path, headers in paths:
        first = cost(db, lambda path=path, headers=headers: client.get(path, headers=headers))
        again = cost(db, lambda path=path, headers=headers: client.get(path, headers=headers))
        assert again <= 3 < first, path
    # A step bumps the hall's version: the next poll renders the new state.
    queue.call_next(open_counter(open_hall, 1), now=utcnow())
    after = client.get(f"/t/{mine}?since=0", headers=HX).get_data(as_text=True)
    assert 'id="track-ahead">' in after
    display = client.get("/api/v1/display", headers=board).get_json()
    assert [call["label"] for call in display["calls"]] == ["A004"]


@pytest.fixture
def worker_clock(app):
    """This worker's monotonic clock, for what polls remember (render_cache.Recent)."""
    seconds = [0.0]
    app.extensions["hall_recent_values"] = render_cache.Recent(0.25, clock=lambda: seconds[0])
    return seconds


def test_a_poll_that_finds_nothing_new_reads_no_table(client, db, open_hall, token, worker_clock):
    mine = queue.issue_ticket(
        db.session.get(Hall, open_hall.id), "A", source="desk", now=utcnow()
    ).public_id
    version = live.current_version(open_hall.id)
    minute = hall_now.minute_of(db.session.get(Hall, open_hall.id), utcnow())
    board = token("display")
    polls = [
        (f"/api/v1/display?since={version}", board),
        (f"/display/demo?since={version}&minute={minute}", HX),
        (f"/t/{mine}?since={version}", HX),
    ]
    for path, headers in polls:
        client.get(path, headers=headers)  # the worker reads the hall, ticket, device once
        for _ in range(3):
            assert (
                cost(db, lambda path=path, headers=headers: client.get(path, headers=headers)) == 0
            )

    # A step commits: the polls see it once what the worker read is older than 0.25 s.
    queue.call_next(open_counter(open_hall, 1), now=utcnow())
    for path, headers in polls:
        assert client.get(path, headers=headers).status_code == 204
    worker_clock[0] += 0.3
    for path, headers in polls:
        assert client.get(path, headers=headers).status_code == 200, path


def test_a_revoked_display_stops_polling_once_its_pass_is_older_than_the_recent_age(
    client, db, open_hall, worker_clock
):
    row, raw = devices.create_device_token(
        db.session.get(Hall, open_hall.id), "display", now=utcnow()
    )
    board = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/display", headers=board).status_code == 200
    devices.revoke_device_token(row.id, now=utcnow())
    worker_clock[0] += 0.3
    response = client.get("/api/v1/display", headers=board)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_revoked"


def test_what_a_worker_remembers_is_bounded_and_ages():
    seconds = [0.0]
    loads: list[str] = []
    recent = render_cache.Recent(1.0, size=2, clock=lambda: seconds[0])

    def load(key):
        loads.append(key)
        return key.upper()

    assert [recent.get(k, lambda k=k: load(k)) for k in ("a", "a", "b", "c", "a")] == list("AABCA")
    assert loads == ["a", "b", "c", "a"]  # "a" was pushed out by "b" and "c"
    seconds[0] = 1.0
    recent.get("a", lambda: load("a"))
    assert loads[-1] == "a" and len(loads) == 5


def test_a_warm_kiosk_issues_with_what_the_worker_remembers_of_the_day(
    client, db, open_hall, token, worker_clock
):
    kiosk = token("kiosk")
    issue = lambda: client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)  # noqa: E731
    issue(), issue()  # the second has one ahead: its estimate reads what the worker keeps
    bare = cost(db, issue)
    # The pass, its hall, the service, the open day and open counters come from what the
    # worker read less than 0.25 s ago: the write and the place are left (SQLite writes
    # the visit, the number, the ticket, the event and the version apart, and adds its
    # BEGINs).
    assert bare <= on(db, postgresql=2, sqlite=8)

    # A holiday set now closes the kiosk once what the worker remembers is older than that.
    hall = db.session.get(Hall, open_hall.id)
    day = hall_now.service_day(hall, utcnow())
    calendar.add_day(hall, day, "holiday", "", actor=None)
    assert issue().status_code == 201
    worker_clock[0] += 0.3
    refused = issue()
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "hall_closed"


def test_a_warm_issue_commits_with_its_statement_and_one_past_the_limit_writes_nothing(
    client, db, open_hall, token, worker_clock, monkeypatch
):
    """With nothing read before it, a warm issue's one statement is its own transaction
    (queue.common.core_alone): its ticket is in the database before the request's commit.
    An issue that read first (its Idempotency-Key) stays one transaction; and a warm
    statement past the daily limit writes nothing, not even the day's number."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no one-statement issue")
    db.session.execute(
        update(Service)
        .where(Service.hall_id == open_hall.id, Service.code == "A")
        .values(daily_limit=4)
    )
    db.session.commit()
    kiosk = token("kiosk")

    def issue(**headers):
        return client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk | headers)

    issue(), issue()  # the day's counter row, and what the worker remembers
    test_session = db.session()
    committed_before_the_commit: list[int] = []

    def count_from_elsewhere(session):
        if session is not test_session:
            with db.engine.connect() as other:
                committed_before_the_commit.append(other.scalar(select(func.count(Ticket.id))))

    event.listen(Session, "before_commit", count_from_elsewhere)
    try:
        assert issue().status_code == 201
        assert issue(**{"Idempotency-Key": "k1"}).status_code == 201
    finally:
        event.remove(Session, "before_commit", count_from_elsewhere)
    assert committed_before_the_commit == [3, 3]

    # Past the limit, the statement writes nothing and the early look refuses; had that
    # look passed (another kiosk took the last ticket meanwhile), the number taken does.
    for early_look in (issuing.limit_reached, lambda *args: False):
        monkeypatch.setattr(issuing, "limit_reached", early_look)
        refused = issue()
        assert refused.status_code == 409
        assert refused.get_json()["error"]["code"] == "daily_limit_reached"
        counted = db.session.execute(select(TicketCounter.last_number, TicketCounter.issued))
        assert tuple(counted.one()) == (4, 4)
        assert db.session.scalar(select(func.count(Visit.id))) == 4


def test_a_service_closed_now_is_refused_once_what_the_worker_remembers_is_older(
    client, db, open_hall, token, worker_clock
):
    kiosk = token("kiosk")
    issue = lambda: client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)  # noqa: E731
    assert issue().status_code == 201
    service = queue.get_service(db.session.get(Hall, open_hall.id), "A")
    service.active = False
    db.session.commit()
    db.session.remove()

    assert issue().status_code == 201  # the worker read the service less than 0.25 s ago
    worker_clock[0] += 0.3
    refused = issue()
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "service_inactive"


def test_rendering_a_live_screen_after_a_change_stays_within_budget(client, db, open_hall, token):
    mine = mine_among_twenty(db, open_hall)
    for number in (1, 2):
        queue.call_next(open_counter(open_hall, number), now=DEFAULT_INSTANT)
    # The device or the screen's hall and the version; then what the screen shows: for a
    # board its calls, services, waiting counts and missed calls (SQLite adds its BEGINs).
    # A device's first request of the minute also writes that it was seen.
    budgets = [
        ("/api/v1/display", token("display"), 11),
        ("/display/demo?since=0", HX, 10),
        (f"/t/{mine}?since=0", HX, 10),
    ]
    for path, headers, budget in budgets:
        spent = cost(db, lambda path=path, headers=headers: client.get(path, headers=headers))
        assert spent <= budget, (path, spent)


def test_a_warm_counter_pad_reads_no_token_row(client, db, open_hall, token, worker_clock):
    served(open_hall)
    fill(open_hall, 10)
    pad = token("counter", counter=1)
    client.get("/api/v1/counter", headers=pad)  # the worker reads the pad's pass once
    with statements(db) as sent:
        called = client.post("/api/v1/counter/call-next", headers=pad)
    assert not any("FROM device_token" in statement for statement in sent)
    public_id = called.get_json()["ticket"]["public_id"]
    for step in ("start", "finish"):
        spent = cost(
            db, lambda step=step: client.post(f"/api/v1/tickets/{public_id}/{step}", headers=pad)
        )
        # PostgreSQL: the ticket's update, its event and the hall's version, returning it
        # with its service and counter, in one statement (queue/at_counter.py). SQLite:
        # the ticket locked with them, then the writes one by one, after its BEGIN.
        assert spent <= on(db, postgresql=1, sqlite=5), step


def test_a_steps_answer_reads_outside_a_transaction_on_postgresql(client, db, open_hall, token):
    """The step's own transaction, then the answer's reads in autocommit (no BEGIN and
    ROLLBACK around them); every connection goes back to the pool in transaction mode."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's reads after a step begin deferred instead (hallapp/sqlite.py)")
    kiosk = token("kiosk")
    client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
    db.session.remove()
    modes: list[bool] = []
    back: list[bool] = []

    def taken(dbapi_connection, _record, _proxy):
        modes.append(dbapi_connection.autocommit)

    def returned(dbapi_connection, _record):
        back.append(dbapi_connection.autocommit)

    event.listen(db.engine, "checkout", taken)
    event.listen(db.engine, "checkin", returned)
    try:
        answer = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
    finally:
        event.remove(db.engine, "checkout", taken)
        event.remove(db.engine, "checkin", returned)
    assert answer.status_code == 201 and answer.get_json()["ticket"]["position"] == 1
    assert modes == [False, True]
    assert back and not any(back)


def test_a_phone_page_renders_a_change_with_its_ticket_read_once(
    client, db, open_hall, worker_clock
):
    """The page renders once per ticket and change of its hall: the version, the ticket with
    its service and counter in one read, its place; the hall is what the worker remembers."""
    mine = mine_among_twenty(db, open_hall)
    track = f"/t/{mine}?since=0"
    client.get(track, headers=HX)  # a warm worker: the ticket's hall, the estimate's figures
    queue.call_next(open_counter(open_hall, 1), now=DEFAULT_INSTANT)
    render_cache.recent_values().forget(("version", open_hall.id))  # as 0.25 s later
    with statements(db) as sent:
        assert client.get(track, headers=HX).status_code == 200
    assert len(sent) <= on(db, postgresql=3, sqlite=4), sent


def test_a_phone_page_reads_which_hall_its_ticket_is_in_once_per_worker(
    client, db, open_hall, worker_clock
):
    """A ticket never moves to another hall: once the version a poll compares with is older
    than the recent age, the poll reads the version again, and only that."""
    mine = queue.issue_ticket(
        db.session.get(Hall, open_hall.id), "A", source="desk", now=DEFAULT_INSTANT
    ).public_id
    poll = f"/t/{mine}?since={live.current_version(open_hall.id)}"
    assert client.get(poll, headers=HX).status_code == 204
    for _ in range(3):
        worker_clock[0] += 10
        # The version (SQLite adds its BEGIN).
        assert cost(db, lambda: client.get(poll, headers=HX)) == on(db, postgresql=1, sqlite=2)
