"""The public face in a real browser: kiosk -> counter call -> board and phone, print, QR."""

import io
import re
import threading
import time

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from werkzeug.serving import make_server

from hallapp.models import utcnow
from hallapp.services import queue
from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff
from tests.public_builders import (
    KIOSK_TOKEN,
    call,
    issue,
    make_kiosk_token,
    open_all_day,
    open_counter,
)


@pytest.fixture
def open_hall(hall):
    open_all_day(hall)
    for number in (1, 2, 10):
        open_counter(hall, number)
    make_kiosk_token(hall)
    return hall


def wait_until(page, expression: str, timeout: float = 20.0) -> None:
    """Poll an expression: wait_for_function evaluates strings, which the CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout}s: {expression}"
        time.sleep(0.1)


def only_local(context, base):
    def route(handler_route):
        url = handler_route.request.url
        if url.startswith(base) or url.startswith("data:"):
            handler_route.continue_()
        else:
            handler_route.abort()

    context.route("**/*", route)


def test_a_kiosk_ticket_called_at_a_counter_shows_on_the_board_and_the_phone(
    page, live_server, open_hall, db
):
    make_staff(open_hall, "counter", username="li", full_name="李明")
    only_local(page.context, live_server)
    board = page
    board.goto(f"{live_server}/display/demo")
    board.click("#display-sound")

    kiosk = page.context.new_page()
    open_kiosk(kiosk, live_server)
    kiosk.click("#kiosk-service-A")
    kiosk.wait_for_selector("#ticket-number")
    assert kiosk.inner_text("#ticket-number") == "A001"
    public_id = kiosk.get_attribute("#kiosk-ticket", "data-public-id")

    phone = page.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 800})
    phone.goto(f"{live_server}/t/{public_id}")
    assert phone.inner_text("#track-number") == "A001"

    clerk = page.context.browser.new_context(locale="zh-CN").new_page()
    only_local(clerk.context, live_server)
    sign_in(clerk, live_server, "li", PASSWORD)
    clerk.wait_for_url(f"{live_server}/")
    clerk.goto(f"{live_server}/queue/counters/1")
    clerk.get_by_role("button", name="接管此窗口").click()
    clerk.wait_for_selector("#counter-1-message")
    time.sleep(1.2)  # every screen has settled into polling

    # How fast a call reaches the screens is a product target that `make bench` measures;
    # here only what appears is asserted, with the generous default wait.
    clerk.keyboard.press("n")
    board.wait_for_selector("#board-call-A001")
    phone.wait_for_selector("#track-call")
    assert "1 号窗口" in phone.inner_text("#track-call")
    wait_until(board, "window.hallAnnouncer.log.length === 1", 10)
    spoken = board.evaluate("window.hallAnnouncer.log[0].texts.map(t => t.text)")
    assert spoken[0] == "请 A 0 0 1 号到 1 号窗口办理"


def test_two_calls_at_the_same_moment_are_shown_and_announced_one_after_the_other(
    page, live_server, open_hall, db
):
    issue(open_hall, "A", now=utcnow())
    issue(open_hall, "B", now=utcnow())
    page.goto(f"{live_server}/display/demo?voices=en")
    page.click("#display-sound")
    time.sleep(1.1)

    now = utcnow()
    call(open_hall, 1, now=now)
    call(open_hall, 2, now=now)

    page.wait_for_selector("#board-call-A001")
    page.wait_for_selector("#board-call-B001")
    wait_until(
        page, "window.hallAnnouncer.log.length === 2 && !!window.hallAnnouncer.log[1].end", 20
    )
    first, second = page.evaluate("window.hallAnnouncer.log")
    assert [first["ticket"], second["ticket"]] == ["A001", "B001"]
    assert first["end"] <= second["start"]  # never one over the other
    assert second["texts"][1]["text"] == "Number B 0 0 1, please go to counter 2."


def test_a_recall_is_announced_again(page, live_server, open_hall, db):
    issue(open_hall, "A", now=utcnow())
    ticket = call(open_hall, 1, now=utcnow())
    page.goto(f"{live_server}/display/demo")
    time.sleep(1.1)

    queue.recall(ticket, now=utcnow())

    wait_until(page, "window.hallAnnouncer.log.length === 1")
    assert page.evaluate("window.hallAnnouncer.log[0].ticket") == "A001"
    page.wait_for_selector("#board-call-A001 .status--warn")


def test_the_board_recovers_by_itself_after_the_network_drops(page, live_server, open_hall, db):
    page.goto(f"{live_server}/display/demo")

    def down(route):
        route.abort("internetdisconnected")

    page.route(re.compile(r".*/display/demo\?.*"), down)
    page.wait_for_selector("#display-offline", state="visible")
    issue(open_hall, "A", now=utcnow())
    call(open_hall, 1, now=utcnow())
    time.sleep(1.5)
    assert page.locator("#board-call-A001").count() == 0

    page.unroute(re.compile(r".*/display/demo\?.*"), down)
    page.wait_for_selector("#board-call-A001")
    page.wait_for_selector("#display-offline", state="hidden")
    wait_until(page, "window.hallAnnouncer.log.length === 1")


def test_print_view_qr_code_decodes_to_the_tracking_url(page, live_server, open_hall):
    ticket = issue(open_hall, "A", now=utcnow())
    page.goto(f"{live_server}/t/{ticket.public_id}/print")

    png = page.locator("#ticket-qr").screenshot()
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))

    assert code.text == f"{live_server}/t/{ticket.public_id}"
    page.emulate_media(media="print")
    assert page.inner_text("#ticket-number") == "A001"


def open_kiosk(page, live_server: str) -> None:
    """Staff open the kiosk with the token after #: it never reaches the server's logs."""
    page.goto(f"{live_server}/kiosk/demo#token={KIOSK_TOKEN}")
    page.wait_for_selector("#kiosk-service-A")
    assert page.url == f"{live_server}/kiosk/demo"


