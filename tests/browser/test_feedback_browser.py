from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff

SCRIPT = "<script>document.title='owned'</script>"


def test_a_citizens_suggestion_gets_the_supervisors_reply_on_the_tracking_page(
    page, live_server, hall
):
    make_staff(hall, "supervisor", username="boss", full_name="王主任")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # The citizen, on their own phone, after scanning the QR code in the hall.
    page.goto(f"{live_server}/suggest/demo")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("自助设备").check()
    page.get_by_label("您的建议").fill(f"自助机太多，老年人不会用。{SCRIPT}")
    page.get_by_label("我希望得到答复").check()
    page.wait_for_timeout(3100)  # a person takes longer than the minimum fill time
    page.get_by_role("button", name="提交建议").click()
    code = page.locator("#feedback-tracking-code").inner_text()
    tracking_url = page.get_by_role("link", name="打开我的查询页面").get_attribute("href")
    assert len(code.replace("-", "")) == 10

    # The supervisor triages and replies.
    sign_in(page, live_server, "boss", PASSWORD)
    page.goto(f"{live_server}/feedback/")
    page.get_by_role("link", name=code).click()
    assert page.locator("#feedback-text").inner_text().endswith(SCRIPT)
    assert page.title() != "owned"
    page.get_by_role("button", name="保存分派").click()
    page.locator("#feedback-status", has_text="已分派").wait_for()
    page.get_by_label("公开答复").fill("谢谢您的建议。我们已加宽屏幕、放大字体，欢迎您再来试用。")
    page.get_by_role("button", name="发布答复").click()
    page.locator("#feedback-status", has_text="已答复").wait_for()
    page.get_by_role("button", name="办结").click()
    page.locator("#feedback-status", has_text="已办结").wait_for()
    assert serious_accessibility_violations(page) == []

    # The citizen reads the reply.
    page.context.clear_cookies()
    page.goto(f"{live_server}{tracking_url}")
    assert "已加宽屏幕" in page.locator("#feedback-public-reply").inner_text()
    assert page.locator("#feedback-public-status").inner_text() == "已办结"
    assert serious_accessibility_violations(page) == []
    assert dialogs == []
    assert page.title() != "owned"


def test_a_citizen_rates_the_visit_on_the_tablet_beside_the_counter(page, live_server, hall, db):
    from datetime import timedelta

    from hallapp.models import VisitRating, utcnow
    from hallapp.services import devices
    from tests.feedback_builders import finished_ticket

    officer = make_staff(hall, "counter", username="li")
    finished_ticket(hall, officer, now=utcnow() - timedelta(minutes=6))
    _row, raw = devices.create_device_token(hall, "counter", counter_number=1, now=utcnow())
    db.session.commit()

    # Staff open the tablet with its counter's device token, after # so no log holds it.
    page.goto(f"{live_server}/rate/counter/demo/1#token={raw}")
    page.locator("#feedback-rating-form").wait_for()
    assert page.url == f"{live_server}/rate/counter/demo/1"
    assert serious_accessibility_violations(page) == []
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("等候时间长").check()
    page.get_by_role("button", name="提交评价").click()
    page.locator("#feedback-rating-done").wait_for()
    assert "不满意" in page.locator("#feedback-rating-done").inner_text()

    db.session.rollback()
    rating = db.session.query(VisitRating).one()
    assert (rating.level, rating.source, rating.reason_list) == (2, "tablet", ["waiting"])
    assert rating.suggestion.category == "waiting"


def test_the_form_names_what_is_missing_and_each_update_takes_focus_with_a_message(
    page, live_server, hall, clock
):
    from playwright.sync_api import expect

    make_staff(hall, "supervisor", username="boss", full_name="王主任")
    page.goto(f"{live_server}/suggest/demo")
    page.get_by_role("button", name="提交建议").click()
    error = page.locator("#text-error")
    expect(error).to_have_text("请填写您的建议。")
    expect(page.get_by_label("您的建议")).to_be_focused()
    assert "太快" not in page.locator("#feedback-suggest-form").inner_text()

    page.get_by_label("您的建议").fill("取号机旁边没有座位。")
    clock.shift(10)  # the citizen takes their time; the form keeps its first stamp
    page.get_by_role("button", name="提交建议").click()
    expect(page.locator("#feedback-thanks")).to_be_focused()
    code = page.locator("#feedback-tracking-code").inner_text()
    assert serious_accessibility_violations(page) == []

    sign_in(page, live_server, "boss", PASSWORD)
    page.goto(f"{live_server}/feedback/")
    page.get_by_role("link", name=code).click()
    page.wait_for_url(f"{live_server}/feedback/*")
    page.wait_for_load_state("load")  # htmx has taken over the forms
    page.get_by_role("button", name="保存分派").click()
    saved = page.locator("#feedback-saved")
    expect(saved).to_have_text("分派已保存。")
    expect(saved).to_be_focused()
    page.get_by_role("button", name="开始处理").click()
    expect(saved).to_have_text("已开始办理。")
    expect(saved).to_be_focused()
    assert serious_accessibility_violations(page) == []
