"""docs/deploy.md's backup, done for real: pg_dump a demo database, pg_restore it into a fresh
one, and find a returning visitor by card there, with the identity hash key kept alongside."""

import shutil
import subprocess
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from hallapp import create_app
from hallapp.extensions import db
from hallapp.models import utcnow
from hallapp.services import demo, guidance, halls
from tests.conftest import _test_config
from tests.databases import create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.slow

CARD = "11010519491231002X"
KEY = "the-identity-key-kept-with-the-backup"


def libpq(url: str) -> str:
    """pg_dump and pg_restore take plain postgresql:// URLs."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def two_databases():
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump and pg_restore come with PostgreSQL's client package")
    source, target = create_postgres_database(), create_postgres_database()
    yield source, target
    drop_postgres_database(source)
    drop_postgres_database(target)


def _find(url: str, key: str) -> int:
    app = create_app(_test_config(url, IDENTITY_HASH_KEY=key))
    with app.app_context():
        found = len(guidance.find_visitor(halls.get_hall("demo"), CARD).identities)
        db.engine.dispose()
    return found


def test_a_restored_backup_finds_a_returning_visitor_by_card(two_databases, tmp_path):
    source, target = two_databases
    app = create_app(_test_config(source, IDENTITY_HASH_KEY=KEY))
    with app.app_context():
        upgrade()
        hall = demo.load_demo("demo-password-1234")
        guidance.new_identity(hall, number=CARD, now=utcnow() - timedelta(days=3))
        db.session.commit()
        db.engine.dispose()
    dump = tmp_path / "hall.dump"

    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq(source)],
        check=True,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(target)}", str(dump)],
        check=True,
    )

    assert _find(target, KEY) == 1
    # The same rows with another key: the visitor is a stranger. Back the key up too.
    assert _find(target, "a-new-key-made-on-the-new-host") == 0
    restored = create_app(_test_config(target))
    with restored.app_context():
        ready = restored.test_client().get("/readyz")
        db.engine.dispose()
    assert ready.json["checks"] == {"database": "ok", "migrations": "ok"}
