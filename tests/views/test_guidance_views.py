"""The desk's pages: both shapes, roles, and bad input that says what is wrong and saves nothing."""

import io
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from hallapp.i18n import HALL_TIMEZONE
from hallapp.models import (
    Appointment,
    AppointmentSlot,
    ChecklistVersion,
    DeskCase,
    Ticket,
    VisitorIdentity,
    utcnow,
)
from hallapp.services import appointments, cases, checklists, guidance, live


@pytest.fixture
def app_config():
    return {"SQLITE_IMMEDIATE_TRANSACTIONS": True}


def service(hall, code="A"):
    return next(s for s in hall.services if s.code == code)


def tomorrow():
    return (utcnow().astimezone(HALL_TIMEZONE) + timedelta(days=1)).date()


def open_tomorrow(hall, capacity=1):
    appointments.create_slots(
        hall,
        service(hall),
        first_day=tomorrow(),
        last_day=tomorrow(),
        minutes=60,
        capacity=capacity,
        actor=None,
        now=utcnow(),
    )
    return appointments.slots_on(hall, tomorrow())


def count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_desk_home_is_for_guides_and_lists_open_cases(login_as, hall):
    cases.open_case(
        hall,
        kind="policy_followup",
        owner=None,
        due_on=tomorrow(),
        summary="人才签注",
        actor=None,
        now=utcnow(),
        contact_phone="139",
        topics="talent",
    )
    response = login_as("guide").get("/desk/")
    assert response.status_code == 200
    assert 'id="desk-search-q"' in response.text and "talent" in response.text
    assert login_as("counter").get("/desk/").status_code == 403


def test_search_answers_a_partial_to_htmx_and_a_page_otherwise(login_as, hall):
    guide = login_as("guide")
    page = guide.get("/desk/search?q=11010519491231002X")
    part = guide.get("/desk/search?q=11010519491231002X", headers={"HX-Request": "true"})
    assert "<html" in page.text
    assert "<html" not in part.text and 'id="desk-search-results"' in part.text


