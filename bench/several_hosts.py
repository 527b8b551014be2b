"""Several app hosts, proved on one machine: nginx in front of two gunicorn masters.

    scripts/install-debian.sh nginx                # Debian's nginx, once (make test-tools)
    .venv/bin/python -m bench.several_hosts        # needs PostgreSQL and Redis up

It makes a fresh PostgreSQL database (dropped at the end), upgrades it, loads the demo hall
(open around the clock for the run), and starts, all on high loopback ports in a temporary
folder: two gunicorn masters with deploy/gunicorn.conf.py and HALL_ENV=production (standing
for two hosts, sharing PostgreSQL and Redis), and nginx with its own configuration using
deploy/nginx/hall-proxy.conf. nginx is never started as a system service. Then it shows:

1. login limits hold across both hosts (per account, and per citizen address through
   ProxyFix: clients bind 127.0.0.2, 127.0.0.3 ... and nginx forwards their address);
2. the kiosk limit holds across both hosts;
3. a call made through host A is on the board served by host B within 2 s;
4. a busy morning through the proxy: no ticket duplicated, none called twice;
5. the text-message worker running on both hosts (bench/host_jobs.py) against a fake SMS
   provider: every text of the morning delivered exactly once;
6. the daily timers fired on both hosts at once, and again later on one: one run a day.

Figures are printed and written to bench/results/several_hosts.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import time as clock_time
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from bench import host_jobs

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SourceAddress(HTTPAdapter):
    """Connect from a chosen loopback address, standing for one citizen's phone or kiosk."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(address: str = "127.0.0.1") -> requests.Session:
    session = requests.Session()
    adapter = SourceAddress(address)
    session.mount("http://", adapter)
    return session


