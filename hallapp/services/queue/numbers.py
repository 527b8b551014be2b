"""A service day's ticket numbers: taken from the day's counter row in one statement.

The row stays locked (PostgreSQL) until the taker commits, so numbers are given one
transaction at a time per service and day; taking it is the step's last lock but the
hall's version, and nothing between it and the commit waits on anything else.
"""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache
from typing import cast

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from hallapp.extensions import db
from hallapp.models import Ticket, TicketCounter, Visit
from hallapp.services import live

from . import writes

COUNTER: Table = TicketCounter.__table__  # type: ignore[assignment]


def _this_day(table: FromClause) -> ColumnElement[bool]:
    return and_(
        table.c.hall_id == bindparam("b_hall", type_=Integer),
        table.c.service_id == bindparam("b_service", type_=Integer),
        table.c.service_day == bindparam("b_day"),
    )


@cache
def _next_number() -> ReturningUpdate:
    """Add one to the day's row, if it exists (the usual case: one statement)."""
    return (
        update(COUNTER)
        .where(_this_day(COUNTER))
        .values(
            last_number=COUNTER.c.last_number + 1,
            issued=COUNTER.c.issued + bindparam("b_counts", type_=Integer),
        )
        .returning(COUNTER.c.last_number, COUNTER.c.issued)
    )


@cache
def _first_number(dialect: str) -> ReturningInsert:
    """Make the day's row, counted from the tickets the day already has (made before the
    counter existed, or by a restore); a kiosk that made it first leaves one to add to."""
    tickets = Ticket.__table__
    counted = select(
        bindparam("b_hall", type_=Integer),
        bindparam("b_service", type_=Integer),
        bindparam("b_day", type_=TicketCounter.service_day.type),
        func.coalesce(func.max(tickets.c.number), 0) + 1,
        func.count(tickets.c.id).filter(tickets.c.transferred_from_id.is_(None))
        + bindparam("b_counts", type_=Integer),
    ).where(_this_day(tickets))
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(COUNTER).from_select(
        ["hall_id", "service_id", "service_day", "last_number", "issued"], counted
    )
    return statement.on_conflict_do_update(
        index_elements=[COUNTER.c.hall_id, COUNTER.c.service_id, COUNTER.c.service_day],
        set_={
            "last_number": COUNTER.c.last_number + 1,
            "issued": COUNTER.c.issued + bindparam("b_counts", type_=Integer),
        },
    ).returning(COUNTER.c.last_number, COUNTER.c.issued)


@lru_cache(maxsize=64)
def numbered_insert(
    columns: tuple[str, ...],
    visit_columns: tuple[str, ...] = (),
    event_columns: tuple[str, ...] = (),
) -> ReturningInsert | Select:
    """PostgreSQL: the day's next number (as _next_number) and the ticket with it, in one
    statement, returning the ticket; none, and nothing written, when the day has no row
    yet or the number would pass `:b_limit` (the caller then takes the number the usual
    way, and refuses). So the statement is whole on its own: it may run in autocommit.

    The ticket's values are `:t_<column>` for these columns. With `visit_columns`, the
    ticket's new visit is inserted in the same statement, from `:v_<column>`, and only
    when the ticket is: the ticket's visit_id is its id. With `event_columns`, the
    ticket's event (`:e_<column>`, its ticket_id the new ticket's) and the bump of hall
    `:b_hall`'s version go in it too: an issue is then this one statement and its commit."""
    tickets = cast(Table, Ticket.__table__)
    limit = bindparam("b_limit", type_=Integer)
    within_limit = or_(
        limit.is_(None), COUNTER.c.issued + bindparam("b_counts", type_=Integer) <= limit
    )
    number = _next_number().where(within_limit).cte("number")
    # The columns' own defaults, as a plain insert gives them (an INSERT from a SELECT of
    # a cached statement would send them as NULL).
    defaults = {
        column.name: bindparam(f"default_{column.name}", column.default.arg, type_=column.type)
        for column in tickets.c
        if column.name not in (*columns, "number")
        and isinstance(column.default, ScalarElementColumnDefault)
    }
    chosen = [
        *(bindparam(f"t_{name}", type_=tickets.c[name].type) for name in columns),
        *defaults.values(),
        number.c.last_number,
    ]
    names = [*columns, *defaults, "number"]
    rows: FromClause = number
    if visit_columns:
        visits = cast(Table, Visit.__table__)
        visit_values = (bindparam(f"v_{name}", type_=visits.c[name].type) for name in visit_columns)
        new_visit = (
            insert(visits)
            .from_select(list(visit_columns), select(*visit_values).select_from(number))
            .returning(visits.c.id)
            .cte("new_visit")
        )
        chosen.append(new_visit.c.id)
        names.append("visit_id")
        rows = number.join(new_visit, true())  # one row each, or none
    ticket = (
        insert(tickets)
        .from_select(names, select(*chosen).select_from(rows), include_defaults=False)
        .returning(*tickets.c)
    )
    if not event_columns:
        return ticket
    new_ticket = ticket.cte("new_ticket")
    event = writes.event_of(new_ticket, event_columns)
    # The version's lock is the statement's last (live.bump): its part runs once the
    # statement has read the ticket it returns, and only with a ticket.
    bumped = live.bump_with(new_ticket, "b_hall")
    return select(new_ticket).add_cte(event.cte("issued"), bumped.cte("bumped"))


def take_number(hall_id: int, service_id: int, day: date, *, issuing: bool) -> tuple[int, int]:
    """The service day's next number, and the tickets issued that day with this one (a
    transfer, `issuing=False`, takes a number but is not a new ticket)."""
    values = {
        "b_hall": hall_id,
        "b_service": service_id,
        "b_day": day,
        "b_counts": 1 if issuing else 0,
    }
    row = db.session.execute(_next_number(), values).first()
    if row is None:
        dialect = db.session.get_bind().dialect.name
        row = db.session.execute(_first_number(dialect), values).one()
    return row[0], row[1]
