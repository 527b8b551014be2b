from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hallapp.models import CalendarDay
from hallapp.services import calendar
from tests.feedback_builders import next_working_day

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _national_day_week(db, hall):
    # 2026: 1-7 October off, Saturday 10 October worked in their place.
    for day in range(1, 8):
        db.session.add(CalendarDay(hall_id=hall.id, day=date(2026, 10, day), kind="holiday"))
    db.session.add(CalendarDay(hall_id=hall.id, day=date(2026, 10, 10), kind="workday"))
    db.session.commit()


def test_five_working_days_skip_the_weekend(db, hall):
    friday_afternoon = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # 15:00 in Shanghai
    deadline = calendar.working_day_deadline(hall, friday_afternoon, 5)
    assert deadline == datetime(2026, 12, 5, 0, 0, tzinfo=SHANGHAI)  # end of Friday 4 Dec


def test_deadline_skips_holidays_and_counts_the_make_up_saturday(db, hall):
    _national_day_week(db, hall)
    before_holiday = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wednesday 30 Sept
    deadline = calendar.working_day_deadline(hall, before_holiday, 2)
    # Thursday 8 Oct and Friday 9 Oct are the two working days after the holiday week.
    assert deadline == datetime(2026, 10, 10, 0, 0, tzinfo=SHANGHAI)
    assert next_working_day(hall, date(2026, 10, 9)) == date(2026, 10, 10)  # the make-up Saturday
    assert next_working_day(hall, date(2026, 10, 4)) == date(2026, 10, 8)  # after the holidays


def test_open_days_follow_the_hall_and_its_holidays(db, hall):
    hall.open_weekdays = "123456"
    db.session.commit()
    _national_day_week(db, hall)
    assert calendar.is_open_day(hall, date(2026, 11, 28))  # a Saturday
    assert not calendar.is_open_day(hall, date(2026, 11, 29))  # a Sunday
    assert not calendar.is_open_day(hall, date(2026, 10, 2))
