"""Report pages, their exports and charts, bad input, and who may see which hall."""

import base64
import csv
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from hallapp.services import reports
from tests import builders
from tests.report_builders import at, build_fixture_day

DAY_ARGS = "hall=demo&start=2026-12-05&end=2026-12-05"


@pytest.fixture
def fixture_hall(app):
    return build_fixture_day()


@pytest.fixture
def supervisor(app, fixture_hall):
    staff = builders.make_staff(fixture_hall, "supervisor", username="boss")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff.get_id()
        session["_fresh"] = True
    return client


def _client_for(app, staff):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff.get_id()
        session["_fresh"] = True
    return client


def _page_tables(html: str) -> dict[str, list[list[str]]]:
    """Each report table on the page, as rows of cell texts."""
    tables = {}
    for key, body in re.findall(
        r'<table class="table report-table" id="report-(\w+)">(.*?)</table>', html, re.S
    ):
        rows = re.findall(r"<tbody>(.*?)</tbody>", body, re.S)[0]
        tables[key] = [
            [unescape(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", rows, re.S)
        ]
    return tables


def _as_text(value) -> str:
    return "—" if value in (None, "") else str(value)


def _same(value) -> object:
    """A cell as a number when it is one (Excel gives 50 back for 50.0), else its text."""
    text = _as_text(value).lstrip("'")
    try:
        return float(text)
    except ValueError:
        return text


def test_report_page_shows_the_figures_and_charts(supervisor):
    response = supervisor.get(f"/reports/?{DAY_ARGS}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    tables = _page_tables(html)
    assert tables["by_day"] == [["2026-12-05", "5", "8", "4", "2", "50.0", "1"]]
    charts = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(charts) == 4
    for chart in charts:
        svg = base64.b64decode(chart).decode()
        assert svg.startswith("<svg") and "<script" not in svg
    # The histogram is labelled in the page's language, with the target in its title.
    first = base64.b64decode(charts[0]).decode()
    assert "Time in hall, target 10 minutes" in first


def test_report_page_speaks_chinese_by_default(supervisor):
    html = supervisor.get(f"/reports/?{DAY_ARGS}").get_data(as_text=True)
    assert "按日访客与取号" in html
    svg = base64.b64decode(re.findall(r'base64,([^"]+)"', html)[0]).decode()
    assert "在厅时长" in svg


def test_exports_hold_the_same_numbers_as_the_page(supervisor):
    html = supervisor.get(f"/reports/?{DAY_ARGS}").get_data(as_text=True)
    page = _page_tables(html)

    workbook = load_workbook(io.BytesIO(supervisor.get(f"/reports/report.xlsx?{DAY_ARGS}").data))
    assert set(workbook.sheetnames) == set(page)
    for key, rows in page.items():
        sheet_rows = list(workbook[key].iter_rows(min_row=4, values_only=True))
        assert [[_same(v) for v in row] for row in sheet_rows] == [
            [_same(cell) for cell in row] for row in rows
        ], key

    response = supervisor.get(f"/reports/report.csv?{DAY_ARGS}")
    assert response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    found = 0
    for rows in page.values():
        for row in rows:
            assert [_same(v) for v in row] in [[_same(v) for v in line] for line in lines]
            found += 1
    assert found > 20


def test_exports_neutralise_cells_a_spreadsheet_would_run(supervisor):
    # Officer Li's name starts with "=": written as text, never as a formula.
    csv_text = supervisor.get(f"/reports/report.csv?{DAY_ARGS}").get_data(as_text=True)
    assert "'=Li Ming" in csv_text
    assert ",=Li" not in csv_text
    workbook = load_workbook(io.BytesIO(supervisor.get(f"/reports/report.xlsx?{DAY_ARGS}").data))
    names = [row[1] for row in workbook["ratings"].iter_rows(min_row=4, values_only=True)]
    assert "'=Li Ming" in names


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-12-05&end=2026-12-01", "The end date is before the start date."),
        ("start=2025-01-01&end=2026-12-01", "A report covers at most 400 days."),
        ("start=05/12/2026", "Write the date as year-month-day, for example 2026-12-01."),
        ("start=2026-02-30", "There is no such date."),
    ],
)
def test_bad_ranges_get_a_clear_message_and_nothing_is_computed(
    supervisor, monkeypatch, query, message
):
    def must_not_run(*args, **kwargs):
        raise AssertionError("a refused range must not be computed")

    monkeypatch.setattr(reports, "report", must_not_run)
    response = supervisor.get(f"/reports/?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    for export in ("report.csv", "report.xlsx"):
        assert supervisor.get(f"/reports/{export}?{query}").status_code == 422


def test_bad_range_message_in_chinese(supervisor):
    response = supervisor.get("/reports/?start=2026-12-05&end=2026-12-01")
    assert response.status_code == 422
    assert "结束日期早于开始日期" in response.get_data(as_text=True)


def test_supervisor_sees_only_their_hall(app, supervisor):
    builders.make_hall("north")
    for query in ("hall=north", "hall=all"):
        response = supervisor.get(f"/reports/?{query}", headers={"Accept-Language": "en"})
        assert response.status_code == 403
        assert "You can see the reports of your own hall only." in response.get_data(as_text=True)
        assert supervisor.get(f"/reports/daily?{query}").status_code == 403
        assert supervisor.get(f"/reports/report.xlsx?{query}").status_code == 403


def test_administrator_sees_all_halls_and_unknown_hall_is_refused(app, fixture_hall):
    builders.make_hall("north", name_zh="北区")
    client = _client_for(app, builders.make_staff(fixture_hall, "admin", username="root"))
    response = client.get("/reports/?hall=all&start=2026-12-05&end=2026-12-05")
    assert response.status_code == 200
    assert _page_tables(response.get_data(as_text=True))["by_day"][0][1] == "5"
    north = client.get("/reports/?hall=north&start=2026-12-05&end=2026-12-05")
    assert _page_tables(north.get_data(as_text=True))["by_day"][0][1] == "0"
    unknown = client.get("/reports/?hall=nowhere", headers={"Accept-Language": "en"})
    assert unknown.status_code == 422
    assert "There is no hall with the code nowhere." in unknown.get_data(as_text=True)
    assert client.get("/reports/forecast?hall=all").status_code == 422


def test_guides_and_counter_officers_see_no_report(login_as):
    for role in ("guide", "counter", "enterprise"):
        client = login_as(role)
        for url in ("/reports/", "/reports/report.csv", "/reports/daily", "/reports/forecast"):
            assert client.get(url).status_code == 403, (role, url)


def test_daily_summary_is_one_printable_page_of_eight_numbers(supervisor):
    response = supervisor.get("/reports/daily?day=2026-12-05", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    values = re.findall(r'<span class="summary-value">(.*?)</span>', html)
    assert values == ["5", "50.0", "10.5", "23.0", "3.0", "1", "1 / 2", "3.5"]
    assert "css/reports.css" in html and "data-print" in html
    assert 'src="data:image/svg+xml;base64,' in html
    bad = supervisor.get("/reports/daily?day=5.12.2026")
    assert bad.status_code == 422


def test_forecast_page_and_exports(supervisor):
    response = supervisor.get("/reports/forecast", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Counters needed" in response.get_data(as_text=True) or "counters needed" in (
        response.get_data(as_text=True)
    )
    workbook = load_workbook(io.BytesIO(supervisor.get("/reports/forecast.xlsx").data))
    assert len(workbook.sheetnames) == 5
    assert supervisor.get("/reports/forecast.csv").mimetype == "text/csv"


def test_desk_records_a_free_service_with_one_tap(app, fixture_hall, clock):
    clock.move_to(at(15, 0), tick=False)
    guide = _client_for(app, builders.make_staff(fixture_hall, "guide", username="desk"))
    home = guide.get("/desk/").get_data(as_text=True)
    assert 'id="free-photocopy"' in home and 'id="free-photo"' in home
    response = guide.post(
        "/reports/free-services",
        data={"kind": "photocopy"},
        headers={"HX-Request": "true", "Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Recorded: Photocopies, 3 today." in response.get_data(as_text=True)
    assert reports.free_services_today(fixture_hall, now=at(15, 0))["photocopy"] == 3
    refused = guide.post("/reports/free-services", data={"kind": "fax"})
    assert refused.status_code == 422
    assert reports.free_services_today(fixture_hall, now=at(15, 0)) == {
        "photocopy": 3,
        "photo": 1,
    }
