"""Where the suite's databases live: a SQLite file, and a throwaway PostgreSQL database.

PostgreSQL is found at HALL_TEST_POSTGRES_URL (default: the CI server, user postgres,
database test). Each run creates its own database beside it and drops it afterwards, so
parallel runs never see each other's rows. Without a server the PostgreSQL half skips,
except under CI=true, where a missing server fails the run.
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

POSTGRES_ADMIN_URL = os.environ.get(
    "HALL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("HALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def selected_backends() -> list[str]:
    """HALL_TEST_DATABASES=sqlite speeds up a local edit-test loop; CI always runs both."""
    chosen = os.environ.get("HALL_TEST_DATABASES", "sqlite,postgresql")
    backends = [name.strip() for name in chosen.split(",") if name.strip()]
    if running_in_ci():
        return ["sqlite", "postgresql"]
    return backends


def unavailable(reason: str):
    if running_in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def create_postgres_database() -> str:
    """A fresh, empty database on the PostgreSQL server; returns its URL."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hall_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    finally:
        admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def require_redis() -> str:
    """The Redis URL for tests that need one; skips (or fails under CI) when none answers."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        unavailable(f"Redis is not reachable at {REDIS_URL}: {error}")
    finally:
        client.close()
    return REDIS_URL
