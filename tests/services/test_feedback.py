from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hallapp.models import AuditEntry, CalendarDay, Suggestion
from hallapp.services import calendar, feedback, feedback_figures, feedback_settings
from hallapp.services.errors import InvalidValue
from tests.builders import make_hall, make_staff
from tests.feedback_builders import (
    MONDAY_10AM,
    make_suggestion,
    next_working_day,
    replied_and_closed,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY_10AM = MONDAY_10AM + timedelta(days=3)


@pytest.fixture
def supervisor(hall):
    return make_staff(hall, "supervisor", full_name="王主任")


def _statuses(suggestion):
    return [(event.kind, event.from_status, event.to_status) for event in suggestion.events]


# Deadlines in working days


def test_reply_is_due_five_working_days_later_across_the_weekend(db, hall):
    suggestion = make_suggestion(hall, now=THURSDAY_10AM)
    # Fri 6, Mon 9, Tue 10, Wed 11, Thu 12 November: due at the end of Thursday 12th.
    assert suggestion.due_at == datetime(2026, 11, 13, 0, 0, tzinfo=SHANGHAI)


def test_a_public_holiday_pushes_the_deadline_back_and_a_make_up_day_pulls_it_in(db, hall):
    db.session.add(CalendarDay(hall_id=hall.id, day=date(2026, 11, 9), kind="holiday"))
    db.session.commit()
    over_holiday = make_suggestion(hall, now=THURSDAY_10AM)
    assert over_holiday.due_at == datetime(2026, 11, 14, 0, 0, tzinfo=SHANGHAI)

    db.session.add(CalendarDay(hall_id=hall.id, day=date(2026, 11, 7), kind="workday"))
    db.session.commit()
    with_make_up_saturday = make_suggestion(hall, now=THURSDAY_10AM)
    assert with_make_up_saturday.due_at == datetime(2026, 11, 13, 0, 0, tzinfo=SHANGHAI)


def test_each_category_follows_its_own_configured_deadline(db, hall, supervisor):
    feedback_settings.set_reply_deadline(hall, "accessibility", 2, actor=supervisor)
    quick = make_suggestion(hall, category="accessibility", now=THURSDAY_10AM)
    assert quick.due_at == datetime(2026, 11, 10, 0, 0, tzinfo=SHANGHAI)  # Fri 6, Mon 9


def test_changing_the_category_at_triage_recomputes_the_deadline(db, hall, supervisor):
    feedback_settings.set_reply_deadline(hall, "staff", 1, actor=supervisor)
    suggestion = make_suggestion(hall, category="other", now=MONDAY_10AM)
    feedback.triage(
        suggestion, actor=supervisor, now=MONDAY_10AM, category="staff", owner=supervisor
    )
    assert suggestion.due_at == datetime(2026, 11, 4, 0, 0, tzinfo=SHANGHAI)


def test_an_open_suggestion_is_overdue_once_its_deadline_passes(db, hall, supervisor):
    suggestion = make_suggestion(hall, now=MONDAY_10AM)
    due = suggestion.due_at
    assert not suggestion.is_overdue(due - timedelta(seconds=1))
    assert suggestion.is_overdue(due)
    everyone = feedback_figures.InboxFilter(age="overdue")
    assert (
        feedback_figures.inbox(hall, everyone, me=supervisor, now=due - timedelta(minutes=1)) == []
    )
    assert feedback_figures.inbox(hall, everyone, me=supervisor, now=due) == [suggestion]

    feedback.triage(suggestion, actor=supervisor, now=due, category="machines", owner=None)
    feedback.reply(suggestion, actor=supervisor, now=due, text="Done.")
    assert not suggestion.is_overdue(due + timedelta(days=10))


# The workflow


def test_the_whole_workflow_records_who_did_each_step_and_when(db, hall, supervisor):
    suggestion = make_suggestion(hall, wants_reply=True)
    later = MONDAY_10AM + timedelta(hours=1)
    feedback.triage(suggestion, actor=supervisor, now=later, category="machines", owner=supervisor)
    feedback.start_work(suggestion, actor=supervisor, now=later)
    feedback.record_action(
        suggestion,
        actor=supervisor,
        now=later,
        text="Screens widened and fonts enlarged on all self-service machines",
    )
    feedback.record_follow_up(
        suggestion,
        actor=supervisor,
        now=later,
        kind="invitation",
        happened_on=date(2026, 11, 2),
        outcome="She came and tried; much easier now.",
    )
    feedback.reply(suggestion, actor=supervisor, now=later, text="Thank you: we changed it.")
    feedback.close(suggestion, actor=supervisor, now=later)

    assert suggestion.status == "closed"
    assert suggestion.closed_at == later
    assert [step for step in _statuses(suggestion) if step[1] != step[2]] == [
        ("submitted", None, "new"),
        ("triaged", "new", "triaged"),
        ("started", "triaged", "in_progress"),
        ("replied", "in_progress", "replied"),
        ("closed", "replied", "closed"),
    ]
    assert {event.actor_id for event in suggestion.events[1:]} == {supervisor.id}
    assert suggestion.events[0].actor_id is None  # the citizen, anonymous


@pytest.mark.parametrize(
    ("step", "status"),
    [
        ("start", "new"),
        ("close", "new"),
        ("reopen", "new"),
        ("reopen", "in_progress"),
        ("publish", "replied"),
        ("reply", "closed"),
        ("triage", "closed"),
        ("start", "closed"),
    ],
)
def test_an_illegal_step_is_refused_and_changes_nothing(db, hall, supervisor, step, status):
    suggestion = make_suggestion(hall)
    suggestion.status = status
    db.session.commit()
    events_before = len(suggestion.events)
    run = {
        "start": lambda: feedback.start_work(suggestion, actor=supervisor, now=MONDAY_10AM),
        "close": lambda: feedback.close(suggestion, actor=supervisor, now=MONDAY_10AM),
        "reopen": lambda: feedback.reopen(
            suggestion, actor=supervisor, now=MONDAY_10AM, reason="Not fixed"
        ),
        "publish": lambda: feedback.publish(
            suggestion, actor=supervisor, now=MONDAY_10AM, change="Wider screens"
        ),
        "reply": lambda: feedback.reply(suggestion, actor=supervisor, now=MONDAY_10AM, text="Hi"),
        "triage": lambda: feedback.triage(
            suggestion, actor=supervisor, now=MONDAY_10AM, category="other", owner=None
        ),
    }[step]
    with pytest.raises(feedback.IllegalStep):
        run()
    db.session.rollback()
    db.session.expire_all()
    assert suggestion.status == status
    assert len(suggestion.events) == events_before
    assert not suggestion.published


@pytest.mark.parametrize(
    ("status", "steps"),
    [
        ("new", {"triage", "action", "duplicate", "follow_up", "note"}),
        (
            "triaged",
            {"triage", "start", "action", "reply", "close", "duplicate", "follow_up", "note"},
        ),
        ("in_progress", {"triage", "action", "reply", "close", "duplicate", "follow_up", "note"}),
        ("replied", {"action", "reply", "close", "reopen", "follow_up", "note"}),
        ("closed", {"reopen", "publish", "follow_up", "note"}),
    ],
)
def test_allowed_steps_follow_the_status(db, hall, status, steps):
    suggestion = make_suggestion(hall)
    suggestion.status = status
    assert feedback.allowed_steps(suggestion) == steps


def test_a_published_suggestion_can_be_taken_off_and_a_duplicate_never_shown(db, hall):
    suggestion = make_suggestion(hall)
    suggestion.status = "closed"
    suggestion.published = True
    assert {"unpublish"} <= feedback.allowed_steps(suggestion)
    assert "publish" not in feedback.allowed_steps(suggestion)
    duplicate = make_suggestion(hall, "The same again.")
    duplicate.status = "closed"
    duplicate.duplicate_of_id = suggestion.id
    assert not {"publish", "unpublish"} & feedback.allowed_steps(duplicate)


def _take(step, suggestion, supervisor, original):
    """Run a step with values it would accept, so that only the workflow can refuse it."""
    now = MONDAY_10AM
    return {
        "triage": lambda: feedback.triage(
            suggestion, actor=supervisor, now=now, category="machines", owner=None
        ),
        "start": lambda: feedback.start_work(suggestion, actor=supervisor, now=now),
        "action": lambda: feedback.record_action(
            suggestion, actor=supervisor, now=now, text="Fixed"
        ),
        "reply": lambda: feedback.reply(suggestion, actor=supervisor, now=now, text="Thank you"),
        "close": lambda: feedback.close(suggestion, actor=supervisor, now=now),
        "duplicate": lambda: feedback.mark_duplicate(
            suggestion, original_code=original.tracking_code, actor=supervisor, now=now
        ),
        "reopen": lambda: feedback.reopen(suggestion, actor=supervisor, now=now, reason="Again"),
        "publish": lambda: feedback.publish(suggestion, actor=supervisor, now=now, change="Wider"),
        "unpublish": lambda: feedback.unpublish(suggestion, actor=supervisor, now=now),
        "follow_up": lambda: feedback.record_follow_up(
            suggestion,
            actor=supervisor,
            now=now,
            kind="call",
            happened_on=date(2026, 11, 2),
            outcome="Satisfied",
        ),
        "note": lambda: feedback.add_note(suggestion, actor=supervisor, now=now, text="Seen"),
    }[step]()


@pytest.mark.parametrize("status", ["new", "triaged", "in_progress", "replied", "closed"])
@pytest.mark.parametrize("published", [False, True])
def test_every_step_is_taken_exactly_when_allowed_steps_offers_it(
    db, hall, supervisor, status, published
):
    original = make_suggestion(hall, "The first of its kind.")
    for step in feedback.STEPS:
        suggestion = make_suggestion(hall)
        suggestion.status = status
        suggestion.published = published and status == "closed"
        db.session.commit()
        offered = step in feedback.allowed_steps(suggestion)
        try:
            _take(step, suggestion, supervisor, original)
        except feedback.IllegalStep:
            db.session.rollback()
            assert not offered, (status, step)
        else:
            assert offered, (status, step)


def test_closing_needs_a_reply_when_the_citizen_asked_for_one(db, hall, supervisor):
    wants = make_suggestion(hall, wants_reply=True)
    feedback.triage(wants, actor=supervisor, now=MONDAY_10AM, category="machines", owner=None)
    with pytest.raises(feedback.ReplyRequired):
        feedback.close(wants, actor=supervisor, now=MONDAY_10AM)
    db.session.rollback()
    assert wants.status == "triaged"

    quiet = make_suggestion(hall, wants_reply=False)
    feedback.triage(quiet, actor=supervisor, now=MONDAY_10AM, category="machines", owner=None)
    feedback.close(quiet, actor=supervisor, now=MONDAY_10AM)
    assert quiet.status == "closed"


def test_a_required_callback_must_be_logged_before_closing(db, hall, supervisor):
    suggestion = make_suggestion(hall, contact_phone="13812345678", callback_required=True)
    feedback.triage(suggestion, actor=supervisor, now=MONDAY_10AM, category="staff", owner=None)
    with pytest.raises(feedback.CallbackRequired):
        feedback.close(suggestion, actor=supervisor, now=MONDAY_10AM)
    db.session.rollback()
    feedback.record_follow_up(
        suggestion,
        actor=supervisor,
        now=MONDAY_10AM,
        kind="callback",
        happened_on=date(2026, 11, 2),
        outcome="Explained the rules; satisfied.",
    )
    feedback.close(suggestion, actor=supervisor, now=MONDAY_10AM)
    assert suggestion.status == "closed"


def test_reopening_is_recorded_with_its_reason_and_leaves_the_public_page(db, hall, supervisor):
    suggestion = replied_and_closed(make_suggestion(hall), supervisor, MONDAY_10AM)
    feedback.publish(suggestion, actor=supervisor, now=MONDAY_10AM, change="Wider screens")
    feedback.reopen(suggestion, actor=supervisor, now=MONDAY_10AM, reason="Fonts still small")
    assert suggestion.status == "in_progress"
    assert not suggestion.published
    assert suggestion.events[-1].kind == "reopened"
    assert suggestion.events[-1].detail == "Fonts still small"
    assert feedback_figures.said_and_done(hall) == []


def test_a_duplicate_is_closed_against_its_original(db, hall, supervisor):
    original = make_suggestion(hall)
    again = make_suggestion(hall, "Same again: the machines are too hard.")
    feedback.mark_duplicate(
        again, original_code=original.code_display.lower(), actor=supervisor, now=MONDAY_10AM
    )
    assert again.status == "closed"
    assert again.duplicate_of == original
    with pytest.raises(InvalidValue):
        feedback.mark_duplicate(
            original, original_code=original.tracking_code, actor=supervisor, now=MONDAY_10AM
        )


def test_internal_notes_are_kept_apart_from_the_public_reply(db, hall, supervisor):
    suggestion = make_suggestion(hall)
    feedback.add_note(suggestion, actor=supervisor, now=MONDAY_10AM, text="Ask the vendor")
    assert [note.text for note in suggestion.notes] == ["Ask the vendor"]
    assert suggestion.public_reply is None


# Input


def test_tracking_codes_are_ten_unambiguous_characters_and_found_as_typed(db, hall):
    suggestion = make_suggestion(hall)
    code = suggestion.tracking_code
    assert len(code) == 10
    assert set(code) <= set(feedback.CODE_ALPHABET)
    assert not set(code) & set("01IOL")
    typed = f" {code[:5].lower()}-{code[5:]} "
    assert feedback.find_by_code(hall, typed) == suggestion


def test_a_code_from_another_hall_or_a_wrong_code_finds_nothing(db, hall):
    other_hall = make_hall("other")
    theirs = make_suggestion(other_hall)
    with pytest.raises(feedback.UnknownTrackingCode):
        feedback.find_by_code(hall, theirs.tracking_code)
    with pytest.raises(feedback.UnknownTrackingCode):
        feedback.find_by_code(hall, "NOPE")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("020-12345678", "02012345678"),
        ("", None),
    ],
)
def test_phone_numbers_are_kept_in_one_shape(typed, stored):
    assert feedback.normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "not a phone", "23812345678", "1381234567x"])
