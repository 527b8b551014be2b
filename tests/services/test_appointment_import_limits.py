"""The booking import is bounded: a row limit, checks before writing, one short write."""

from sqlalchemy import event, func, select

from hallapp.extensions import db as _db
from hallapp.models import Appointment
from hallapp.services import appointment_import
from tests.services.test_appointments import HEADER, NOW, make_slots


def csv_bytes(rows):
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def test_a_file_over_the_row_limit_is_refused_and_nothing_is_written(app, hall):
    app.config["APPOINTMENT_IMPORT_MAX_ROWS"] = 3
    make_slots(hall, capacity=10)
    rows = [f"W00{n},A,2026-11-27,09:30,张{n},," for n in range(1, 5)]
    result = appointment_import.import_bookings(hall, csv_bytes(rows), actor=None, now=NOW)
    assert result.imported == 0
    [(line, message)] = result.errors
    assert line == 5 and "3" in message
    assert _db.session.scalar(select(func.count(Appointment.id))) == 0
    # At the limit the file imports.
    assert appointment_import.import_bookings(hall, csv_bytes(rows[:3]), actor=None, now=NOW).ok


def test_checks_read_the_database_once_for_the_whole_file_not_per_row(hall):
    make_slots(hall, capacity=50)
    warm = ["W000,A,2026-11-27,09:30,王,,"]
    few = [f"F{n:03},A,2026-11-27,09:30,张{n},," for n in range(2)]
    many = [f"M{n:03},A,2026-11-27,10:30,李{n},," for n in range(40)]

    def reads(rows) -> int:
        selects: list[str] = []

        def record(_conn, _cursor, statement, *_rest):
            if statement.lstrip().upper().startswith("SELECT"):
                selects.append(statement)

        _db.session.expire_all()
        event.listen(_db.engine, "before_cursor_execute", record)
        try:
            assert appointment_import.import_bookings(hall, csv_bytes(rows), actor=None, now=NOW).ok
        finally:
            event.remove(_db.engine, "before_cursor_execute", record)
        return len(selects)

    reads(warm)
    assert reads(many) == reads(few)