def wait_until_ready(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@contextmanager
def running(args: list[str], *, env: dict, log: Path, ready_url: str):
    with log.open("w") as output:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            wait_until_ready(ready_url, process)
            yield process
        finally:
            host_jobs.stop(process)


def prepare_database(url: str, env: dict) -> dict:
    """Upgrade, load the demo hall open all day every day, and make the device tokens."""
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from hallapp import create_app
        from hallapp.extensions import db
        from hallapp.models import utcnow
        from hallapp.services import demo, devices

        app = create_app()
        with app.app_context():
            hall = demo.load_demo(env["BENCH_PASSWORD"])
            hall.opens_at, hall.closes_at = clock_time(0, 0), clock_time(23, 59, 59)
            hall.open_weekdays = "1234567"
            db.session.commit()
            now = utcnow()
            tokens = {
                "kiosk": devices.create_device_token(hall, "kiosk", now=now)[1],
                "display": devices.create_device_token(hall, "display", now=now)[1],
                "counters": {
                    number: devices.create_device_token(
                        hall, "counter", counter_number=number, now=now
                    )[1]
                    for number in range(1, 7)
                },
            }
            db.engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return tokens


NGINX_CONF = """
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream hall_app {{
        server 127.0.0.1:{port_a};
        server 127.0.0.1:{port_b};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://hall_app;
            include {root}/deploy/nginx/hall-proxy.conf;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def csrf_from(page: str, field: str = "csrf_token") -> str:
    match = re.search(rf'name="{field}" type="hidden" value="([^"]+)"', page) or re.search(
        rf'name="{field}" value="([^"]+)"', page
    )
    return match.group(1)


def failed_login(session: requests.Session, base: str, username: str) -> tuple[int, str]:
    page = session.get(f"{base}/auth/login", timeout=10)
    response = session.post(
        f"{base}/auth/login",
        data={"username": username, "password": "wrong", "csrf_token": csrf_from(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code, response.headers.get("X-Upstream", "")


def login_limits(base: str) -> dict:
    """Per account (4 per 5 minutes) over both hosts, then per address (6 per 5 minutes)."""
    account = [failed_login(client(), base, "admin") for _ in range(6)]
    address_a = [failed_login(client("127.0.0.2"), base, f"nobody{n}") for n in range(8)]
    address_b = [failed_login(client("127.0.0.3"), base, "nobody-else")]
    return {
        "per_account_statuses": [status for status, _ in account],
        "per_account_upstreams": sorted({upstream for _, upstream in account}),
        "per_address_statuses_127.0.0.2": [status for status, _ in address_a],
        "other_address_127.0.0.3": [status for status, _ in address_b],
    }


def kiosk_limit(base: str, token: str) -> dict:
    """One kiosk touching tiles faster than a citizen can: 12 a minute, over both hosts."""
    session = client("127.0.0.4")
    # What the set-up link's script does: post the token from after the # to the form.
    setup = session.get(f"{base}/kiosk/demo", timeout=10).text
    opened = session.post(
        f"{base}/kiosk/demo/setup",
        data={"token": token, "csrf_token": csrf_from(setup)},
        allow_redirects=False,
        timeout=10,
    )
    if opened.status_code != 303:
        raise RuntimeError(f"kiosk set-up answered {opened.status_code}")
    page = session.get(f"{base}/kiosk/demo", timeout=10).text
    statuses, upstreams = [], set()
    for _ in range(15):
        response = session.post(
            f"{base}/kiosk/demo/tickets",
            data={"service": "D", "csrf_token": csrf_from(page)},
            allow_redirects=False,
            timeout=10,
        )
        statuses.append(response.status_code)
        upstreams.add(response.headers.get("X-Upstream", ""))
    return {"statuses": statuses, "upstreams": sorted(upstreams)}


def call_to_board(
    host_a: str, host_b: str, kiosk: str, pad: str, display: str, rounds: int
) -> dict:
    """Issue and call through host A; poll host B's board (?since=version) until it shows."""
    a, b = client(), client()
    kiosk_h = {"Authorization": f"Bearer {kiosk}"}
    pad_h = {"Authorization": f"Bearer {pad}"}
    board_h = {"Authorization": f"Bearer {display}"}
    a.put(f"{host_a}/api/v1/counter/state", json={"state": "open"}, headers=pad_h, timeout=10)
    delays, not_seen = [], 0
    for _ in range(rounds):
        current = a.post(f"{host_a}/api/v1/counter/call-next", headers=pad_h, timeout=10)
        if current.status_code == 200:
            ticket = current.json()["ticket"]["public_id"]
            a.post(f"{host_a}/api/v1/tickets/{ticket}/start", headers=pad_h, timeout=10)
            a.post(f"{host_a}/api/v1/tickets/{ticket}/finish", headers=pad_h, timeout=10)
        a.post(f"{host_a}/api/v1/tickets", json={"service": "A"}, headers=kiosk_h, timeout=10)
        board = b.get(f"{host_b}/api/v1/display", headers=board_h, timeout=10).json()
        version = board["version"]
        called = a.post(f"{host_a}/api/v1/counter/call-next", headers=pad_h, timeout=10)
        label = called.json()["ticket"]["label"]
        began = time.monotonic()
        seen = False
        while time.monotonic() - began < 2.0:
            answer = b.get(f"{host_b}/api/v1/display?since={version}", headers=board_h, timeout=10)
            if answer.status_code == 200:
                version = answer.json()["version"]
                if any(call["label"] == label for call in answer.json()["calls"]):
                    seen = True
                    break
            time.sleep(0.05)
        if seen:
            delays.append(time.monotonic() - began)
        else:
            not_seen += 1
        ticket = called.json()["ticket"]["public_id"]
        a.post(f"{host_a}/api/v1/tickets/{ticket}/start", headers=pad_h, timeout=10)
        a.post(f"{host_a}/api/v1/tickets/{ticket}/finish", headers=pad_h, timeout=10)
    return {
        "rounds": rounds,
        "seen_within_2s": len(delays),
        "not_seen_within_2s": not_seen,
        "median_ms": round(statistics.median(delays) * 1000, 1) if delays else None,
        "max_ms": round(max(delays) * 1000, 1) if delays else None,
    }


# A citizen walks from a seat to the counter after the call; the counter starts then.
WALK_SECONDS = 2.5


def busy_morning(
    base: str, kiosk: str, pads: dict, tickets: int, walking: frozenset = frozenset()
) -> dict:
    """Kiosks and six counters at once, every request through nginx. Tickets in `walking`
    (those with a phone) take WALK_SECONDS from the call to the start, time enough for
    the text-message worker's round to see the call."""
    api = f"{base}/api/v1"
    kiosk_h = {"Authorization": f"Bearer {kiosk}"}
    issued, called, problems = [], [], []
    lock = threading.Lock()
    done = threading.Event()
    per_kiosk = tickets // 3

    def issue(index: int) -> None:
        session = client()
        for n in range(per_kiosk):
            body = {"service": "ABCD"[(n + index) % 4]}
            if n % 6 == 0:
                body["priority_class"] = "senior"
            response = session.post(f"{api}/tickets", json=body, headers=kiosk_h, timeout=30)
            with lock:
                if response.status_code == 201:
                    issued.append(response.json()["ticket"]["label"])
                else:
                    problems.append(f"issue {response.status_code} {response.text[:120]}")

    def serve(number: int, token: str) -> None:
        session = client()
        headers = {"Authorization": f"Bearer {token}"}
        session.put(f"{api}/counter/state", json={"state": "open"}, headers=headers, timeout=30)
        while True:
            finished = done.is_set()
            response = session.post(f"{api}/counter/call-next", headers=headers, timeout=30)
            if response.status_code == 204:
                if finished:
                    return
                time.sleep(0.05)
                continue
            if response.status_code != 200:
                with lock:
                    problems.append(
                        f"counter {number}: {response.status_code} {response.text[:120]}"
                    )
                return
            ticket = response.json()["ticket"]
            with lock:
                called.append(ticket["public_id"])
            if ticket["public_id"] in walking:
                time.sleep(WALK_SECONDS)
            path = f"{api}/tickets/{ticket['public_id']}"
            session.post(f"{path}/start", headers=headers, timeout=30)
            session.post(f"{path}/finish", headers=headers, timeout=30)

    kiosks = [threading.Thread(target=issue, args=(i,)) for i in range(3)]
    counters = [threading.Thread(target=serve, args=item) for item in pads.items()]
    began = time.monotonic()
    for thread in kiosks + counters:
        thread.start()
    for thread in kiosks:
        thread.join()
    done.set()
    for thread in counters:
        thread.join()
    seconds = time.monotonic() - began
    return {
        "issued": len(issued),
        "duplicate_labels": sum(n - 1 for n in Counter(issued).values() if n > 1),
        "called": len(called),
        "called_twice": sum(n - 1 for n in Counter(called).values() if n > 1),
        "problems": problems[:10],
        "seconds": round(seconds, 1),
        "requests_per_second": round((len(issued) + 3 * len(called) + 6) / seconds, 1),
    }


def subscribed_tickets(base: str, kiosk: str, count: int) -> list[str]:
    """Tickets issued through nginx before the morning, for citizens who leave a phone."""
    session = client()
    headers = {"Authorization": f"Bearer {kiosk}"}
    made = []
    for n in range(count):
        answer = session.post(
            f"{base}/api/v1/tickets", json={"service": "ABCD"[n % 4]}, headers=headers, timeout=30
        )
        answer.raise_for_status()
        made.append(answer.json()["public_id"])
    return made


def database_check(url: str) -> dict:
    """What the database says: ticket numbers unique, one 'called' step per ticket at most."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        duplicates = connection.scalar(
            text(
                "SELECT count(*) FROM (SELECT hall_id, service_id, service_day, number FROM ticket "
                "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d"
            )
        )
        twice = connection.scalar(
            text(
                "SELECT count(*) FROM (SELECT ticket_id FROM ticket_event WHERE step = 'called' "
                "GROUP BY ticket_id HAVING count(*) > 1) t"
            )
        )
        total = connection.scalar(text("SELECT count(*) FROM ticket"))
    engine.dispose()
    return {"tickets": total, "duplicate_numbers": duplicates, "tickets_called_twice": twice}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300, help="tickets in the busy morning")
    parser.add_argument("--rounds", type=int, default=20, help="calls timed from A to B's board")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per host")
    parser.add_argument("--phones", type=int, default=40, help="tickets with a phone number")
    parser.add_argument(
        "--redis", default=os.environ.get("HALL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    args = parser.parse_args()
    if not Path(NGINX).exists():
        sys.exit("nginx is missing: run scripts/install-debian.sh nginx")

    sys.path.insert(0, str(ROOT))
    import redis

    from tests.databases import create_postgres_database, drop_postgres_database

    redis.Redis.from_url(args.redis).flushdb()
    url = create_postgres_database()
    tmp = Path(tempfile.mkdtemp(prefix="hall-hosts-"))
    tmp.chmod(0o755)  # nginx's workers (nobody, when started as root) keep temp files here
    port_a, port_b, port = free_port(), free_port(), free_port()
    password = uuid.uuid4().hex
    env = {
        **os.environ,
        "HALL_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex,
        "IDENTITY_HASH_KEY": uuid.uuid4().hex,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis,
        "HALL_APP_HOSTS": "2",
        "HALL_TRUSTED_PROXIES": "1",
        "HALL_LOG_JSON": "true",
        "HALL_LOGIN_LIMIT_PER_ACCOUNT": "4 per 5 minutes",
        "HALL_LOGIN_LIMIT_PER_ADDRESS": "6 per 5 minutes",
        "HALL_KIOSK_LIMIT_PER_KIOSK": "12 per minute",
        "HALL_KIOSK_LIMIT_PER_ADDRESS": "1000 per minute",
        "HALL_WORKERS": str(args.workers),
        "HALL_THREADS": "4",
        "BENCH_PASSWORD": password,
    }
    results: dict = {}
    try:
        tokens = prepare_database(url, env)
        with ExitStack() as stack:
            hosts = []
            host_envs = {}
            for name, host_port in (("a", port_a), ("b", port_b)):
                metrics = tmp / f"metrics-{name}"
                host_env = {
                    **env,
                    "HALL_BIND": f"127.0.0.1:{host_port}",
                    "PROMETHEUS_MULTIPROC_DIR": str(metrics),
                }
                host_envs[name] = host_env
                stack.enter_context(
                    running(
                        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                        env=host_env,
                        log=tmp / f"gunicorn-{name}.log",
                        ready_url=f"http://127.0.0.1:{host_port}/readyz",
                    )
                )
                hosts.append(f"http://127.0.0.1:{host_port}")
            conf = tmp / "nginx.conf"
            conf.write_text(
                NGINX_CONF.format(tmp=tmp, port=port, port_a=port_a, port_b=port_b, root=ROOT)
            )
            stack.enter_context(
                running(
                    [
                        NGINX,
                        "-p",
                        str(tmp),
                        "-e",
                        str(tmp / "nginx-start.log"),
                        "-c",
                        str(conf),
                        "-g",
                        "daemon off;",
                    ],
                    env=env,
                    log=tmp / "nginx.log",
                    ready_url=f"http://127.0.0.1:{port}/healthz",
                )
            )
            base = f"http://127.0.0.1:{port}"
            results["login_limits"] = login_limits(base)
            results["kiosk_limit"] = kiosk_limit(base, tokens["kiosk"])
            results["call_to_other_hosts_board"] = call_to_board(
                hosts[0],
                hosts[1],
                tokens["kiosk"],
                tokens["counters"][1],
                tokens["display"],
                args.rounds,
            )
            provider = host_jobs.FakeProvider()
            stack.callback(provider.close)
            stack.enter_context(host_jobs.notify_workers(host_envs, provider, tmp))
            phones = subscribed_tickets(base, tokens["kiosk"], args.phones)
            host_jobs.subscribe_phones(env, phones)
            pads = {n: t for n, t in tokens["counters"].items() if n != 1}
            pads[1] = tokens["counters"][1]
            results["busy_morning_through_nginx"] = busy_morning(
                base, tokens["kiosk"], pads, args.tickets, frozenset(phones)
            )
            results["database"] = database_check(url)
            results["texts_from_a_worker_on_each_host"] = {
                "tickets_with_a_phone": len(phones),
                **host_jobs.texts_delivered(url, provider, tmp),
            }
            results["daily_timers_on_both_hosts"] = host_jobs.timers_from_both_hosts(url, host_envs)
            metrics = requests.get(f"{hosts[0]}/metrics", timeout=10).text
            results["metrics_host_a"] = {
                line.split(" ")[0]: line.split(" ")[1]
                for line in metrics.splitlines()
                if line.startswith(
                    (
                        'hall_request_seconds_count{endpoint="api.call_next"',
                        "hall_waiting_tickets{",
                        "hall_open_counters{",
                    )
                )
            }
            readiness = requests.get(f"{base}/readyz", timeout=10)
            results["readyz_through_nginx"] = readiness.json()
            results["hosts"] = {
                "nginx": base,
                "a": hosts[0],
                "b": hosts[1],
                "workers_per_host": args.workers,
            }
    finally:
        drop_postgres_database(url)
        shutil.rmtree(tmp, ignore_errors=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "several_hosts.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
