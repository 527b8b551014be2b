"""The supervisor's home is the live board, and it updates by itself."""

from datetime import time

from playwright.sync_api import expect

from hallapp.models import utcnow
from hallapp.services import queue
from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff


def test_the_supervisors_board_updates_by_itself(page, live_server, db, hall):
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    make_staff(hall, "supervisor", username="wang", full_name="王芳")
    db.session.commit()
    queue.issue_ticket(hall, "A", source="kiosk", now=utcnow())
    sign_in(page, live_server, "wang", PASSWORD)

    expect(page).to_have_url(f"{live_server}/supervisor/")
    expect(page.locator("#supervisor-in-hall")).to_have_text("1")
    expect(page.locator('#supervisor-services [data-service="A"]')).to_have_text("1")
    assert serious_accessibility_violations(page) == []

    # Tickets issued elsewhere show up without reloading.
    queue.issue_ticket(hall, "B", source="kiosk", now=utcnow())
    queue.issue_ticket(hall, "A", source="kiosk", now=utcnow())
    expect(page.locator("#supervisor-in-hall")).to_have_text("3")
    expect(page.locator('#supervisor-services [data-service="A"]')).to_have_text("2")
    expect(page.locator("#supervisor-visitors a")).to_have_count(3)

    page.locator("#supervisor-visitors a").first.click()
    expect(page.locator("#journey-steps")).to_contain_text("A001")
    assert serious_accessibility_violations(page) == []
