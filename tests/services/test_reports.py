"""Every report figure on a fixture day whose true values are counted by hand
(tests/report_builders.py tells the day's story minute by minute)."""

from datetime import date

import pytest

from hallapp.services import reports
from hallapp.services.errors import HallError, InvalidValue
from tests import builders
from tests.report_builders import build_fixture_day

DAY = date(2026, 12, 5)


@pytest.fixture
def fixture_hall(app):
    return build_fixture_day()


@pytest.fixture
def day_report(fixture_hall):
    return reports.report(reports.Scope([fixture_hall], False), DAY, DAY)


def test_visitors_and_tickets_by_day_count_a_visit_on_the_day_it_entered(fixture_hall):
    result = reports.report(reports.Scope([fixture_hall], False), DAY, date(2026, 12, 6))
    # 5 Dec: V1–V5 entered; 8 tickets (V2, V3 and V5 have two, V5's second dated 6 Dec);
    # served V1, V2, V3, V5; within 10 minutes V1 (10) and V3 (9); V4 did not come.
    # 6 Dec: V6 only, still waiting. V0 on 4 Dec is outside the range.
    assert result.table("by_day").rows == [
        ["2026-12-05", 5, 8, 4, 2, 50.0, 1],
        ["2026-12-06", 1, 1, 0, 0, None, 0],
    ]


def test_arrivals_by_hour_with_counters_in_use(day_report):
    # Visitors by hour entered; tickets by hour issued (V5's transfer ticket at 00:02);
    # counters that called someone: 9h both (1 at 09:03 and 09:20, 2 at 09:27), 10h both,
    # 11h counter 1, 23h counter 2, 0h counter 1.
    assert day_report.table("by_hour").rows == [
        ["00:00", 0.0, 1.0, 1.0],
        ["09:00", 2.0, 3.0, 2.0],
        ["10:00", 1.0, 2.0, 2.0],
        ["11:00", 1.0, 1.0, 1.0],
        ["23:00", 1.0, 1.0, 1.0],
    ]


def test_wait_and_service_times_per_service(day_report):
    rows = day_report.table("waits").rows
    labels = [row[0] for row in rows]
    assert labels[0].startswith("A ") and labels[1].startswith("B ")
    # A waits 3, 10, 6, 5, 1 → median 5, p90 (5th of 5) 10; served 6, 3, 3 → 3 and 6.
    assert rows[0][1:] == [5, 3, 1, 1, 5, 10, 3, 6]
    # B waits 2, 2, 3 → median 2, p90 3; served 5, 3 → median 4, p90 5.
    assert rows[1][1:] == [3, 2, 0, 1, 2, 3, 4, 5]
    # All waits 1, 2, 2, 3, 3, 5, 6, 10 → median 3, p90 (8th of 8) 10; served 3,3,3,5,6.
    assert rows[2][1:] == [8, 5, 1, 2, 3, 10, 3, 6]


def test_time_in_hall_distribution_and_share_within_target(day_report):
    result = day_report.hall_time
    # Served visits took 10, 23, 9 and 11 minutes.
    assert (result.served, result.within, result.share) == (4, 2, 50.0)
    assert (result.median, result.p90, result.target) == (10.5, 23.0, 10)
    counts = {label: count for label, count, _within in result.bins if count}
    assert counts == {"8–10": 2, "10–12": 1, "22–24": 1}
    within = {label for label, _count, inside in result.bins if inside}
    assert "8–10" in within and "10–12" not in within


def test_counter_utilisation(day_report):
    # Counter 1 finished V1 A (6 min), V3 A (3), V5 A (3); counter 2 V2 B (5), V3 B (3).
    # Open 00:00–23:59 = 1439 minutes a day.
    assert day_report.table("counters").rows == [
        ["1", 3, 12.0, 1, 0.8],
        ["2", 2, 8.0, 1, 0.6],
    ]


