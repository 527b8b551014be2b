"""Appointment slots, bookings, CSV import, check-in rules and no-shows."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from hallapp.extensions import db as _db
from hallapp.models import Appointment, AppointmentSlot, Hall, VisitorIdentity
from hallapp.services import appointment_import, appointments
from hallapp.services.errors import InvalidValue

NOW = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 08:00 in the hall, before opening
DAY = date(2026, 11, 27)
HEADER = "booking_code,service,date,time,name,document_number,phone\n"


@pytest.fixture
def app_config():
    return {"SQLITE_IMMEDIATE_TRANSACTIONS": True}


def service(hall, code="A"):
    return next(s for s in hall.services if s.code == code)


def make_slots(hall, capacity=2, minutes=60, day=DAY):
    appointments.create_slots(
        hall,
        service(hall),
        first_day=day,
        last_day=day,
        minutes=minutes,
        capacity=capacity,
        actor=None,
        now=NOW,
    )
    return appointments.slots_on(hall, day, service(hall))


def test_slots_cover_opening_hours_and_skip_closed_days(hall):
    hall.open_weekdays = "12345"  # 2026-11-28 is a Saturday
    slots = make_slots(hall)
    assert [s.starts_at.astimezone(appointments._tz(hall)).time() for s in slots][:2] == [
        time(8, 30),
        time(9, 30),
    ]
    assert len(slots) == 9  # 08:30 .. 17:30 in hours
    assert make_slots(hall, day=date(2026, 11, 28)) == []


def test_a_booking_takes_a_place_and_a_full_slot_says_so(hall):
    slot = make_slots(hall, capacity=1)[0]
    booked = appointments.book(hall, slot.id, phone="13800000000", actor=None, now=NOW)
    assert len(booked.code) == 8 and slot.booked == 1
    with pytest.raises(appointments.SlotFull):
        appointments.book(hall, slot.id, phone="13900000000", actor=None, now=NOW)
    _db.session.rollback()  # what forms.submit does with a refusal
    assert _db.session.scalar(select(func.count(Appointment.id))) == 1
    assert _db.session.scalar(select(func.count(VisitorIdentity.id))) == 1


def test_a_past_slot_cannot_be_booked(hall):
    slot = make_slots(hall)[0]
    with pytest.raises(appointments.SlotPast):
        appointments.book(hall, slot.id, phone="1", actor=None, now=NOW + timedelta(hours=3))


def test_a_booking_needs_a_document_or_phone(hall):
    slot = make_slots(hall)[0]
    with pytest.raises(InvalidValue):
        appointments.book(hall, slot.id, actor=None, now=NOW)


def test_concurrent_bookings_never_overbook_a_slot(app, hall):
    slot_id = make_slots(hall, capacity=3)[0].id
    hall_id = hall.id
    _db.session.commit()
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def attempt(n):
        with app.app_context():
            start.wait()
            try:
                appointments.book(
                    _db.session.get(Hall, hall_id),
                    slot_id,
                    phone=f"139{n:08d}",
                    actor=None,
                    now=NOW,
                )
                outcomes.append("booked")
            except appointments.SlotFull:
                outcomes.append("full")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _db.session.expire_all()
    assert sorted(outcomes) == ["booked"] * 3 + ["full"] * 5
    assert _db.session.get(AppointmentSlot, slot_id).booked == 3
    assert _db.session.scalar(select(func.count(Appointment.id))) == 3


def test_check_in_is_for_a_booked_appointment_on_its_day(hall):
    slot = make_slots(hall)[0]
    booking = appointments.book(
        hall, slot.id, document_number="11010519491231002X", actor=None, now=NOW
    )
    appointments.check_in_allowed(booking, NOW + timedelta(hours=1))
    with pytest.raises(appointments.NotBookable):
        appointments.check_in_allowed(booking, NOW + timedelta(days=1))
    found = appointments.bookings_for_number(hall, "11010519491231002x", DAY)
    assert found == [booking]


def test_bookings_still_open_after_their_slot_are_marked_no_show(hall):
    first, second = make_slots(hall)[:2]
    missed = appointments.book(hall, first.id, phone="1", actor=None, now=NOW)
    later = appointments.book(hall, second.id, phone="2", actor=None, now=NOW)
    after_first = first.ends_at + timedelta(minutes=1)
    assert appointments.mark_no_shows(hall, now=after_first) == 1
    assert (missed.state, later.state) == ("no_show", "booked")


def csv_bytes(rows, encoding="utf-8"):
    return (HEADER + "".join(r + "\n" for r in rows)).encode(encoding)


def test_a_good_csv_imports_every_row_in_utf8_and_gb18030(hall):
    make_slots(hall, capacity=5)
    good = ["W001,A,2026-11-27,09:30,张三,,13800000000", "W002,A,2026/11/27,9:30,李四,,"]
    result = appointment_import.import_bookings(hall, csv_bytes(good), actor=None, now=NOW)
    assert (result.imported, result.errors) == (2, [])
    gb = csv_bytes(["W003,A,2026-11-27,10:30,王五,,139"], "gb18030")
    assert appointment_import.import_bookings(hall, gb, actor=None, now=NOW).imported == 1
    names = set(_db.session.scalars(select(Appointment.citizen_name)))
    assert names == {"张三", "李四", "王五"}


def test_a_csv_with_bad_rows_reports_each_line_and_imports_none(hall):
    slot = make_slots(hall, capacity=1)[1]
    rows = [
        "W001,A,2026-11-27,09:30,张三,,138",
        "W002,A,2026-11-31,09:30,李四,,",
        "W003,Z,2026-11-27,09:30,王五,,",
        "W004,A,2026-11-27,09:30,赵六,,",
        "W005,A,2026-11-27,10:30,钱七,110105194912310021,",
    ]
    result = appointment_import.import_bookings(hall, csv_bytes(rows), actor=None, now=NOW)
    lines = [line for line, _message in result.errors]
    assert lines == [3, 4, 5, 6]
    messages = dict(result.errors)
    assert "2026-11-31" in messages[3]
    assert "Z" in messages[4]
    assert "已满" in messages[5]
    assert "校验码" in messages[6]
    assert result.imported == 0
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(Appointment.id))) == 0
    assert _db.session.get(AppointmentSlot, slot.id).booked == 0


def test_a_csv_with_a_wrong_header_is_refused_at_line_one(hall):
    data = b"code,when\nW1,2026\n"
    result = appointment_import.import_bookings(hall, data, actor=None, now=NOW)
    assert result.errors[0][0] == 1 and "booking_code" in result.errors[0][1]


def test_a_csv_in_another_encoding_is_refused_plainly(hall):
    with pytest.raises(InvalidValue) as error:
        appointment_import.import_bookings(hall, b"\xff\xfe\x00\x81\x30", actor=None, now=NOW)
    assert "UTF-8" in str(error.value.message)


def test_a_booking_csv_with_a_field_over_128_kib_reports_the_line(hall):
    make_slots(hall, capacity=5)
    rows = ["W001,A,2026-11-27,09:30,张三,,", "W002,A,2026-11-27,09:30," + "x" * 200_000 + ",,"]
    result = appointment_import.import_bookings(hall, csv_bytes(rows), actor=None, now=NOW)
    assert result.imported == 0
    assert [line for line, _message in result.errors] == [3]


SENIOR_CARD = "440106195506010029"  # born 1955, Guangzhou


def test_an_imported_booking_is_found_by_its_code_in_any_case_and_format(hall):
    make_slots(hall, capacity=5)
    rows = [
        f"WX100002,A,2026-11-27,09:30,张三,{SENIOR_CARD},",
        "wx-100003,A,2026-11-27,10:30,李四,,+86 138 0013 8000",
    ]
    assert appointment_import.import_bookings(hall, csv_bytes(rows), actor=None, now=NOW).ok

    for typed in ("WX100002", "wx100002", "WX-100002", " wx 100002 "):
        [found] = appointments.find_bookings(hall, typed, DAY)
        assert found.code == "WX100002", typed
    for typed in ("WX100003", "Wx-100003"):
        assert [a.citizen_name for a in appointments.find_bookings(hall, typed, DAY)] == ["李四"]


def test_a_booking_is_found_by_phone_or_by_document_on_its_day(hall):
    slots = make_slots(hall, capacity=5)
    by_phone = appointments.book(hall, slots[1].id, phone="138-0013-8000", actor=None, now=NOW)
    by_card = appointments.book(hall, slots[2].id, document_number=SENIOR_CARD, actor=None, now=NOW)

    assert appointments.find_bookings(hall, "13800138000", DAY) == [by_phone]
    assert appointments.find_bookings(hall, "+86 13800138000", DAY) == [by_phone]
    assert appointments.find_bookings(hall, SENIOR_CARD, DAY) == [by_card]
    assert appointments.find_bookings(hall, "13800138000", DAY + timedelta(days=1)) == []
    assert appointments.find_bookings(hall, "13900000000", DAY) == []


def test_slots_that_have_begun_or_are_full_are_not_offered_for_booking(hall):
    slots = make_slots(hall, capacity=1)
    at_ten = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00: 08:30 and 09:30 have begun
    appointments.book(hall, slots[3].id, phone="13800138000", actor=None, now=NOW)

    offered = appointments.bookable_slots(hall, DAY, now=at_ten)

    assert offered == [slots[2], *slots[4:]]