def test_something_that_is_not_a_phone_number_is_refused(typed):
    with pytest.raises(InvalidValue) as refused:
        feedback.normalize_phone(typed)
    assert refused.value.field == "contact_phone"


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_000])
def test_empty_or_overlong_text_is_refused_and_nothing_is_stored(db, hall, text):
    with pytest.raises(InvalidValue):
        make_suggestion(hall, text)
    db.session.rollback()
    assert db.session.scalar(select(Suggestion)) is None


def test_viewing_the_phone_number_is_written_to_the_audit_log(db, hall, supervisor):
    suggestion = make_suggestion(hall, contact_phone="13812345678")
    phone = feedback.view_contact(suggestion, actor=supervisor, now=MONDAY_10AM, address="10.0.0.5")
    assert phone == "13812345678"
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "feedback.contact.view")
    )
    assert entry.actor_id == supervisor.id
    assert entry.address == "10.0.0.5"
    assert "13812345678" not in entry.summary


# Public page, figures, calendar


def test_only_published_closed_suggestions_are_said_and_done(db, hall, supervisor):
    published = replied_and_closed(make_suggestion(hall), supervisor, MONDAY_10AM)
    feedback.publish(published, actor=supervisor, now=MONDAY_10AM, change="Wider screens")
    replied_and_closed(make_suggestion(hall), supervisor, MONDAY_10AM)
    make_suggestion(hall)
    assert feedback_figures.said_and_done(hall) == [published]
    assert feedback_figures.display_items(hall) == []
    feedback_settings.set_show_on_display(hall, True, actor=supervisor)
    assert feedback_figures.display_items(hall) == [published]


