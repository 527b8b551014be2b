"""A guide on a tablet triages a senior: first a missing document, then all of them,
and ends with a ticket to print."""

from datetime import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import Ticket, VisitorIdentity, utcnow
from hallapp.services import checklists
from tests.browser.conftest import WAIT_MS, serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff

NUMBER = "11010519491231002X"


@pytest.fixture
def tablet(browser, live_server):
    """A 1024x768 touch screen, like the desk's tablets, that may only reach the hall."""
    context = browser.new_context(
        viewport={"width": 1024, "height": 768},
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    # The print dialog cannot be driven headless: count the calls instead.
    context.add_init_script(
        "window.print = () => { window.__printed = (window.__printed || 0) + 1; };"
    )
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(live_server) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()
    assert outside == []


def test_a_senior_with_a_missing_document_then_with_all_gets_a_printed_ticket(
    tablet, live_server, hall
):
    page = tablet
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    passport = next(s for s in hall.services if s.code == "A")
    checklists.save_checklist(
        passport,
        [
            checklists.ItemInput("居民身份证", "Resident identity card"),
            checklists.ItemInput("证件照片", "Photo", note_zh="大厅免费拍照"),
        ],
        actor=None,
        now=utcnow(),
    )
    make_staff(hall, "guide", username="guide", full_name="王导办")
    db.session.commit()

    sign_in(page, live_server, "guide", PASSWORD)
    page.goto(f"{live_server}/desk/")
    assert page.locator("#desk-overview").is_visible()
    page.locator("#desk-new-visitor").tap()
    page.wait_for_url(f"{live_server}/desk/triage")

    # The card reader types into the focused field and presses Enter.
    assert page.evaluate("document.activeElement.id") == "desk-swipe-number"
    page.keyboard.type(NUMBER.lower())
    page.keyboard.press("Enter")
    page.locator("#desk-swipe-masked").wait_for()
    assert page.locator("#desk-swipe-masked").inner_text() == "110************02X"

    page.locator("label.desk-toggle", has_text="普通护照").tap()
    page.locator("#desk-triage-checklist label", has_text="居民身份证").wait_for()
    page.locator("#desk-triage-checklist label", has_text="居民身份证").tap()
    # Born 1949: the swipe already ticked the senior lane.
    expect(page.locator("#desk-triage-form input[name=needs][value=senior]")).to_be_checked()
    page.locator("#desk-issue").tap()

    missing = page.locator("#desk-triage-missing")
    missing.wait_for()
    assert "证件照片" in missing.inner_text() and "大厅免费拍照" in missing.inner_text()
    assert missing.get_by_role("link", name="打印或出示材料清单").is_visible()
    assert missing.get_by_role("link", name="预约办理").is_visible()
    assert missing.get_by_role("link", name="登记事项").is_visible()
    db.session.rollback()
    assert db.session.scalar(select(Ticket.id)) is None
    assert serious_accessibility_violations(page) == []

    page.locator("#desk-triage-checklist label", has_text="证件照片").tap()
    page.locator("#desk-issue").tap()
    issued = page.locator("#desk-ticket-issued")
    issued.wait_for()
    assert "A001" in issued.inner_text() and "优先" in issued.inner_text()
    assert "老年人" in issued.inner_text()

    issued.get_by_role("button", name="打印号票").tap()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert issued.is_visible()
    assert not page.locator("#desk-swipe-form").is_visible()
    page.emulate_media(media="screen")
    assert serious_accessibility_violations(page) == []

    db.session.rollback()
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.label, ticket.priority_class, ticket.source) == ("A001", "senior", "desk")
    identity = db.session.scalar(select(VisitorIdentity))
    assert identity.visit_id == ticket.visit_id and identity.masked_number == "110************02X"


SENIOR_CARD = "440106195506010029"  # born 1955 in Guangzhou: 71, the senior lane


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and -1 <= box["y"] < 768 and box["height"] > 0


def test_the_answer_appears_where_the_guide_looks_and_the_swipe_field_is_one_key_away(
    tablet, live_server, hall
):
    page = tablet
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    # Long checklists for every service, as in the hall: the form is far taller than the screen.
    for service in hall.services:
        checklists.save_checklist(
            service,
            [checklists.ItemInput(f"材料{n}", f"Item {n}", required=n < 3) for n in range(6)],
            actor=None,
            now=utcnow(),
        )
    make_staff(hall, "guide", username="guide", full_name="王导办")
    db.session.commit()
    sign_in(page, live_server, "guide", PASSWORD)
    page.goto(f"{live_server}/desk/triage")

    page.keyboard.type(SENIOR_CARD)
    page.keyboard.press("Enter")
    page.locator("#desk-swipe-senior").wait_for()
    senior = page.locator("#desk-triage-form input[name=needs][value=senior]")
    expect(senior).to_be_checked()  # suggested from the card's birth date (item 6)
    page.locator("label.desk-toggle", has_text="普通护照").tap()
    page.locator("label.desk-toggle", has_text="往来港澳通行证").tap()
    page.locator("#desk-issue").tap()

    expect(page.locator("#desk-triage-missing")).to_be_focused()
    assert in_view(page, "#desk-triage-missing")
    assert page.locator("#desk-triage-missing").get_by_role("link", name="预约办理").count() == 1
    assert serious_accessibility_violations(page) == []

    for label in page.locator("#desk-triage-checklist fieldset:not([hidden]) label").all():
        if "必需" in label.inner_text():
            label.tap()
    page.locator("#desk-issue").tap()

    expect(page.locator("#desk-ticket-issued")).to_be_focused()
    assert in_view(page, "#desk-ticket-issued")
    assert "A001" in page.locator("#desk-ticket-issued").inner_text()
    assert serious_accessibility_violations(page) == []

    # The next card is swiped without touching the screen: its digits land in the field.
    page.keyboard.type(NUMBER)
    expect(page.locator("#desk-swipe-number")).to_be_focused()
    expect(page.locator("#desk-swipe-number")).to_have_value(NUMBER)


def test_a_desk_search_by_identity_number_leaves_no_number_in_the_server_log(
    tablet, live_server, hall, caplog
):
    """Issue 14: the number travels in ?q=, so the access log must drop query strings."""
    import logging

    make_staff(hall, "guide", username="guide", full_name="王导办")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        sign_in(tablet, live_server, "guide", PASSWORD)
        tablet.goto(f"{live_server}/desk/")
        tablet.fill("#desk-search-q", NUMBER)
        tablet.locator("#desk-search-q").press("Enter")
        tablet.locator("#desk-search-results").wait_for()
    logged = caplog.text
    assert "/desk/search" in logged  # the request was logged...
    assert NUMBER not in logged and NUMBER[:17] not in logged  # ...without the number
