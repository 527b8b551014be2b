"""The poll gate answers an unchanged poll as its view would, and only then (poll_gate.py)."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import request_started

from hallapp import poll_gate, render_cache
from hallapp.extensions import db
from hallapp.models import Hall
from hallapp.models.queue import DeviceToken
from hallapp.observe import REGISTRY
from hallapp.services import devices, hall_now, live, queue
from tests.builders import open_counter
from tests.clock import DEFAULT_INSTANT
from tests.request_log import request_log_lines

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def still_clock(clock):
    clock.move_to(DEFAULT_INSTANT, tick=False)


@pytest.fixture
def worker_clock(app):
    """This worker's monotonic clock for what polls remember, which the gate reads."""
    seconds = [0.0]
    app.extensions["hall_recent_values"] = render_cache.Recent(0.25, clock=lambda: seconds[0])
    return seconds


@contextmanager
def views_run(app):
    """How many requests reached Flask (and so a view) inside the block."""
    reached: list[str] = []

    def note(_sender, **_extra):
        reached.append("view")

    request_started.connect(note, app)
    try:
        yield reached
    finally:
        request_started.disconnect(note, app)


@pytest.fixture
def polls(db, hall):
    """The three polls of an unchanged hall, as the screens send them."""
    open_counter(hall, 1)
    mine = queue.issue_ticket(hall, "A", source="desk", now=DEFAULT_INSTANT).public_id
    _row, raw = devices.create_device_token(hall, "display", now=DEFAULT_INSTANT)
    version = live.current_version(hall.id)
    minute = hall_now.minute_of(hall, DEFAULT_INSTANT)
    return {
        "getDisplay": (f"/api/v1/display?since={version}", {"Authorization": f"Bearer {raw}"}),
        "board": (f"/display/{hall.code}?since={version}&minute={minute}", HX),
        "tracking": (f"/t/{mine}?since={version}", HX),
    }


def comparable(response) -> list[tuple[str, str]]:
    return sorted((name, value) for name, value in response.headers if name != "X-Request-ID")


@pytest.mark.parametrize("chose_language", [False, True])
@pytest.mark.parametrize("poll", ["getDisplay", "board", "tracking"])
def test_an_unchanged_poll_is_answered_as_its_view_answers_it(
    app, client, polls, worker_clock, poll, chose_language
):
    path, headers = polls[poll]
    if chose_language:  # the browser holds a session: its language
        page = polls["tracking"][0].split("?")[0]
        assert "Set-Cookie" in client.get(f"{page}?lang=en").headers
        worker_clock[0] += 0.3  # what the page read is forgotten
    with views_run(app) as reached:
        by_view = client.get(path, headers=headers)  # the worker reads what the poll needs
        by_gate = client.get(path, headers=headers)
    assert reached == ["view"]
    assert by_view.status_code == by_gate.status_code == 204
    assert comparable(by_gate) == comparable(by_view)
    assert by_gate.headers["X-Request-ID"] != by_view.headers["X-Request-ID"]
    asked = client.get(path, headers=headers | {"X-Request-ID": "board-7.poll-1"})
    assert asked.headers["X-Request-ID"] == "board-7.poll-1"


def test_the_gates_answers_are_measured_by_endpoint(app, client, polls, worker_clock):
    path, headers = polls["tracking"]
    labels = {"endpoint": "public.track", "method": "GET"}

    def answered() -> float:
        return REGISTRY.get_sample_value("hall_request_seconds_count", labels) or 0.0

    client.get(path, headers=headers)
    before = answered()
    with views_run(app) as reached:
        for _ in range(3):
            client.get(path, headers=headers)
    assert reached == [] and answered() == before + 3


def test_the_gates_answers_are_logged_with_their_request_id(app, client, polls, worker_clock):
    path, headers = polls["tracking"]
    client.get(path, headers=headers)
    with request_log_lines(app) as lines, views_run(app) as reached:
        client.get(path, headers=headers | {"X-Request-ID": "phone-9"})
    [line] = lines
    assert reached == []
    assert line["request_id"] == "phone-9"
    assert (line["endpoint"], line["status"]) == ("public.track", 204)
    assert line["path"] == path.split("?")[0]  # never the query string


@pytest.mark.parametrize("poll", ["getDisplay", "board", "tracking"])
def test_a_change_reaches_the_view_once_the_worker_reads_the_version_again(
    app, client, polls, worker_clock, poll
):
    path, headers = polls[poll]
    client.get(path, headers=headers)
    hall = db.session.scalar(db.select(Hall))
    queue.call_next(open_counter(hall, 1), now=DEFAULT_INSTANT)
    assert client.get(path, headers=headers).status_code == 204  # what the worker holds
    worker_clock[0] += 0.3
    with views_run(app) as reached:
        assert client.get(path, headers=headers).status_code == 200
    assert reached == ["view"]


