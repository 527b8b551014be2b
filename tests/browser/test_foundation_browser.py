from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff


def test_staff_signs_in_switches_language_and_large_text(page, live_server, hall):
    make_staff(hall, "admin", username="admin", full_name="刘洋")
    sign_in(page, live_server, "admin", PASSWORD)

    assert page.locator("h1").inner_text() == "您好，刘洋"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name="English").click()
    page.locator("html[lang=en]").wait_for(state="attached")
    assert page.locator("h1").inner_text() == "Good day, 刘洋"
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("button", name="Large text").click()
    page.locator("html.large-text").wait_for(state="attached")
    # The class can be there before the new page's stylesheet applies: wait for the page.
    page.wait_for_load_state("load")
    font_size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert float(font_size.removesuffix("px")) >= 24

    # Remembered for the person: a new sign-in elsewhere keeps English and large text.
    page.context.clear_cookies()
    sign_in(page, live_server, "admin", PASSWORD)
    assert page.locator("h1").inner_text() == "Good day, 刘洋"
    assert "large-text" in page.locator("html").get_attribute("class")
    assert serious_accessibility_violations(page) == []


def test_keyboard_alone_edits_a_service_in_place(page, live_server, hall):
    make_staff(hall, "admin", username="admin")
    sign_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/admin/services?lang=en")
    row = page.locator("#admin-service-rows tr").first
    row_id = row.get_attribute("id")
    row.get_by_role("button", name="Edit").focus()
    page.keyboard.press("Enter")
    name = page.locator(f"#{row_id} input[name$='name_en']")
    name.wait_for()
    name.fill("Ordinary passport")
    page.locator(f"#{row_id}").get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    page.locator(f"#{row_id}.row--saved").wait_for()
    assert "Ordinary passport" in page.locator(f"#{row_id}").inner_text()
    assert serious_accessibility_violations(page) == []
