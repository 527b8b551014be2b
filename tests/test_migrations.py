"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from hallapp import create_app
from hallapp.extensions import db
from hallapp.models import Base
from tests.conftest import _test_config
from tests.databases import create_postgres_database, drop_postgres_database


def _upgraded_schema_differences(url: str) -> list:
    app = create_app(_test_config(url, SQLITE_IMMEDIATE_TRANSACTIONS=True))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            differences = compare_metadata(context, Base.metadata)
        db.engine.dispose()
    return differences


def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert _upgraded_schema_differences(f"sqlite:///{tmp_path / 'fresh.sqlite'}") == []


def test_migrations_match_the_models_on_postgresql():
    url = create_postgres_database()
    try:
        assert _upgraded_schema_differences(url) == []
    finally:
        drop_postgres_database(url)
