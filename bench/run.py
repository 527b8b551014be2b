"""`make bench`: the hall's speed under load, as ratios to a bare Flask app in the same run.

For each database (PostgreSQL, SQLite) it prepares a fresh database (bench/setup_hall.py),
serves the app with gunicorn (2 workers x 4 threads, as `make run`), serves bench/hello.py
with the same settings as the baseline, measures PostgreSQL's one-statement update rate
with pgbench, and runs bounded loads from threads on loopback (keep-alive connections):

  issueTicket           16 kiosks issuing flat out
  cycle                 6 counters: callNext, startTicket, finishTicket in a loop, flat out
  getDisplay / board / tracking polls, as the screens poll (`since=`), and full renders,
                        while 10 tickets a second are issued and called
  steady counters       16 counters each one cycle a second; callNext p99, and how long a
                        call takes to reach a board polling every second
  busy morning          three halls: kiosks, counters, boards and phones at their own pace
  faults                a worker SIGKILLed during the busy morning; PostgreSQL away for
                        10 s (bench/faults.py: a proxy cuts the app's connections)

It prints req/s, p50, p99 and errors for each, each as a ratio to the hello baseline, and
writes the table to bench/results/<time>-<database>.md. It is not a test: it asserts no
timing. It exits non-zero only when requests failed unexpectedly or a ticket was lost
(answered 201 but not in the database) or duplicated (called twice).

    make bench                              # both databases, 5 s per scenario
    .venv/bin/python -m bench.run --databases postgresql --duration 10
    .venv/bin/python -m bench.run --scenarios faults   # only the fault scenarios
    .venv/bin/python -m bench.run --app-dir /work/main   # measure another checkout
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench import faults
from bench.harness import (
    Client,
    Result,
    Server,
    check_tickets,
    drop_database,
    new_database,
    pgbench_rate,
    run_threads,
)

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = Path(sys.executable)
CONNECTIONS = 16
LOAD_SCENARIOS = ("issue", "cycle", "polls", "steady", "morning")
SCENARIOS = (*LOAD_SCENARIOS, "faults")


# --- scenarios --------------------------------------------------------------------------


class Bench:
    def __init__(self, base: str, halls: list[dict], seconds: float):
        self.base = base
        self.halls = halls
        self.seconds = seconds
        self.issued: list[str] = []  # public ids answered 201
        self.called: list[str] = []  # public ids answered by callNext
        self.called_at: dict[str, float] = {}  # public id -> when its callNext answer came
        self.phone_reach = Result("call reaches the phone (tracking pages as phones poll)")
        self.lock = threading.Lock()

    # one device step each; they record into a Result

    def issue(self, client: Client, result: Result | None, key: str | None = None) -> str | None:
        body = {"service": random.choice("ABC")}
        headers = {"Idempotency-Key": key} if key else None
        status, payload, seconds, _ = client.request("POST", "/api/v1/tickets", body, headers)
        if result is not None:
            result.record(seconds, status, status == 201)
        if status == 201:
            public_id = json.loads(payload)["public_id"]
            with self.lock:
                self.issued.append(public_id)
            return public_id
        return None

    def cycle(
        self,
        client: Client,
        result: Result | None,
        call_result: Result | None = None,
        pause: float = 0.0,
        stop: threading.Event | None = None,
    ):
        """callNext, startTicket, finishTicket (`pause` s apart); None when nobody waited."""
        status, payload, seconds, _ = client.request("POST", "/api/v1/counter/call-next")
        ok = status in (200, 204)
        for r in (result, call_result):
            if r is not None:
                r.record(seconds, status, ok)
        if status != 200:
            if status == 409 and b"counter_busy" in payload:
                self.finish_current(client)
            return None
        ticket = json.loads(payload)["ticket"]
        called_at = time.monotonic()
        with self.lock:
            self.called.append(ticket["public_id"])
            self.called_at.setdefault(ticket["public_id"], called_at)
        for step in ("start", "finish"):
            if pause and stop is not None:
                stop.wait(pause)
            status, _, seconds, _ = client.request(
                "POST", f"/api/v1/tickets/{ticket['public_id']}/{step}"
            )
            if result is not None:
                result.record(seconds, status, status == 200)
        return ticket["label"], called_at

    def finish_current(self, client: Client) -> None:
        """A counter that lost an answer asks the API for its ticket and finishes it."""
        status, payload, _, _ = client.request("GET", "/api/v1/counter")
        if status != 200:
            return
        ticket = json.loads(payload).get("ticket")
        if ticket:
            if ticket["status"] == "called":
                client.request("POST", f"/api/v1/tickets/{ticket['public_id']}/start")
            client.request("POST", f"/api/v1/tickets/{ticket['public_id']}/finish")

    # scenarios

    def hello(self, base: str) -> Result:
        result = Result("bare Flask hello (baseline)")

        def worker(stop):
            client = Client(base)
            while not stop.is_set():
                status, _, seconds, _ = client.request("GET", "/")
                result.record(seconds, status, status == 200)

        return run_threads(result, [worker] * CONNECTIONS, self.seconds)

    def issuing(self) -> Result:
        result = Result("issueTicket (API), 16 kiosks flat out")
        hall = self.halls[1]

        def worker(stop):
            client = Client(self.base, hall["kiosk"])
            while not stop.is_set():
                self.issue(client, result)

        return run_threads(result, [worker] * CONNECTIONS, self.seconds)

    def counters_flat_out(self, counters: int = 6) -> tuple[Result, Result]:
        result = Result(f"callNext + start + finish, {counters} counters flat out (requests)")
        calls = Result("  of which callNext")
        hall = self.halls[0]

        def worker(number):
            def run(stop):
                client = Client(self.base, hall["counters"][str(number)])
                while not stop.is_set():
                    self.cycle(client, result, calls)

            return run

        run_threads(result, [worker(n) for n in range(1, counters + 1)], self.seconds)
        calls.seconds = result.seconds
        return result, calls

    def background_writes(self, stop: threading.Event, hall: dict, per_second: float = 10):
        """A kiosk issuing and counters calling, each `per_second` a second, paced."""

        def kiosk():
            client = Client(self.base, hall["kiosk"])
            while not stop.is_set():
                self.issue(client, None)
                stop.wait(1 / per_second)

        def counter(number):
            client = Client(self.base, hall["counters"][str(number)])
            while not stop.is_set():
                self.cycle(client, None)
                stop.wait(2 / per_second)

        threads = [threading.Thread(target=kiosk, daemon=True)] + [
            threading.Thread(target=counter, args=(n,), daemon=True) for n in (14, 15)
        ]
        for thread in threads:
            thread.start()
        return threads

    def polls(self) -> list[Result]:
        hall = self.halls[0]
        tracked = [self.issued_in(hall) for _ in range(CONNECTIONS)]
        scenarios = [
            ("getDisplay, since= (as devices poll)", self._display_poller(hall, True)),
            ("getDisplay, full", self._display_poller(hall, False)),
            ("board /display/<hall>, since= (as the page polls)", self._board_poller(hall, True)),
            ("board /display/<hall>, full render", self._board_poller(hall, False)),
            (
                "tracking /t/<id>, since= (as the phone polls)",
                self._track_poller(hall, tracked, True),
            ),
            ("tracking /t/<id>, full render", self._track_poller(hall, tracked, False)),
        ]
        results = []
        for name, worker in scenarios:
            stop = threading.Event()
            writers = self.background_writes(stop, hall)
            result = Result(name + ", under 10 issues + 10 calls/s")
            run_threads(result, [worker(result, n) for n in range(CONNECTIONS)], self.seconds)
            stop.set()
            for thread in writers:
                thread.join(timeout=30)
            results.append(result)
        return results

    def issued_in(self, hall: dict) -> str:
        client = Client(self.base, hall["kiosk"])
        public_id = None
        while public_id is None:
            public_id = self.issue(client, None)
        return public_id

    def _display_poller(self, hall, with_since):
        def make(result, _n):
            def run(stop):
                client = Client(self.base, hall["display"])
                version = None
                while not stop.is_set():
                    path = "/api/v1/display"
                    if with_since and version is not None:
                        path += f"?since={version}"
                    status, payload, seconds, _ = client.request("GET", path)
                    result.record(seconds, status, status in (200, 204))
                    if status == 200:
                        version = json.loads(payload)["version"]

            return run

        return make

    def _board_poller(self, hall, with_since):
        def make(result, _n):
            def run(stop):
                client = Client(self.base)
                path = f"/display/{hall['code']}"
                first = True
                while not stop.is_set():
                    headers = {} if first or not with_since else {"HX-Request": "true"}
                    status, payload, seconds, _ = client.request("GET", path, headers=headers)
                    result.record(seconds, status, status in (200, 204))
                    first = False
                    if status == 200 and with_since:
                        found = re.search(rb'hx-get="([^"]*since=[^"]*)"', payload)
                        if found:
                            path = found.group(1).decode().replace("&amp;", "&")

            return run

        return make

    def _track_poller(self, hall, tracked, with_since):
        def make(result, n):
            def run(stop):
                client = Client(self.base)
                path = f"/t/{tracked[n]}"
                first = True
                while not stop.is_set():
                    headers = {} if first or not with_since else {"HX-Request": "true"}
                    status, payload, seconds, _ = client.request("GET", path, headers=headers)
                    result.record(seconds, status, status in (200, 204))
                    first = False
                    if status == 200 and with_since:
                        found = re.search(rb'hx-get="([^"]*since=[^"]*)"', payload)
                        if found:
                            path = found.group(1).decode().replace("&amp;", "&")
                        else:
                            # The page stopped polling: the ticket was served (the faster
                            # the counters, the sooner). That phone is done; the next
                            # visitor's phone takes its place, as in the hall.
                            path, first = f"/t/{self.issued_in(hall)}", True

            return run

        return make

    def steady_counters(self) -> tuple[Result, Result]:
        """16 counters at one cycle a second; a board polling getDisplay every second."""
        hall = self.halls[0]
        calls = Result("callNext, 16 counters at one cycle a second each")
        reach = Result("call reaches the board (getDisplay polled every 1 s)")
        called: dict[str, float] = {}
        seen: dict[str, float] = {}

        def counter(number):
            def run(stop):
                client = Client(self.base, hall["counters"][str(number)])
                stop.wait(random.random())
                while not stop.is_set():
                    began = time.monotonic()
                    answer = self.cycle(client, None, calls, pause=0.4, stop=stop)
                    if answer:
                        label, at = answer
                        with self.lock:
                            called[label] = at
                    stop.wait(max(0.0, 1 - (time.monotonic() - began)))

            return run

        def board(stop):
            client = Client(self.base, hall["display"])
            version = None
            while not stop.is_set():
                path = "/api/v1/display" + (f"?since={version}" if version is not None else "")
                status, payload, _, _ = client.request("GET", path)
                if status == 200:
                    data = json.loads(payload)
                    version = data["version"]
                    at = time.monotonic()
                    for call in data["calls"]:
                        seen.setdefault(call["label"], at)
                stop.wait(1)

        run_threads(calls, [counter(n) for n in range(1, 17)] + [board], self.seconds)
        stop_wait = time.monotonic() + 2
        while time.monotonic() < stop_wait:
            time.sleep(0.1)
        for label, at in called.items():
            if label in seen:
                reach.record(max(0.0, seen[label] - at), 200, True)
        reach.seconds = calls.seconds
        reach.note = f"{len(reach.latencies)} of {len(called)} calls seen"
        return calls, reach

    def busy_morning(self, fault=None) -> Result:
        """Three halls: kiosk 2/s, 4 counters at a steady pace, a board 1/s, 10 phones 1/3 s."""
        result = Result("busy morning, 3 halls (all requests)")
        # How soon a call shows on the phone is the plain morning's figure: a fault's run
        # would add its outage (a call just before PostgreSQL stops shows 10 s later).
        phone_reach = self.phone_reach if fault is None else None
        workers = []
        for hall in self.halls:
            tracked: list[str] = []

            def kiosk(stop, hall=hall, tracked=tracked):
                client = Client(self.base, hall["kiosk"])
                n = 0
                while not stop.is_set():
                    n += 1
                    key = f"{hall['code']}-{uuid.uuid4().hex}"
                    public_id = None
                    deadline = time.monotonic() + 40
                    # A kiosk retries with the same key until it gets its answer, even
                    # after the scenario's end (a ticket may be committed already).
                    while public_id is None and time.monotonic() < deadline:
                        public_id = self.issue(client, result, key)
                        if public_id is None:
                            time.sleep(0.5)
                    if public_id and len(tracked) < 10:
                        tracked.append(public_id)
                    stop.wait(0.5)

            def counter(stop, hall=hall, number=1):
                client = Client(self.base, hall["counters"][str(number)])
                while not stop.is_set():
                    self.cycle(client, result)
                    stop.wait(random.uniform(0.5, 1.5))

            def board(stop, hall=hall):
                client = Client(self.base)
                path = f"/display/{hall['code']}"
                first = True
                while not stop.is_set():
                    headers = {} if first else {"HX-Request": "true"}
                    status, payload, seconds, _ = client.request("GET", path, headers=headers)
                    result.record(seconds, status, status in (200, 204))
                    first = False
                    if status == 200:
                        found = re.search(rb'hx-get="([^"]*since=[^"]*)"', payload)
                        if found:
                            path = found.group(1).decode().replace("&amp;", "&")
                    stop.wait(1)

            def phones(stop, tracked=tracked):
                """Each tracked ticket's phone polls its page as the page says (`since=`, and
                every few seconds or every second once its turn is near); the moment the
                page first shows the call is when the call reached the phone."""
                client = Client(self.base)
                pages: dict[str, dict] = {}
                while not stop.is_set():
                    for public_id in list(tracked):
                        page = pages.setdefault(
                            public_id, {"path": f"/t/{public_id}", "due": 0.0, "seen": False}
                        )
                        if page["seen"] or time.monotonic() < page["due"]:
                            continue
                        status, payload, seconds, _ = client.request(
                            "GET", page["path"], headers={"HX-Request": "true"}
                        )
                        result.record(seconds, status, status in (200, 204))
                        if status == 200:
                            found = re.search(rb'hx-get="([^"]*since=[^"]*)"', payload)
                            if found:
                                page["path"] = found.group(1).decode().replace("&amp;", "&")
                            every = re.search(rb'hx-trigger="every (\d+)s', payload)
                            page["every"] = int(every.group(1)) if every else 3
                        page["due"] = time.monotonic() + page.get("every", 3)
                        if status != 200:
                            continue
                        shown = re.search(rb'data-status="(\w+)"', payload)
                        if shown and shown.group(1) != b"waiting":  # called, or served since
                            page["seen"] = True
                            with self.lock:
                                at = self.called_at.get(public_id)
                            if at is not None and phone_reach is not None:
                                reach = max(0.0, time.monotonic() - at)
                                phone_reach.record(reach, 200, True)
                    stop.wait(0.05)

            workers += [kiosk, board, phones]
            workers += [lambda stop, hall=hall, n=n: counter(stop, hall, n) for n in range(1, 5)]
        if fault:
            workers.append(fault)
        return run_threads(result, workers, self.seconds * 2)


# --- report -----------------------------------------------------------------------------


def table(results: list[Result], baseline: float) -> str:
    lines = [
        "| scenario | req/s | p50 ms | p99 ms | errors | statuses | x hello |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(r.statuses.items()))
        ratio = r.rate / baseline if baseline else 0
        lines.append(
            f"| {r.name}{(' — ' + r.note) if r.note else ''} | {r.rate:,.0f} | "
            f"{r.percentile(50):,.1f} | {r.percentile(99):,.1f} | {r.errors} | {statuses} | "
            f"{ratio:.3f} |"
        )
    return "\n".join(lines)


def measure_baseline(
    kind: str, args, workdir: Path, pgbench: bool = True
) -> tuple[Result, float | None]:
    """The bare Flask hello under the same gunicorn, and pgbench's one-row update rate."""
    log = workdir / f"{kind}-hello.log"
    hello = Server("hello:app", BENCH, {**os.environ}, log)
    try:
        baseline = Bench(hello.base, [], args.duration).hello(hello.base)
    finally:
        hello.stop()
    pg_rate = None
    if kind == "postgresql" and pgbench:
        _url, plain = new_database(kind, workdir)
        try:
            pg_rate = pgbench_rate(plain, int(args.duration))
        finally:
            drop_database(plain)
    print(f"[{kind}] hello {baseline.rate:,.0f} req/s", flush=True)
    return baseline, pg_rate


