"""`flask history`: a realistic past, written only into an empty (or demo-only) database."""

from collections import Counter as Tally

from sqlalchemy import func, select

from hallapp.i18n import to_local
from hallapp.models import FreeService, Hall, Service, Ticket, Visit, VisitRating
from hallapp.services import queue
from tests.clock import beijing


def test_history_fills_several_halls_with_a_realistic_past(runner, db):
    # Today is Tuesday 1 December: Saturday 28 and Monday 30 November are open, Sunday not.
    result = runner.invoke(args=["history", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert "3 days of history in 3 halls" in result.output

    assert sorted(db.session.scalars(select(Hall.code))) == ["demo", "east", "north"]
    tickets = db.session.execute(
        select(
            Ticket.status, Ticket.service_day, Ticket.issued_at, Service.code, Ticket.hall_id
        ).join(Service, Ticket.service_id == Service.id)
    ).all()
    days = {row.service_day.isoformat() for row in tickets}
    assert days == {"2026-11-28", "2026-11-30"}
    statuses = Tally(row.status for row in tickets)
    assert statuses["done"] > 0.8 * len(tickets)
    assert 0.02 * len(tickets) < statuses["no_show"] < 0.07 * len(tickets)
    assert statuses["transferred"] > 0.04 * len(tickets)
    moved = db.session.scalar(select(func.count()).where(Ticket.transferred_from_id.is_not(None)))
    assert moved == statuses["transferred"]
    # Passports first, then Hong Kong and Macau permits, then the rest.
    services = Tally(row.code for row in tickets)
    assert services["A"] > services["B"] > services["C"] > services["D"]
    # A morning peak: more tickets issued 09:00–11:00 than 15:00–17:00.
    hours = Tally(to_local(row.issued_at).hour for row in tickets)
    assert hours[9] + hours[10] > 1.5 * (hours[15] + hours[16])
    # Visits with several tickets, ratings and free services exist too.
    per_visit = db.session.scalar(
        select(func.count()).select_from(
            select(Ticket.visit_id).group_by(Ticket.visit_id).having(func.count() > 1).subquery()
        )
    )
    assert per_visit > 0
    assert db.session.scalar(select(func.count()).select_from(VisitRating)) > 0
    assert db.session.scalar(select(func.count()).select_from(FreeService)) > 0

    # The live hall works on after it: new rows get new ids (PostgreSQL sequences moved on).
    hall = db.session.scalar(select(Hall).where(Hall.code == "demo"))
    ticket = queue.issue_ticket(hall, "A", source="desk", now=beijing(2026, 12, 1, 10, 0))
    assert ticket.id > max(db.session.scalars(select(Ticket.id).where(Ticket.id != ticket.id)))
    assert db.session.get(Visit, ticket.visit_id) is not None


def test_history_refuses_a_database_with_real_data(runner, db, hall):
    # A hall coded "demo" that has seen a visitor is a hall at work, not the demo data.
    queue.issue_ticket(hall, "A", source="desk", now=beijing(2026, 12, 1, 10, 0))
    result = runner.invoke(args=["history", "--days", "2"])
    assert result.exit_code != 0
    assert "历史数据只写入空数据库或仅含示范数据的数据库" in result.output
    assert db.session.scalar(select(func.count()).select_from(Hall)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_history_refuses_a_hall_other_than_the_demo_one(runner, db):
    from tests import builders

    builders.make_hall("north")
    result = runner.invoke(args=["history", "--days", "2"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
