"""What every step of the queue does the same way: lock the rows it changes, say no by
rolling back, write the ticket's event, bump the hall's version and commit once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any, NoReturn, TypeVar, cast
from zoneinfo import ZoneInfo

import psycopg
from flask import current_app
from psycopg.pq import TransactionStatus
from sqlalchemy import (
    Insert,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.base import Executable

from hallapp.extensions import db
from hallapp.models import Counter, Hall, Staff, Ticket, Visit
from hallapp.models.base import as_loaded
from hallapp.services import hall_now
from hallapp.services.devices import Device
from hallapp.services.errors import HallError, NotFound

from . import writes
from .errors import NotAtThisCounter, UnknownTicket


def setting(name: str) -> int:
    return int(current_app.config[name])


def refuse(error: HallError) -> NoReturn:
    """Release any row locks taken so far and say no."""
    db.session.rollback()
    raise error


def event_columns(
    step: str,
    *,
    hall_id: int,
    now: datetime,
    actor: Staff | None = None,
    counter_id: int | None = None,
    device: Device | None = None,
    detail: str = "",
) -> dict[str, object]:
    """A ticket event's columns, but for its ticket."""
    return {
        "hall_id": hall_id,
        "step": step,
        "at": now,
        "actor_id": actor.id if actor else None,
        "counter_id": counter_id,
        "device_token_id": device.id if device else None,
        "detail": detail,
    }


def record_event(
    ticket: Ticket,
    step: str,
    *,
    now: datetime,
    actor: Staff | None = None,
    counter: Counter | None = None,
    device: Device | None = None,
    detail: str = "",
) -> None:
    """Write the ticket's event with the step's commit (writes.py): nothing reads it back
    in the step."""
    if ticket.id is None:
        db.session.flush()  # a plain insert does not flush the ticket it refers to
    writes.ticket_event(
        db.session(),
        {
            "ticket_id": ticket.id,
            **event_columns(
                step,
                hall_id=ticket.hall_id,
                now=now,
                actor=actor,
                counter_id=counter.id if counter else ticket.counter_id,
                device=device,
                detail=detail,
            ),
        },
    )


M = TypeVar("M", Ticket, Visit)


def core(statement: Executable, params: Mapping[str, Any] | None = None) -> CursorResult:
    """Run a Core statement (tables, no mapped classes) on the session's connection, in its
    transaction. The session's own execute spends a third of a small statement's cost on
    ORM bookkeeping that such a statement does not use."""
    return db.session.connection().execute(statement, params)


def core_alone(statement: Executable, params: Mapping[str, Any]) -> CursorResult:
    """Run a Core statement that is all its use case writes, with nothing written after it
    (the caller's promise), as a transaction of its own when this one has sent nothing
    yet: PostgreSQL then commits it as it completes. That spares the BEGIN and the COMMIT,
    a round trip each, and its row locks end with the statement, not a round trip later
    when the worker's other threads let this one send the COMMIT. With anything read,
    changed or waiting to be written before it (or on SQLite), it runs in the transaction
    like any other statement."""
    session = db.session()
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(statement, params)
    raw = cast(psycopg.Connection, connection.connection.dbapi_connection)
    alone = (
        raw.info.transaction_status == TransactionStatus.IDLE
        and writes.nothing_waiting(session)
        and not (session.new or session.dirty or session.deleted)
    )
    if not alone:
        return connection.execute(statement, params)
    raw.autocommit = True
    try:
        return connection.execute(statement, params)
    finally:
        raw.autocommit = False


def insert_row(model: type[M], values: dict[str, object]) -> M:
    """Insert one row with a plain INSERT ... RETURNING and keep it in the session as the
    loaded object it is: the ORM's own insert of a row cost twice as much, for the same
    object. Column defaults apply as in any insert."""
    row = core(_insert_returning(model), values).one()
    return inserted(model, dict(row._mapping))


def inserted(model: type[M], row: Mapping[str, Any]) -> M:
    """The object of a row this transaction inserted (all its columns' values), kept in the
    session as if just read; a rollback takes it out again."""
    session = db.session()
    obj = as_loaded(session, model, row)
    session.info.setdefault(_INSERTED, []).append(obj)
    return obj


