"""The counter console in a real browser: keyboard alone, and new tickets within 2 seconds."""

from datetime import time

from playwright.sync_api import expect

from hallapp.models import utcnow
from hallapp.services import queue
from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff


def test_an_officer_serves_a_ticket_with_the_keyboard_alone(page, live_server, db, hall):
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    make_staff(hall, "counter", username="li", full_name="李明")
    db.session.commit()
    sign_in(page, live_server, "li", PASSWORD)
    page.goto(f"{live_server}/queue/counters/1")

    take = page.get_by_role("button", name="接管此窗口")
    take.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#counter-1-message")).to_contain_text("您已在 1 号窗口")
    assert serious_accessibility_violations(page) == []

    # A ticket issued elsewhere shows up without reloading, within 2 seconds.
    queue.issue_ticket(hall, "A", source="kiosk", now=utcnow(), needs={"senior": True})
    expect(page.locator("#queue-waiting-list")).to_contain_text("A001")

    page.keyboard.press("n")
    expect(page.locator("#counter-1-ticket")).to_contain_text("A001")
    expect(page.locator("#counter-1-ticket")).to_contain_text("老年人")
    page.keyboard.press("s")
    expect(page.locator("#counter-1-ticket")).to_contain_text("办理中")
    expect(page.locator('#counter-1-panel [data-key="f"]')).to_be_focused()
    page.keyboard.press("f")
    expect(page.locator("#counter-1-message")).to_contain_text("A001 已办结")
    expect(page.locator("#queue-served-today")).to_contain_text("1")
    assert serious_accessibility_violations(page) == []
