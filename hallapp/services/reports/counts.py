"""Figures counted from their own records: appointments, suggestions, ratings and the
desk's free services, each over the hall-local days of the range."""

from __future__ import annotations

from collections import Counter as Tally
from collections import defaultdict
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import (
    FREE_SERVICE_KINDS,
    Appointment,
    AppointmentSlot,
    Counter,
    FreeService,
    Staff,
    Suggestion,
    VisitRating,
)
from hallapp.services.reports.scope import Scope, day_bounds, tally_in_range
from hallapp.services.reports.tables import Table, share

FREE_SERVICE_LABELS = {"photocopy": _l("Photocopies"), "photo": _l("Photos")}


def appointments(scope: Scope, start: date, end: date) -> Table:
    """Appointments whose slot fell in the range: kept, missed, cancelled, still booked."""
    tally = tally_in_range(
        scope,
        start,
        end,
        Appointment.state,
        hall_of=AppointmentSlot.hall_id,
        at=AppointmentSlot.starts_at,
        joined=(AppointmentSlot, Appointment.slot_id == AppointmentSlot.id),
    )
    booked = tally["checked_in"] + tally["no_show"] + tally["booked"]
    return Table(
        "appointments",
        _l("Appointments"),
        [_l("Figure"), _l("Count")],
        [
            [str(_l("Booked (not cancelled)")), booked],
            [str(_l("Kept")), tally["checked_in"]],
            [str(_l("Missed")), tally["no_show"]],
            [str(_l("Cancelled")), tally["cancelled"]],
            [
                str(_l("Kept (%)")),
                share(tally["checked_in"], tally["checked_in"] + tally["no_show"]),
            ],
        ],
    )


def suggestions(scope: Scope, start: date, end: date) -> Table:
    """Suggestions received in the range, and how many are answered."""
    tally = tally_in_range(
        scope, start, end, Suggestion.status, hall_of=Suggestion.hall_id, at=Suggestion.created_at
    )
    received = sum(tally.values())
    answered = tally["replied"] + tally["closed"]
    return Table(
        "suggestions",
        _l("Suggestions"),
        [_l("Figure"), _l("Count")],
        [
            [str(_l("Received")), received],
            [str(_l("Replied or closed")), answered],
            [str(_l("Still open")), received - answered],
        ],
    )


def _rating_rows(scope: Scope, start: date, end: date) -> list[tuple[int, int | None, int | None]]:
    rows: list[tuple[int, int | None, int | None]] = []
    for hall in scope.halls:
        low, high = day_bounds(hall, start, end)
        rows += db.session.execute(
            select(VisitRating.level, VisitRating.counter_id, VisitRating.officer_id).where(
                VisitRating.hall_id == hall.id,
                VisitRating.created_at >= low,
                VisitRating.created_at < high,
                VisitRating.excluded.is_(False),
            )
        ).all()
    return rows


def ratings(scope: Scope, start: date, end: date) -> Table:
    """Ratings given in the range (appeals upheld left out): overall, per counter, per
    officer. Satisfied means 4 or 5 of 5."""
    rows = _rating_rows(scope, start, end)
    counters = {
        c.id: c
        for c in db.session.scalars(
            select(Counter).where(Counter.id.in_({r[1] for r in rows if r[1]}))
        )
    }
    officers = {
        s.id: s.full_name
        for s in db.session.scalars(select(Staff).where(Staff.id.in_({r[2] for r in rows if r[2]})))
    }

    def line(split: str, label: str, levels: list[int]) -> list[object]:
        return [
            split,
            label,
            len(levels),
            round(sum(levels) / len(levels), 2) if levels else None,
            share(sum(1 for level in levels if level >= 4), len(levels)),
        ]

    table = [line(str(_l("All")), str(_l("All ratings")), [r[0] for r in rows])]
    by_counter: dict[int, list[int]] = defaultdict(list)
    by_officer: dict[int, list[int]] = defaultdict(list)
    for level, counter_id, officer_id in rows:
        if counter_id:
            by_counter[counter_id].append(level)
        if officer_id:
            by_officer[officer_id].append(level)
    for counter_id in sorted(by_counter, key=lambda i: (counters[i].hall_id, counters[i].number)):
        table.append(
            line(str(_l("Counter")), str(counters[counter_id].number), by_counter[counter_id])
        )
    for officer_id in sorted(by_officer, key=lambda i: officers.get(i, "")):
        table.append(line(str(_l("Officer")), officers.get(officer_id, ""), by_officer[officer_id]))
    return Table(
        "ratings",
        _l("Ratings"),
        [
            _l("Split"),
            _l("Counter or officer"),
            _l("Ratings"),
            _l("Average (1–5)"),
            _l("Satisfied (%)"),
        ],
        table,
    )


FREE_SERVICE_LABELS = {"photocopy": _l("Photocopies"), "photo": _l("Photos")}


def free_services(scope: Scope, start: date, end: date) -> Table:
    """Free photocopies and photos the desk recorded, per kind."""
    tally = Tally(
        dict(
            db.session.execute(
                select(FreeService.kind, func.count(FreeService.id))
                .where(
                    FreeService.hall_id.in_([hall.id for hall in scope.halls]),
                    FreeService.service_day >= start,
                    FreeService.service_day <= end,
                )
                .group_by(FreeService.kind)
            ).all()
        )
    )
    return Table(
        "free_services",
        _l("Free services given"),
        [_l("Service"), _l("Count")],
        [[str(FREE_SERVICE_LABELS[kind]), tally[kind]] for kind in FREE_SERVICE_KINDS],
    )
