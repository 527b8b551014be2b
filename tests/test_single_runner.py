"""The daily timers fire on every app host; one runs, the others do nothing."""

from datetime import timedelta

from sqlalchemy import func, select

from hallapp.models import VisitorIdentity, utcnow
from hallapp.services import guidance
from hallapp.single_runner import single_runner


def _old_identity(hall, db):
    guidance.new_identity(hall, number="11010519491231002X", now=utcnow() - timedelta(days=99))
    db.session.commit()


def _identities(db) -> int:
    return db.session.scalar(select(func.count(VisitorIdentity.id)))


def test_purge_does_nothing_while_another_host_holds_the_lock(runner, hall, db):
    _old_identity(hall, db)
    with single_runner("purge") as held:
        assert held
        result = runner.invoke(args=["purge"])
    assert result.exit_code == 0
    assert "another host is running it now" in result.output
    assert _identities(db) == 1

    after = runner.invoke(args=["purge"])  # the lock is free again
    assert "1 identity records" in after.output
    assert _identities(db) == 0


def test_no_shows_and_purge_have_separate_locks(runner, hall, db):
    with single_runner("purge"):
        result = runner.invoke(args=["no-shows"])
    assert "bookings marked as no-shows" in result.output
