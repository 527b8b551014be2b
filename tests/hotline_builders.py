"""A hall ready for hotline calls: a checklist for passports and bookable times today."""

from datetime import date

from hallapp.models import utcnow
from hallapp.services import appointments, checklists


def passport(hall):
    return next(s for s in hall.services if s.code == "A")


def ready_for_calls(hall, day: date | None = None):
    service = passport(hall)
    checklists.save_checklist(
        service,
        [
            checklists.ItemInput("居民身份证", "Resident identity card"),
            checklists.ItemInput("近期免冠照片", "Recent photo"),
            checklists.ItemInput("户口簿", "Household register", required=False),
        ],
        actor=None,
        now=utcnow(),
    )
    day = day or date(2026, 12, 1)
    appointments.create_slots(
        hall,
        service,
        first_day=day,
        last_day=day,
        minutes=60,
        capacity=2,
        actor=None,
        now=utcnow(),
    )
    return service
