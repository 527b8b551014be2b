"""What runs beside each host's app in the several-hosts scenario (bench/several_hosts.py):
the text-message worker (deploy/systemd/hall-notify.service, one per host) and the daily
timers (hall-purge.timer, hall-no-shows.timer, firing on every host).

- `FakeProvider`: an SMS provider's HTTP API on loopback (the shape hallapp/services/sms.py
  speaks), recording every text it is handed and which host's worker handed it over.
- `notify_workers`: `flask notify send-pending --loop 1` once per host, as the unit runs it.
- `texts_delivered`: once the outbox is empty, every message went out exactly once.
- `timers_from_both_hosts`: each timer started on both hosts at the same moment, then once
  more on one host later, as RandomizedDelaySec spreads them: exactly one run a day.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
FLASK = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi"]
TEMPLATES = {"ticket_called": "SMS_CALLED", "ticket_ahead": "SMS_AHEAD"}


class FakeProvider:
    """Answers {"Code": "OK", "BizId": ...} to every text, and keeps what it was sent."""

    def __init__(self):
        self.received: list[dict] = []
        lock = threading.Lock()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    biz_id = f"biz-{len(received) + 1}"
                    received.append(
                        {
                            "sender": self.headers.get("Authorization", "").removeprefix("Bearer "),
                            "phone": body["PhoneNumbers"],
                            "template": body["TemplateCode"],
                            "params": body["TemplateParam"],
                            "biz_id": biz_id,
                        }
                    )
                answer = json.dumps({"Code": "OK", "BizId": biz_id}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def provider_env(provider: FakeProvider, host: str) -> dict:
    """The worker's settings for the provider; each host signs with its own key, so the
    provider can tell whose worker sent a text."""
    return {
        "HALL_NOTIFY_GATEWAY": "hallapp.services.sms.HttpSmsGateway",
        "HALL_SMS_API_URL": provider.url,
        "HALL_SMS_ACCESS_KEY": f"host-{host}",
        "HALL_SMS_SIGN_NAME": "出入境服务大厅",
        "HALL_SMS_TEMPLATES": json.dumps(TEMPLATES),
        "PROMETHEUS_MULTIPROC_DIR": "",
    }


@contextmanager
def notify_workers(host_envs: dict[str, dict], provider: FakeProvider, logs: Path):
    """One `notify send-pending --loop 1` per host, stopped (SIGTERM) at the end."""
    processes = {}
    for host, env in host_envs.items():
        log = (logs / f"notify-{host}.log").open("w")
        processes[host] = (
            subprocess.Popen(
                [*FLASK, "notify", "send-pending", "--loop", "1"],
                cwd=ROOT,
                env={**env, **provider_env(provider, host)},
                stdout=log,
                stderr=subprocess.STDOUT,
            ),
            log,
        )
    try:
        yield processes
    finally:
        for process, log in processes.values():
            stop(process)
            log.close()


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, as systemd stops a unit; SIGKILL after 20 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rows(url: str, sql: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).all())
    finally:
        engine.dispose()


def subscribe_phones(env: dict, public_ids: list[str]) -> int:
    """Citizens leave a phone number for these tickets, as at the guidance desk."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from sqlalchemy import select

        from hallapp import create_app
        from hallapp.extensions import db
        from hallapp.models import Ticket, utcnow
        from hallapp.services import notifications

        app = create_app()
        with app.app_context():
            for n, public_id in enumerate(public_ids):
                ticket = db.session.scalar(select(Ticket).where(Ticket.public_id == public_id))
                notifications.subscribe(ticket, f"139{n:08d}", now=utcnow())
            db.engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return len(public_ids)


PENDING = "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL AND failed_at IS NULL"
CALLED_WITHOUT_TEXT = (
    "SELECT count(DISTINCT e.ticket_id) FROM ticket_event e "
    "JOIN notification_subscription s ON s.ticket_id = e.ticket_id "
    "WHERE e.step = 'called' AND NOT EXISTS (SELECT 1 FROM outbox_message m "
    "WHERE m.subscription_id = s.id AND m.template = 'ticket_called')"
)


def texts_delivered(url: str, provider: FakeProvider, logs: Path, seconds: float = 90) -> dict:
    """Wait for the outbox to empty, then hold every message against what the provider got."""
    began = time.monotonic()
    while True:
        pending = rows(url, PENDING)[0][0]
        if not pending or time.monotonic() - began > seconds:
            break
        time.sleep(0.5)
    messages = rows(url, "SELECT template, provider_ref, sent_at, failed_at FROM outbox_message")
    refs = Counter(row.provider_ref for row in messages if row.provider_ref)
    received = Counter((r["phone"], r["template"], r["params"]) for r in provider.received)
    biz_ids = {r["biz_id"] for r in provider.received}
    races = sum(
        (logs / f"notify-{host}.log").read_text().count("notification enqueue failed")
        for host in ("a", "b")
    )
    return {
        "messages_in_outbox": len(messages),
        "tickets_called_with_a_phone_but_no_call_text": rows(url, CALLED_WITHOUT_TEXT)[0][0],
        "by_template": dict(Counter(row.template for row in messages)),
        "sent": sum(1 for row in messages if row.sent_at is not None),
        "failed": sum(1 for row in messages if row.failed_at is not None),
        "still_pending_after_wait": pending,
        "texts_the_provider_received": len(provider.received),
        "received_per_host_worker": dict(Counter(r["sender"] for r in provider.received)),
        "same_text_received_twice": sum(n - 1 for n in received.values() if n > 1),
        "messages_with_a_provider_ref_not_received": sum(1 for ref in refs if ref not in biz_ids),
        "provider_refs_shared_by_two_messages": sum(n - 1 for n in refs.values() if n > 1),
        "enqueue_races_settled_by_the_unique_key": races,
    }


def _run(job: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [*FLASK, job],
        cwd=ROOT,
        env={**env, "PROMETHEUS_MULTIPROC_DIR": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def timers_from_both_hosts(url: str, host_envs: dict[str, dict]) -> dict:
    """Each daily job fired on both hosts at the same moment, then on host b once more."""
    results = {}
    for job in ("purge", "no-shows"):
        began = time.monotonic()
        started = {host: _run(job, env) for host, env in host_envs.items()}
        outputs = {host: process.communicate(timeout=120)[0] for host, process in started.items()}
        late = _run(job, host_envs["b"]).communicate(timeout=120)[0]
        ran = [host for host, out in outputs.items() if "already run today" not in out]
        results[job] = {
            "fired_together_on": sorted(outputs),
            "did_the_work": ran,
            "said_already_run": sorted(set(outputs) - set(ran)),
            "exit_codes": {host: started[host].returncode for host in started},
            "host_b_firing_later": (
                "skipped: already run today" if "already run today" in late else "RAN AGAIN"
            ),
            "seconds": round(time.monotonic() - began, 1),
            "lines": {host: out.strip().splitlines()[-1:] for host, out in outputs.items()},
        }
    runs = rows(url, "SELECT name, count(*), min(status) FROM timer_run GROUP BY name")
    results["timer_run_rows"] = {name: {"rows": n, "status": state} for name, n, state in runs}
    return results
