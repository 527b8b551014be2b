"""The hotline's use cases: each reuses the hall's services and queues its text in one go."""

from datetime import date

import pytest
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import Appointment, AuditEntry, Suggestion
from hallapp.models.guidance import DeskCase
from hallapp.models.notifications import NotificationSubscription, OutboxMessage
from hallapp.services import appointments, cases, hotline, notifications
from hallapp.services.errors import InvalidValue
from tests.builders import make_staff
from tests.clock import beijing
from tests.hotline_builders import ready_for_calls

NOW = beijing(2026, 12, 1, 10, 0)
LINK = "https://hall.example.cn/desk/checklist/demo/A"


@pytest.fixture
def operator(hall):
    return make_staff(hall, "hotline", username="hotline", full_name="热线 赵丽")


def _outbox():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_checklist_goes_to_the_callers_phone_through_the_outbox(db, hall, operator):
    service = ready_for_calls(hall)
    hotline.text_checklist(hall, service, phone="138 1234 5678", link=LINK, actor=operator, now=NOW)
    [message] = _outbox()
    assert message.subscription.phone == "13812345678"
    assert message.subscription.ticket_id is None
    assert "居民身份证" in message.body and "近期免冠照片" in message.body
    assert "户口簿" not in message.body  # only what is required; the page has the rest
    assert LINK in message.body
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action.like("hotline.%")))
    assert entry.summary == "138****5678"

    sent = []

    class Gateway:
        def send(self, text):
            sent.append((text.phone, text.body))
            return notifications.Delivery("sent")

    notifications.send_pending(NOW, gateway=Gateway())
    assert sent == [("13812345678", message.body)]


def test_no_text_without_a_phone_number_and_nothing_is_kept(db, hall, operator):
    service = ready_for_calls(hall)
    with pytest.raises(InvalidValue) as refused:
        hotline.text_checklist(hall, service, phone="", link=LINK, actor=operator, now=NOW)
    assert refused.value.field == "phone"
    db.session.rollback()
    assert _outbox() == []
    assert db.session.scalar(select(func.count(NotificationSubscription.id))) == 0


def test_a_booking_and_its_code_by_text_happen_together(db, hall, operator):
    service = ready_for_calls(hall)
    slot = appointments.bookable_slots(hall, date(2026, 12, 1), now=NOW, service=service)[0]
    appointment = hotline.book_and_text(
        hall, slot.id, phone="13812345678", citizen_name="李阿姨", actor=operator, now=NOW
    )
    [message] = _outbox()
    assert appointment.code in message.body
    assert appointment.identity.phone == "13812345678"
    assert appointments.find_booking(hall, appointment.code).id == appointment.id


def test_a_slot_that_has_begun_is_neither_offered_nor_booked(db, hall, operator):
    service = ready_for_calls(hall)
    started = appointments.slots_on(hall, date(2026, 12, 1), service)[0]
    offered = appointments.bookable_slots(hall, date(2026, 12, 1), now=NOW, service=service)
    assert started.starts_at <= NOW and started not in offered
    with pytest.raises(appointments.SlotPast):
        hotline.book_and_text(hall, started.id, phone="13812345678", actor=operator, now=NOW)
    assert db.session.scalar(select(func.count(Appointment.id))) == 0
    assert _outbox() == []


def test_a_callers_suggestion_is_recorded_on_its_line_and_its_code_texted(db, hall, operator):
    suggestion = hotline.record_suggestion(
        hall,
        line="hotline_12367",
        category="waiting",
        text="排队太久",
        phone="13812345678",
        wants_reply=True,
        track_link=lambda s: f"https://hall.example.cn/suggest/demo/{s.tracking_code}",
        actor=operator,
        now=NOW,
    )
    assert (suggestion.channel, suggestion.recorded_by_id) == ("hotline_12367", operator.id)
    [message] = _outbox()
    assert suggestion.tracking_code in message.body
    assert db.session.scalar(select(func.count(Suggestion.id))) == 1


def test_a_policy_follow_up_is_a_case_a_new_notice_finds(db, hall, operator):
    case = hotline.open_policy_follow_up(
        hall,
        topics="港澳, 团队旅游签注",
        summary="等待团队旅游签注新政策",
        phone="13812345678",
        actor=operator,
        now=NOW,
    )
    assert (case.kind, case.contact_phone, case.owner_id) == (
        "policy_followup",
        "13812345678",
        None,
    )
    notice = cases.record_notice(
        hall, title="新政", body="", topics="团队旅游签注", effective_on=None, actor=None, now=NOW
    )
    assert cases.cases_answered_by(notice) == [db.session.get(DeskCase, case.id)]
