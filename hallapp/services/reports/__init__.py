"""Reports for a date range: one function per figure, used by the page and the exports alike.

Counting rules (shown on the report page too):
- A visit, and every ticket of it, counts on the hall-local day it entered, even when a
  transfer after local midnight gave it a ticket dated the next service day.
- Time in hall runs from entering to the last ticket finished; a visit counts as served
  when it has a finished ticket and none still open.
- Wait is issue to first call; service is start to finish at the counter. The 90th
  percentile is the nearest-rank one: the smallest value at least 90 % of values reach.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from hallapp.services.reports import counts, figures
from hallapp.services.reports.counts import FREE_SERVICE_LABELS
from hallapp.services.reports.figures import HallTime
from hallapp.services.reports.free_services import free_services_today, record_free_service
from hallapp.services.reports.rows import queue_data
from hallapp.services.reports.scope import (
    NotYourHall,
    Scope,
    hall_choices,
    parse_day,
    parse_range,
    resolve_scope,
    zone,
)
from hallapp.services.reports.tables import Table

# What the report's screens, the desk and the tests call, besides report() and daily_summary().
__all__ = [
    "FREE_SERVICE_LABELS",
    "HallTime",
    "NotYourHall",
    "Scope",
    "Table",
    "free_services_today",
    "hall_choices",
    "parse_day",
    "parse_range",
    "record_free_service",
    "resolve_scope",
    "zone",
]


@dataclass
class Report:
    scope: Scope
    start: date
    end: date
    hall_time: HallTime
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def report(scope: Scope, start: date, end: date) -> Report:
    """Every figure of the range, in the order the page, the CSV and the workbook show them."""
    # Tens of thousands of small rows: the cyclic garbage collector would walk them again
    # and again while they are built (none of them forms a cycle), so it waits until done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = queue_data(scope, start, end)
        hall_time = figures.time_in_hall(data)
        tables = [
            figures.by_day(data),
            figures.by_hour(data),
            figures.waits_by_service(data),
            figures.time_in_hall_table(hall_time),
            figures.counter_utilisation(data),
            counts.appointments(scope, start, end),
            figures.enterprise_room(data),
            counts.suggestions(scope, start, end),
            counts.ratings(scope, start, end),
            counts.free_services(scope, start, end),
        ]
    finally:
        if collecting:
            gc.enable()
    return Report(scope, start, end, hall_time, tables)


@dataclass
class Summary:
    report: Report
    numbers: list[tuple[object, object, object]]  # label, value, unit


def daily_summary(scope: Scope, day: date) -> Summary:
    """The A4 daily summary: the eight numbers a branch chief reports."""
    result = report(scope, day, day)
    day_row = result.table("by_day").rows[0]
    waits = result.table("waits").rows[-1]
    ratings_row = result.table("ratings").rows[0]
    kept = result.table("appointments").rows
    numbers = [
        (_l("Visitors"), day_row[1], ""),
        (_l("Served within target"), result.hall_time.share, "%"),
        (_l("Median time in hall"), result.hall_time.median, _l("min")),
        (_l("90th percentile time in hall"), result.hall_time.p90, _l("min")),
        (_l("Median wait"), waits[5], _l("min")),
        (_l("No-shows"), day_row[6], ""),
        (_l("Appointments kept / booked"), f"{kept[1][1]} / {kept[0][1]}", ""),
        (_l("Average rating"), ratings_row[3], "/ 5"),
    ]
    return Summary(result, numbers)