@pytest.mark.parametrize(
    ("poll", "change", "status"),
    [
        ("board", lambda path, headers: (path, {}), 200),  # a page, not a poll
        ("tracking", lambda path, headers: (path, headers | {"HX-Boosted": "true"}), 200),
        ("tracking", lambda path, headers: (path + "&x=%01", headers), 400),
        ("getDisplay", lambda path, headers: (path + "&x=%7F", headers), 400),
        ("tracking", lambda path, headers: ("/t/unknown" + path[path.index("?") :], headers), 404),
        ("board", lambda path, headers: (path.replace("&minute=", "&minute=1"), headers), 200),
        ("getDisplay", lambda path, headers: (path, {"Authorization": "Bearer nope"}), 401),
        ("getDisplay", lambda path, headers: (path + "0", headers), 200),
    ],
)
def test_the_view_answers_what_the_gate_cannot_be_sure_of(
    app, client, polls, worker_clock, poll, change, status
):
    path, headers = polls[poll]
    client.get(path, headers=headers)
    path, headers = change(path, headers)
    with views_run(app) as reached:
        assert client.get(path, headers=headers).status_code == status
    assert reached == ["view"]


def test_a_display_device_is_still_noted_seen_once_a_minute(
    app, client, clock, polls, worker_clock
):
    path, headers = polls["getDisplay"]
    client.get(path, headers=headers)
    device = db.session.scalar(db.select(DeviceToken).where(DeviceToken.kind == "display"))
    assert device.last_seen_at == DEFAULT_INSTANT
    clock.move_to(DEFAULT_INSTANT + timedelta(seconds=61), tick=False)
    with views_run(app) as reached:
        assert client.get(path, headers=headers).status_code == 204
        assert client.get(path, headers=headers).status_code == 204
    assert reached == ["view"]  # the first marks it seen; the next is the gate's again
    db.session.refresh(device)
    assert device.last_seen_at == DEFAULT_INSTANT + timedelta(seconds=61)


def test_a_set_up_board_keeps_its_session_and_is_checked_once_a_minute(
    app, client, clock, hall, polls, worker_clock
):
    _row, raw = devices.create_device_token(hall, "display", now=DEFAULT_INSTANT)
    set_up = client.post(f"/display/{hall.code}/setup", data={"token": raw})
    assert set_up.status_code == 303
    path, headers = polls["board"]
    client.get(path, headers=headers)
    with views_run(app) as reached:
        by_gate = client.get(path, headers=headers)
    assert reached == [] and by_gate.status_code == 204
    # The board's session is renewed by every poll, as the view renews it.
    assert "Cookie" in by_gate.headers["Vary"]
    assert "Expires=" in by_gate.headers["Set-Cookie"]

    a_minute_on = DEFAULT_INSTANT + timedelta(seconds=61)
    clock.move_to(a_minute_on, tick=False)
    worker_clock[0] += 0.3  # the version and the minute are read again
    later = hall_now.minute_of(hall, a_minute_on)
    version = live.current_version(hall.id)
    path = f"/display/{hall.code}?since={version}&minute={later}"
    with views_run(app) as reached:
        assert client.get(path, headers=headers).status_code == 204  # the view checks it
        assert client.get(path, headers=headers).status_code == 204
    assert reached == ["view"]
    device = db.session.get(DeviceToken, _row.id)
    db.session.refresh(device)
    assert device.last_seen_at == DEFAULT_INSTANT + timedelta(seconds=61)


def _gate(app) -> poll_gate.PollGate:
    wsgi = app.wsgi_app
    while not isinstance(wsgi, poll_gate.PollGate):
        wsgi = wsgi.app  # a middleware in front of it (ProxyFix)
    return wsgi


def test_each_polled_address_is_routed_once_and_the_routes_kept_are_bounded(
    app, client, polls, worker_clock, monkeypatch
):
    """A screen polls the same address all day: the gate routes it as Flask would once,
    and then remembers where it goes (and where an address the app has not leads: on)."""
    gate = _gate(app)
    routed: list[str] = []
    create = app.create_url_adapter

    def counting(request):
        if request is not None:  # None: an app context's adapter, for url_for
            routed.append(request.path)
        return create(request)

    monkeypatch.setattr(app, "create_url_adapter", counting)
    path, headers = polls["board"]
    unknown = "/no/such/screen?since=1"
    with views_run(app) as reached:
        answers = [client.get(p, headers=headers).status_code for p in (path, path, path)]
        missing = [client.get(unknown).status_code for _ in range(2)]
    assert answers == [204, 204, 204] and missing == [404, 404]
    assert reached == ["view", "view", "view"]  # the first board poll, then each unknown
    # Once by the gate, and by Flask for each request that reached it.
    assert routed.count(path.split("?")[0]) == 1 + 1
    assert routed.count("/no/such/screen") == 1 + 2

    monkeypatch.setattr(poll_gate, "MATCHES_KEPT", 3)
    for n in range(5):
        client.get(f"/t/ticket-{n}?since=1")
    assert len(gate.matched) <= 3
