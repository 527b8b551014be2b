"""SQLite keeps one writer, but reads never wait for it, and a stuck write fails fast (503)."""

import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from hallapp.models import utcnow
from hallapp.services import devices


@pytest.fixture
def app_config():
    # As served: writers take the lock at BEGIN; a short wait makes "stuck" quick to reach.
    return {"SQLITE_IMMEDIATE_TRANSACTIONS": True, "SQLITE_BUSY_TIMEOUT_MS": 50}


@pytest.fixture
def writer_holding_the_lock(db, database_url):
    """Another process's long write transaction (an import, say) holding SQLite's lock."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer only")
    db.session.commit()
    db.session.close()
    other = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.execute("ROLLBACK")
    other.close()


@pytest.fixture
def hall_code(hall):
    return hall.code


def test_reads_answer_while_another_writer_holds_the_lock(
    client, hall_code, writer_holding_the_lock
):
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/display/{hall_code}").status_code == 200


def test_a_write_that_cannot_get_the_lock_fails_fast_with_503(client, db, hall, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer only")
    _row, raw = devices.create_device_token(hall, "kiosk", now=utcnow())
    db.session.commit()
    db.session.close()
    other = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        response = client.post(
            "/api/v1/tickets", json={"service": "A"}, headers={"Authorization": f"Bearer {raw}"}
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"


def test_a_step_s_answer_is_read_without_holding_the_write_lock(client, db, hall, database_url):
    """issueTicket writes under BEGIN IMMEDIATE; once it has committed, the position and
    wait in its answer are read in a deferred transaction, so the next kiosk need not wait."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer only")
    _row, raw = devices.create_device_token(hall, "kiosk", now=utcnow())
    db.session.commit()
    begins: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post(
            "/api/v1/tickets", json={"service": "A"}, headers={"Authorization": f"Bearer {raw}"}
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 201
    assert begins[0] == "BEGIN IMMEDIATE"
    assert begins[-1] == "BEGIN"
