from sqlalchemy import func, select

from hallapp.models import AuditEntry, Counter, Service, Staff

HX = {"HX-Request": "true"}


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_services_page_is_a_full_page_and_rows_are_fragments(login_as):
    admin = login_as("admin")
    page = admin.get("/admin/services")
    assert page.status_code == 200 and "<html" in page.text
    assert 'id="service-1"' in page.text
    edit = admin.get("/admin/services/1/edit", headers=HX)
    assert edit.status_code == 200 and "<html" not in edit.text
    assert edit.text.lstrip().startswith('<tr id="service-1"')
    assert 'name="service-1-code"' in edit.text


def test_adding_a_service_returns_a_fresh_form_and_the_new_row_out_of_band(login_as, db):
    admin = login_as("admin")
    response = admin.post(
        "/admin/services",
        headers=HX,
        data={
            "new-code": "c",
            "new-name_zh": "往来台湾通行证",
            "new-name_en": "Taiwan permit",
            "new-room": "main",
            "new-active": "y",
        },
    )
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#admin-service-rows"' in response.text
    assert "往来台湾通行证" in response.text
    assert _count(db, Service, Service.code == "C") == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "admin.service.create"))
    assert entry.actor_id == admin.staff.id


def test_a_duplicate_service_code_is_refused_in_the_users_language(login_as, db):
    admin = login_as("admin")
    data = {"new-code": "A", "new-name_zh": "重复", "new-name_en": "Again", "new-room": "main"}
    chinese = admin.post("/admin/services", headers=HX, data=data)
    assert chinese.status_code == 422
    assert "本大厅已使用业务代码 A。" in chinese.text
    assert 'value="重复"' in chinese.text  # what was typed comes back
    english = admin.post("/admin/services?lang=en", headers=HX, data=data)
    assert "The service code A is already used in this hall." in english.text
    assert _count(db, Service) == 3


def test_empty_and_oversized_fields_are_refused_and_nothing_is_written(login_as, db):
    admin = login_as("admin")
    empty = admin.post("/admin/services", headers=HX, data={"new-code": "", "new-room": "main"})
    assert empty.status_code == 422
    assert "请填写代码字母。" in empty.text and "请填写名称。" in empty.text
    long_name = admin.post(
        "/admin/services",
        headers=HX,
        data={"new-code": "F", "new-name_zh": "长" * 500, "new-name_en": "x", "new-room": "main"},
    )
    assert long_name.status_code == 422
    assert _count(db, Service) == 3


def test_a_non_numeric_counter_number_gets_a_clear_message(login_as, db):
    admin = login_as("admin")
    response = admin.post(
        "/admin/counters",
        headers=HX,
        data={"new-number": "three", "new-room": "main", "new-service_codes": "A"},
    )
    assert response.status_code == 422
    assert "窗口号请填写整数。" in response.text
    assert _count(db, Counter) == 3


def test_editing_a_counter_keeps_the_order_of_preference(login_as, db):
    admin = login_as("admin")
    response = admin.post(
        "/admin/counters/1",
        headers=HX,
        data={"counter-1-number": "1", "counter-1-room": "main", "counter-1-service_codes": "B A"},
    )
    assert response.status_code == 200
    assert 'class="row--saved"' in response.text
    counter = db.session.get(Counter, 1)
    assert [s.code for s in counter.services] == ["B", "A"]


def test_a_counter_refuses_services_of_the_other_room(login_as, db):
    admin = login_as("admin")
    response = admin.post(
        "/admin/counters/1",
        headers=HX,
        data={"counter-1-number": "1", "counter-1-room": "main", "counter-1-service_codes": "A E"},
    )
    assert response.status_code == 422
    assert "业务 E 属于另一区域。" in response.text
    assert [s.code for s in db.session.get(Counter, 1).services] == ["A", "B"]


def test_admin_creates_a_staff_account_with_several_roles(login_as, db, hall):
    admin = login_as("admin")
    response = admin.post(
        "/admin/staff",
        headers=HX,
        data={
            "new-username": "wang",
            "new-full_name": "王芳",
            "new-hall": str(hall.id),
            "new-roles": ["guide", "counter"],
            "new-password": "long-enough-pw",
        },
    )
    assert response.status_code == 200
    wang = db.session.scalar(select(Staff).where(Staff.username == "wang"))
    assert wang.roles == {"guide", "counter"}


def test_staff_form_needs_a_role_and_a_strong_password(login_as, db, hall):
    admin = login_as("admin")
    response = admin.post(
        "/admin/staff",
        headers=HX,
        data={
            "new-username": "wang",
            "new-full_name": "王芳",
            "new-hall": str(hall.id),
            "new-password": "short",
        },
    )
    assert response.status_code == 422
    assert "请至少选择一个角色。" in response.text
    assert _count(db, Staff, Staff.username == "wang") == 0


def test_audit_log_filters_by_action_and_answers_a_fragment_to_htmx(login_as, client, hall):
    client.post("/auth/login", data={"username": "ghost", "password": "nope-nope"})
    supervisor = login_as("supervisor")
    page = supervisor.get("/admin/audit?action=auth")
    assert page.status_code == 200 and "auth.login_failed" in page.text
    fragment = supervisor.get("/admin/audit?action=admin", headers=HX)
    assert "<html" not in fragment.text and "auth.login_failed" not in fragment.text
    unknown = supervisor.get("/admin/audit?actor=nobody", headers=HX)
    assert "没有使用此用户名的工作人员。" in unknown.text


def test_an_administrator_sets_a_colleagues_password_and_a_weak_one_is_refused(login_as, db, hall):
    from hallapp.services import accounts
    from tests.builders import make_staff

    admin = login_as("admin")
    colleague = make_staff(hall, "guide", username="forgetful")
    url = f"/admin/staff/{colleague.id}/password"
    field = f"staff-{colleague.id}-pw-password"

    weak = admin.post(url, headers=HX, data={field: "short"})
    assert weak.status_code == 422
    assert f'id="staff-{colleague.id}-password"' in weak.text

    done = admin.post(url, headers=HX, data={field: "a-long-new-secret-7"})
    assert done.status_code == 200
    assert "密码已设置" in done.text
    db.session.refresh(colleague)
    assert accounts.authenticate("forgetful", "a-long-new-secret-7").id == colleague.id
