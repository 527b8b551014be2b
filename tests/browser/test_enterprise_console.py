"""The enterprise room's counter on the one console, in a real browser: the keys of every
counter, then the enterprise found, linked and its registration recorded as the ticket ends."""

from playwright.sync_api import expect
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import RegistrationService, Ticket
from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff, make_ticket
from tests.enterprise_builders import make_enterprise, make_member, utc


def test_a_clerk_links_a_ticket_and_records_the_service(page, live_server, hall):
    clerk = make_staff(hall, "enterprise", username="clerk", full_name="陈静")
    enterprise = make_enterprise(hall, "12345678", name_zh="港丰贸易有限公司")
    member = make_member(enterprise, "王小明", "C12345678")
    make_member(enterprise, "李大华", "C22345678")
    ticket = make_ticket(hall, "E", now=utc(2026, 12, 1, 1))
    db.session.commit()

    sign_in(page, live_server, "clerk", PASSWORD)
    # The room's old console address, bookmarked on the tablets, opens the one console.
    page.goto(f"{live_server}/enterprise/counters/10")
    expect(page).to_have_url(f"{live_server}/queue/counters/10")
    page.get_by_role("button", name="接管此窗口").click()
    expect(page.locator("#counter-10-message")).to_contain_text("10")
    page.keyboard.press("n")
    expect(page.locator("#counter-10-ticket")).to_contain_text("E001")

    # Which enterprise: typed, found, linked; its record and people open beside the ticket.
    page.get_by_label("按企业名称、登记编号、人员姓名或证件号码搜索").fill("港丰")
    page.get_by_role("button", name="关联到 港丰贸易有限公司").click()
    expect(page.locator("#counter-10-enterprise-name")).to_contain_text("港丰贸易有限公司")
    assert serious_accessibility_violations(page) == []

    page.get_by_label("王小明").check()
    page.get_by_label("已核验材料").fill("商业登记证、公司注册证明书")
    page.get_by_role("button", name="记录本次服务并结束 E001").click()
    expect(page.locator("#counter-10-message")).to_contain_text(
        "E001 已办结，港丰贸易有限公司 的服务已记录。"
    )
    expect(page.locator('#counter-10-panel [data-key="n"]')).to_be_focused()

    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).status == "done"
    service = db.session.scalar(select(RegistrationService))
    assert [m.id for m in service.members] == [member.id]
    assert (service.mode, service.clerk_id) == ("on_the_spot", clerk.id)
    assert serious_accessibility_violations(page) == []