def run_app(kind: str, app_dir: Path, args, workdir: Path) -> tuple[list[Result], dict]:
    """Every scenario against one checkout on a fresh database; (results, ticket checks)."""
    url, plain = new_database(kind, workdir)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HALL_SECRET_KEY": "bench-secret",
        "HALL_IDENTITY_HASH_KEY": "bench-identity",
        "PYTHONPATH": str(app_dir),
    }
    log = workdir / f"{kind}-{app_dir.name}.log"
    out = subprocess.run(
        [str(PYTHON), str(BENCH / "setup_hall.py"), "--seed", str(args.seed)],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    halls = json.loads(out.stdout.strip().splitlines()[-1])["halls"]
    for hall in halls:
        hall["counters"] = {str(k): v for k, v in hall["counters"].items()}
    app = Server("wsgi:app", app_dir, env, log)
    bench = Bench(app.base, halls, args.duration)
    results: list[Result] = []
    try:
        if "issue" in args.scenarios:
            results.append(bench.issuing())
            print(f"[{kind} {app_dir}] issue {results[-1].rate:,.0f} req/s", flush=True)
        if "cycle" in args.scenarios:
            results.extend(bench.counters_flat_out())
        if "polls" in args.scenarios:
            results.extend(bench.polls())
        if "steady" in args.scenarios:
            results.extend(bench.steady_counters())
        if "morning" in args.scenarios:
            results.append(bench.busy_morning())
            bench.phone_reach.seconds = results[-1].seconds
            results.append(bench.phone_reach)
        if "faults" in args.scenarios:
            app.stop()
            results.extend(faults.run(bench, url, app_dir, env, log))
        checks = check_tickets(url, bench)
    finally:
        app.stop()
        drop_database(plain)
    checks["answered"] = len(set(bench.issued))
    checks["unexpected errors"] = sum(r.errors for r in results if not r.name.startswith("fault"))
    checks["outage answers not a clean 503 or late"] = sum(
        r.extra.get("not a clean 503", 0) + r.extra.get("failures from 3 s after", 0)
        for r in results
    )
    return results, checks


def run_database(kind: str, args, workdir: Path) -> tuple[str, bool]:
    if set(args.scenarios) & set(LOAD_SCENARIOS):
        baseline, pg_rate = measure_baseline(kind, args, workdir)
    else:  # faults only: no ratios to give, so no baseline to measure
        baseline, pg_rate = Result("no baseline"), None
    text = (
        f"## {kind} — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"gunicorn 2 workers x 4 threads; {CONNECTIONS} keep-alive connections from threads on "
        f"loopback; {args.duration:g} s per scenario; {os.cpu_count()} CPUs "
        f"(load average at start {os.getloadavg()[0]:.1f}).\n\n"
        + (
            f"Baseline: bare Flask hello **{baseline.rate:,.0f} req/s** at the start "
            f"(p50 {baseline.percentile(50):.1f} ms, p99 {baseline.percentile(99):.1f} ms)."
            if baseline.rate
            else "No baseline: fault scenarios only, the ratios mean nothing."
        )
        + (f" pgbench one-row UPDATE, 1 client: **{pg_rate:,.0f} tps**." if pg_rate else "")
        + "\n"
    )
    ok = True
    runs = []
    before = baseline
    for app_dir in args.app_dir:
        results, checks = run_app(kind, app_dir, args, workdir)
        # A shared machine's speed drifts over minutes: each checkout's ratios are to the
        # mean of the hello runs just before and just after its scenarios.
        rate = 0.0
        bracket = ""
        if baseline.rate:
            after, _ = measure_baseline(kind, args, workdir, pgbench=False)
            rate = (before.rate + after.rate) / 2
            bracket = (
                f"Its baseline: the mean of hello just before and just after it, "
                f"{before.rate:,.0f} and {after.rate:,.0f} req/s.\n\n"
            )
            before = after
        runs.append((app_dir, results, rate))
        failed = any(checks[k] for k in ("lost", "duplicated", "called twice", "held by no device"))
        failed |= bool(checks["unexpected errors"])
        failed |= bool(checks["outage answers not a clean 503 or late"])
        ok &= not failed
        text += f"\n### {app_dir}\n\n" + bracket + table(results, rate) + "\n\n"
        text += "Tickets: " + ", ".join(f"{k} {v}" for k, v in checks.items()) + ".\n"
    if len(runs) > 1:
        text += "\n### Side by side (x hello, p99 ms)\n\n| scenario | "
        text += " | ".join(str(d.name) for d, _, _ in runs)
        text += " |\n|---|" + "---:|" * len(runs) + "\n"
        for n, result in enumerate(runs[0][1]):
            cells = []
            for _d, results, rate in runs:
                r = results[n] if n < len(results) else None
                ratio = f"{r.rate / rate:.3f} ({r.percentile(99):,.0f})" if r and rate else "—"
                cells.append(ratio)
            text += f"| {result.name} | " + " | ".join(cells) + " |\n"
    return text, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario")
    parser.add_argument("--seed", type=int, default=3000, help="tickets waiting at the start")
    parser.add_argument(
        "--app-dir",
        type=Path,
        action="append",
        help="a checkout to measure (repeat to compare, e.g. main and this branch)",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(LOAD_SCENARIOS),
        help=f"comma-separated, of {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--faults", action="store_true", help="also run the fault scenarios")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    args.app_dir = [path.resolve() for path in (args.app_dir or [ROOT])]
    args.scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.faults:
        args.scenarios.append("faults")
    args.out.mkdir(parents=True, exist_ok=True)
    report = ["# Hall bench\n"]
    all_ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for kind in [k.strip() for k in args.databases.split(",") if k.strip()]:
            text, ok = run_database(kind, args, Path(tmp))
            print(text, flush=True)
            report.append(text)
            all_ok &= ok
    path = args.out / f"{datetime.now(UTC):%Y%m%d-%H%M%S}.md"
    path.write_text("\n".join(report))
    print(f"written to {path}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
