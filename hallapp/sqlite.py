"""SQLite as the hall's embedded default: foreign keys on, WAL, and one writer at a time.

With SQLITE_IMMEDIATE_TRANSACTIONS (the default) every transaction starts with BEGIN
IMMEDIATE, so two workers can never both read "next number is 12" and both write it:
the second waits for the first to commit (busy_timeout). That is what the queue's rules
need from a database without row locks. The test process turns it off for its own
session only, so its reads never hold the lock a live server under test is waiting for.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine, immediate: bool) -> None:
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _on_connect)
    # pysqlite's own transaction handling is off (see _on_connect), so a BEGIN must always
    # be sent; without one every statement commits alone and a rollback undoes nothing.
    event.listen(engine, "begin", _begin_immediate if immediate else _begin_deferred)


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's begin event issue BEGIN itself instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection) -> None:
    connection.exec_driver_sql("BEGIN")