def test_appointments_kept_and_missed(day_report):
    assert [row[1] for row in day_report.table("appointments").rows] == [2, 1, 1, 1, 50.0]


def test_suggestions_and_ratings_per_counter_and_officer(day_report):
    # The dissatisfied rating opened one suggestion; another one was replied to.
    assert [row[1] for row in day_report.table("suggestions").rows] == [2, 1, 1]
    rows = [row[1:] for row in day_report.table("ratings").rows]
    assert rows[0][1:] == [2, 3.5, 50.0]
    assert ["1", 1, 5.0, 100.0] in rows
    assert ["2", 1, 2.0, 0.0] in rows
    assert ["=Li Ming", 1, 5.0, 100.0] in rows
    assert ["Wang Fang", 1, 2.0, 0.0] in rows


def test_free_services_and_enterprise_room(day_report):
    assert [row[1] for row in day_report.table("free_services").rows] == [2, 1]
    # No enterprise-room service in this hall: every enterprise figure is empty.
    assert [row[1] for row in day_report.table("enterprise").rows] == [0, 0, None, 0, 0, 0, 0]


def test_daily_summary_eight_numbers(fixture_hall):
    summary = reports.daily_summary(reports.Scope([fixture_hall], False), DAY)
    assert [value for _label, value, _unit in summary.numbers] == [
        5,
        50.0,
        10.5,
        23.0,
        3,
        1,
        "1 / 2",
        3.5,
    ]


def test_free_service_tap_counts_today_only(fixture_hall):
    from tests.report_builders import at

    count = reports.record_free_service(fixture_hall, "photo", now=at(15, 0), actor=None)
    assert count == 2
    assert reports.free_services_today(fixture_hall, now=at(15, 0)) == {
        "photocopy": 2,
        "photo": 2,
    }
    with pytest.raises(InvalidValue):
        reports.record_free_service(fixture_hall, "scan", now=at(15, 0), actor=None)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-12-05", "2026-12-04", "end"),
        ("2025-01-01", "2026-02-05", "end"),
        ("05/12/2026", "", "start"),
        ("2026-12-05", "2026-13-01", "end"),
        ("20261205", "", "start"),
    ],
)
def test_bad_ranges_are_refused_with_the_field_named(app, start, end, field):
    with pytest.raises(InvalidValue) as refused:
        reports.parse_range(start, end, today=DAY)
    assert refused.value.field == field


def test_range_defaults_to_the_month_so_far_and_allows_400_days(app):
    assert reports.parse_range("", "", today=DAY) == (date(2026, 12, 1), DAY)
    start, end = reports.parse_range("2025-11-02", "2026-12-06", today=DAY)
    assert (end - start).days + 1 == 400


def test_scope_supervisor_own_hall_admin_all(app):
    hall = builders.make_standard_hall()
    other = builders.make_hall("north")
    supervisor = builders.make_staff(hall, "supervisor")
    admin = builders.make_staff(hall, "admin")
    assert reports.resolve_scope(supervisor, "").halls == [hall]
    for code in ("north", "all"):
        with pytest.raises(reports.NotYourHall):
            reports.resolve_scope(supervisor, code)
    everything = reports.resolve_scope(admin, "")
    assert everything.all_halls and {h.code for h in everything.halls} == {"demo", "north"}
    assert reports.resolve_scope(admin, "north").halls == [other]
    with pytest.raises(HallError) as unknown:
        reports.resolve_scope(admin, "nowhere")
    assert unknown.value.field == "hall"


def test_charts_of_an_empty_range_draw_without_script(app):
    from hallapp import charts

    hall = builders.make_standard_hall()
    empty = reports.report(reports.Scope([hall], False), DAY, DAY)
    with app.test_request_context():
        drawn = charts.report_charts(empty)
    assert len(drawn) == 4
    for chart in drawn:
        assert chart.svg.startswith("<svg") and "<script" not in chart.svg
