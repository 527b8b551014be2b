"""Observation for operators: a request id on every log line, JSON logs, Prometheus metrics,
and readiness (database, Redis when configured, migration head)."""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from hallapp.extensions import db
from hallapp.services.gauges import hall_gauges

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

REGISTRY = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "hall_request_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


def request_id() -> str:
    return g.get("request_id", "-") if has_request_context() else "-"


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request it belongs to ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the poll gate names its answer's itself
            record.request_id = request_id()
        return True


def json_handler(stream=None) -> logging.Handler:
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    handler.hall_json = True
    return handler


def configure_logging(app: Flask) -> None:
    """With LOG_JSON: one JSON object a line on stderr, for the root logger and the app's."""
    if not app.config.get("LOG_JSON"):
        return
    root = logging.getLogger()
    if not any(getattr(handler, "hall_json", False) for handler in root.handlers):
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(json_handler())
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.handlers.clear()
    app.logger.propagate = True


request_log = logging.getLogger("hallapp.request")


def register(app: Flask) -> None:
    configure_logging(app)

    @app.before_request
    def start_request():
        g.request_id = new_request_id(request.headers)
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        started = g.get("request_started")
        if started is not None:
            endpoint = request.endpoint or "unmatched"
            seconds = time.perf_counter() - started
            record_answer(app, request, endpoint, response.status_code, seconds, g.request_id)
        return response


def new_request_id(headers) -> str:
    """The caller's X-Request-ID when it is a sensible one, else a new one."""
    incoming = headers.get("X-Request-ID", "")
    return incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex


def record_answer(
    app: Flask, request, endpoint: str, status: int, seconds: float, request_id: str
) -> None:
    """Measure an answer, and log it when logs are JSON (the poll gate's answers too)."""
    REQUEST_SECONDS.labels(endpoint, request.method).observe(seconds)
    if app.config.get("LOG_JSON"):
        request_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "endpoint": endpoint,
                "status": status,
                "ms": round(seconds * 1000, 1),
                "client": request.remote_addr,
                "request_id": request_id,
            },
        )


class HallCollector:
    """The hall gauges, computed when Prometheus scrapes."""

    def __init__(self, now):
        self.now = now

    def collect(self):
        waiting = GaugeMetricFamily(
            "hall_waiting_tickets",
            "Tickets waiting, by hall and service.",
            labels=["hall", "service"],
        )
        longest = GaugeMetricFamily(
            "hall_longest_in_hall_seconds",
            "How long the earliest visitor still in line has been in the hall.",
            labels=["hall"],
        )
        calls = GaugeMetricFamily(
            "hall_calls_per_minute", "Calls a minute over the last five minutes.", labels=["hall"]
        )
        counters = GaugeMetricFamily("hall_open_counters", "Counters open.", labels=["hall"])
        backlog = GaugeMetricFamily(
            "hall_outbox_backlog", "Text messages neither sent nor given up.", labels=["hall"]
        )
        for hall in hall_gauges(now=self.now):
            for service, count in sorted(hall.waiting.items()):
                waiting.add_metric([hall.code, service], count)
            longest.add_metric([hall.code], hall.longest_in_hall_seconds)
            calls.add_metric([hall.code], hall.calls_per_minute)
            counters.add_metric([hall.code], hall.open_counters)
            backlog.add_metric([hall.code], hall.outbox_backlog)
        yield from (waiting, longest, calls, counters, backlog)


def metrics_allowed() -> bool:
    """Only the addresses METRICS_ALLOWED_ADDRESSES names, or a bearer METRICS_TOKEN."""
    import hmac

    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return request.remote_addr in set(current_app.config.get("METRICS_ALLOWED_ADDRESSES") or ())


def metrics_text(now) -> bytes:
    from prometheus_client import generate_latest

    scrape = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several gunicorn workers: each writes its numbers to files the scrape adds up.
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(REQUEST_SECONDS)
    scrape.register(HallCollector(now))
    return generate_latest(scrape)


_heads: tuple[str, ...] | None = None


def migration_heads() -> tuple[str, ...]:
    global _heads
    if _heads is None:
        from alembic.config import Config as AlembicConfig
        from alembic.script import ScriptDirectory

        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        _heads = tuple(sorted(ScriptDirectory.from_config(config).get_heads()))
    return _heads


def readiness() -> dict[str, str]:
    """Each dependency: "ok" or what is wrong with it."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # whatever the driver raises: not ready
        db.session.rollback()
        checks["database"] = f"error: {type(error).__name__}"
        checks["migrations"] = "unknown"
    else:
        try:
            current = tuple(
                sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")))
            )
        except Exception:
            db.session.rollback()
            current = ()
        heads = migration_heads()
        checks["migrations"] = (
            "ok"
            if current == heads
            else f"at {','.join(current) or 'none'}, head {','.join(heads)}"
        )
    db.session.rollback()
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1).ping()
            checks["redis"] = "ok"
        except redis.RedisError as error:
            checks["redis"] = f"error: {type(error).__name__}"
    return checks
