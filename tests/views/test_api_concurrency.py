"""Many kiosks and counters at once, against gunicorn with several worker processes.

Threads inside one process can hide races that separate processes reveal, so the app is
served by gunicorn (4 workers) on the test's database, and the clients are threads that
talk to it over HTTP with kiosk and counter tokens, as real devices do.
"""

import os
import socket
import subprocess
import threading
import time
from collections import Counter as Tally
from datetime import time as clock
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from hallapp.models import Ticket, TicketEvent, utcnow
from hallapp.services import devices, queue
from tests.builders import make_counter

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
KIOSKS = 8
TICKETS_PER_KIOSK = int(os.environ.get("HALL_CONCURRENCY_TICKETS_PER_KIOSK", "10"))
COUNTERS = 8

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn_url(app, database_url, tmp_path):
    """The app served by gunicorn with several workers on this test's database."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HALL_SQLITE_IMMEDIATE_TRANSACTIONS": "true",
        "HALL_SECRET_KEY": "concurrency-test",
        "HALL_IDENTITY_HASH_KEY": "concurrency-test",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-w",
            str(WORKERS),
            "--no-control-socket",
            "--preload",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/api/v1/openapi.json", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail((tmp_path / "gunicorn.log").read_text())
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


def _bearer(hall, kind, counter=None) -> dict:
    _row, raw = devices.create_device_token(hall, kind, counter_number=counter, now=utcnow())
    return {"Authorization": f"Bearer {raw}"}


def test_many_kiosks_and_counters_at_once_call_every_ticket_exactly_once(
    app, db, hall, database_url, gunicorn_url, capsys
):
    hall.opens_at, hall.closes_at = clock(0, 0), clock(23, 59, 59)
    a, b = queue.get_service(hall, "A"), queue.get_service(hall, "B")
    for number in range(3, COUNTERS + 1):
        make_counter(hall, number, [a, b] if number % 2 else [b, a])
    for counter in hall.counters:
        counter.state = "open"
    db.session.commit()
    kiosks = [_bearer(hall, "kiosk") for _ in range(KIOSKS)]
    pads = [_bearer(hall, "counter", number) for number in range(1, COUNTERS + 1)]

    start_line = threading.Barrier(KIOSKS + COUNTERS)
    kiosks_done = threading.Event()
    lock = threading.Lock()
    issued: list[dict] = []
    called: list[str] = []
    errors: list[str] = []

    def kiosk(headers, index):
        session = requests.Session()
        start_line.wait()
        for n in range(TICKETS_PER_KIOSK):
            body = {"service": "AB"[(index + n) % 2]}
            if n % 5 == 0:
                body["priority_class"] = "senior"
            response = session.post(f"{gunicorn_url}/api/v1/tickets", json=body, headers=headers)
            with lock:
                if response.status_code == 201:
                    issued.append(response.json()["ticket"])
                else:
                    errors.append(f"issue {response.status_code} {response.text}")

    def counter(headers):
        session = requests.Session()
        start_line.wait()
        while True:
            everyone_issued = kiosks_done.is_set()
            response = session.post(f"{gunicorn_url}/api/v1/counter/call-next", headers=headers)
            if response.status_code == 204:
                if everyone_issued:
                    return
                time.sleep(0.1)
                continue
            if response.status_code != 200:
                with lock:
                    errors.append(f"call {response.status_code} {response.text}")
                return
            public_id = response.json()["ticket"]["public_id"]
            with lock:
                called.append(public_id)
            for step in ("start", "finish"):
                done = session.post(
                    f"{gunicorn_url}/api/v1/tickets/{public_id}/{step}", headers=headers
                )
                if done.status_code != 200:
                    with lock:
                        errors.append(f"{step} {done.status_code} {done.text}")

    threads = [
        threading.Thread(target=kiosk, args=(headers, index))
        for index, headers in enumerate(kiosks)
    ] + [threading.Thread(target=counter, args=(headers,)) for headers in pads]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads[:KIOSKS]:
        thread.join()
    kiosks_done.set()
    for thread in threads[KIOSKS:]:
        thread.join(timeout=120)
    seconds = time.monotonic() - began

    db.session.rollback()
    expected = KIOSKS * TICKETS_PER_KIOSK
    labels = Tally(ticket["label"] for ticket in issued)
    calls = Tally(called)
    duplicates = sum(count - 1 for count in calls.values() if count > 1)
    issued_ids = {ticket["public_id"] for ticket in issued}
    skipped = len(issued_ids - set(calls))
    numbers_twice = sum(count - 1 for count in labels.values() if count > 1)
    with capsys.disabled():
        print(
            f"\n[queue concurrency, {db.engine.dialect.name}] gunicorn workers={WORKERS}, "
            f"kiosk threads={KIOSKS}, counter threads={COUNTERS}, tickets issued={len(issued)}, "
            f"calls={len(called)}, duplicates found={duplicates}, skipped={skipped}, "
            f"numbers issued twice={numbers_twice}, errors={len(errors)}, {seconds:.1f}s"
        )
    assert errors == []
    assert len(issued) == expected
    assert numbers_twice == 0
    for code in "AB":
        numbers = sorted(int(label[1:]) for label in labels if label[0] == code)
        assert numbers == list(range(1, len(numbers) + 1))  # no gap, no repeat
    assert duplicates == 0 and skipped == 0 and len(called) == expected
    called_events = db.session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.step == "called")
    )
    assert called_events == expected
    rows = db.session.execute(select(Ticket.status, func.count(Ticket.id)).group_by(Ticket.status))
    statuses = {status: count for status, count in rows.all()}
    assert statuses == {"done": expected}