def test_figures_count_received_replied_on_time_and_median_by_category_and_channel(
    db, hall, supervisor
):
    on_time = make_suggestion(hall, category="machines")
    feedback.triage(on_time, actor=supervisor, now=MONDAY_10AM, category="machines", owner=None)
    feedback.reply(on_time, actor=supervisor, now=MONDAY_10AM + timedelta(hours=2), text="OK")
    late = make_suggestion(hall, category="waiting", channel="hotline_12345")
    feedback.triage(late, actor=supervisor, now=MONDAY_10AM, category="waiting", owner=None)
    feedback.reply(late, actor=supervisor, now=MONDAY_10AM + timedelta(days=20), text="Sorry")
    make_suggestion(hall, category="waiting")
    make_suggestion(hall, now=MONDAY_10AM + timedelta(days=40))  # outside the range

    result = feedback_figures.figures(hall, date(2026, 11, 1), date(2026, 11, 30))
    assert (result.total.received, result.total.replied, result.total.replied_on_time) == (
        3,
        2,
        1,
    )
    assert result.total.median_hours == pytest.approx((2 + 480) / 2)
    by_category = {row.key: (row.received, row.replied_on_time) for row in result.by_category}
    assert by_category == {"waiting": (2, 0), "machines": (1, 1)}
    by_channel = {row.key: row.received for row in result.by_channel}
    assert by_channel == {"form": 2, "hotline_12345": 1}


