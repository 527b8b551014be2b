"""The desk's rules: checklist versions, identity never stored whole, cases, notices, purge."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from hallapp.models import (
    AuditEntry,
    ChecklistVersion,
    DeskCase,
    StaffImport,
    Suggestion,
    VisitorIdentity,
)
from hallapp.services import cases, checklists, guidance, retention
from hallapp.services.errors import InvalidValue
from hallapp.services.identity import InvalidDocumentNumber
from tests.enterprise_builders import make_enterprise
from tests.feedback_builders import make_suggestion

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in the hall
NUMBER = "11010519491231002X"


@pytest.fixture
def app_config():
    # Real transactions on SQLite too, so "nothing half-saved" is tested, not assumed.
    return {"SQLITE_IMMEDIATE_TRANSACTIONS": True}


def service(hall, code="A"):
    return next(s for s in hall.services if s.code == code)


def items(*texts, required=True):
    return [checklists.ItemInput(text_zh=t, text_en=t.upper(), required=required) for t in texts]


def test_each_checklist_change_is_a_new_version_and_the_newest_is_current(hall):
    passport = service(hall)
    first = checklists.save_checklist(passport, items("身份证"), actor=None, now=NOW)
    second = checklists.save_checklist(
        passport, items("身份证", "照片"), actor=None, now=NOW, note="photos"
    )
    assert (first.number, second.number) == (1, 2)
    assert checklists.current_checklist(passport).id == second.id
    assert [i.text_zh for i in first.items] == ["身份证"]
    assert len(checklists.checklist_history(passport)) == 2


def test_a_checklist_without_items_is_refused_and_nothing_is_saved(hall, db):
    with pytest.raises(InvalidValue):
        checklists.save_checklist(service(hall), items("  "), actor=None, now=NOW)
    assert db.session.scalar(select(ChecklistVersion.id)) is None


def test_missing_documents_are_the_required_items_not_ticked(hall):
    version = checklists.save_checklist(
        service(hall),
        [*items("身份证", "照片"), *items("户口簿", required=False)],
        actor=None,
        now=NOW,
    )
    card, photo, _household = version.items
    missing = checklists.missing_documents(version, {card.id})
    assert missing == [photo]
    assert checklists.missing_documents(version, {card.id, photo.id}) == []


def test_identity_keeps_only_the_mask_and_hash_and_the_full_number_is_nowhere(hall, db):
    row = guidance.new_identity(hall, number="110105 19491231 002x", phone="13800000000", now=NOW)
    db.session.commit()
    assert row.masked_number == "110************02X"
    assert len(row.number_hash) == 64 and NUMBER not in row.number_hash
    for table in ("visitor_identity", "audit_entry"):
        for values in db.session.execute(text(f"SELECT * FROM {table}")):
            assert all(NUMBER not in str(v) and NUMBER.lower() not in str(v) for v in values)


def test_a_returning_visitor_is_found_by_the_keyed_hash(hall, db):
    cases.open_case(
        hall,
        kind="home_visit",
        owner=None,
        due_on=date(2026, 12, 1),
        summary="patient",
        actor=None,
        now=NOW,
        document_number=NUMBER,
        address="幸福路1号",
    )
    found = guidance.find_visitor(hall, "11010519491231002x")
    assert len(found.identities) == 1 and len(found.cases) == 1
    assert guidance.find_visitor(hall, "360426199101010071").cases == []


def test_an_identity_number_with_a_wrong_checksum_is_refused_and_nothing_saved(hall, db):
    with pytest.raises(InvalidDocumentNumber) as error:
        cases.open_case(
            hall,
            kind="express",
            owner=None,
            due_on=date(2026, 12, 1),
            summary="",
            actor=None,
            now=NOW,
            document_number="110105194912310021",
        )
    assert "校验码" in str(error.value.message)
    db.session.rollback()
    assert db.session.scalar(select(VisitorIdentity.id)) is None
    assert db.session.scalar(select(DeskCase.id)) is None


def test_a_home_visit_needs_an_address_and_a_followup_needs_a_topic(hall):
    common = dict(owner=None, due_on=date(2026, 12, 1), summary="", actor=None, now=NOW)
    with pytest.raises(InvalidValue) as error:
        cases.open_case(hall, kind="home_visit", contact_phone="1", **common)
    assert error.value.field == "address"
    with pytest.raises(InvalidValue) as error:
        cases.open_case(hall, kind="policy_followup", contact_phone="1", **common)
    assert error.value.field == "topics"


def _followup(hall, topics, **extra):
    return cases.open_case(
        hall,
        kind="policy_followup",
        owner=None,
        due_on=date(2026, 12, 31),
        summary="waiting",
        actor=None,
        now=NOW,
        contact_phone="13900000000",
        topics=topics,
        **extra,
    )


def test_a_new_policy_notice_lists_every_open_case_it_answers(hall):
    talent = _followup(hall, "人才签注, Talent")
    family = _followup(hall, "探亲签注")
    closed = _followup(hall, "talent")
    cases.close_case(closed, outcome="called", actor=None, now=NOW)
    notice = cases.record_notice(
        hall,
        title="新政",
        body="",
        topics="talent；商务签注",
        effective_on=None,
        actor=None,
        now=NOW,
    )
    assert cases.cases_answered_by(notice) == [talent]
    assert family not in cases.cases_answered_by(notice)


def test_closing_a_case_needs_its_outcome_and_happens_once(hall):
    case = _followup(hall, "x")
    with pytest.raises(InvalidValue):
        cases.close_case(case, outcome=" ", actor=None, now=NOW)
    cases.close_case(case, outcome="informed", actor=None, now=NOW)
    with pytest.raises(cases.CaseNotOpen):
        cases.close_case(case, outcome="again", actor=None, now=NOW)


def test_express_sent_back_needs_its_tracking_number(hall):
    case = cases.open_case(
        hall,
        kind="express",
        owner=None,
        due_on=date(2026, 12, 1),
        summary="",
        actor=None,
        now=NOW,
        contact_phone="1",
        tracking_in="SF1",
    )
    with pytest.raises(InvalidValue):
        cases.update_express(case, express_state="permit_sent", actor=None, now=NOW)
    cases.update_express(case, express_state="permit_sent", tracking_out="SF2", actor=None, now=NOW)
    assert (case.express_state, case.tracking_out) == ("permit_sent", "SF2")


def test_purge_erases_old_identity_data_but_keeps_open_cases_and_new_rows(hall, db):
    old = NOW - timedelta(days=40)
    stale = guidance.new_identity(hall, number=NUMBER, phone="138", now=old)
    fresh = guidance.new_identity(hall, number=NUMBER, now=NOW)
    db.session.commit()
    kept_case = _followup(hall, "x", document_number="360426199101010071")
    kept_case.identity.created_at = old
    closed = _followup(hall, "y")
    cases.close_case(closed, outcome="done", actor=None, now=old)
    stale_id, fresh_id = stale.id, fresh.id

    report = retention.purge_identity_data(now=NOW, days=30)

    assert (report.identities, report.cases) == (1, 1)
    assert db.session.get(VisitorIdentity, stale_id) is None
    assert db.session.get(VisitorIdentity, fresh_id) is not None
    assert kept_case.identity is not None
    db.session.refresh(closed)
    assert closed.contact_phone is None and closed.outcome == "done"
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "guidance.purge"))


def test_a_case_for_a_senior_born_in_1955_takes_their_identity_card(hall, db):
    case = cases.open_case(
        hall,
        kind="express",
        owner=None,
        due_on=date(2026, 12, 1),
        summary="",
        actor=None,
        now=NOW,
        document_number="440106195506010029",  # 天河区, a code listed only from 1985
    )
    assert case.identity.masked_number == "440************029"


def test_purge_erases_phones_of_long_closed_suggestions_and_stale_import_previews(hall, db):
    old = NOW - timedelta(days=40)
    closed = make_suggestion(hall, now=old, contact_phone="13800138000", wants_reply=True)
    still_open = make_suggestion(hall, now=old, contact_phone="13900139000", wants_reply=True)
    closed.status, closed.closed_at = "closed", old + timedelta(days=2)
    enterprise = make_enterprise(hall, "12345678")
    db.session.add_all(
        [
            StaffImport(token="old", enterprise=enterprise, created_at=NOW - timedelta(days=2)),
            StaffImport(token="new", enterprise=enterprise, created_at=NOW - timedelta(hours=1)),
        ]
    )
    db.session.commit()

    report = retention.purge_identity_data(now=NOW, days=30)

    assert (report.suggestion_phones, report.import_previews) == (1, 1)
    db.session.expire_all()
    assert db.session.get(Suggestion, closed.id).contact_phone is None
    assert db.session.get(Suggestion, still_open.id).contact_phone == "13900139000"
    assert list(db.session.scalars(select(StaffImport.token))) == ["new"]
