"""A step's writes, sent to the database together when it commits.

A counter step changes its ticket, records the event and bumps the hall's version: three
statements, each a round trip to PostgreSQL and SQLAlchemy's cost of a statement, while
the step holds its locks. So they wait in the session (`later`) and go at the commit: on
PostgreSQL as one statement, each write a WITH part of the last (PostgreSQL runs every
part exactly once, read or not); on SQLite one after another, with no round trip to save.
Nothing in a step reads what it wrote before its commit; the ORM's own flush of objects
changed the ORM way comes after these writes, as it did when they were sent at once.
A rollback drops them with everything else.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import cache, lru_cache
from typing import cast

from sqlalchemy import (
    BindParameter,
    FromClause,
    Integer,
    Table,
    bindparam,
    event,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.dml import Insert, Update, ValuesBase

from hallapp.models import Ticket, TicketEvent
from hallapp.services import live

_PENDING = "hall_step_writes"
_BUMPED = "hall_versions_bumped"

# A write is its statement's key (see _statement) and its values by plain names.
Write = tuple[tuple[Hashable, ...], dict[str, object]]


def later(session: Session, key: tuple[Hashable, ...], values: dict[str, object]) -> None:
    _pending(session).append((key, values))


def _pending(session: Session) -> list[Write]:
    """The writes waiting for this session's commit. They belong to its transaction, begun
    here if need be (no statement is sent for that), so that whatever ends it ends them."""
    if not session.in_transaction():
        session.begin()
    return session.info.setdefault(_PENDING, [])


def ticket_columns(session: Session, ticket_id: int, changes: dict[str, object]) -> None:
    """Write these columns of the ticket at the commit; a second change of the same ticket
    in the step joins the first (one statement may not update a row twice)."""
    writes = _pending(session)
    for index, (key, values) in enumerate(writes):
        if key[0] == "ticket" and values["ticket"] == ticket_id:
            merged = {**_changes(values), **changes}
            writes[index] = (("ticket", tuple(merged)), {"ticket": ticket_id, **_named(merged)})
            return
    writes.append((("ticket", tuple(changes)), {"ticket": ticket_id, **_named(changes)}))


def ticket_event(session: Session, values: dict[str, object]) -> None:
    """Record a ticket event at the commit. A step's events go as one INSERT of several
    rows, in the order they were recorded: their ids keep the order of the steps (a
    transfer's "transferred" before the new ticket's "issued"), which the parts of one
    PostgreSQL statement would not promise."""
    writes = _pending(session)
    for index, (key, rows) in enumerate(writes):
        if key[0] == "event":
            count = cast(int, key[1])
            writes[index] = (("event", count + 1), {**rows, **_row(count, values)})
            return
    writes.append((("event", 1), _row(0, values)))


def version_bump(session: Session, hall_id: int) -> None:
    """The hall's version, bumped by the commit's statement (last: see live.bump); once a
    transaction is enough, and a statement of the step may have done it (bumped)."""
    if hall_id in session.info.get(_BUMPED, ()):
        return
    later(session, ("version",), {"hall": hall_id})


def nothing_waiting(session: Session) -> bool:
    return not session.info.get(_PENDING)


def bumped(session: Session, hall_id: int) -> None:
    """A statement of this transaction has bumped the hall's version already."""
    session.info.setdefault(_BUMPED, set()).add(hall_id)


def _row(index: int, values: dict[str, object]) -> dict[str, object]:
    return {f"r{index}_{name}": value for name, value in values.items()}


def _named(changes: dict[str, object]) -> dict[str, object]:
    return {f"new_{name}": value for name, value in changes.items()}


def _changes(values: dict[str, object]) -> dict[str, object]:
    return {name[4:]: value for name, value in values.items() if name.startswith("new_")}


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    writes: list[Write] | None = session.info.pop(_PENDING, None)
    if not writes:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        keys = tuple(key for key, _values in writes)
        session.connection().execute(
            _together(keys),
            {
                f"w{index}_{name}": value
                for index, (_key, values) in enumerate(writes)
                for name, value in values.items()
            },
        )
    else:
        for key, values in writes:
            session.connection().execute(_statement(key, "", dialect), values)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without its commit (a rollback, or the session closed at
    the end of a request that failed) takes its waiting writes with it; and whatever way
    it ended, the next one has bumped no version yet."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_BUMPED, None)


def event_of(rows: FromClause, event_columns: tuple[str, ...]) -> Insert:
    """PostgreSQL: the event of the ticket a statement's part `rows` just wrote (one row,
    or none), from `:e_<column>`, as another part of the same statement."""
    events = cast(Table, TicketEvent.__table__)
    return insert(events).from_select(
        ["ticket_id", *event_columns],
        select(
            rows.c.id,
            *(bindparam(f"e_{name}", type_=events.c[name].type) for name in event_columns),
        ),
    )


@lru_cache(maxsize=512)
def _together(keys: tuple[tuple[Hashable, ...], ...]) -> ValuesBase:
    """The writes as one PostgreSQL statement: the last one, with the others as its WITH."""
    *firsts, last = keys
    parts = [
        _statement(key, f"w{index}_", "postgresql").cte(f"w{index}")
        for index, key in enumerate(firsts)
    ]
    main = _statement(last, f"w{len(firsts)}_", "postgresql")
    return main.add_cte(*parts) if parts else main


def _statement(key: tuple[Hashable, ...], prefix: str, dialect: str) -> ValuesBase:
    kind = key[0]
    if kind == "ticket":
        return _ticket_update(cast(tuple[str, ...], key[1]), prefix)
    if kind == "event":
        return _event_insert(cast(int, key[1]), prefix)
    if kind == "version":
        return live.bump_statement(dialect, f"{prefix}hall")
    raise ValueError(f"no statement for a write of {kind}")


@lru_cache(maxsize=256)
def _ticket_update(columns: tuple[str, ...], prefix: str) -> Update:
    table = cast(Table, Ticket.__table__)
    return (
        update(table)
        .where(table.c.id == bindparam(f"{prefix}ticket", type_=Integer))
        .values(
            {name: bindparam(f"{prefix}new_{name}", type_=table.c[name].type) for name in columns}
        )
    )


@cache
def _event_insert(rows: int, prefix: str) -> Insert:
    """The events as one INSERT, a row at a time in their order (an INSERT of a list of
    values would do the same but has no cache key: it would be compiled every time)."""
    table = cast(Table, TicketEvent.__table__)
    columns = [column for column in table.c if column.name != "id"]

    def row(index: int) -> dict[str, BindParameter]:
        return {c.name: bindparam(f"{prefix}r{index}_{c.name}", type_=c.type) for c in columns}

    if rows == 1:
        return insert(table).values(row(0))
    each = [select(*row(index).values()) for index in range(rows)]
    return insert(table).from_select([c.name for c in columns], union_all(*each))
