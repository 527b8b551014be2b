from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import RegistrationService, Ticket
from hallapp.services import enterprise as rooms
from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff, make_ticket
from tests.enterprise_builders import make_enterprise, make_member, utc


def test_a_clerk_serves_a_ticket_linked_to_an_enterprise(page, live_server, hall):
    clerk = make_staff(hall, "enterprise", username="clerk", full_name="陈静")
    enterprise = make_enterprise(hall, "12345678", name_zh="港丰贸易有限公司")
    member = make_member(enterprise, "王小明", "C12345678")
    make_member(enterprise, "李大华", "C22345678")
    ticket = make_ticket(hall, "E", now=utc(2026, 11, 27, 1))
    rooms.link_ticket(ticket, enterprise, actor=clerk, now=utc(2026, 11, 27, 1, 1))
    db.session.commit()

    sign_in(page, live_server, "clerk", PASSWORD)
    page.goto(f"{live_server}/enterprise/counters/10")
    page.get_by_role("button", name="接管此窗口").click()
    page.get_by_role("button", name="呼叫下一位").click()
    assert page.locator("#enterprise-current-ticket").inner_text() == "E001"
    # The enterprise's record opens beside the ticket, with its people to tick.
    assert "港丰贸易有限公司" in page.locator("#enterprise-console h2").inner_text()
    assert serious_accessibility_violations(page) == []

    page.get_by_label("王小明").check()
    page.get_by_label("已核验材料").fill("商业登记证、公司注册证明书")
    page.get_by_role("button", name="记录本次服务并结束 E001").click()
    page.locator("#enterprise-console .flash--success").wait_for()
    assert page.get_by_role("button", name="呼叫下一位").is_visible()

    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).status == "done"
    service = db.session.scalar(select(RegistrationService))
    assert [m.id for m in service.members] == [member.id]
    assert (service.mode, service.clerk_id) == ("on_the_spot", clerk.id)
    assert serious_accessibility_violations(page) == []
