"""One runner at a time for the daily timers, across every app host.

Each host's systemd timer fires `flask purge` and `flask no-shows`; the first to take the
lock does the work, the others say so and exit 0. On PostgreSQL the lock is a session
advisory lock (shared by every host); on SQLite, a single host anyway, a file lock.
"""

from __future__ import annotations

import fcntl
import functools
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import text

from hallapp.extensions import db


def lock_key(name: str) -> int:
    return zlib.crc32(f"hall:{name}".encode())


@contextmanager
def single_runner(name: str) -> Iterator[bool]:
    """Yields True when this process holds the lock named `name`, False when another does."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            held = bool(
                connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(name)}
                )
            )
            connection.commit()
            try:
                yield held
            finally:
                if held:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)}
                    )
                    connection.commit()
        return
    path = Path(current_app.instance_path) / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def once_at_a_time(name: str) -> Callable:
    """A CLI command that does nothing (exit 0) while another host runs it."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            with single_runner(name) as held:
                if not held:
                    click.echo(f"{name}: another host is running it now; nothing done here.")
                    return None
                return command(*args, **kwargs)

        return wrapper

    return decorate
