import re

from sqlalchemy import select

from hallapp.models import Appointment, OutboxMessage, Suggestion
from tests.hotline_builders import passport, ready_for_calls


def test_a_hotline_operator_starts_on_the_hotline_desk(login_as, hall):
    operator = login_as("hotline")
    home = operator.get("/")
    assert home.status_code == 302
    assert home.headers["Location"].endswith("/hotline/")
    desk = operator.get("/hotline/")
    assert desk.status_code == 200
    assert 'id="hotline-phone"' in desk.text


def test_looking_up_a_service_shows_its_checklist_and_only_times_not_begun(login_as, hall):
    service = ready_for_calls(hall)
    response = login_as("hotline").get(
        f"/hotline/service?service={service.id}&day=2026-12-01", headers={"HX-Request": "true"}
    )
    assert "<html" not in response.text
    assert response.status_code == 200
    assert "居民身份证" in response.text
    times = re.findall(r"(\d\d:\d\d) · ", response.text)
    assert times and "09:00" not in times and min(times) > "10:00"


def test_texting_without_the_callers_phone_names_it_and_sends_nothing(login_as, hall, db):
    service = ready_for_calls(hall)
    response = login_as("hotline").post(
        "/hotline/checklist/text", data={"service": service.id, "phone": ""}
    )
    assert response.status_code == 422
    assert "来电人电话" in response.text
    assert db.session.scalar(select(OutboxMessage)) is None


def test_a_call_books_a_time_and_queues_the_code_by_text(login_as, hall, db):
    ready_for_calls(hall)
    operator = login_as("hotline")
    page = operator.get(f"/hotline/service?service={passport(hall).id}&day=2026-12-01")
    slot_id = re.search(r'name="slot"[^>]*value="(\d+)"', page.text).group(1)
    response = operator.post(
        "/hotline/book",
        data={
            "service": passport(hall).id,
            "day": "2026-12-01",
            "slot": slot_id,
            "phone": "13812345678",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    db.session.rollback()
    appointment = db.session.scalar(select(Appointment))
    assert appointment.code in response.text
    assert appointment.code in db.session.scalar(select(OutboxMessage.body))


def test_an_empty_suggestion_from_a_call_names_the_missing_words(login_as, hall, db):
    response = login_as("hotline").post(
        "/hotline/suggestion", data={"line": "hotline_12345", "category": "other", "text": ""}
    )
    assert response.status_code == 422
    assert "请记下来电人所说的话" in response.text
    assert db.session.scalar(select(Suggestion)) is None


def test_a_looked_up_service_opened_as_a_page_is_the_whole_desk(login_as, hall):
    service = ready_for_calls(hall)
    page = login_as("hotline").get(f"/hotline/service?service={service.id}&day=2026-12-01")
    assert "<html" in page.text and 'id="hotline-phone"' in page.text
    assert "居民身份证" in page.text
