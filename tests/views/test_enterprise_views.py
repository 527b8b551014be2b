import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import Enterprise, EnterpriseMember, RegistrationService
from tests.enterprise_builders import make_enterprise, make_member, make_service, utc


@pytest.fixture
def clerk(login_as):
    return login_as("enterprise", username="clerk")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_register_is_a_page_and_its_search_a_partial(clerk, hall):
    make_enterprise(hall, "12345678", name_zh="港丰贸易有限公司")
    make_enterprise(hall, "SO12", place="macau", name_zh="澳门其他公司")
    page = clerk.get("/enterprise/enterprises")
    assert page.status_code == 200 and b"<html" in page.data
    partial = clerk.get("/enterprise/enterprises?q=港丰", headers={"HX-Request": "true"})
    text = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in text
    assert 'id="enterprise-results"' in text
    assert "港丰贸易有限公司" in text and "澳门其他公司" not in text


def test_registering_with_a_malformed_number_says_why_and_saves_nothing(clerk, hall):
    form = {
        "name_zh": "测试公司",
        "place": "hong_kong",
        "registration_number": "12-34",
        "status": "active",
    }
    chinese = clerk.post("/enterprise/enterprises", data=form, headers={"HX-Request": "true"})
    assert chinese.status_code == 422
    assert "香港" in chinese.get_data(as_text=True)
    english = clerk.post(
        "/enterprise/enterprises?lang=en", data=form, headers={"HX-Request": "true"}
    )
    assert "CR No. of 7 or 8 digits" in english.get_data(as_text=True)
    assert _count(Enterprise) == 0