def test_a_supervisor_saves_a_checklist_version_and_the_printable_page_shows_it(
    login_as, hall, client, db
):
    supervisor = login_as("supervisor")
    a = service(hall)
    response = supervisor.post(
        f"/desk/checklists/{a.id}",
        data={
            "text_zh": ["身份证", "照片", ""],
            "text_en": ["ID card", "Photo", ""],
            "note_zh": ["", "大厅免费拍照", ""],
            "note_en": ["", "photos taken free in the hall", ""],
            "required": ["0"],
        },
    )
    assert response.status_code == 303
    version = db.session.scalar(select(ChecklistVersion))
    assert [(i.text_zh, i.required) for i in version.items] == [("身份证", True), ("照片", False)]
    sheet = client.get("/desk/checklist/demo/A")
    assert sheet.status_code == 200 and "大厅免费拍照" in sheet.text
    qr = client.get("/desk/checklist/demo/A/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert b"http://www.w3.org/2000/svg" in qr.data and b"/desk/checklist/demo/A" in qr.data
    assert login_as("guide").post(f"/desk/checklists/{a.id}", data={}).status_code == 403


def test_an_empty_checklist_is_refused_with_422_and_no_version(login_as, hall, db):
    response = login_as("supervisor").post(
        f"/desk/checklists/{service(hall).id}?lang=en", data={"text_zh": ["", ""]}
    )
    assert response.status_code == 422 and "at least one item" in response.text
    assert count(db, ChecklistVersion) == 0


def test_booking_into_a_full_slot_says_so_in_both_languages_and_saves_nothing(login_as, hall, db):
    slot = open_tomorrow(hall)[0]
    guide = login_as("guide")
    day = tomorrow().isoformat()
    data = {"book-slot": slot.id, "book-phone": "13800000000"}
    first = guide.post(f"/desk/appointments/book?day={day}", data=data)
    assert first.status_code == 200 and 'id="desk-booking-code"' in first.text
    english = guide.post(f"/desk/appointments/book?day={day}&lang=en", data=data)
    assert english.status_code == 422 and "This slot is full" in english.text
    chinese = guide.post(f"/desk/appointments/book?day={day}&lang=zh_CN", data=data)
    assert chinese.status_code == 422 and "已满" in chinese.text
    assert count(db, Appointment) == 1 and count(db, VisitorIdentity) == 1


def test_booking_with_a_wrong_checksum_names_the_field_and_saves_nothing(login_as, hall, db):
    slot = open_tomorrow(hall)[0]
    response = login_as("guide").post(
        f"/desk/appointments/book?day={tomorrow().isoformat()}&lang=en",
        data={"book-slot": slot.id, "book-document_number": "110105194912310021"},
    )
    assert response.status_code == 422 and "last character" in response.text
    assert count(db, Appointment) == 0
    assert db.session.get(AppointmentSlot, slot.id).booked == 0


def upload(client, content: bytes, lang="en"):
    return client.post(
        f"/desk/appointments/import?day={tomorrow().isoformat()}&lang={lang}",
        data={"import-file": (io.BytesIO(content), "bookings.csv")},
        content_type="multipart/form-data",
    )


def test_a_csv_import_reports_bad_lines_and_imports_none(login_as, hall, db):
    open_tomorrow(hall, capacity=5)
    day = tomorrow().isoformat()
    content = (
        "booking_code,service,date,time,name,document_number,phone\n"
        f"W1,A,{day},08:30,张三,,138\n"
        f"W2,A,{day}x,08:30,李四,,139\n"
    ).encode("gb18030")
    response = upload(login_as("guide"), content)
    assert response.status_code == 422
    assert "Line 3" in response.text and f"{day}x" in response.text
    assert count(db, Appointment) == 0


def test_a_csv_import_with_a_wrong_header_or_encoding_is_refused_plainly(login_as, hall, db):
    guide = login_as("guide")
    header = upload(guide, b"name,phone\n")
    assert header.status_code == 422 and "Line 1" in header.text
    encoding = upload(guide, b"\xff\xfe\x00\x81\x30", lang="zh_CN")
    assert encoding.status_code == 422 and "GB18030" in encoding.text
    assert count(db, Appointment) == 0


def test_a_good_csv_imports_all_rows(login_as, hall, db):
    open_tomorrow(hall, capacity=5)
    day = tomorrow().isoformat()
    content = (
        "预约号,业务,日期,时间,姓名,证件号码,手机\n"
        f"W1,A,{day},08:30,张三,,138\nW2,A,{day},09:30,李四,,139\n"
    ).encode()
    response = upload(login_as("guide"), content)
    assert response.status_code == 200 and "2 bookings imported" in response.text
    assert count(db, Appointment) == 2


def test_opening_a_case_with_bad_input_says_what_is_wrong_and_saves_nothing(login_as, hall, db):
    guide = login_as("guide")
    response = guide.post(
        "/desk/cases?lang=en",
        data={
            "kind": "home_visit",
            "owner": guide.staff.id,
            "due_on": tomorrow().isoformat(),
            "contact_phone": "139",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "needs the address" in response.text
    assert count(db, DeskCase) == 0


def test_a_case_is_opened_closed_and_a_notice_lists_it(login_as, hall, db):
    guide = login_as("guide")
    created = guide.post(
        "/desk/cases",
        data={
            "kind": "policy_followup",
            "owner": guide.staff.id,
            "due_on": tomorrow().isoformat(),
            "contact_phone": "139",
            "topics": "人才签注",
        },
    )
    assert created.status_code == 303
    case = db.session.scalar(select(DeskCase))
    notice = guide.post("/desk/notices", data={"title": "新政", "topics": "人才签注，商务"})
    assert notice.status_code == 303
    listing = guide.get(notice.headers["Location"])
    assert f'id="desk-case-{case.id}"' in listing.text
    closed = guide.post(f"/desk/cases/{case.id}/close", data={"outcome": "电话告知"})
    assert closed.status_code == 303
    db.session.rollback()
    assert db.session.get(DeskCase, case.id).state == "closed"


def test_purge_command_reports_what_it_erased(runner, hall, db):
    guidance.new_identity(hall, number="11010519491231002X", now=utcnow() - timedelta(days=99))
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1 identity records" in result.output
    assert count(db, VisitorIdentity) == 0


def open_all_day(hall, db):
    """Views take the real clock; keep the hall open whenever the suite runs."""
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    db.session.commit()


def test_the_overview_answers_204_while_nothing_changed(login_as, hall, db):
    guide = login_as("guide")
    first = guide.get("/desk/overview", headers={"HX-Request": "true"})
    assert first.status_code == 200 and 'id="desk-overview"' in first.text
    version = live.current_version(hall.id)
    assert guide.get(f"/desk/overview?since={version}").status_code == 204
    open_all_day(hall, db)
    guidance.triage(hall, ["B"], ticked_item_ids=set(), needs={}, actor=None, now=utcnow())
    changed = guide.get(f"/desk/overview?since={version}")
    assert changed.status_code == 200 and "<html" not in changed.text


def test_a_swipe_with_a_wrong_checksum_says_so_and_a_good_one_shows_only_the_mask(login_as, hall):
    guide = login_as("guide")
    bad = guide.post(
        "/desk/triage/swipe?lang=en",
        data={"document_number": "110105194912310021"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "last character" in bad.text
    good = guide.post("/desk/triage/swipe", data={"document_number": "11010519491231002x"})
    assert good.status_code == 200 and "110************02X" in good.text


def test_triage_with_a_missing_document_offers_the_checklist_booking_and_case(login_as, hall, db):
    open_all_day(hall, db)
    version = checklists.save_checklist(
        service(hall),
        [checklists.ItemInput("身份证"), checklists.ItemInput("照片")],
        actor=None,
        now=utcnow(),
    )
    guide = login_as("guide")
    missing = guide.post(
        "/desk/triage?lang=en",
        data={"services": ["A"], "have": [str(version.items[0].id)], "needs": ["senior"]},
    )
    assert missing.status_code == 422
    assert "照片" in missing.text and "/desk/checklist/demo/A" in missing.text
    assert "/desk/cases/new" in missing.text and "/desk/appointments" in missing.text

    assert count(db, Ticket) == 0
    issued = guide.post(
        "/desk/triage",
        data={"services": ["A"], "have": [str(i.id) for i in version.items], "needs": ["senior"]},
    )
    assert issued.status_code == 200 and "A001" in issued.text
    ticket = db.session.scalar(select(Ticket))
    assert ticket.priority_class == "senior"


def test_check_in_by_booking_code_issues_the_ticket_and_a_bad_code_says_so(login_as, hall, db):
    open_all_day(hall, db)
    today = utcnow().astimezone(HALL_TIMEZONE).date()
    slot = AppointmentSlot(
        hall_id=hall.id,
        service_id=service(hall).id,
        starts_at=utcnow() + timedelta(minutes=1),
        ends_at=utcnow() + timedelta(minutes=30),
        capacity=1,
    )
    db.session.add(slot)
    db.session.commit()
    booking = appointments.book(hall, slot.id, phone="138", actor=None, now=utcnow())
    if booking.slot.starts_at.astimezone(HALL_TIMEZONE).date() != today:
        pytest.skip("the slot crossed midnight")
    guide = login_as("guide")
    wrong = guide.post("/desk/check-in?lang=en", data={"code": "ZZZZZZZZ"})
    assert wrong.status_code == 422 and "No booking today has this code" in wrong.text
    right = guide.post("/desk/check-in", data={"code": booking.code.lower()})
    assert right.status_code == 200 and "A001" in right.text


def test_no_shows_command_marks_bookings_of_ended_slots(runner, hall, db):
    start = utcnow() - timedelta(hours=2)
    slot = AppointmentSlot(
        hall_id=hall.id,
        service_id=service(hall).id,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        capacity=1,
        booked=1,
    )
    db.session.add(slot)
    db.session.flush()
    db.session.add(Appointment(slot_id=slot.id, code="PASTSLOT", created_at=start))
    db.session.commit()
    result = runner.invoke(args=["no-shows"])
    assert result.exit_code == 0 and "1 bookings" in result.output
    db.session.rollback()
    assert db.session.scalar(select(Appointment.state)) == "no_show"


def test_a_booking_by_htmx_clears_the_form_and_refreshes_the_tables(login_as, hall):
    slot = open_tomorrow(hall, capacity=2)[0]
    response = login_as("guide").post(
        f"/desk/appointments/book?day={tomorrow().isoformat()}",
        data={"book-slot": slot.id, "book-document_number": "360426199101010071"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "360426199101010071" not in response.text
    assert 'id="desk-slots-wrap" hx-swap-oob="true"' in response.text
    assert "360************071" in response.text


def test_a_phone_only_booking_is_checked_in_by_its_phone(login_as, hall, db):
    open_all_day(hall, db)
    slot = AppointmentSlot(
        hall_id=hall.id,
        service_id=service(hall).id,
        starts_at=utcnow() + timedelta(minutes=1),
        ends_at=utcnow() + timedelta(minutes=30),
        capacity=1,
    )
    db.session.add(slot)
    db.session.commit()
    booking = appointments.book(hall, slot.id, phone="13800138000", actor=None, now=utcnow())

    response = login_as("guide").post("/desk/check-in", data={"code": "138 0013 8000"})

    assert response.status_code == 200 and "A001" in response.text
    db.session.refresh(booking)
    assert booking.state == "checked_in"


def test_the_booking_form_does_not_offer_a_slot_that_has_started(login_as, hall, db):
    now = utcnow()
    for minutes, capacity in ((-5, 1), (55, 1)):
        db.session.add(
            AppointmentSlot(
                hall_id=hall.id,
                service_id=service(hall).id,
                starts_at=now + timedelta(minutes=minutes),
                ends_at=now + timedelta(minutes=minutes + 30),
                capacity=capacity,
            )
        )
    db.session.commit()
    started, later = appointments.slots_on(hall, now.astimezone(HALL_TIMEZONE).date())

    page = login_as("guide").get("/desk/appointments").text

    assert f'<option value="{later.id}"' in page
    assert f'<option value="{started.id}"' not in page


SENIOR_CARD = "440106195506010029"  # born 1955: 71 years old


def test_a_senior_s_second_swipe_warns_of_open_tickets_and_the_desk_asks_before_more(
    login_as, hall, db
):
    open_all_day(hall, db)
    guide = login_as("guide")
    first = guide.post("/desk/triage", data={"services": ["B"], "document_number": SENIOR_CARD})
    assert first.status_code == 200 and "B001" in first.text

    swipe = guide.post("/desk/triage/swipe?lang=en", data={"document_number": SENIOR_CARD})
    again = guide.post(
        "/desk/triage?lang=en", data={"services": ["B"], "document_number": SENIOR_CARD}
    )
    confirmed = guide.post(
        "/desk/triage", data={"services": ["B"], "document_number": SENIOR_CARD, "again": "1"}
    )

    assert 'id="desk-swipe-open-tickets"' in swipe.text and "B001" in swipe.text
    assert 'data-suggest-need="senior"' in swipe.text and "71 years old" in swipe.text
    assert again.status_code == 422 and 'id="desk-issue-again"' in again.text
    assert "B001" in again.text and "/print?autoprint=1" in again.text
    assert confirmed.status_code == 200 and "B002" in confirmed.text


def test_missing_documents_of_several_services_come_in_one_block(login_as, hall, db):
    open_all_day(hall, db)
    for code in ("A", "B"):
        checklists.save_checklist(
            service(hall, code),
            [checklists.ItemInput("身份证"), checklists.ItemInput("照片")],
            actor=None,
            now=utcnow(),
        )

    missing = login_as("guide").post("/desk/triage", data={"services": ["A", "B"]})

    assert missing.status_code == 422
    assert missing.text.count("<li>") == 2 and missing.text.count("/desk/appointments") == 1
