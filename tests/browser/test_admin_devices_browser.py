"""An administrator manages devices and the text-message outbox from the screens alone."""

from sqlalchemy import select

from hallapp.models.notifications import OutboxMessage
from hallapp.services import notifications
from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff
from tests.public_builders import TEN_AM, call, issue, open_counter


def test_admin_makes_a_kiosk_token_sets_up_the_kiosk_and_revokes_it(page, live_server, hall):
    make_staff(hall, "admin", username="admin")
    sign_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/admin/devices?lang=en")
    page.get_by_label("Kind").select_option("kiosk")
    page.get_by_label("Where it stands").fill("Entrance, left")
    page.get_by_role("button", name="Make a token").click()

    token = page.locator("#admin-device-token").inner_text()
    link = page.locator("#admin-device-setup-link").get_attribute("href")
    assert token.startswith("hall_") and token in link
    assert page.locator("img.setup-qr").is_visible()
    row = page.locator("#admin-device-rows tr", has_text="Entrance, left")
    assert "Kiosk" in row.inner_text() and "Never" in row.inner_text()
    assert serious_accessibility_violations(page) == []

    kiosk = page.context.browser.new_page()
    kiosk.goto(link.replace("http://hall.test", live_server))
    assert kiosk.url.endswith("/kiosk/demo")  # the token left the address bar
    kiosk.close()
    page.reload()
    assert (
        "Never" not in page.locator("#admin-device-rows tr", has_text="Entrance, left").inner_text()
    )

    page.on("dialog", lambda dialog: dialog.accept())
    row = page.locator("#admin-device-rows tr", has_text="Entrance, left")
    row.get_by_role("button", name="Revoke").click()
    page.locator("#admin-device-rows tr.row--saved", has_text="Revoked").wait_for()
    again = page.context.browser.new_page()
    again.goto(link.replace("http://hall.test", live_server))
    assert again.locator("form").count() >= 1 and "/kiosk/demo" in again.url
    assert "token" in again.content().lower()
    again.close()


def test_admin_retries_a_failed_text_from_the_outbox(page, live_server, hall, db):
    make_staff(hall, "admin", username="admin")
    open_counter(hall, 1)
    ticket = issue(hall, "A", now=TEN_AM)
    notifications.subscribe(ticket, "13800138000", now=TEN_AM)
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)
    message = db.session.scalar(select(OutboxMessage))
    message.failed_at = TEN_AM
    message.last_error = "ProviderError: HTTP 503"
    db.session.commit()

    sign_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/admin/outbox?lang=en")
    assert "No messages here." in page.locator("#admin-outbox").inner_text()
    page.get_by_role("link", name="Failed (1)").click()
    row = page.locator(f"#outbox-{message.id}")
    assert "138****8000" in row.inner_text() and "HTTP 503" in row.inner_text()
    assert serious_accessibility_violations(page) == []
    row.get_by_role("button", name="Retry").click()
    page.locator(f"#outbox-{message.id}.row--saved", has_text="Pending").wait_for()
    page.reload()
    page.get_by_role("link", name="Pending (1)").click()
    assert page.locator(f"#outbox-{message.id}").is_visible()


def test_admin_makes_a_display_token_and_the_board_set_up_from_its_link_is_seen(
    page, live_server, hall
):
    make_staff(hall, "admin", username="admin")
    sign_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/admin/devices?lang=en")
    page.get_by_label("Kind").select_option("display")
    page.get_by_label("Where it stands").fill("Board over the counters")
    page.get_by_role("button", name="Make a token").click()
    link = page.locator("#admin-device-setup-link").get_attribute("href")
    assert "/display/demo#token=hall_" in link
    row = page.locator("#admin-device-rows tr", has_text="Board over the counters")
    assert "Never" in row.inner_text()

    board = page.context.browser.new_page()
    board.goto(link.replace("http://hall.test", live_server))
    board.wait_for_url(f"{live_server}/display/demo")  # set up, and the token left the bar
    board.locator("#public-board").wait_for()
    assert board.locator("#display-setup-form").count() == 0
    kept = board.evaluate("window.localStorage.getItem('hall-display-token:demo')")
    assert kept and kept in link

    page.reload()
    seen = page.locator("#admin-device-rows tr", has_text="Board over the counters")
    assert "Never" not in seen.inner_text()

    # Switched off past its session: the board names itself again from the browser's copy.
    board.context.clear_cookies()
    board.goto(f"{live_server}/display/demo")
    board.wait_for_function("!document.getElementById('display-setup-form')")
    assert board.locator("#public-board").is_visible()
    board.close()
