"""A counter device's step with the ticket it holds, named as the device names it.

A counter pad names a ticket by its public id. Taken the usual way, its start or finish
is a BEGIN, a locking read of the ticket, its writes and a COMMIT: four round trips, the
ticket locked from the second to the last. On PostgreSQL a step with no rule of its own
(steps.move) is one statement instead: the ticket's update, on the condition the usual
checks make (the hall's ticket, at this counter, in a status the step starts from), its
event and the hall's version with it, in autocommit (common.core_alone). When the
condition fails the statement writes nothing, and the step is taken the usual way, whose
checks say why it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from hallapp.extensions import db
from hallapp.models import Counter, Service, Ticket
from hallapp.models.base import as_loaded
from hallapp.services import live

from . import writes
from .common import commit, core, core_alone, refuse, ticket_for_step
from .errors import NotAtThisCounter


@dataclass(frozen=True)
class AtCounter:
    """The ticket with this public id in this hall, which must be at this counter."""

    hall_id: int
    public_id: str
    counter_id: int


def ticket_at_counter(ref: AtCounter) -> Ticket:
    """The ticket, locked for the step, with its service and counter; refused when it is
    not at this counter."""
    ticket = ticket_for_step(ref.hall_id, ref.public_id)
    if ticket.counter_id != ref.counter_id:
        refuse(NotAtThisCounter())
    return ticket


def moved_at_once(
    ref: AtCounter,
    *,
    sources: tuple[str, ...],
    changes: Mapping[str, object],
    event: Mapping[str, object],
) -> Ticket | None:
    """PostgreSQL: the ticket, moved from one of `sources` with these column `changes` and
    its `event` (common.event_columns) recorded, as one statement and its own commit; with
    its service and counter loaded, as ticket_at_counter reads them. None, and nothing
    written, when the ticket is not at this counter in one of those statuses (or on
    SQLite)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return _moved_by(
        _at_counter(sources),
        {"b_public_id": ref.public_id, "b_counter": ref.counter_id},
        hall_id=ref.hall_id,
        changes=changes,
        event=event,
        alone=True,
    )


def first_moved_at_once(
    chosen: Select,
    params: Mapping[str, object],
    *,
    hall_id: int,
    changes: Mapping[str, object],
    event: Mapping[str, object],
) -> Ticket | None:
    """PostgreSQL: the ticket whose id `chosen` selects (locking it, with its `params`),
    moved and recorded as moved_at_once does, in the open transaction (the caller holds
    other locks); None, and nothing written, when `chosen` selects none."""
    return _moved_by(
        _first_of(chosen), params, hall_id=hall_id, changes=changes, event=event, alone=False
    )


def _moved_by(
    which: ColumnElement[bool],
    params: Mapping[str, object],
    *,
    hall_id: int,
    changes: Mapping[str, object],
    event: Mapping[str, object],
    alone: bool,
) -> Ticket | None:
    parts = _moved(which, tuple(changes), tuple(event))
    run = core_alone if alone else core
    row = run(
        parts.statement,
        {"b_hall": hall_id, **params}
        | {f"new_{name}": value for name, value in changes.items()}
        | {f"e_{name}": value for name, value in event.items()},
    ).first()
    if row is None:
        return None
    session = db.session()
    values = row._mapping
    ticket = _as_read(session, Ticket, parts.ticket, values)
    set_committed_value(ticket, "service", _as_read(session, Service, parts.service, values))
    set_committed_value(ticket, "counter", _as_read(session, Counter, parts.counter, values))
    writes.bumped(session, hall_id)
    commit(hall_id)  # nothing left to send, or the COMMIT when it ran in a transaction
    return ticket


@lru_cache(maxsize=16)
def _at_counter(sources: tuple[str, ...]) -> ColumnElement[bool]:
    """Ticket :b_public_id of hall :b_hall, at counter :b_counter, in one of `sources` (the
    checks steps.take makes). On the UPDATE itself: PostgreSQL checks it again on the row
    as it is once a concurrent step's lock is gone (a second press finds it moved)."""
    tickets = cast(Table, Ticket.__table__)
    return and_(
        tickets.c.hall_id == bindparam("b_hall", type_=Integer),
        tickets.c.public_id == bindparam("b_public_id", type_=String),
        tickets.c.counter_id == bindparam("b_counter", type_=Integer),
        tickets.c.status.in_(sources),
    )


@lru_cache(maxsize=1024)
def _first_of(chosen: Select) -> ColumnElement[bool]:
    """The ticket `chosen` selects; its own locking read checks its conditions."""
    tickets = cast(Table, Ticket.__table__)
    return tickets.c.id == chosen.scalar_subquery()


@dataclass(frozen=True)
class _Moved:
    statement: Any
    ticket: FromClause
    service: FromClause
    counter: FromClause


@lru_cache(maxsize=1024)
def _moved(
    which: ColumnElement[bool], columns: tuple[str, ...], event_columns: tuple[str, ...]
) -> _Moved:
    """UPDATE the ticket `which` picks to `:new_<column>`; INSERT its event from
    `:e_<column>`; bump hall :b_hall's version last (live.bump_with); and return the ticket
    with its service and counter. Built once per kind of move: building it costs more than
    running it."""
    tickets = cast(Table, Ticket.__table__)
    moved = (
        update(tickets)
        .where(which)
        .values({name: bindparam(f"new_{name}", type_=tickets.c[name].type) for name in columns})
        .returning(*tickets.c)
        .cte("moved")
    )
    recorded = writes.event_of(moved, event_columns)
    bumped = live.bump_with(moved, "b_hall")
    services = cast(Table, Service.__table__).alias("moved_service")
    counters = cast(Table, Counter.__table__).alias("moved_counter")
    statement = (
        select(moved, services, counters)
        .select_from(
            moved.join(services, services.c.id == moved.c.service_id).join(
                counters, counters.c.id == moved.c.counter_id
            )
        )
        .add_cte(recorded.cte("recorded"), bumped.cte("bumped"))
    )
    return _Moved(statement, moved, services, counters)


def _as_read(session: Session, model: type, table: FromClause, values: Mapping) -> Any:
    """The session's object for this part of the row, holding the row's values."""
    row = {column.name: values[column] for column in table.c}
    held = session.identity_map.get(identity_key(model, row["id"]))
    if held is None:
        return as_loaded(session, model, row)
    for name, value in row.items():
        set_committed_value(held, name, value)
    return held
