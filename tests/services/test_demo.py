import pytest
from sqlalchemy import select

from hallapp.models import Counter, Enterprise, EnterpriseMember, Hall, Staff
from hallapp.services import demo
from tests.builders import make_hall


def test_demo_hall_has_a_dozen_counters_and_one_user_per_role(db):
    demo.load_demo("demo-password-1")
    hall = db.session.scalar(select(Hall).where(Hall.code == "demo"))
    counters = db.session.scalars(select(Counter).order_by(Counter.number)).all()
    assert [c.number for c in counters] == list(range(1, 13))
    main_codes = {s.code for s in hall.services if s.room == "main"}
    for counter in counters[:6]:
        assert {s.code for s in counter.services} == main_codes
    assert any(c.room == "enterprise" and c.exclusive for c in counters[6:])
    users = {s.username: s.roles for s in db.session.scalars(select(Staff))}
    assert users == {
        "guide": {"guide"},
        "counter": {"counter"},
        "clerk": {"enterprise"},
        "supervisor": {"supervisor"},
        "admin": {"admin"},
        "hotline": {"hotline"},
    }


def test_demo_refuses_a_database_with_real_data(db):
    make_hall("north")
    with pytest.raises(demo.DatabaseNotEmpty):
        demo.load_demo("demo-password-1")
    assert db.session.scalar(select(Hall).where(Hall.code == "demo")) is None


def test_demo_enterprise_room_has_enterprises_with_masked_people(db):
    demo.load_demo("demo-password-1")
    enterprises = db.session.scalars(select(Enterprise).order_by(Enterprise.id)).all()
    assert {e.place for e in enterprises} == {"hong_kong", "macau"}
    people = db.session.scalars(select(EnterpriseMember)).all()
    assert len(people) == 3
    assert all("*" in person.document_masked for person in people)