def test_supervisors_add_and_remove_holidays_and_make_up_days(db, hall, supervisor):
    holiday = calendar.add_day(hall, date(2026, 12, 31), "holiday", "New Year", actor=supervisor)
    calendar.add_day(hall, date(2026, 12, 26), "workday", "", actor=supervisor)
    with pytest.raises(InvalidValue):
        calendar.add_day(hall, date(2026, 12, 27), "holiday", "", actor=supervisor)  # Sunday
    db.session.rollback()
    with pytest.raises(InvalidValue):
        calendar.add_day(hall, date(2026, 12, 28), "workday", "", actor=supervisor)  # Monday
    db.session.rollback()
    assert next_working_day(hall, date(2026, 12, 30)) == date(2027, 1, 1)  # past the holiday
    assert next_working_day(hall, date(2026, 12, 25)) == date(2026, 12, 26)  # a worked Saturday
    calendar.remove_day(hall, holiday.id, actor=supervisor)
    assert next_working_day(hall, date(2026, 12, 30)) == date(2026, 12, 31)
    assert [day.day for day in calendar.list_days(hall)] == [date(2026, 12, 26)]


# Owners and the day a reply is due (issue 13, item 12)


@pytest.mark.parametrize(
    ("created", "due_on"),
    [
        # Mon 30 Nov: Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 December.
        (datetime(2026, 11, 30, 0, 0, tzinfo=SHANGHAI), date(2026, 12, 7)),
        (datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI), date(2026, 12, 7)),
        # Sunday late at night still counts from Monday 30th.
        (datetime(2026, 11, 29, 23, 59, tzinfo=SHANGHAI), date(2026, 12, 4)),
        # Friday 4 December: Mon 7 .. Fri 11.
        (datetime(2026, 12, 4, 23, 59, tzinfo=SHANGHAI), date(2026, 12, 11)),
    ],
)
def test_the_reply_is_due_on_the_fifth_working_day_not_the_day_after(db, hall, created, due_on):
    suggestion = make_suggestion(hall, now=created)
    assert suggestion.due_on == due_on
    last_moment = datetime.combine(due_on, datetime.max.time(), tzinfo=SHANGHAI)
    assert not suggestion.is_overdue(last_moment)
    assert suggestion.is_overdue(last_moment + timedelta(microseconds=1))


def test_only_people_who_can_open_a_suggestion_are_offered_as_its_owner(db, hall, supervisor):
    make_staff(hall, "guide", username="g", full_name="导引员")
    make_staff(hall, "admin", username="a", full_name="管理员")
    make_staff(hall, "counter", "supervisor", username="cs", full_name="兼任主任")
    make_staff(hall, "supervisor", username="gone", full_name="离职主任", active=False)
    names = [staff.full_name for staff in feedback.possible_owners(hall)]
    assert sorted(names) == sorted(["王主任", "兼任主任"])


@pytest.mark.parametrize("role", ["guide", "admin", "counter", "enterprise"])
def test_a_suggestion_cannot_be_given_to_someone_who_would_get_403_on_it(
    db, hall, supervisor, role
):
    other = make_staff(hall, role, username=f"x-{role}")
    suggestion = make_suggestion(hall)
    with pytest.raises(InvalidValue) as refused:
        feedback.triage(
            suggestion, actor=supervisor, now=MONDAY_10AM, category="machines", owner=other
        )
    assert refused.value.field == "owner"
    db.session.rollback()
    assert db.session.get(Suggestion, suggestion.id).owner_id is None
