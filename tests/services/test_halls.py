from datetime import time

import pytest
from sqlalchemy import func, select

from hallapp.models import Counter, Service
from hallapp.services import halls
from hallapp.services.errors import Duplicate, InvalidValue
from tests.builders import make_staff


@pytest.fixture
def admin(hall):
    return make_staff(hall, "admin", username="boss")


def _service(hall, admin, code="C", room="main", service=None):
    return halls.save_service(
        service,
        hall=hall,
        code=code,
        name_zh="往来台湾通行证",
        name_en="Taiwan permit",
        room=room,
        active=True,
        daily_limit=None,
        actor=admin,
    )


def test_a_service_code_is_one_capital_letter_unique_in_its_hall(db, hall, admin):
    assert _service(hall, admin, code="c").code == "C"
    with pytest.raises(Duplicate) as error:
        _service(hall, admin, code="A")
    assert error.value.field == "code"
    with pytest.raises(InvalidValue):
        _service(hall, admin, code="AB")
    count = db.session.scalar(select(func.count()).select_from(Service))
    assert count == 4  # A, B, E from the fixture and the new C


def test_the_same_code_may_be_used_in_another_hall(db, hall, admin):
    other = halls.save_hall(
        None,
        code="north",
        name_zh="北区大厅",
        name_en="North hall",
        opens_at=time(9),
        closes_at=time(17),
        open_weekdays="12345",
        target_minutes=10,
        actor=admin,
    )
    assert _service(other, admin, code="A").hall == other


def test_counter_services_are_kept_in_order_and_must_exist(db, hall, admin):
    counter = halls.save_counter(
        None,
        hall=hall,
        number=3,
        room="main",
        exclusive=False,
        service_codes=halls.parse_service_codes("b, a"),
        actor=admin,
    )
    assert [s.code for s in counter.services] == ["B", "A"]
    with pytest.raises(InvalidValue) as error:
        halls.save_counter(
            None,
            hall=hall,
            number=4,
            room="main",
            exclusive=False,
            service_codes=["Z"],
            actor=admin,
        )
    assert "Z" in str(error.value)


def test_a_main_hall_counter_cannot_serve_an_enterprise_service(db, hall, admin):
    with pytest.raises(InvalidValue):
        halls.save_counter(
            None,
            hall=hall,
            number=4,
            room="main",
            exclusive=False,
            service_codes=["A", "E"],
            actor=admin,
        )
    db.session.rollback()
    assert db.session.scalar(select(Counter).where(Counter.number == 4)) is None


def test_a_service_cannot_move_rooms_while_counters_of_the_old_room_serve_it(db, hall, admin):
    service_a = db.session.scalar(select(Service).where(Service.code == "A"))
    with pytest.raises(InvalidValue) as error:
        _service(hall, admin, code="A", room="enterprise", service=service_a)
    assert "1, 2" in str(error.value)


def test_duplicate_counter_number_is_refused(db, hall, admin):
    with pytest.raises(Duplicate):
        halls.save_counter(
            None, hall=hall, number=1, room="main", exclusive=False, service_codes=[], actor=admin
        )


def test_parse_service_codes_accepts_chinese_punctuation_and_drops_repeats():
    assert halls.parse_service_codes("a，b、c a") == ["A", "B", "C"]


def test_a_hall_must_open_before_it_closes(db, admin, hall):
    with pytest.raises(InvalidValue):
        halls.save_hall(
            hall,
            code="demo",
            name_zh="x",
            name_en="x",
            opens_at=time(18),
            closes_at=time(9),
            open_weekdays="12345",
            target_minutes=10,
            actor=admin,
        )
