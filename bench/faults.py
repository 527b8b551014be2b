"""The bench's fault scenarios (issue 12): nothing lost when a worker or the database fails.

    make bench BENCH_ARGS="--scenarios faults"                       # both databases
    make bench BENCH_ARGS="--scenarios faults --databases postgresql"

- A gunicorn worker SIGKILLed halfway through the busy morning (both databases).
- PostgreSQL "stopped" for 10 s during the busy morning. The local server is shared with
  other work, so the bench never stops it: the app under test reaches PostgreSQL through
  a TCP proxy in this process (`PgProxy`), and the outage is the proxy cutting every
  connection and refusing new ones, as a server shutting down does to its clients. Only
  the bench's own connections see it.

Each prints, beside the usual row, what the devices saw while the database was away (clean
503s, nothing else), how soon after it came back the app answered again without a restart,
and whether anything failed after that.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections import Counter as Tally
from pathlib import Path

from bench.harness import Client, Server

OUTAGE_SECONDS = 10.0
# After the database is back, a request may still meet one dead pooled connection; from
# this many seconds on, every answer must be a success again.
SETTLE_SECONDS = 3.0


class PgProxy:
    """A loopback TCP proxy to PostgreSQL that the bench can take down and bring back."""

    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.closed = False
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.cut = 0
        self.refused = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url_for(self, url: str) -> str:
        """The same database URL, through the proxy."""
        from sqlalchemy.engine import make_url

        proxied = make_url(url).set(host="127.0.0.1", port=self.port)
        return proxied.render_as_string(hide_password=False)

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                self.refused += 1
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.sockets.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def stop_database(self) -> None:
        """Every open connection is cut and new ones are refused, as in a server shutdown."""
        self.down.set()
        with self.lock:
            open_sockets = list(self.sockets)
        self.cut += len(open_sockets) // 2
        for sock in open_sockets:
            self._close(sock)

    def start_database(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.closed = True
        self.stop_database()
        self.listener.close()


# When, as shares of the busy morning, a worker is SIGKILLed: three times, so that some
# kill lands while requests are in flight (a kill of an idle worker proves little).
KILLS_AT = (0.3, 0.5, 0.7)


def worker_kill(bench, app):
    """The busy morning with a gunicorn worker SIGKILLed three times (its requests die;
    gunicorn starts another): devices retry, nothing is lost or done twice."""
    killed: list[int] = []

    def killer(stop):
        began = time.monotonic()
        for share in KILLS_AT:
            stop.wait(max(0.0, began + bench.seconds * 2 * share - time.monotonic()))
            pids = app.worker_pids()
            if pids:
                in_flight = Client.in_flight
                os.kill(pids[len(killed) % len(pids)], signal.SIGKILL)
                killed.append(in_flight)

    result = bench.busy_morning(fault=killer)
    result.name = "fault: busy morning with a worker SIGKILLed 3 times"
    result.extra = {"workers killed": len(killed), "requests in flight at each kill": killed}
    result.note = (
        f"{len(killed)} kills, with {', '.join(map(str, killed))} requests in flight over both "
        f"workers; a request cut is sent again on a new connection (as browsers do): a "
        f"repeated callNext gets 409 counter_busy, then the counter asks getCounter"
    )
    return result


def postgres_stop(bench, proxy: PgProxy, seconds: float = OUTAGE_SECONDS):
    """The busy morning with PostgreSQL away for `seconds`: clean 503s, then recovery
    without restarting the app."""
    window: dict[str, float] = {}

    def outage(stop):
        stop.wait(bench.seconds * 0.3)
        window["down"] = time.monotonic()
        proxy.stop_database()
        try:
            time.sleep(seconds)
        finally:
            proxy.start_database()
            window["up"] = time.monotonic()

    saved = bench.seconds
    # Long enough to see the app before, during and well after the outage.
    bench.seconds = max(saved, seconds + 2 * SETTLE_SECONDS)
    try:
        result = bench.busy_morning(fault=outage)
    finally:
        bench.seconds = saved
    result.name = f"fault: busy morning with PostgreSQL stopped {seconds:g} s"
    result.extra = outage_summary(result.timeline, window, proxy)
    result.note = "; ".join(f"{k} {v}" for k, v in result.extra.items())
    return result


def failed(status: int) -> bool:
    """No answer at all (0), or a server error; a 503 is the clean "try again"."""
    return status == 0 or status >= 500


def outage_summary(timeline: list[tuple[float, float, int]], window: dict, proxy) -> dict:
    """What the devices saw, from (sent, answered, status) of every request."""
    if "up" not in window:
        return {"outage": "did not happen"}
    down, up = window["down"], window["up"]
    during = Tally(status for sent, answered, status in timeline if sent < up and answered > down)
    after = sorted((sent, status) for sent, _answered, status in timeline if sent >= up)
    first_ok = next((sent for sent, status in after if 200 <= status < 300), None)
    late_failures = sum(
        1 for sent, status in after if sent >= up + SETTLE_SECONDS and failed(status)
    )
    unclean = sum(n for status, n in during.items() if failed(status) and status != 503)
    return {
        "connections cut": proxy.cut,
        "refused": proxy.refused,
        "during the outage": " ".join(f"{k}:{v}" for k, v in sorted(during.items())) or "-",
        "not a clean 503": unclean,
        "first success after it": (
            f"{(first_ok - up) * 1000:.0f} ms" if first_ok is not None else "never"
        ),
        "failures from 3 s after": late_failures,
    }


def run(bench, url: str, app_dir: Path, env: dict, log: Path) -> list:
    """A worker SIGKILLed; on PostgreSQL, the database away for 10 s. The app runs behind a
    proxy the bench can cut (bench/faults.py), never stopping the shared server."""
    proxy = None
    if url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        target = make_url(url)
        proxy = PgProxy(target.host or "127.0.0.1", target.port or 5432)
        env = {**env, "DATABASE_URL": proxy.url_for(url)}
    try:
        app = Server("wsgi:app", app_dir, env, log)
        bench.base = app.base
        try:
            results = [worker_kill(bench, app)]
            if proxy is not None:
                results.append(postgres_stop(bench, proxy))
        finally:
            app.stop()
    finally:
        if proxy is not None:
            proxy.close()
    for result in results:
        print(f"[faults] {result.name}: {result.note}", flush=True)
    return results
