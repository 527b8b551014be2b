"""A supervisor opens a report with its charts and prints the daily summary on one A4
page; a guide taps a free photocopy at the desk."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff
from tests.report_builders import at, build_fixture_day


def test_report_charts_draw_under_the_csp_and_the_summary_fits_one_a4_page(
    page, live_server, app, clock
):
    hall = build_fixture_day()
    make_staff(hall, "supervisor", username="boss")
    clock.move_to(at(16, 0, 7), tick=True)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    sign_in(page, live_server, "boss", PASSWORD)

    page.goto(f"{live_server}/reports/?start=2026-12-05&end=2026-12-05")
    expect(page.locator("#report-by_day tbody tr")).to_have_count(1)
    charts = page.locator(".report-chart img")
    expect(charts).to_have_count(4)
    for index in range(4):
        # The SVG decoded and drew: the page's Content-Security-Policy let it through.
        assert charts.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    assert not [text for text in problems if "Content Security Policy" in text]
    assert serious_accessibility_violations(page) == []

    page.goto(f"{live_server}/reports/daily?day=2026-12-05")
    expect(page.locator(".summary-value")).to_have_count(8)
    assert serious_accessibility_violations(page) == []
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1


def test_guide_taps_a_free_photocopy_at_the_desk(page, live_server, app, clock):
    hall = build_fixture_day()
    make_staff(hall, "guide", username="desk")
    clock.move_to(at(15, 0), tick=True)
    sign_in(page, live_server, "desk", PASSWORD)
    page.goto(f"{live_server}/desk/")
    page.click("#free-photocopy")
    expect(page.locator("#free-services-message")).to_contain_text("3")
    expect(page.locator("#free-photocopy")).to_contain_text("3")
    assert serious_accessibility_violations(page) == []
