from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.builders import PASSWORD, make_staff
from tests.enterprise_builders import make_enterprise, make_member, make_service, utc


def test_a_clerk_finds_an_enterprise_as_they_type_and_reads_the_figures(page, live_server, hall):
    clerk = make_staff(hall, "enterprise", username="clerk")
    wanted = make_enterprise(hall, "12345678", name_zh="港丰贸易有限公司")
    make_enterprise(hall, "SO12", place="macau", name_zh="澳门濠江实业")
    person = make_member(wanted, "王小明", "C12345678")
    counter = next(c for c in hall.counters if c.number == 10)
    make_service(
        wanted, [person], mode="on_the_spot", counter=counter, clerk=clerk, at=utc(2026, 11, 3)
    )

    sign_in(page, live_server, "clerk", PASSWORD)
    page.goto(f"{live_server}/enterprise/enterprises")
    assert page.locator("#enterprise-results tbody tr").count() == 2
    page.get_by_label("按企业名称、登记编号、人员姓名或证件号码搜索").fill("王小明")
    page.wait_for_url("**q=*")
    page.locator("#enterprise-results tbody tr").first.wait_for()
    assert page.locator("#enterprise-results tbody tr").count() == 1
    assert "港丰贸易有限公司" in page.locator("#enterprise-results").inner_text()
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="港丰贸易有限公司").click()
    assert "C1*****78" in page.locator("#enterprise-members").inner_text()
    assert serious_accessibility_violations(page) == []

    page.goto(f"{live_server}/enterprise/figures?start=2026-11-01&end=2026-11-30")
    assert "共服务 1 家企业 1 人" in page.locator("#enterprise-figures").inner_text()
    assert serious_accessibility_violations(page) == []
