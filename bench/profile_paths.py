"""Where a request's time goes, in one process: CPU ms and SQL statements per hot path,
then a pyinstrument profile of the slowest one.

    .venv/bin/python -m bench.profile_paths                 # SQLite in a temporary file
    .venv/bin/python -m bench.profile_paths --database-url postgresql+psycopg://...

Runs the app through Flask's test client (no HTTP server, no network), so the figures
are the app's own cost per request, free of the client and of gunicorn. Not a test.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--profile", help="profile this path instead of the slowest")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'profile.sqlite'}"
    os.environ.setdefault("HALL_SECRET_KEY", "profile")
    os.environ.setdefault("HALL_IDENTITY_HASH_KEY", "profile")

    from datetime import UTC, datetime

    from flask_migrate import upgrade
    from pyinstrument import Profiler

    from bench import setup_hall
    from hallapp import create_app
    from hallapp.extensions import db
    from hallapp.models import Hall
    from hallapp.services import hall_now, live

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory="migrations")
        hall = setup_hall.make_hall("prof", 4, datetime.now(UTC))
        setup_hall.seed(hall["id"], args.seed, datetime.now(UTC))
        engine = db.engine
    kiosk = {"Authorization": f"Bearer {hall['kiosk']}"}
    pads = [{"Authorization": f"Bearer {hall['counters'][n]}"} for n in (1, 2, 3, 4)]
    board = {"Authorization": f"Bearer {hall['display']}"}
    hx = {"HX-Request": "true"}
    client = app.test_client()
    issued: list[str] = []

    def issue():
        response = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
        issued.append(response.get_json()["public_id"])
        return response

    state = {"n": 0}

    def cycle():
        pad = pads[state["n"] % 4]
        state["n"] += 1
        called = client.post("/api/v1/counter/call-next", headers=pad)
        public_id = called.get_json()["ticket"]["public_id"]
        client.post(f"/api/v1/tickets/{public_id}/start", headers=pad)
        return client.post(f"/api/v1/tickets/{public_id}/finish", headers=pad)

    def write():
        issue()
        cycle()

    paths = {
        "issueTicket": issue,
        "callNext+start+finish": cycle,
        "getDisplay after a change": lambda: (
            write(),
            client.get("/api/v1/display", headers=board),
        )[1],
        "board partial after a change": lambda: (
            write(),
            client.get("/display/prof?since=0", headers=hx),
        )[1],
        "board full page": lambda: client.get("/display/prof"),
        "tracking partial after a change": lambda: (
            write(),
            client.get(f"/t/{issued[0]}?since=0", headers=hx),
        )[1],
        "tracking full page": lambda: client.get(f"/t/{issued[0]}"),
        # A poll that finds nothing new: the cost every screen pays between two changes.
        "getDisplay unchanged (204)": lambda: client.get(
            f"/api/v1/display?since={version()}", headers=board
        ),
        "board partial unchanged (204)": lambda: client.get(
            f"/display/prof?since={version()}&minute={minute()}", headers=hx
        ),
        "tracking partial unchanged (204)": lambda: client.get(
            f"/t/{issued[0]}?since={version()}", headers=hx
        ),
        # A render with nothing cached: what one change costs the first screen that asks.
        "getDisplay render (cache cleared)": lambda: (
            uncache(),
            client.get("/api/v1/display", headers=board),
        )[1],
        "board partial render (cache cleared)": lambda: (
            uncache(),
            client.get("/display/prof?since=0", headers=hx),
        )[1],
        "tracking partial render (cache cleared)": lambda: (
            uncache(),
            client.get(f"/t/{issued[0]}?since=0", headers=hx),
        )[1],
    }

    def version() -> int:
        with app.app_context():
            return live.current_version(hall["id"])

    def minute() -> str:
        with app.app_context():
            return hall_now.minute_of(db.session.get(Hall, hall["id"]), datetime.now(UTC))

    def uncache() -> None:
        app.extensions.get("hall_render_cache", {}).clear()

    issue()
    counted: list[int] = []

    def count(*_args):
        counted.append(1)

    event.listen(engine, "before_cursor_execute", count)
    rows = []
    for name, run in paths.items():
        run()  # warm
        counted.clear()
        started = time.process_time()
        for _ in range(args.repeat):
            response = run()
            assert response.status_code < 400, (name, response.status_code)
        cpu = (time.process_time() - started) / args.repeat * 1000
        rows.append((name, cpu, len(counted) / args.repeat))
    event.remove(engine, "before_cursor_execute", count)
    print(f"database: {engine.dialect.name}; {args.seed} tickets waiting at the start")
    print("| path | CPU ms per request (writes included where named) | SQL statements |")
    print("|---|---:|---:|")
    for name, cpu, statements in rows:
        print(f"| {name} | {cpu:.1f} | {statements:.1f} |")
    slowest = args.profile or max(rows, key=lambda row: row[1])[0]
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.repeat):
            paths[slowest]()
    print(f"\nProfile of the slowest path: {slowest}\n")
    print(profiler.output_text(unicode=False, color=False, show_all=False, time="percent_of_total"))


if __name__ == "__main__":
    main()
