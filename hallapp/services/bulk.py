"""Bulk statements: an UPDATE or DELETE over many rows at once, and how many it changed."""

from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.sql.dml import UpdateBase

from hallapp.extensions import db


def rows_changed(statement: UpdateBase) -> int:
    """Run a bulk UPDATE or DELETE in the session's transaction; the number of rows it changed."""
    # A DML statement answers with a cursor result, the only kind that carries the count.
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount
