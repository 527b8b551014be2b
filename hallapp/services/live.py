"""Live screens: one change version per hall, held in the database so every worker agrees.

Every ticket or counter step calls `bump()` inside its own transaction; displays, the desk
and the counter consoles poll `?since=N` and get 204 while `current_version` is still N.
"""

from functools import cache
from typing import cast

from sqlalchemy import FromClause, Integer, Table, bindparam, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from hallapp.extensions import db
from hallapp.models import HallVersion


def current_version(hall_id: int) -> int:
    """The hall's change version; 0 before anything has happened."""
    return db.session.scalar(select(HallVersion.version).where(HallVersion.hall_id == hall_id)) or 0


def bump(hall_id: int) -> None:
    """Add one to the hall's version in the caller's transaction: an upsert, as both of the
    hall's databases (SQLite and PostgreSQL) write it.

    Callers bump last, after taking their other row locks, so the version row is always the
    last lock a step waits for and steps cannot deadlock on it.
    """
    dialect = db.session.get_bind().dialect.name
    db.session.execute(bump_statement(dialect), {"hall": hall_id})


@cache
def bump_statement(dialect: str, hall_bind: str = "hall"):
    """The upsert, built once per database kind (and name of its hall parameter): every
    step runs it, and building it cost more than running it."""
    # On the table, not the mapped class: the ORM's handling of an INSERT cost twice the
    # statement itself, and no object of the row is kept.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_TABLE).values(hall_id=bindparam(hall_bind, type_=Integer), version=1)
    return _adding_one(statement)


def bump_with(rows: FromClause, hall_bind: str):
    """PostgreSQL: the upsert as part of a statement, made only if `rows` (one row or none:
    the statement's new row) has a row."""
    chosen = select(bindparam(hall_bind, type_=Integer), literal(1)).select_from(rows)
    return _adding_one(postgresql.insert(_TABLE).from_select(["hall_id", "version"], chosen))


def _adding_one(statement):
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.hall_id],
        set_={"version": _TABLE.c.version + 1},
    )


_TABLE = cast(Table, HallVersion.__table__)