# The rows insert_row made in the open transaction. A rollback takes them out of the
# session, as it does the objects the ORM inserted itself: their rows are gone (and
# SQLite gives their ids out again). Not for savepoints: no step inserts inside one.
_INSERTED = "hall_rows_inserted"


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_rows(session: Session) -> None:
    for obj in session.info.pop(_INSERTED, ()):
        if obj in session:
            session.expunge(obj)


@event.listens_for(Session, "after_commit")
def _keep_committed_rows(session: Session) -> None:
    session.info.pop(_INSERTED, None)


@cache
def _insert_returning(model: type[Ticket] | type[Visit]) -> Insert:
    table = cast(Table, model.__table__)
    return insert(table).returning(*table.c)


def write_ticket(ticket: Ticket, **changes: object) -> None:
    """Write these columns of the (locked) ticket with the step's commit, in one UPDATE
    (writes.py), and keep them as its loaded values: the unit of work's flush of one row
    cost about three times the statement. Changes made the ORM way are flushed after."""
    writes.ticket_columns(db.session(), ticket.id, changes)
    for name, value in changes.items():
        set_committed_value(ticket, name, value)


def commit(hall_id: int) -> None:
    """Bump the hall's version and commit, keeping the rows just written loaded: the answer
    (the ticket, its counter and service) is what this transaction wrote, so re-reading
    each of them after the commit would only cost statements. The step's writes go with
    the commit, the version's bump last among them (writes.py)."""
    session = db.session()
    writes.version_bump(session, hall_id)
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def locked_ticket(ticket: Ticket | int) -> Ticket:
    """The ticket, locked for this transaction's step and read fresh; a ticket this
    transaction has locked already (ticket_for_step) is not read a second time."""
    if isinstance(ticket, Ticket) and ticket.id in _locked_here():
        return ticket
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    locked = db.session.scalar(_locked_ticket_by_id(), {"ticket": ticket_id})
    if locked is None:
        refuse(UnknownTicket())
    hold(locked)
    return locked


def ticket_for_step(hall_id: int, public_id: str, *, lock: bool = True) -> Ticket:
    """The hall's ticket with this public id, with its service and counter (what an answer
    about it shows), for a device about to take a step with it: with `lock`, locked in
    this first read, so the step does not read it again (see locked_ticket)."""
    ticket = db.session.scalar(
        _ticket_by_public_id(lock), {"hall": hall_id, "public_id": public_id}
    )
    if ticket is None:
        refuse(UnknownTicket())
    if lock:
        hold(ticket)
    return ticket


@cache
def _locked_ticket_by_id() -> Select[Ticket]:
    return _locking(select(Ticket).where(Ticket.id == bindparam("ticket", type_=Integer)))


@cache
def _ticket_by_public_id(lock: bool) -> Select[Ticket]:
    query = (
        select(Ticket)
        .options(joinedload(Ticket.service, innerjoin=True), joinedload(Ticket.counter))
        .where(
            Ticket.hall_id == bindparam("hall", type_=Integer),
            Ticket.public_id == bindparam("public_id", type_=String),
        )
    )
    return _locking(query) if lock else query


def _locking(query: Select[Ticket]) -> Select[Ticket]:
    """The query locking the tickets it reads (not the rows joined to them), read fresh."""
    return query.with_for_update(of=Ticket).execution_options(populate_existing=True)


def hold(ticket: Ticket) -> None:
    """Note that this transaction has just locked the ticket and read it fresh: locked_ticket
    will not read it again."""
    _locked_here().add(ticket.id)


def _locked_here() -> set[int]:
    """Ids of the tickets locked by the session's current transaction: a lock is held until
    the transaction ends, and a new transaction starts with none."""
    session = db.session()
    transaction = session.get_transaction()
    held = session.info.get("hall_locked_tickets")
    if held is None or held[0] is not transaction:
        held = session.info["hall_locked_tickets"] = (transaction, set())
    return held[1]


def locked_counter(counter: Counter) -> Counter:
    locked = db.session.scalar(
        select(Counter)
        .where(Counter.id == counter.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        refuse(NotFound())
    return locked


def check_counter(ticket: Ticket, counter: Counter | None) -> None:
    if counter is not None and ticket.counter_id != counter.id:
        refuse(NotAtThisCounter())


def hall_zone(hall: Hall) -> ZoneInfo:
    return ZoneInfo(hall.timezone)


def service_day_of(hall: Hall, now: datetime) -> date:
    """The hall's local date (the rule is hall_now.service_day; kept for its callers)."""
    return hall_now.service_day(hall, now)
