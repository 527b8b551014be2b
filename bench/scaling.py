"""Does a step cost more when the queue is long, or when the hall has years of history?

    .venv/bin/python -m bench.scaling                  # PostgreSQL, 1,000,000 past tickets
    .venv/bin/python -m bench.scaling --past 200000 --repeat 50

Issue #12 asks that a step's cost not grow with the tickets waiting (1,000 waiting within
1.2x of 10) nor with history (a million past tickets within 1.2x of an empty database).
This measures each hot path in one process through Flask's test client (no server, no
network, one request at a time: the app's and the database's own time per request, and
its statements), on three PostgreSQL databases made for it and
dropped after: 10 waiting; 1,000 waiting; 10 waiting after `--past` tickets of earlier
days (each with its visit and its issued, called and finished events). Steps run in
issue-then-call pairs, so the queue keeps its length while they are measured. Renders are
measured with the render cache emptied first. Not a test; it prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, text

from bench.harness import drop_database, new_database

ISSUE = {"service": "A"}

HISTORY_SQL = """
WITH days AS (
    SELECT g, (CURRENT_DATE - (1 + g % 730)) AS day FROM generate_series(1, :past) AS g
), visits AS (
    INSERT INTO visit (hall_id, arrived_at, senior, disabled, pregnant, patient, interpreter)
    SELECT :hall, day + time '09:00' + (g % 480) * interval '1 minute',
           false, false, false, false, false
    FROM days ORDER BY g
    RETURNING id, arrived_at
), numbered AS (
    SELECT id, arrived_at, row_number() OVER (ORDER BY id) AS g FROM visits
)
INSERT INTO ticket (hall_id, service_id, visit_id, service_day, number, status, source,
                    priority_class, arrival_at, public_id, recall_count, issued_at,
                    called_at, started_at, finished_at, closed_at, counter_id)
SELECT :hall, :service, id, CAST(arrived_at AS date), g, 'done', 'kiosk', 'normal',
       arrived_at, md5('past' || g), 0, arrived_at, arrived_at + interval '5 minutes',
       arrived_at + interval '5 minutes', arrived_at + interval '9 minutes',
       arrived_at + interval '9 minutes', :counter
FROM numbered
"""

EVENTS_SQL = """
INSERT INTO ticket_event (ticket_id, hall_id, step, at, counter_id, detail)
SELECT ticket.id, ticket.hall_id, steps.step, ticket.issued_at + steps.after, :counter, ''
FROM ticket
CROSS JOIN (VALUES ('issued', interval '0'), ('called', interval '5 minutes'),
                   ('finished', interval '9 minutes')) AS steps (step, after)
WHERE ticket.hall_id = :hall
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--past", type=int, default=1_000_000, help="tickets of earlier days")
    parser.add_argument("--waiting", type=int, default=1000, help="the long queue")
    parser.add_argument("--repeat", type=int, default=100, help="measured steps per path")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # waiting,past,url: one child
    args = parser.parse_args()
    os.environ.setdefault("HALL_SECRET_KEY", "bench-scaling")
    os.environ.setdefault("HALL_IDENTITY_HASH_KEY", "bench-scaling")
    if args.case:
        waiting, past, url = args.case.split(",", 2)
        print(json.dumps(measure_case(url, int(waiting), int(past), args.repeat)))
        return 0
    workdir = Path(tempfile.mkdtemp())
    cases = [
        ("10 waiting", 10, 0),
        (f"{args.waiting:,} waiting", args.waiting, 0),
        (f"10 waiting, {args.past:,} past tickets", 10, args.past),
    ]
    results: dict[str, dict[str, list[float]]] = {}
    for name, waiting, past in cases:
        url, plain = new_database("postgresql", workdir)
        try:
            started = time.monotonic()
            # Each case in a fresh process, so no case inherits another's warm caches.
            out = subprocess.run(
                [sys.executable, "-m", "bench.scaling", "--repeat", str(args.repeat)]
                + ["--case", f"{waiting},{past},{url}"],
                capture_output=True,
                text=True,
            )
            if out.returncode:
                raise RuntimeError(f"{name}: {out.stderr[-3000:]}")
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"[{name}] measured in {time.monotonic() - started:.0f} s", flush=True)
        finally:
            drop_database(plain)
    print(report(results, [name for name, *_ in cases]))
    return 0