def test_registering_a_duplicate_points_to_the_existing_record(clerk, hall):
    existing = make_enterprise(hall, "12345678")
    response = clerk.post(
        "/enterprise/enterprises?lang=en",
        data={
            "name_zh": "另一家",
            "place": "hong_kong",
            "registration_number": "1234 5678",
            "status": "active",
            "clerk_id": "",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already registered" in text
    assert f"/enterprise/enterprises/{existing.id}" in text
    assert _count(Enterprise) == 1


def test_registering_an_enterprise_goes_to_its_record(clerk, hall):
    response = clerk.post(
        "/enterprise/enterprises",
        data={
            "name_zh": "港丰贸易",
            "place": "macau",
            "registration_number": "so 0123",
            "status": "active",
            "clerk_id": str(clerk.staff.id),
        },
        headers={"HX-Request": "true"},
    )
    enterprise = db.session.scalar(select(Enterprise))
    assert response.headers["HX-Redirect"] == f"/enterprise/enterprises/{enterprise.id}"
    assert enterprise.registration_number == "SO123"
    assert enterprise.clerk_id == clerk.staff.id


def test_adding_a_person_with_a_bad_checksum_is_refused_in_place(clerk, hall):
    enterprise = make_enterprise(hall, "12345678")
    response = clerk.post(
        f"/enterprise/enterprises/{enterprise.id}/members?lang=en",
        data={
            "member-name": "张三",
            "member-document_type": "hk_id",
            "member-document_number": "A123456(4)",
            "member-role": "staff",
        },
        headers={"HX-Request": "true"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="enterprise-members"' in text and "<html" not in text
    assert "check character" in text
    assert _count(EnterpriseMember) == 0


def test_adding_a_person_shows_only_the_masked_number(clerk, hall):
    enterprise = make_enterprise(hall, "12345678")
    response = clerk.post(
        f"/enterprise/enterprises/{enterprise.id}/members",
        data={
            "member-name": "张三",
            "member-document_type": "hk_id",
            "member-document_number": "A123456(3)",
            "member-role": "director",
        },
        headers={"HX-Request": "true"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A1****63" in text and "A123456" not in text


def test_an_import_preview_names_bad_rows_and_offers_no_confirmation(clerk, hall):
    enterprise = make_enterprise(hall, "12345678")
    data = "name,document_type,document_number\n张三,hk_id,A123456(3)\n李四,hk_id,A123456(4)\n"
    response = clerk.post(
        f"/enterprise/enterprises/{enterprise.id}/import?lang=en",
        data={"file": (io.BytesIO(data.encode()), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    preview = clerk.get(response.headers["Location"] + "?lang=en")
    text = preview.get_data(as_text=True)
    assert 'id="enterprise-import-row-3"' in text
    assert "1 row has a problem" in text
    assert "Add 1 person" not in text
    assert _count(EnterpriseMember) == 0


def test_an_import_with_missing_columns_gets_a_clear_message(clerk, hall):
    enterprise = make_enterprise(hall, "12345678")
    response = clerk.post(
        f"/enterprise/enterprises/{enterprise.id}/import",
        data={"file": (io.BytesIO("姓名,电话\n张三,1\n".encode()), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "缺少" in response.get_data(as_text=True)


def test_a_clean_import_is_saved_after_confirmation(clerk, hall):
    enterprise = make_enterprise(hall, "12345678")
    data = "姓名,证件类型,证件号码\n张三,香港身份证,A123456(3)\n"
    response = clerk.post(
        f"/enterprise/enterprises/{enterprise.id}/import",
        data={"file": (io.BytesIO(data.encode()), "staff.csv")},
        content_type="multipart/form-data",
    )
    location = response.headers["Location"]
    assert _count(EnterpriseMember) == 0
    confirmed = clerk.post(location)
    assert confirmed.status_code == 303
    assert _count(EnterpriseMember) == 1


def test_recording_a_service_from_the_form(clerk, hall):
    enterprise = make_enterprise(hall, "12345678")
    member = make_member(enterprise, "张三", "C12345678")
    counter = next(c for c in hall.counters if c.number == 10)
    page = clerk.get(f"/enterprise/enterprises/{enterprise.id}/services")
    assert page.status_code == 200
    response = clerk.post(
        f"/enterprise/enterprises/{enterprise.id}/services",
        data={
            "member_ids": [str(member.id)],
            "mode": "on_the_spot",
            "counter_id": str(counter.id),
            "outcome": "completed",
            "documents_checked": "商业登记证",
        },
    )
    assert response.status_code == 303
    service = db.session.scalar(select(RegistrationService))
    assert (service.mode, service.clerk_id, service.counter_id) == (
        "on_the_spot",
        clerk.staff.id,
        counter.id,
    )


def test_recording_a_service_without_people_is_refused(clerk, hall):
    enterprise = make_enterprise(hall, "12345678")
    make_member(enterprise, "张三", "C12345678")
    counter = next(c for c in hall.counters if c.number == 10)
    response = clerk.post(
        f"/enterprise/enterprises/{enterprise.id}/services?lang=en",
        data={"mode": "on_the_spot", "counter_id": str(counter.id), "outcome": "completed"},
    )
    assert response.status_code == 422
    assert "Choose at least one person" in response.get_data(as_text=True)
    assert _count(RegistrationService) == 0


def test_a_clerk_cannot_merge_but_a_supervisor_can(clerk, login_as, hall):
    keep = make_enterprise(hall, "12345678")
    duplicate = make_enterprise(hall, "1234567")
    assert clerk.get(f"/enterprise/enterprises/{duplicate.id}/merge").status_code == 403
    supervisor = login_as("supervisor")
    response = supervisor.post(
        f"/enterprise/enterprises/{duplicate.id}/merge",
        data={"target_id": str(keep.id), "reason": "同一公司"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Enterprise, duplicate.id).status == "merged"
    page = supervisor.get(f"/enterprise/enterprises/{keep.id}?lang=en")
    assert "Merge history" in page.get_data(as_text=True)


@pytest.fixture
def served(hall, clerk):
    counter = next(c for c in hall.counters if c.number == 10)
    e1 = make_enterprise(hall, "12345678")
    e2 = make_enterprise(hall, "SO1", place="macau")
    p1, p2 = make_member(e1, "p1", "C10000001"), make_member(e1, "p2", "C10000002")
    p3 = make_member(e2, "p3", "C10000003")
    make_service(
        e1, [p1, p2], mode="appointment", counter=counter, clerk=clerk.staff, at=utc(2026, 11, 2)
    )
    make_service(
        e1, [p1], mode="on_the_spot", counter=counter, clerk=clerk.staff, at=utc(2026, 11, 3)
    )
    make_service(
        e2, [p3], mode="on_the_spot", counter=counter, clerk=clerk.staff, at=utc(2026, 11, 3)
    )


def test_the_figures_page_states_totals_and_how_it_counts(clerk, served):
    response = clerk.get("/enterprise/figures?start=2026-11-01&end=2026-11-30&lang=en")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 people from 2 enterprises, in 3 services" in text
    assert "How we count" in text


def test_the_figures_page_refuses_a_reversed_range(clerk, served):
    response = clerk.get(
        "/enterprise/figures?start=2026-11-30&end=2026-11-01&lang=en",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "before the start date" in response.get_data(as_text=True)


def test_the_exports_download_with_the_same_totals(clerk, served):
    csv_response = clerk.get("/enterprise/figures.csv?start=2026-11-01&end=2026-11-30&lang=en")
    assert csv_response.status_code == 200
    assert "attachment" in csv_response.headers["Content-Disposition"]
    assert "Total,All services,3,2,3" in csv_response.get_data(as_text=True)
    xlsx = clerk.get("/enterprise/figures.xlsx?start=2026-11-01&end=2026-11-30&lang=en")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert ("Total", "All services", 3, 2, 3) in rows


def test_the_enterprise_menu_shows_for_clerks_only(clerk, login_as):
    assert "/enterprise/figures" in clerk.get("/").get_data(as_text=True)
    assert "/enterprise/figures" not in login_as("counter").get("/").get_data(as_text=True)


def test_an_upload_over_the_size_cap_gets_a_clear_413_page(clerk, hall):
    enterprise = make_enterprise(hall, "12345678")
    response = clerk.post(
        f"/enterprise/enterprises/{enterprise.id}/import",
        data={"file": (io.BytesIO(b"x" * (5 * 1024 * 1024)), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "上传的文件过大" in response.get_data(as_text=True)
    assert _count(EnterpriseMember) == 0
