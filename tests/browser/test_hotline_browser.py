"""A whole hotline call in the browser (issue 13, item 15): checklist read out and texted,
a time booked and its code texted, a suggestion and a policy follow-up for the caller."""

from playwright.sync_api import expect
from sqlalchemy import select

from hallapp.models import Appointment, OutboxMessage, Suggestion
from hallapp.models.guidance import DeskCase
from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff
from tests.hotline_builders import ready_for_calls


def test_one_call_reads_out_texts_books_and_records_for_the_caller(page, live_server, hall, db):
    ready_for_calls(hall)
    make_staff(hall, "hotline", username="hotline", full_name="热线 赵丽")
    db.session.commit()

    sign_in(page, live_server, "hotline", PASSWORD)
    page.wait_for_url(f"{live_server}/hotline/")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("来电人电话").fill("138 1234 5678")

    # "What do I need for a passport?": read out the list, then text it.
    page.get_by_label("业务", exact=True).select_option(label="A · 普通护照")
    page.get_by_role("button", name="查询材料清单和可约时段").click()
    items = page.locator("#hotline-checklist-items li")
    items.first.wait_for()
    assert "居民身份证" in items.first.inner_text()
    page.get_by_role("button", name="短信发送材料清单给来电人").click()
    texted = page.locator("#hotline-texted")
    texted.wait_for()
    assert "138****5678" in texted.inner_text()
    expect(texted).to_be_focused()
    assert serious_accessibility_violations(page) == []

    # "Can I come tomorrow... today at a quarter past two?": book and text the code.
    page.locator("#hotline-book-form input[name=slot]").first.check()
    page.get_by_role("button", name="预约并短信发送预约码").click()
    page.locator("#hotline-booked").wait_for()
    code = page.locator("#hotline-booking-code").inner_text()
    expect(page.locator("#hotline-booked")).to_be_focused()

    # "And the wait last time was far too long.": a suggestion on the caller's behalf.
    page.get_by_label("线路", exact=True).select_option(label="12367 热线")
    page.get_by_label("来电人的原话").fill("上次排队等了一个多小时。")
    page.get_by_role("button", name="登记建议").click()
    expect(page.locator("#hotline-suggestion-done")).to_be_focused()

    # "When will group travel endorsements be possible again?": the desk follows it up.
    page.get_by_label("政策主题").fill("团队旅游签注")
    page.get_by_label("来电人在等待什么").fill("团队旅游签注何时恢复")
    page.get_by_role("button", name="登记跟进事项").click()
    expect(page.locator("#hotline-follow-up-done")).to_be_focused()
    assert serious_accessibility_violations(page) == []

    db.session.rollback()
    appointment = db.session.scalar(select(Appointment))
    assert appointment.code == code
    bodies = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()
    assert len(bodies) == 3
    assert "居民身份证" in bodies[0] and code in bodies[1]
    suggestion = db.session.scalar(select(Suggestion))
    assert (suggestion.channel, suggestion.contact_phone) == ("hotline_12367", "13812345678")
    assert suggestion.tracking_code in bodies[2]
    case = db.session.scalar(select(DeskCase))
    assert (case.kind, case.contact_phone) == ("policy_followup", "13812345678")
