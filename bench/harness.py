"""The bench's tools: timing requests from threads, gunicorn servers, fresh databases.

Used by bench/run.py (`make bench`) and its fault scenarios (bench/faults.py).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = Path(sys.executable)
GUNICORN = PYTHON.with_name("gunicorn")
POSTGRES_ADMIN_URL = os.environ.get(
    "HALL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


# --- measuring --------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Tally = field(default_factory=Tally)
    errors: int = 0
    note: str = ""
    extra: dict = field(default_factory=dict)
    timeline: list[tuple[float, float, int]] = field(default_factory=list, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, latency: float, status: int, ok: bool) -> None:
        answered = time.monotonic()
        with self.lock:
            self.timeline.append((answered - latency, answered, status))
            self.latencies.append(latency)
            self.statuses[status] += 1
            if not ok:
                self.errors += 1

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


class Client:
    """One keep-alive HTTP connection, reconnecting after errors (as a device would)."""

    # Requests sent and not yet answered, all clients together: the fault scenarios read
    # it when they SIGKILL a worker.
    in_flight = 0
    in_flight_lock = threading.Lock()

    def __init__(self, base: str, token: str | None = None):
        self.host, _, port = base.removeprefix("http://").partition(":")
        self.port = int(port)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body=None, headers=None, timeout: float = 30):
        """(status, body bytes, seconds, response headers); status 0 on a connection error."""
        with Client.in_flight_lock:
            Client.in_flight += 1
        try:
            return self._request(method, path, body, headers, timeout)
        finally:
            with Client.in_flight_lock:
                Client.in_flight -= 1

    def _request(self, method: str, path: str, body, headers, timeout: float):
        started = time.perf_counter()
        sent = {**self.headers, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        for attempt in (1, 2):
            reused = self.connection is not None
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(
                        self.host, self.port, timeout=timeout
                    )
                self.connection.request(method, path, body=data, headers=sent)
                response = self.connection.getresponse()
                payload = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, payload, time.perf_counter() - started, response.headers
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection before reading this
                # request: send it again once on a new connection, as browsers do.
                self.close()
                if not (reused and attempt == 1):
                    return 0, b"", time.perf_counter() - started, {}
            except (OSError, http.client.HTTPException):
                self.close()
                return 0, b"", time.perf_counter() - started, {}
        return 0, b"", time.perf_counter() - started, {}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_threads(result: Result, workers, seconds: float) -> Result:
    """Run each worker(stop_event) in its own thread for `seconds`."""
    stop = threading.Event()
    threads = [threading.Thread(target=w, args=(stop,), daemon=True) for w in workers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    result.seconds = time.perf_counter() - started
    return result


# --- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """gunicorn, 2 workers x 4 threads, as `make run` serves the hall."""

    def __init__(self, app: str, cwd: Path, env: dict, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("a")
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--workers",
                os.environ.get("BENCH_WORKERS", "2"),
                "--threads",
                os.environ.get("BENCH_THREADS", "4"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                "--reuse-port",
                "--log-level",
                "warning",
                app,
            ],
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        client = Client(self.base)
        while True:
            status, *_ = client.request("GET", "/", timeout=5)
            if status:
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app} did not start; see {log}")
            time.sleep(0.2)
        client.close()
        self.wait_for_every_worker(deadline)

    def wait_for_every_worker(self, deadline: float) -> None:
        """One worker answering is not all of them ready: a worker still importing the app
        when a scenario's connections open would get none of them, and the keep-alive
        connections would stay on the other worker for the whole scenario. Booting burns
        CPU; the workers are ready once none of them is using any."""
        quiet_since = None
        while time.monotonic() < deadline:
            before = {pid: cpu_seconds(pid) for pid in self.worker_pids()}
            time.sleep(0.2)
            busy = any(cpu_seconds(pid) - spent > 0.02 for pid, spent in before.items())
            if busy or not before:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 0.4:
                return

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- databases --------------------------------------------------------------------------


def psql(sql: str, url: str = POSTGRES_ADMIN_URL) -> str:
    return subprocess.run(
        ["psql", url, "-X", "-q", "-A", "-t", "-c", sql], capture_output=True, text=True, check=True
    ).stdout


def new_database(kind: str, workdir: Path) -> tuple[str, str | None]:
    """(SQLAlchemy URL, plain libpq URL or None)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.sqlite'}", None
    name = f"hall_bench_{uuid.uuid4().hex[:8]}"
    psql(f'CREATE DATABASE "{name}"')
    plain = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    return plain.replace("postgresql://", "postgresql+psycopg://", 1), plain


def drop_database(plain: str | None) -> None:
    if plain:
        name = plain.rsplit("/", 1)[1]
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pgbench_rate(plain: str, seconds: int) -> float:
    """Transactions per second of one single-row UPDATE, one client (the database's floor)."""
    psql("CREATE TABLE IF NOT EXISTS bench_row (id int PRIMARY KEY, n int)", plain)
    psql("INSERT INTO bench_row VALUES (1, 0) ON CONFLICT DO NOTHING", plain)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("UPDATE bench_row SET n = n + 1 WHERE id = 1;\n")
    out = subprocess.run(
        ["pgbench", "-n", "-f", script.name, "-T", str(seconds), "-c", "1", plain],
        capture_output=True,
        text=True,
    ).stdout
    os.unlink(script.name)
    match = re.search(r"tps = ([\d.]+)", out)
    return float(match.group(1)) if match else 0.0


def query(url: str, sql: str) -> list[tuple]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


# --- integrity --------------------------------------------------------------------------


def check_tickets(url: str, bench) -> dict:
    """lost: answered 201 but not in the database; duplicated: a public id stored twice;
    called twice: more than one call event; held by no device: issued over the API and
    committed, but no kiosk got it (its answer was lost and a retry made another)."""
    rows = query(url, "SELECT public_id FROM ticket")
    stored = Tally(row[0] for row in rows)
    answered = set(bench.issued)
    lost = sum(1 for public_id in answered if public_id not in stored)
    duplicated = sum(1 for count in stored.values() if count > 1)
    twice = query(
        url,
        "SELECT ticket_id FROM ticket_event WHERE step = 'called' "
        "GROUP BY ticket_id HAVING count(*) > 1",
    )
    api_issued = query(
        url,
        "SELECT ticket.public_id FROM ticket JOIN ticket_event ON ticket_event.ticket_id = "
        "ticket.id AND ticket_event.step = 'issued' AND ticket_event.detail = 'kiosk'",
    )
    orphans = sum(1 for (public_id,) in api_issued if public_id not in answered)
    return {
        "lost": lost,
        "duplicated": duplicated,
        "called twice": len(twice),
        "held by no device": orphans,
    }
