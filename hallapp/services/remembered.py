"""Rows every ticket's issue reads, remembered by the worker for LIVE_RECENT_SECONDS.

A kiosk's issue reads its hall (opening hours, time zone) and the service (active, daily
limit): two statements, each a round trip and the ORM's cost of loading a row, for rows
that change a few times a year. The worker keeps their column values as it keeps a
device's pass and whether the hall opens today (render_cache.recent), so a change is
seen at most that long after it was saved. Each request still gets its own object, in its
own session, as if it had just read the row: nothing is shared between requests but the
values.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar, cast

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm.util import identity_key

from hallapp import render_cache
from hallapp.extensions import db
from hallapp.models import Hall, Service
from hallapp.models.base import as_loaded

M = TypeVar("M", Hall, Service)


def hall(hall_id: int) -> Hall | None:
    return _remembered(Hall, (hall_id,), lambda: Hall.id == hall_id)


def service(hall_id: int, code: str) -> Service | None:
    return _remembered(
        Service, (hall_id, code), lambda: (Service.hall_id == hall_id) & (Service.code == code)
    )


def _remembered(
    model: type[M], key: tuple[Hashable, ...], where: Callable[[], ColumnElement[bool]]
) -> M | None:
    # `where` is built only to read the row: building it costs more than the lookup.
    values = render_cache.recent((model.__tablename__, *key), lambda: _values(model, where()))
    if values is None:
        return None
    session = db.session()
    held = session.identity_map.get(identity_key(model, values["id"]))
    if held is not None:  # this request has the row already
        return cast(M, held)
    return as_loaded(session, model, values)


def _values(model: type[M], where: ColumnElement[bool]) -> dict[str, object] | None:
    table = cast(Table, model.__table__)
    row = db.session.execute(select(*table.c).where(where)).first()
    return dict(row._mapping) if row is not None else None
