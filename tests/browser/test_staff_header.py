"""The staff header on the desk's 1024x768 tablet and at 200% zoom with large text: one row
with a menu button, 44 px checkbox targets, no label one character per line, a favicon."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff

# A text whose every line holds a single character stands one character per line (核/验).
SQUEEZED = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const owner = node.parentElement;
    if (text.length < 2 || !owner || owner.offsetParent === null) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set(
      Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top))
    );
    if (lines.size >= 2 && lines.size >= text.replace(/\\s/g, "").length) found.push(text);
  }
  return found;
}"""

# Each visible checkbox's target: the box itself or its label, whichever is larger.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll('input[type=checkbox]'))
  .filter((box) => box.offsetParent !== null)
  .map((box) => {
    const rects = [box, ...box.labels].map((el) => el.getBoundingClientRect());
    const best = rects.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    return { name: box.name, value: box.value, width: best.width, height: best.height };
  })
  .filter((t) => t.width < 44 || t.height < 43.5)"""


@pytest.fixture
def boss(hall):
    # A supervisor who also administers: the longest menu the hall has.
    make_staff(hall, "supervisor", "admin", "guide", username="boss", full_name="周主任")
    return hall


def test_the_staff_header_is_one_row_with_a_menu_button_on_the_tablet(page, live_server, boss):
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, live_server, "boss", PASSWORD)
    page.goto(f"{live_server}/desk/triage")

    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] <= 80
    expect(page.locator(".site-nav")).to_be_hidden()
    button = page.locator("#site-menu-button")
    expect(button).to_have_attribute("aria-expanded", "false")

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="预约", exact=True)).to_be_visible()
    expect(page.locator("#site-who")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.keyboard.press("Escape")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(button).to_be_focused()


def test_the_header_is_folded_from_the_first_paint_not_when_hall_js_arrives(
    page, live_server, boss
):
    # Hold hall.js back: the header must already be one row, or the open menu flashes on
    # every page while the script loads (and a reader measuring it then sees 600 px).
    page.set_viewport_size({"width": 512, "height": 384})
    sign_in(page, live_server, "boss", PASSWORD)
    page.route("**/js/hall.js*", lambda route: route.abort())
    page.goto(f"{live_server}/desk/triage")

    assert page.locator("header.site-header").bounding_box()["height"] <= 100
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator("#site-menu-button")).to_be_visible()


def test_without_javascript_the_narrow_header_shows_everything(browser, live_server, boss):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 512, "height": 384})
        sign_in(page, live_server, "boss", PASSWORD)
        page.goto(f"{live_server}/desk/triage")

        expect(page.get_by_role("link", name="预约", exact=True)).to_be_visible()
        expect(page.locator("#site-who")).to_be_visible()
        expect(page.locator("#site-menu-button")).to_be_hidden()
    finally:
        context.close()


def test_at_200_percent_zoom_with_large_text_the_header_leaves_the_screen_to_the_work(
    page, live_server, boss
):
    # 200% zoom on the 1024x768 tablet: 512x384 CSS pixels.
    page.set_viewport_size({"width": 512, "height": 384})
    sign_in(page, live_server, "boss", PASSWORD)
    page.goto(f"{live_server}/desk/triage")
    page.click("#site-menu-button")
    page.click("#pref-large-text")
    expect(page.locator("html")).to_have_class("large-text ")

    assert page.locator("header.site-header").bounding_box()["height"] <= 100
    for path in ("/desk/triage", "/admin/staff", "/admin/halls"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate(SQUEEZED) == [], path
        assert page.evaluate(SMALL_TARGETS) == [], path


def test_a_wide_screen_shows_the_whole_header_and_no_menu_button(page, live_server, boss):
    page.set_viewport_size({"width": 1600, "height": 900})
    sign_in(page, live_server, "boss", PASSWORD)
    page.goto(f"{live_server}/desk/triage")

    expect(page.get_by_role("link", name="预约", exact=True)).to_be_visible()
    expect(page.locator("#site-who")).to_be_visible()
    expect(page.locator("#site-menu-button")).to_be_hidden()


def test_checkbox_targets_are_44_px_on_the_tablet(page, live_server, boss):
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, live_server, "boss", PASSWORD)
    for path in ("/desk/triage", "/admin/staff", "/admin/halls"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate(SMALL_TARGETS) == [], path
        assert page.evaluate(SQUEEZED) == [], path


def test_every_page_has_a_favicon_and_nothing_answers_404(page, live_server, boss):
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    sign_in(page, live_server, "boss", PASSWORD)
    page.goto(f"{live_server}/desk/")

    icon = page.get_attribute("link[rel=icon]", "href")
    served = page.request.get(f"{live_server}{icon}")

    assert served.status == 200 and served.headers["content-type"].startswith("image/")
    assert missing == []
