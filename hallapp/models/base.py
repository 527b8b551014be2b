"""Declarative base, UTC-aware times, and the naming convention batch migrations rely on."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import DateTime, MetaData, inspect
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached
from sqlalchemy.types import TypeDecorator

# Named constraints let Alembic's batch mode alter SQLite tables the same way as Postgres ones.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


M = TypeVar("M", bound=Base)


def as_loaded(session: Session, model: type[M], row: Mapping[str, Any]) -> M:
    """An object of `model` holding `row` (its columns' values), kept in `session` as if
    the session had just read that row: nothing to flush, no history. Made the way the
    ORM's own loading makes one, the values put in place at once: the constructor would
    set each attribute through its events, which cost a hot path as much as the row's
    round trip."""
    obj = inspect(model).class_manager.new_instance()
    obj.__dict__.update(row)
    make_transient_to_detached(obj)  # its key; the values are the committed state
    session.add(obj)
    return cast(M, obj)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back an aware UTC datetime, on SQLite too (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
