"""The database connection's safety settings: SQLite's one writer, and timeouts everywhere.

SQLite: foreign keys on, WAL (readers never wait for the writer), and with
SQLITE_IMMEDIATE_TRANSACTIONS (the default) every *writing* request's transaction starts
with BEGIN IMMEDIATE, so two workers can never both read "next number is 12" and both
write it: the second waits for the first to commit, at most SQLITE_BUSY_TIMEOUT_MS, then
fails with 503. Reads (GET and HEAD requests, and a writing request's answer once its
step has committed: only_reads_from_here) begin a deferred transaction and never take
the write lock. The test process turns immediate transactions off for its own session
only, so its reads never hold the lock a live server under test is waiting for.

PostgreSQL: a connect timeout, and statement and lock timeouts, so that a stopped or
stalled database makes requests fail fast (errors.py answers 503) instead of hanging;
and a pooled connection the server has closed is never handed to a request (below).
"""

import select
import sqlite3

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

READING_METHODS = ("GET", "HEAD", "OPTIONS")


def database_engine_options(config: dict) -> None:
    """Add the PostgreSQL timeouts to SQLALCHEMY_ENGINE_OPTIONS (config is changed)."""
    uri = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if not uri.startswith("postgresql"):
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", int(config["DB_CONNECT_TIMEOUT_SECONDS"]))
    connect_args.setdefault(
        "options",
        f"-c statement_timeout={int(config['DB_STATEMENT_TIMEOUT_MS'])}"
        f" -c lock_timeout={int(config['DB_LOCK_TIMEOUT_MS'])}",
    )
    options["connect_args"] = connect_args
    options.setdefault("pool_timeout", int(config["DB_CONNECT_TIMEOUT_SECONDS"]))
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_postgresql(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _refuse_closed_connection)
        event.listen(engine, "checkout", _read_outside_a_transaction)
        event.listen(engine, "checkin", _transactions_again)
        _keep_long_statements_parsed()


# psycopg turns each statement's %(name)s placeholders into PostgreSQL's $n, and keeps what
# it found only for statements up to 4 KB and 50 parameters: an ORM's statements of
# varying length would fill its cache. This app's statements are a fixed set, each
# compiled once by SQLAlchemy, and its hot paths' are among the long ones (callNext's call
# in one statement, 6.6 KB for a counter of two services, was parsed again on every call:
# 0.3 ms of its CPU).
LONGEST_STATEMENT_KEPT = 32 * 1024
MOST_PARAMETERS_KEPT = 500


def _keep_long_statements_parsed() -> None:
    from psycopg import _queries

    if _queries.MAX_CACHED_STATEMENT_LENGTH < LONGEST_STATEMENT_KEPT:
        _queries.MAX_CACHED_STATEMENT_LENGTH = LONGEST_STATEMENT_KEPT
    if _queries.MAX_CACHED_STATEMENT_PARAMS < MOST_PARAMETERS_KEPT:
        _queries.MAX_CACHED_STATEMENT_PARAMS = MOST_PARAMETERS_KEPT


def _read_outside_a_transaction(dbapi_connection, _record, _proxy) -> None:
    """A writing request's answer, after its step committed (only_reads_from_here), reads
    in autocommit: under READ COMMITTED each statement sees what was committed when it
    began either way, and this spares the BEGIN and the ROLLBACK, a round trip each, that
    a transaction around them costs. The step's commit returned its connection to the
    pool, so the answer's first read takes one (pool events, unlike a connection's, cost
    nothing per statement); it goes back in transaction mode."""
    if has_request_context() and g.get("hall_only_reads", False):
        dbapi_connection.autocommit = True


def _transactions_again(dbapi_connection, _record) -> None:
    if dbapi_connection is not None and dbapi_connection.autocommit:
        dbapi_connection.autocommit = False


def _refuse_closed_connection(dbapi_connection, _record, _proxy) -> None:
    """pool_pre_ping's guard without its round trip on every request.

    A pooled connection sits idle between requests, so anything to read on its socket
    means the server spoke first: a restart's "terminating connection" or the end of the
    stream. The pool then discards it and opens another (PoolEvents.checkout). A server
    that vanished without a word is found by the request's first statement instead,
    which answers 503 and makes the pool drop every connection of that age.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    poll = select.poll()
    poll.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if poll.poll(0):
        raise DisconnectionError("the database closed this connection")


def configure_sqlite(engine: Engine, immediate: bool, busy_timeout_ms: int = 5000) -> None:
    if engine.dialect.name != "sqlite":
        return

    def on_connect(dbapi_connection, _record) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        # Let SQLAlchemy's begin event issue BEGIN itself instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", _begin_immediate if immediate else _begin_deferred)


def only_reads_from_here() -> None:
    """The rest of this writing request only reads: its step has committed and the view
    builds the answer. On SQLite its next transactions begin deferred, so the answer does
    not hold the write lock the next kiosk or counter is waiting for; on PostgreSQL the
    answer reads outside a transaction (two round trips fewer)."""
    g.hall_only_reads = True


def _reading_request() -> bool:
    return has_request_context() and (
        request.method in READING_METHODS or g.get("hall_only_reads", False)
    )


def _begin_immediate(connection) -> None:
    if _reading_request():
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection) -> None:
    # Still a real transaction: with pysqlite's own BEGIN switched off, a rollback
    # would otherwise undo nothing.
    connection.exec_driver_sql("BEGIN")
