import pytest
from sqlalchemy import func, select, text

from hallapp.models import Hall
from tests.builders import make_hall


def test_a_rollback_undoes_uncommitted_writes(db):
    make_hall("north")
    db.session.add(Hall(code="south", name_zh="南区", name_en="South"))
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Hall)) == 1


def test_psycopg_keeps_the_hot_paths_long_statements_parsed(db):
    """hallapp.sqlite raises psycopg's limit on the statements whose parsing it keeps: a
    call's statement, longer than psycopg's 4 KB, is parsed once, not on every call."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg is PostgreSQL's driver")
    from psycopg import _queries

    names = [f"p{n}" for n in range(60)]  # more parameters than psycopg keeps, too
    columns = ", ".join(f"CAST(:{name} AS INTEGER)" for name in names)
    statement = text(f"SELECT {columns}" + " " * 6000)  # and longer than 4 KB
    before = _queries._query2pg.cache_info().hits
    for _ in range(2):
        db.session.execute(statement, {name: 1 for name in names})
    assert _queries._query2pg.cache_info().hits == before + 1
