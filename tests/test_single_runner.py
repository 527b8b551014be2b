"""The daily timers fire on every app host; one host runs each job a day, the others do nothing."""

from datetime import timedelta

from sqlalchemy import func, select

from hallapp.models import TimerRun, VisitorIdentity, utcnow
from hallapp.services import guidance
from hallapp.single_runner import claim
from tests.clock import beijing


def _old_identity(hall, db):
    guidance.new_identity(hall, number="11010519491231002X", now=utcnow() - timedelta(days=99))
    db.session.commit()


def _identities(db) -> int:
    return db.session.scalar(select(func.count(VisitorIdentity.id)))


def test_purge_runs_once_a_day_whichever_host_fires_first(runner, hall, db):
    _old_identity(hall, db)
    first = runner.invoke(args=["purge"])
    assert "1 identity records" in first.output
    _old_identity(hall, db)

    second = runner.invoke(args=["purge"])  # the other host's timer, minutes later
    assert second.exit_code == 0
    assert "already run today" in second.output
    assert _identities(db) == 1
    run = db.session.scalar(select(TimerRun).where(TimerRun.name == "purge"))
    assert run.status == "done" and "1 identity records" in run.outcome


def test_a_host_whose_timer_fires_while_the_job_runs_elsewhere_does_nothing(runner, hall, db):
    _old_identity(hall, db)
    assert claim("purge", now=utcnow()) is not None  # another host, still running
    result = runner.invoke(args=["purge"])
    assert "already run today" in result.output and "(running)" in result.output
    again = runner.invoke(args=["purge", "--again"])  # not even by hand while it runs
    assert "already run today" in again.output
    assert _identities(db) == 1


def test_again_runs_a_finished_job_a_second_time_and_tomorrow_runs_anew(runner, hall, db, clock):
    runner.invoke(args=["purge"])
    _old_identity(hall, db)
    again = runner.invoke(args=["purge", "--again"])
    assert "1 identity records" in again.output
    _old_identity(hall, db)
    clock.move_to(beijing(2026, 12, 2, 10, 0))
    tomorrow = runner.invoke(args=["purge"])
    assert "1 identity records" in tomorrow.output
    assert db.session.scalar(select(func.count(TimerRun.id))) == 2


def test_a_run_left_running_by_a_dead_host_is_taken_over_by_hand_after_an_hour(runner, db):
    assert claim("no-shows", now=utcnow() - timedelta(hours=2)) is not None
    assert "already run today" in runner.invoke(args=["no-shows"]).output
    result = runner.invoke(args=["no-shows", "--again"])
    assert "bookings marked as no-shows" in result.output


def test_no_shows_and_purge_are_separate_jobs(runner, hall, db):
    runner.invoke(args=["purge"])
    result = runner.invoke(args=["no-shows"])
    assert "bookings marked as no-shows" in result.output
