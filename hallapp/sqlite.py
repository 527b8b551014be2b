"""SQLite as the hall's embedded default: foreign keys on, WAL, and one writer at a time.

Every transaction starts with BEGIN IMMEDIATE, so two workers can never both read
"next number is 12" and then both write it: the second waits for the first to commit
(busy_timeout), which is what the queue's rules need from a database without row locks.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False


def configure_sqlite() -> None:
    global _configured
    if _configured:
        return
    _configured = True
    event.listen(Engine, "connect", _on_connect)
    event.listen(Engine, "begin", _on_begin)


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's begin event issue BEGIN itself instead of pysqlite's deferred one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