def measure_case(url: str, waiting: int, past: int, repeat: int) -> dict:
    """{path: (median ms per request, statements per request)} on a fresh database: wall
    time, so the database's own work counts; one request at a time, so nothing waits."""
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, ".")
    from flask_migrate import upgrade

    from bench import setup_hall
    from hallapp import create_app
    from hallapp.extensions import db

    app = create_app({"RATELIMIT_ENABLED": False})
    now = datetime.now(UTC)
    with app.app_context():
        upgrade(directory="migrations")
        hall = setup_hall.make_hall("scale", 4, now)
        if past:
            make_history(db, hall["id"], past)
        setup_hall.seed(hall["id"], waiting, now)
        engine = db.engine
    client = app.test_client()
    kiosk = {"Authorization": f"Bearer {hall['kiosk']}"}
    pad = {"Authorization": f"Bearer {hall['counters'][1]}"}
    board = {"Authorization": f"Bearer {hall['display']}"}
    hx = {"HX-Request": "true"}
    tracked = client.post("/api/v1/tickets", json=ISSUE, headers=kiosk).get_json()

    def uncached(path: str, headers: dict) -> Callable:
        def run():
            app.extensions.get("hall_render_cache", {}).clear()
            return client.get(path, headers=headers)

        return run

    renders = {
        "getDisplay render": uncached("/api/v1/display", board),
        "board partial render": uncached("/display/scale?since=0", hx),
        "tracking partial render": uncached(f"/t/{tracked['public_id']}?since=0", hx),
    }
    timings: dict[str, list[float]] = {}
    statements: dict[str, list[int]] = {}
    counted: list[int] = []
    event.listen(engine, "before_cursor_execute", lambda *_a: counted.append(1))

    def timed(path: str, run: Callable):
        counted.clear()
        started = time.perf_counter()
        response = run()
        timings.setdefault(path, []).append((time.perf_counter() - started) * 1000)
        statements.setdefault(path, []).append(len(counted))
        assert response.status_code < 400, (path, response.status_code)  # nosec B101
        return response

    for n in range(repeat + 5):  # the first five warm the worker and are not kept
        timed("issueTicket", lambda: client.post("/api/v1/tickets", json=ISSUE, headers=kiosk))
        called = timed("callNext", lambda: client.post("/api/v1/counter/call-next", headers=pad))
        ticket = f"/api/v1/tickets/{called.get_json()['ticket']['public_id']}"
        for step in ("start", "finish"):
            timed(f"{step}Ticket", lambda s=step, t=ticket: client.post(f"{t}/{s}", headers=pad))
        for path, run in renders.items():
            timed(path, run)
        if n == 4:
            timings.clear()
            statements.clear()
    return {
        path: (statistics.median(values), statistics.mean(statements[path]))
        for path, values in timings.items()
    }


def make_history(db, hall_id: int, past: int) -> None:
    """`past` finished tickets spread over the two years before today, in one statement
    each for visits and tickets and one for their events, then ANALYZE."""
    from sqlalchemy import select

    from hallapp.models import Counter, Service

    service_id = db.session.scalar(select(Service.id).where(Service.hall_id == hall_id))
    counter_id = db.session.scalar(select(Counter.id).where(Counter.hall_id == hall_id))
    params = {"hall": hall_id, "service": service_id, "counter": counter_id, "past": past}
    db.session.execute(text("SET LOCAL statement_timeout = 0"))  # the app's is for requests
    db.session.execute(text(HISTORY_SQL), params)
    db.session.execute(text(EVENTS_SQL), {"counter": counter_id, "hall": hall_id})
    db.session.commit()
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def report(results: dict, names: list[str]) -> str:
    base = results[names[0]]
    lines = [
        "| path | " + " | ".join(f"{name}: ms (statements)" for name in names) + " | worst x |",
        "|---|" + "---:|" * (len(names) + 1),
    ]
    for path, (cpu, _count) in base.items():
        cells = []
        worst = 1.0
        for name in names:
            ms, count = results[name][path]
            worst = max(worst, ms / cpu if cpu else 1.0)
            cells.append(f"{ms:.2f} ({count:.0f})")
        lines.append(f"| {path} | " + " | ".join(cells) + f" | {worst:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
