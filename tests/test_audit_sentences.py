"""The audit log speaks the reader's language, and records every look at personal data
and every suggestion step (issue 13, item 13)."""

import re
from pathlib import Path

from sqlalchemy import select

from hallapp.audit_labels import SENTENCES
from hallapp.models import AuditEntry
from hallapp.services import audit, cases, feedback, feedback_settings
from tests.builders import make_staff
from tests.feedback_builders import MONDAY_10AM, make_suggestion, replied_and_closed

ROOT = Path(__file__).resolve().parents[1] / "hallapp"
WRITTEN = re.compile(r"(?:audit\.record|audit\.log_view|\brecord)\(\s*\"([a-z_.]+)\"")
FEEDBACK_STEP = re.compile(r"_event\(\s*suggestion,\s*\"([a-z_]+)\"")


def _codes_the_app_writes() -> set[str]:
    codes = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(WRITTEN.findall(text))
    steps = FEEDBACK_STEP.findall((ROOT / "services" / "feedback.py").read_text("utf-8"))
    codes.update(f"feedback.{step}" for step in steps)
    return codes


def test_every_code_the_app_writes_has_a_sentence():
    codes = _codes_the_app_writes()
    assert {"auth.login", "feedback.published", "guidance.case.view"} <= codes
    assert sorted(codes - set(SENTENCES)) == []


def _actions(db) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_every_suggestion_step_is_in_the_audit_log(db, hall):
    boss = make_staff(hall, "supervisor", username="boss")
    suggestion = make_suggestion(hall)
    replied_and_closed(suggestion, boss, MONDAY_10AM)
    feedback.publish(suggestion, actor=boss, now=MONDAY_10AM, change="屏幕加宽")
    feedback.unpublish(suggestion, actor=boss, now=MONDAY_10AM)
    steps = [a for a in _actions(db) if a.startswith("feedback.")]
    assert steps == [
        "feedback.submitted",
        "feedback.triaged",
        "feedback.replied",
        "feedback.closed",
        "feedback.published",
        "feedback.unpublished",
    ]


def test_the_audit_page_reads_as_sentences_and_still_filters_by_code(login_as, hall, db):
    boss = login_as("supervisor")
    feedback_settings.set_show_on_display(hall, True, actor=boss.staff)
    audit.record("auth.login", actor=boss.staff, now=MONDAY_10AM)
    db.session.commit()
    page = boss.get("/admin/audit")
    sentences = re.findall(r'<td class="audit-sentence">([^<]+)<code', page.text)
    assert f"{boss.staff.full_name} 开启了显示屏上的“您说我改”" in [s.strip() for s in sentences]
    assert f"{boss.staff.full_name} 登录" in [s.strip() for s in sentences]
    assert ">True<" not in page.text
    filtered = boss.get("/admin/audit?action=feedback")
    assert "feedback.display" in filtered.text and "auth.login" not in filtered.text


def test_every_look_at_contact_or_identity_data_is_logged(login_as, hall, db):
    from datetime import date

    from tests.enterprise_builders import make_enterprise

    guide = login_as("guide")
    case = cases.open_case(
        hall,
        kind="home_visit",
        owner=None,
        due_on=date(2026, 12, 9),
        summary="行动不便",
        address="越秀区某街 1 号",
        contact_phone="13812345678",
        actor=guide.staff,
        now=MONDAY_10AM,
    )
    guide.get("/desk/cases")
    guide.get(f"/desk/cases/{case.id}")
    guide.post("/desk/triage/swipe", data={"document_number": "11010519491231002x"})
    guide.get("/desk/appointments")
    enterprise = make_enterprise(hall, "12345678")
    login_as("enterprise").get(f"/enterprise/enterprises/{enterprise.id}")
    suggestion = make_suggestion(hall, contact_phone="13812345678")
    login_as("supervisor").post(f"/feedback/{suggestion.id}/contact")
    views = [a for a in _actions(db) if a.endswith(".view") or a.endswith(".lookup")]
    assert views == [
        "guidance.cases.view",
        "guidance.case.view",
        "guidance.identity.lookup",
        "guidance.bookings.view",
        "enterprise.contact.view",
        "feedback.contact.view",
    ]
