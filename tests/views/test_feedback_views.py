import re
from datetime import date

import pytest
from sqlalchemy import func, select

from hallapp.blueprints.feedback.spam import form_stamp
from hallapp.extensions import db
from hallapp.models import AuditEntry, CalendarDay, Suggestion, utcnow
from hallapp.services import feedback, feedback_settings
from tests.builders import make_hall, make_staff
from tests.clock import beijing
from tests.feedback_builders import MONDAY_10AM, make_suggestion, old_stamp, suggestion_post

SCRIPT = "<script>alert('owned')</script>"


def _count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Suggestion.id)))


def _code(response) -> str:
    return re.search(r'id="feedback-tracking-code">([A-Z0-9-]+)<', response.text).group(1)


# The public form


def test_the_form_is_a_full_page_and_a_partial_for_htmx(client, hall):
    page = client.get("/suggest/demo")
    assert page.status_code == 200
    assert "<html" in page.text
    assert 'name="website"' in page.text  # the honeypot
    partial = client.get("/suggest/demo", headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    assert 'id="feedback-suggest-form"' in partial.text


def test_a_citizen_sends_a_suggestion_and_gets_a_tracking_code_and_qr(client, db, hall):
    response = client.post(
        "/suggest/demo",
        data=suggestion_post(contact_phone="138 1234 5678", wants_reply="y"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    code = _code(response)
    suggestion = db.session.scalar(select(Suggestion))
    assert suggestion.code_display == code
    assert suggestion.channel == "form"
    assert suggestion.contact_phone == "13812345678"
    assert suggestion.wants_reply
    qr = client.get(f"/suggest/demo/{suggestion.tracking_code}/qr.svg")
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    assert client.get("/suggest/demo/qr.svg").mimetype == "image/svg+xml"


def test_a_suggestion_from_the_kiosk_is_marked_as_such(client, db, hall):
    client.post("/suggest/demo?from=kiosk", data=suggestion_post())
    assert db.session.scalar(select(Suggestion.channel)) == "kiosk"


@pytest.mark.parametrize(
    ("fields", "english", "chinese"),
    [
        ({"text": ""}, "Please write your suggestion.", "请填写您的建议。"),
        ({"text": "长" * 20_000}, "Please keep it under 4000 characters", "请控制在 4000 字以内"),
        (
            {"contact_phone": "call me maybe"},
            "This is not a phone number we can call",
            "这不是可拨打的电话号码",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_keeps_the_text_and_stores_nothing(
    client, db, hall, fields, english, chinese
):
    data = suggestion_post(**fields)
    for lang, message in (("en", english), ("zh_CN", chinese)):
        response = client.post(f"/suggest/demo?lang={lang}", data=data)
        assert response.status_code == 422
        assert message in response.text
        if data["text"]:
            assert data["text"] in response.text  # the citizen's words come back
        if data["contact_phone"]:
            assert data["contact_phone"] in response.text
    assert _count(db) == 0


def test_an_unknown_hall_says_so(client, hall):
    response = client.get("/suggest/nowhere?lang=en")
    assert response.status_code == 404
    assert "There is no hall with the code nowhere." in response.text
    assert client.post("/suggest/nowhere", data=suggestion_post()).status_code == 404


def test_a_filled_honeypot_is_refused_and_stores_nothing(client, db, hall):
    response = client.post("/suggest/demo?lang=en", data=suggestion_post(website="http://spam"))
    assert response.status_code == 400
    assert "could not be sent" in response.text
    assert _count(db) == 0


@pytest.mark.parametrize("stamp", [None, "forged", "fresh"])
def test_a_form_sent_faster_than_a_person_types_is_refused_with_the_text_kept(
    client, db, hall, stamp
):
    started = {"fresh": old_stamp(0), "forged": "forged", None: ""}[stamp]
    response = client.post("/suggest/demo?lang=en", data=suggestion_post(started=started))
    assert response.status_code == 422
    assert "That was very quick" in response.text
    assert "elderly people" in response.text
    assert _count(db) == 0


class TestRateLimits:
    @pytest.fixture
    def app_config(self):
        return {
            "SUGGESTION_LIMIT_PER_ADDRESS": "2 per minute",
            "SUGGESTION_LIMIT_PER_HALL": "3 per minute",
        }

    def test_one_address_may_send_only_so_many(self, client, db, hall):
        statuses = [
            client.post("/suggest/demo", data=suggestion_post()).status_code for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        assert _count(db) == 2

    def test_one_hall_takes_only_so_many_from_all_addresses(self, client, db, hall):
        statuses = [
            client.post(
                "/suggest/demo",
                data=suggestion_post(),
                environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
            ).status_code
            for n in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        make_hall("other")
        other = client.post(
            "/suggest/other", data=suggestion_post(), environ_base={"REMOTE_ADDR": "10.0.1.1"}
        )
        assert other.status_code == 200


# Tracking


def test_the_tracking_page_shows_only_its_own_public_reply(client, db, hall, login_as):
    supervisor = login_as("supervisor").staff
    mine = make_suggestion(hall, "Bigger fonts please", contact_phone="13812345678")
    other = make_suggestion(hall, "More chairs please")
    for suggestion, reply in ((mine, "Fonts enlarged."), (other, "Chairs added.")):
        feedback.triage(
            suggestion, actor=supervisor, now=MONDAY_10AM, category="machines", owner=None
        )
        feedback.reply(suggestion, actor=supervisor, now=MONDAY_10AM, text=reply)
    feedback.add_note(mine, actor=supervisor, now=MONDAY_10AM, text="Vendor is slow")

    page = client.get(f"/suggest/demo/{mine.code_display}")
    assert page.status_code == 200
    assert "Fonts enlarged." in page.text
    assert "Chairs added." not in page.text
    assert "More chairs please" not in page.text
    assert "Vendor is slow" not in page.text
    assert "13812345678" not in page.text


def test_a_wrong_tracking_code_says_so(client, hall):
    response = client.get("/suggest/demo/ABCDE-FGHJK?lang=en")
    assert response.status_code == 404
    assert "We found no suggestion with this tracking code" in response.text
    found = client.get("/suggest/demo/track?code=zzz&lang=zh_CN")
    assert found.status_code == 404
    assert "没有找到该查询码对应的建议" in found.text


def test_the_code_box_sends_the_citizen_to_their_page(client, hall):
    suggestion = make_suggestion(hall)
    response = client.get(f"/suggest/demo/track?code={suggestion.tracking_code.lower()}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/suggest/demo/{suggestion.tracking_code}")


# Staff


def test_a_script_in_a_suggestion_never_runs_in_the_supervisors_browser(client, hall, login_as):
    supervisor = login_as("supervisor")
    client.post("/suggest/demo", data=suggestion_post(text=SCRIPT))
    suggestion = feedback.find_by_code(hall, _only_code(hall))
    for url in ("/feedback/", f"/feedback/{suggestion.id}"):
        html = supervisor.get(url).text
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(" in html
    assert SCRIPT not in client.get(f"/suggest/demo/{suggestion.tracking_code}").text


def _only_code(hall) -> str:
    return db.session.scalar(select(Suggestion.tracking_code).where(Suggestion.hall_id == hall.id))


def test_a_guide_records_a_paper_slip_for_a_citizen(db, hall, login_as):
    guide = login_as("guide")
    response = guide.post(
        "/feedback/record",
        data={
            "channel": "paper",
            "category": "machines",
            "text": "机器太多，老年人不会用。",
            "contact_phone": "",
            "visit_ref": "A012",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    suggestion = db.session.scalar(select(Suggestion))
    assert _code(response) == suggestion.code_display
    assert (suggestion.channel, suggestion.visit_ref) == ("paper", "A012")
    assert suggestion.recorded_by_id == guide.staff.id


def test_recording_without_text_comes_back_with_a_message(db, hall, login_as):
    guide = login_as("guide")
    response = guide.post(
        "/feedback/record?lang=en",
        data={"channel": "desk", "category": "other", "text": "", "contact_phone": "555"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Please write the suggestion." in response.text
    assert _count(db) == 0


def test_only_supervisors_see_the_phone_and_each_look_is_audited(db, hall, login_as):
    suggestion = make_suggestion(hall, contact_phone="13812345678")
    assert login_as("guide").post(f"/feedback/{suggestion.id}/contact").status_code == 403
    supervisor = login_as("supervisor")
    detail = supervisor.get(f"/feedback/{suggestion.id}")
    assert "13812345678" not in detail.text
    shown = supervisor.post(f"/feedback/{suggestion.id}/contact", headers={"HX-Request": "true"})
    assert "13812345678" in shown.text
    db.session.rollback()
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert [a for a in actions if a.endswith(".view")] == ["feedback.contact.view"]


def test_the_inbox_filters_by_status_and_category_and_flags_overdue(client, db, hall, login_as):
    supervisor = login_as("supervisor")
    make_suggestion(hall, "Old machines complaint", category="machines")  # long overdue now
    make_suggestion(hall, "Chairs please", category="facilities")
    page = supervisor.get("/feedback/")
    assert page.status_code == 200
    assert "<html" in page.text
    assert "feedback-overdue" in page.text
    partial = supervisor.get("/feedback/?category=facilities", headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    assert "Chairs please" in partial.text
    assert "Old machines complaint" not in partial.text
    closed_only = supervisor.get("/feedback/?status=closed", headers={"HX-Request": "true"})
    assert "Chairs please" not in closed_only.text


def test_closing_without_the_reply_the_citizen_asked_for_is_refused(db, hall, login_as):
    supervisor = login_as("supervisor")
    suggestion = make_suggestion(hall, wants_reply=True)
    supervisor.post(
        f"/feedback/{suggestion.id}/triage",
        data={"category": "machines", "owner": str(supervisor.staff.id), "urgency": "urgent"},
    )
    response = supervisor.post(
        f"/feedback/{suggestion.id}/close?lang=en", headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "publish a reply before closing" in response.text
    db.session.expire_all()
    assert (suggestion.status, suggestion.urgency) == ("triaged", "urgent")
    assert suggestion.owner_id == supervisor.staff.id


FORM_OF_STEP = {
    "triage": "feedback-triage-form",
    "start": "feedback-start-form",
    "action": "feedback-action-form",
    "reply": "feedback-reply-form",
    "close": "feedback-close-form",
    "duplicate": "feedback-duplicate-form",
    "reopen": "feedback-reopen-form",
    "publish": "feedback-publish-form",
    "unpublish": "feedback-unpublish-form",
    "follow_up": "feedback-follow-up-form",
    "note": "feedback-note-form",
}


@pytest.mark.parametrize("status", ["new", "triaged", "replied", "closed"])
def test_the_detail_offers_exactly_the_steps_the_workflow_allows(db, hall, login_as, status):
    supervisor = login_as("supervisor")
    suggestion = make_suggestion(hall)
    suggestion.status = status
    db.session.commit()
    page = supervisor.get(f"/feedback/{suggestion.id}", headers={"HX-Request": "true"}).text
    shown = {step for step, form_id in FORM_OF_STEP.items() if f'id="{form_id}"' in page}
    assert shown == feedback.allowed_steps(suggestion)


def test_a_reply_from_a_template_reaches_the_tracking_page(client, db, hall, login_as):
    supervisor = login_as("supervisor")
    supervisor.post(
        "/feedback/templates", data={"title": "Thanks", "body": "Thank you, we fixed it."}
    )
    template = feedback_settings.active_templates(hall)[0]
    filled = supervisor.get(f"/feedback/templates/{template.id}/text")
    assert "Thank you, we fixed it." in filled.text
    suggestion = make_suggestion(hall)
    supervisor.post(
        f"/feedback/{suggestion.id}/triage",
        data={"category": "machines", "owner": "", "urgency": "normal"},
    )
    response = supervisor.post(
        f"/feedback/{suggestion.id}/reply", data={"reply": "Thank you, we fixed it."}
    )
    assert response.status_code == 303
    assert "Thank you, we fixed it." in client.get(f"/suggest/demo/{suggestion.tracking_code}").text


def test_a_published_change_appears_on_the_said_and_done_page(client, db, hall, login_as):
    supervisor = login_as("supervisor")
    suggestion = make_suggestion(hall, contact_phone="13812345678")
    for step, data in (
        ("triage", {"category": "machines", "owner": "", "urgency": "normal"}),
        ("close", {}),
        ("publish", {"change": "Screens widened and fonts enlarged"}),
    ):
        assert supervisor.post(f"/feedback/{suggestion.id}/{step}", data=data).status_code == 303
    page = client.get("/said-and-done/demo")
    assert "Screens widened and fonts enlarged" in page.text
    assert "13812345678" not in page.text
    assert suggestion.text not in page.text
    assert client.get("/said-and-done/demo/board").status_code == 204
    feedback_settings.set_show_on_display(hall, True, actor=supervisor.staff)
    board = client.get("/said-and-done/demo/board")
    assert board.status_code == 200 and "Screens widened and fonts enlarged" in board.text
    assert "13812345678" not in board.text


def test_supervisors_keep_the_hall_calendar(db, hall, login_as):
    supervisor = login_as("supervisor")
    added = supervisor.post(
        "/feedback/calendar",
        data={"day": "2026-12-31", "kind": "holiday", "note": "New Year"},
        headers={"HX-Request": "true"},
    )
    assert added.status_code == 200
    assert "2026-12-31" in added.text
    day = db.session.scalar(select(CalendarDay))
    assert (day.day, day.kind) == (date(2026, 12, 31), "holiday")
    refused = supervisor.post(
        "/feedback/calendar?lang=en",
        data={"day": "2026-12-28", "kind": "workday", "note": ""},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422
    assert "A make-up working day is a Saturday or a Sunday." in refused.text
    removed = supervisor.post(f"/feedback/calendar/{day.id}/remove", headers={"HX-Request": "true"})
    assert removed.status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(CalendarDay)) is None


def test_figures_page_shows_counts_for_a_date_range(db, hall, login_as):
    supervisor = login_as("supervisor")
    make_suggestion(hall)
    page = supervisor.get("/feedback/figures?start=2026-11-01&end=2026-11-30&lang=en")
    assert page.status_code == 200
    assert 'id="feedback-figures-total"' in page.text
    assert "Self-service machines" in page.text
    backwards = supervisor.get(
        "/feedback/figures?start=2026-11-30&end=2026-11-01&lang=en", headers={"HX-Request": "true"}
    )
    assert backwards.status_code == 422
    assert "The end date must not be before the start date." in backwards.text


def test_supervisors_of_another_hall_cannot_open_a_suggestion(db, hall, login_as):
    other_hall = make_hall("other")
    theirs = make_suggestion(other_hall)
    assert login_as("supervisor").get(f"/feedback/{theirs.id}").status_code == 404


# Issue 13, item 12: missing fields named, deadlines shown on the right day, steps confirmed


def test_an_empty_suggestion_names_the_missing_field_not_the_fill_time(client, hall, clock):
    fresh = form_stamp(utcnow())
    first = client.post(
        "/suggest/demo",
        data=suggestion_post(text="", started=fresh),
        headers={"HX-Request": "true"},
    )
    assert first.status_code == 422
    assert "请填写您的建议" in first.text
    assert "太快" not in first.text
    # The form comes back with the time it was first opened, not a new one ...
    stamp = re.search(r'name="started" type="hidden" value="([^"]+)"', first.text).group(1)
    assert stamp == fresh
    # ... so once the citizen has written it, it goes through.
    clock.shift(10)
    second = client.post(
        "/suggest/demo", data=suggestion_post(started=stamp), headers={"HX-Request": "true"}
    )
    assert second.status_code == 200
    assert 'id="feedback-tracking-code"' in second.text


def test_the_inbox_and_detail_show_the_fifth_working_day_as_the_due_day(login_as, hall, clock):
    created = beijing(2026, 11, 30, 9, 0)
    clock.move_to(created, tick=False)
    suggestion = make_suggestion(hall, now=created)
    supervisor = login_as("supervisor")
    inbox = supervisor.get("/feedback/")
    row = re.search(rf'id="feedback-row-{suggestion.id}".*?</tr>', inbox.text, re.S).group(0)
    assert "2026-12-07" in row
    assert "2026-12-08" not in row
    detail = supervisor.get(f"/feedback/{suggestion.id}")
    assert re.search(r'id="feedback-due">[^<]*2026-12-07', detail.text)


def test_the_owner_list_offers_only_supervisors(login_as, hall):
    make_staff(hall, "guide", username="g", full_name="导引员小赵")
    make_staff(hall, "admin", username="a", full_name="管理员小钱")
    suggestion = make_suggestion(hall)
    page = login_as("supervisor").get(f"/feedback/{suggestion.id}")
    owner_select = re.search(r'<select[^>]*name="owner".*?</select>', page.text, re.S).group(0)
    assert "导引员小赵" not in owner_select
    assert "管理员小钱" not in owner_select


def test_a_step_taken_through_htmx_comes_back_with_a_visible_message_that_takes_focus(
    login_as, hall
):
    suggestion = make_suggestion(hall)
    supervisor = login_as("supervisor")
    response = supervisor.post(
        f"/feedback/{suggestion.id}/note",
        data={"note-text": "Called the machine vendor."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    saved = re.search(r'<p [^>]*id="feedback-saved"[^>]*>([^<]+)</p>', response.text)
    assert saved is not None
    assert "data-hx-focus" in saved.group(0)
    assert 'role="status"' in saved.group(0)
    assert saved.group(1) == "备注已添加。"


def test_without_htmx_a_step_shows_its_message_after_the_redirect(login_as, hall):
    suggestion = make_suggestion(hall)
    supervisor = login_as("supervisor")
    response = supervisor.post(
        f"/feedback/{suggestion.id}/note", data={"note-text": "已联系厂家。"}
    )
    assert response.status_code == 303
    page = supervisor.get(response.headers["Location"])
    assert re.search(r'<p class="flash flash--success">备注已添加。</p>', page.text)