def test_kiosk_display_and_tracking_pages_have_no_serious_accessibility_violations(
    page, live_server, open_hall
):
    ticket = issue(open_hall, "A", now=utcnow())
    call(open_hall, 1, now=utcnow())
    issue(open_hall, "A", now=utcnow())
    pages = [
        f"/kiosk/demo#token={KIOSK_TOKEN}",
        "/display/demo",
        f"/t/{ticket.public_id}",
        f"/t/{ticket.public_id}?lang=zh_Hant_HK",
        "/kiosk/demo?lang=en",
        f"/kiosk/demo#token={KIOSK_TOKEN}&seniors=1",
        "/display/demo?room=enterprise",
    ]
    for path in pages:
        if "#token=" in path:
            page.context.clear_cookies()  # set the kiosk up afresh, e.g. for seniors
        page.goto(f"{live_server}{path}")
        if "#token=" in path:
            page.wait_for_selector("#kiosk-service-A")
            assert "token" not in page.url
        assert serious_accessibility_violations(page) == [], path


def test_the_board_recovers_by_itself_when_the_server_restarts(page, database_url, open_hall, db):
    from hallapp import create_app
    from tests.conftest import _test_config

    def serve(port: int):
        app = create_app(
            _test_config(database_url, SERVER_NAME=None, SQLITE_IMMEDIATE_TRANSACTIONS=True)
        )
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    db.session.commit()
    first = serve(0)
    port = first.server_port
    page.unroute("**/*")
    page.goto(f"http://127.0.0.1:{port}/display/demo")

    first.shutdown()
    first.server_close()
    page.wait_for_selector("#display-offline", state="visible")
    issue(open_hall, "A", now=utcnow())
    call(open_hall, 1, now=utcnow())

    second = serve(port)
    try:
        page.wait_for_selector("#board-call-A001")
        page.wait_for_selector("#display-offline", state="hidden")
        wait_until(page, "window.hallAnnouncer.log.length === 1")
    finally:
        second.shutdown()
        second.server_close()


def test_the_kiosk_goes_back_to_its_start_screen_when_left_alone(page, live_server, open_hall):
    page.clock.install()
    open_kiosk(page, live_server)
    page.check("input[name=senior]")
    page.click("#kiosk-service-B")
    page.wait_for_selector("#kiosk-ticket")
    assert page.inner_text("#ticket-number") == "B001"

    page.clock.run_for(16_000)

    page.wait_for_selector("#kiosk-start")
    assert page.url == f"{live_server}/kiosk/demo"
    assert not page.is_checked("input[name=senior]")


def test_one_touch_prints_the_ticket_and_the_kiosk_starts_over_in_its_seniors_mode(
    page, live_server, open_hall
):
    # A kiosk prints silently (Chromium's --kiosk-printing); here printing is counted.
    page.add_init_script(
        "window.print = () => { window.hallPrinted = (window.hallPrinted || 0) + 1; };"
    )
    page.clock.install()
    page.goto(f"{live_server}/kiosk/demo#token={KIOSK_TOKEN}&seniors=1")
    html = page.locator("html")
    expect(html).to_have_class("large-text high-contrast")

    page.click("#pref-large-text")  # the large-text button works in seniors' mode
    expect(html).not_to_have_class(re.compile("large-text"))
    page.click("#pref-large-text")
    expect(html).to_have_class(re.compile("large-text"))
    page.click("button[name=lang][value=zh_Hant_HK]")
    expect(html).to_have_attribute("lang", "zh-HK")

    page.click("#kiosk-service-A")  # one touch

    page.wait_for_selector("#kiosk-ticket")
    assert page.inner_text("#ticket-number") == "A001"
    expect(html).to_have_class(re.compile("large-text.*high-contrast"))
    page.clock.run_for(1_000)
    assert page.evaluate("window.hallPrinted") == 1
    assert serious_accessibility_violations(page) == []

    page.clock.run_for(15_000)

    page.wait_for_selector("#kiosk-start")
    assert page.url == f"{live_server}/kiosk/demo"
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(html).to_have_class(re.compile("large-text.*high-contrast"))
