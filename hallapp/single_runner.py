"""One run a day for the daily timers, across every app host.

Each host's systemd timer fires `flask purge` and `flask no-shows`, each at its own
randomised moment. A lock held only while a job runs would let a host whose timer fires
after the first run ended do the whole job again, so the first host to insert the day's
row in `timer_run` runs it and the others find the row, say who ran it and exit 0. The
unique (name, day) does the arbitration on both databases, and no session state is
needed (PgBouncer in transaction mode is fine). The row also tells the operator when,
where and how the run went; `--again` runs a finished or failed job a second time.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

import click
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from hallapp.extensions import db
from hallapp.i18n import HALL_TIMEZONE
from hallapp.models import TimerRun, utcnow

# A run still marked running after this long died with its host; `--again` may take over.
STALE_AFTER = timedelta(hours=1)


def this_host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def claim(name: str, *, now: datetime, again: bool = False) -> TimerRun | None:
    """Today's run of the timer `name` for this host, or None when another host has it."""
    day = now.astimezone(HALL_TIMEZONE).date()
    run = TimerRun(name=name, day=day, host=this_host(), started_at=now, status="running")
    db.session.add(run)
    try:
        db.session.commit()
        return run
    except IntegrityError:
        db.session.rollback()
    if not again:
        return None
    taken = db.session.execute(
        update(TimerRun)
        .where(
            TimerRun.name == name,
            TimerRun.day == day,
            or_(TimerRun.status != "running", TimerRun.started_at < now - STALE_AFTER),
        )
        .values(host=this_host(), started_at=now, finished_at=None, status="running", outcome="")
    )
    db.session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return todays_run(name, now=now)


def todays_run(name: str, *, now: datetime) -> TimerRun | None:
    day = now.astimezone(HALL_TIMEZONE).date()
    return db.session.scalar(select(TimerRun).where(TimerRun.name == name, TimerRun.day == day))


def finish(run: TimerRun, *, status: str, outcome: str, now: datetime) -> None:
    run.status, run.outcome, run.finished_at = status, outcome[:2000], now
    db.session.commit()


def once_a_day(name: str) -> Callable:
    """A CLI command that runs once a day over every host; the others do nothing (exit 0).
    The command returns the line it printed, kept as the run's outcome."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args, again: bool = False, **kwargs):
            run = claim(name, now=utcnow(), again=again)
            if run is None:
                db.session.rollback()
                other = todays_run(name, now=utcnow())
                where = (
                    f" by {other.host} at {other.started_at:%H:%M} UTC ({other.status})"
                    if other
                    else ""
                )
                click.echo(
                    f"{name}: already run today{where}; nothing done here (--again runs it again)."
                )
                return None
            try:
                outcome = command(*args, **kwargs)
            except Exception as error:
                db.session.rollback()
                finish(run, status="failed", outcome=repr(error), now=utcnow())
                raise
            finish(run, status="done", outcome=str(outcome or ""), now=utcnow())
            return outcome

        return click.option(
            "--again",
            is_flag=True,
            help="Run even though it already ran today (not while it is running elsewhere).",
        )(wrapper)

    return decorate
