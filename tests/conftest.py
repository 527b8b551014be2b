"""Fixtures: the app on SQLite and on PostgreSQL, fresh tables per test, clients per role."""

import functools
from pathlib import Path

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import text

from hallapp import create_app
from hallapp.config import TestConfig
from hallapp.extensions import db as _db
from hallapp.models import Base
from tests import builders, url_builders
from tests.clock import DEFAULT_INSTANT
from tests.databases import (
    create_postgres_database,
    drop_postgres_database,
    selected_backends,
)

BACKENDS = ["sqlite", "postgresql"]

url_builders.install()


@pytest.fixture(autouse=True)
def clock():
    """The clock every test runs on: DEFAULT_INSTANT, running on from there.

    `clock.move_to(instant, tick=False)` stops it at another instant (see tests/clock.py).
    """
    with time_machine.travel(DEFAULT_INSTANT, tick=True) as traveller:
        yield traveller


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_generate_tests(metafunc):
    if "database_url" in metafunc.fixturenames:
        wanted = selected_backends()
        backends = BACKENDS
        if BROWSER_TESTS in Path(metafunc.definition.fspath).parents or (
            metafunc.definition.get_closest_marker("one_database")
        ):
            # A browser proves a page's flow; both databases are proven by the services and
            # views tests. One is enough here: production's when it is selected.
            backends = ["postgresql" if "postgresql" in wanted else "sqlite"]
        params = [
            pytest.param(
                name,
                marks=()
                if name in wanted
                else pytest.mark.skip(reason=f"HALL_TEST_DATABASES leaves out {name}"),
            )
            for name in backends
        ]
        metafunc.parametrize("database_url", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    """An empty database with the models' tables, once per run and backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'hall.sqlite'}"
        _create_tables(url)
        yield url
        return
    url = create_postgres_database()
    try:
        _create_tables(url)
        yield url
    finally:
        drop_postgres_database(url)


def _create_tables(url: str) -> None:
    app = create_app(_test_config(url))
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()


def _test_config(url: str, **overrides) -> dict:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = url
    config.update(overrides)
    return config


def empty_all_tables() -> None:
    """Every test starts on empty tables, with ids counting from 1 again.

    DELETE rather than TRUNCATE: on tables this small PostgreSQL deletes about eight times
    faster than it truncates, and this runs before every test. The statements go straight
    to the driver: on PostgreSQL as one round trip, on SQLite (which reuses ids by itself)
    one statement at a time, as its driver requires, without the ORM's cost per statement.
    """
    cursor = _db.session.connection().connection.cursor()
    if _db.engine.dialect.name == "postgresql":
        cursor.execute(_postgres_reset_sql())
    else:
        for statement in _delete_statements():
            cursor.execute(statement)
    cursor.close()
    _db.session.commit()


@functools.cache
def _delete_statements() -> tuple[str, ...]:
    quote = _db.engine.dialect.identifier_preparer.format_table
    return tuple(f"DELETE FROM {quote(table)}" for table in reversed(Base.metadata.sorted_tables))


@functools.cache
def _postgres_reset_sql() -> str:
    sequences = _db.session.scalars(
        text("SELECT sequence_name FROM information_schema.sequences ORDER BY sequence_name")
    ).all()
    calls = ", ".join(f"setval('\"{name}\"', 1, false)" for name in sequences)
    return "; ".join([*_delete_statements(), f"SELECT {calls}" if calls else "SELECT 1"])


class HallTestClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g`, its own
    database session. The test's session commits first, because SQLite lets one
    transaction at a time hold the write lock and the request would wait for it."""

    def open(self, *args, **kwargs):
        _db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app_config():
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    app = create_app(_test_config(database_url, **app_config))
    app.test_client_class = HallTestClient
    with app.app_context():
        empty_all_tables()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def hall(app):
    return builders.make_standard_hall()


@pytest.fixture
def login_as(app, hall):
    """login_as("counter") -> a test client signed in as a staff member with that role."""
    made: dict[str, object] = {}

    def login(*roles: str, username: str | None = None):
        key = username or "-".join(roles)
        staff = made.get(key) or builders.make_staff(hall, *roles, username=username)
        made[key] = staff
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = staff.get_id()
            session["_fresh"] = True
        client.staff = staff
        return client

    return login
