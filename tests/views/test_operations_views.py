"""Running for real: liveness, readiness, metrics, request ids, JSON logs, production mode
and the trusted proxy."""

import pytest
from sqlalchemy import text

from hallapp import create_app
from hallapp.config import ConfigurationError
from hallapp.models import utcnow
from hallapp.observe import migration_heads
from hallapp.services import queue
from tests.builders import make_ticket, open_counter
from tests.conftest import _test_config
from tests.request_log import request_log_lines


def _stamp(db, revision: str) -> None:
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})
    db.session.commit()


@pytest.fixture
def unstamp(db):
    yield
    db.session.rollback()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


def test_healthz_answers_while_the_process_lives(tmp_path):
    broken = create_app(_test_config(f"sqlite:///{tmp_path}/missing-dir/none/hall.sqlite"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_is_ready_when_the_schema_is_at_the_migration_head(client, db, unstamp):
    _stamp(db, migration_heads()[0])
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "migrations": "ok"}


def test_readyz_is_not_ready_behind_the_migration_head(client, db, unstamp):
    _stamp(db, "0001_foundation")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"].startswith("at 0001_foundation, head ")


def test_readyz_is_not_ready_when_the_database_does_not_answer(tmp_path):
    broken = create_app(_test_config(f"sqlite:///{tmp_path}/missing-dir/none/hall.sqlite"))
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("error")


def test_readyz_checks_redis_when_it_is_configured(database_url, db, unstamp):
    app = create_app(_test_config(database_url, REDIS_URL="redis://127.0.0.1:1/0"))
    with app.app_context():
        _stamp(db, migration_heads()[0])
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"].startswith("error")
    assert response.json["checks"]["database"] == "ok"


def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-abc123"})
    assert kept.headers["X-Request-ID"] == "nginx-abc123"
    bad = client.get("/healthz", headers={"X-Request-ID": "a b;c<x>"})
    assert len(bad.headers["X-Request-ID"]) == 32


def test_json_log_lines_carry_the_request_id(app):
    with request_log_lines(app) as lines:
        app.test_client().get("/healthz", headers={"X-Request-ID": "req-42"})
        app.logger.warning("outside a request")
    assert lines[0]["request_id"] == "req-42"
    assert lines[0]["endpoint"] == "main.healthz" and lines[0]["status"] == 200


def test_metrics_show_latency_by_endpoint_and_the_hall_gauges(client, hall, db):
    now = utcnow()
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=now)
    make_ticket(hall, "A", now=now)
    make_ticket(hall, "B", now=now)
    queue.call_next(counter, now=now)
    client.get("/healthz")
    body = client.get("/metrics").text
    assert 'hall_request_seconds_count{endpoint="main.healthz",method="GET"}' in body
    assert 'hall_waiting_tickets{hall="demo",service="A"} 1.0' in body
    assert 'hall_waiting_tickets{hall="demo",service="B"} 1.0' in body
    assert 'hall_open_counters{hall="demo"} 1.0' in body
    assert 'hall_calls_per_minute{hall="demo"} 0.2' in body
    assert 'hall_outbox_backlog{hall="demo"} 0.0' in body
    assert 'hall_longest_in_hall_seconds{hall="demo"}' in body


def test_metrics_refuse_other_addresses_unless_they_bring_the_token(app, hall):
    client = app.test_client()
    outside = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    app.config["METRICS_TOKEN"] = "scrape-secret"
    wrong = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 403
    right = client.get(
        "/metrics", environ_base=outside, headers={"Authorization": "Bearer scrape-secret"}
    )
    assert right.status_code == 200 and "hall_open_counters" in right.text


PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "s",
    "IDENTITY_HASH_KEY": "i",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://hall@db/hall",
}


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("SECRET_KEY", "SECRET_KEY is not set"),
        ("IDENTITY_HASH_KEY", "HALL_IDENTITY_HASH_KEY is not set"),
        ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL is not set"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing, named, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for variable in ("SECRET_KEY", "IDENTITY_HASH_KEY", "DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    settings = {**PRODUCTION, missing: None}
    with pytest.raises(ConfigurationError, match=named):
        create_app(settings)


def test_production_makes_no_secret_or_database_file(tmp_path, monkeypatch):
    from flask import Flask

    from hallapp import load_config

    app = Flask("hallapp", instance_path=str(tmp_path / "instance"))
    load_config(app, {**PRODUCTION})
    assert not (tmp_path / "instance").exists()
    with pytest.raises(ConfigurationError):
        load_config(app, {**PRODUCTION, "SECRET_KEY": None, "IDENTITY_HASH_KEY": None})
    assert not (tmp_path / "instance").exists()


def test_production_refuses_sqlite_for_several_hosts():
    settings = {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": "sqlite:////srv/hall.sqlite"}
    with pytest.raises(ConfigurationError, match="HALL_APP_HOSTS is 2 but DATABASE_URL is SQLite"):
        create_app({**settings, "APP_HOSTS": 2, "REDIS_URL": "redis://r"})
    with pytest.raises(ConfigurationError, match="REDIS_URL is not set"):
        create_app({**PRODUCTION, "APP_HOSTS": 2})


def test_behind_the_configured_proxy_the_citizen_address_is_the_forwarded_one(database_url):
    from flask import request

    seen = []
    for hops in (0, 1):
        app = create_app(_test_config(database_url, TRUSTED_PROXIES=hops))
        app.before_request(lambda: seen.append(request.remote_addr))
        app.test_client().get(
            "/healthz",
            headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
    # One trusted proxy: the address it saw, not what the client wrote before it.
    assert seen == ["127.0.0.1", "198.51.100.7"]
