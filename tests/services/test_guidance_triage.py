"""Triage at the desk: tickets for one visit, priority from needs, check-in, the overview."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from stdnum.cn import ric

from hallapp.models import Ticket, VisitorIdentity
from hallapp.models.notifications import NotificationSubscription
from hallapp.services import appointments, checklists, guidance, identity, queue, retention
from hallapp.services.errors import HallError, InvalidValue
from hallapp.services.identity import InvalidDocumentNumber

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in the hall
NUMBER = "11010519491231002X"
NO_NEEDS: dict[str, bool] = {}


@pytest.fixture
def app_config():
    return {"SQLITE_IMMEDIATE_TRANSACTIONS": True}


def checklist(hall, code="A"):
    service = next(s for s in hall.services if s.code == code)
    return checklists.save_checklist(
        service,
        [
            checklists.ItemInput("身份证", "ID card"),
            checklists.ItemInput("照片", "Photo", note_zh="大厅免费拍照"),
            checklists.ItemInput("户口簿", "Household register", required=False),
        ],
        actor=None,
        now=NOW,
    )


def all_required(version):
    return {item.id for item in version.items if item.required}


def test_a_missing_required_document_stops_the_ticket_and_names_it(hall, db):
    version = checklist(hall)
    with pytest.raises(guidance.MissingDocuments) as error:
        guidance.triage(
            hall,
            ["A"],
            ticked_item_ids={version.items[0].id},
            needs=NO_NEEDS,
            actor=None,
            now=NOW,
        )
    assert [item.text_zh for item in error.value.missing["A"]] == ["照片"]
    db.session.rollback()
    assert db.session.scalar(select(Ticket.id)) is None


def test_one_visit_holds_a_ticket_for_each_chosen_service(hall):
    a, b = checklist(hall, "A"), checklist(hall, "B")
    result = guidance.triage(
        hall,
        ["A", "B", "a"],
        ticked_item_ids=all_required(a) | all_required(b),
        needs=NO_NEEDS,
        actor=None,
        now=NOW,
    )
    assert [t.label for t in result.tickets] == ["A001", "B001"]
    assert {t.visit_id for t in result.tickets} == {result.visit.id}
    assert all(t.priority_class == "normal" and t.source == "desk" for t in result.tickets)


@pytest.mark.parametrize(
    ("needs", "expected"),
    [
        ({"senior": True}, "senior"),
        ({"pregnant": True}, "pregnant"),
        ({"interpreter": True}, "normal"),
        ({}, "normal"),
    ],
)
def test_needs_set_the_priority_class_through_the_queue_rule(hall, needs, expected):
    result = guidance.triage(hall, ["B"], ticked_item_ids=set(), needs=needs, actor=None, now=NOW)
    assert result.tickets[0].priority_class == expected
    assert result.visit.interpreter == bool(needs.get("interpreter"))


def test_a_swiped_number_is_kept_masked_and_hashed_with_the_visit_and_nowhere_whole(hall, db):
    result = guidance.triage(
        hall,
        ["B"],
        ticked_item_ids=set(),
        needs={"senior": True},
        document_number=NUMBER.lower(),
        phone="13800000000",
        actor=None,
        now=NOW,
    )
    row = db.session.scalar(select(VisitorIdentity))
    assert row.visit_id == result.visit.id and row.masked_number == "110************02X"
    tables = [name for (name,) in db.session.execute(_table_names(db))]
    for table in tables:
        for values in db.session.execute(text(f'SELECT * FROM "{table}"')):
            dumped = " ".join(str(v) for v in values).upper()
            assert NUMBER not in dumped, table


def _table_names(db):
    if db.engine.dialect.name == "postgresql":
        return text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return text("SELECT name FROM sqlite_master WHERE type = 'table'")


def test_a_wrong_checksum_at_triage_issues_nothing(hall, db):
    with pytest.raises(InvalidDocumentNumber):
        guidance.triage(
            hall,
            ["B"],
            ticked_item_ids=set(),
            needs=NO_NEEDS,
            document_number="110105194912310021",
            actor=None,
            now=NOW,
        )
    db.session.rollback()
    assert db.session.scalar(select(Ticket.id)) is None


def test_check_in_issues_one_appointment_class_ticket(hall, db):
    service = next(s for s in hall.services if s.code == "A")
    appointments.create_slots(
        hall,
        service,
        first_day=NOW.date(),
        last_day=NOW.date(),
        minutes=60,
        capacity=2,
        actor=None,
        now=NOW - timedelta(days=1),
    )
    slot = appointments.slots_on(hall, NOW.date(), service)[-1]
    booking = appointments.book(
        hall, slot.id, document_number=NUMBER, actor=None, now=NOW - timedelta(days=1)
    )
    ticket = appointments.check_in(hall, booking, actor=None, now=NOW)
    assert (ticket.source, ticket.priority_class) == ("appointment", "appointment")
    assert (booking.state, booking.ticket_id) == ("checked_in", ticket.id)
    with pytest.raises(appointments.NotBookable):
        appointments.check_in(hall, booking, actor=None, now=NOW)


def test_the_overview_counts_waiting_visitors_and_the_longest_stay(hall):
    guidance.triage(hall, ["A"], ticked_item_ids=set(), needs=NO_NEEDS, actor=None, now=NOW)
    guidance.triage(
        hall,
        ["A", "B"],
        ticked_item_ids=set(),
        needs=NO_NEEDS,
        actor=None,
        now=NOW + timedelta(minutes=5),
    )
    seen = guidance.overview(hall, now=NOW + timedelta(minutes=20))
    waiting = {load.service.code: load.waiting for load in seen.services}
    assert waiting == {"A": 2, "B": 1, "E": 0}
    assert seen.visitors_now == 2 and seen.longest_here == timedelta(minutes=20)
    assert seen.version > 0


def test_a_later_service_refused_keeps_the_first_ticket_and_says_which(hall, db):
    b = next(s for s in hall.services if s.code == "B")
    b.daily_limit = 1
    db.session.commit()
    guidance.triage(hall, ["B"], ticked_item_ids=set(), needs=NO_NEEDS, actor=None, now=NOW)
    result = guidance.triage(
        hall, ["A", "B"], ticked_item_ids=set(), needs=NO_NEEDS, actor=None, now=NOW
    )
    assert [t.label for t in result.tickets] == ["A001"]
    assert [service.code for service, _message in result.refused] == ["B"]
    with pytest.raises(HallError):
        guidance.triage(hall, ["B"], ticked_item_ids=set(), needs=NO_NEEDS, actor=None, now=NOW)


def test_purge_erases_a_visit_identity_but_keeps_the_visit_and_its_tickets(hall, db):
    old = NOW - timedelta(days=40)
    result = guidance.triage(
        hall,
        ["B"],
        ticked_item_ids=set(),
        needs={"senior": True},
        document_number=NUMBER,
        phone="13800000000",
        actor=None,
        now=old,
    )
    ticket_id, visit_id = result.tickets[0].id, result.visit.id

    report = retention.purge_identity_data(now=NOW, days=30)

    assert report.identities == 1
    db.session.expire_all()
    assert db.session.scalar(select(VisitorIdentity.id)) is None
    ticket = db.session.get(Ticket, ticket_id)
    assert (ticket.visit_id, ticket.priority_class, ticket.issued_at) == (visit_id, "senior", old)
    assert guidance.find_visitor(hall, NUMBER).identities == []


def test_a_phone_left_at_the_desk_subscribes_each_ticket_to_text_messages(hall, db):
    result = guidance.triage(
        hall,
        ["A", "B"],
        ticked_item_ids=set(),
        needs=NO_NEEDS,
        phone="138 0000 0000",
        actor=None,
        now=NOW,
    )
    subscriptions = db.session.scalars(select(NotificationSubscription)).all()
    assert sorted(s.ticket_id for s in subscriptions) == sorted(t.id for t in result.tickets)
    assert {s.phone for s in subscriptions} == {"13800000000"}


def test_a_phone_that_is_not_a_phone_number_saves_nothing(hall, db):
    with pytest.raises(InvalidValue):
        guidance.triage(
            hall,
            ["B"],
            ticked_item_ids=set(),
            needs=NO_NEEDS,
            phone="call me",
            actor=None,
            now=NOW,
        )
    db.session.rollback()
    assert db.session.scalar(select(Ticket.id)) is None


SENIOR_CARD = "440106195506010029"  # born 1 June 1955: 71 on the hall's day


def test_the_same_card_gets_no_second_set_of_tickets_until_the_guide_confirms(hall, db):
    version = checklist(hall)
    first = guidance.triage(
        hall,
        ["A"],
        ticked_item_ids=all_required(version),
        needs=NO_NEEDS,
        document_number=SENIOR_CARD,
        actor=None,
        now=NOW,
    )

    with pytest.raises(guidance.VisitorHasOpenTickets) as again:
        guidance.triage(
            hall,
            ["A"],
            ticked_item_ids=all_required(version),
            needs=NO_NEEDS,
            document_number=SENIOR_CARD.lower().replace("9", "9 ", 1),
            actor=None,
            now=NOW + timedelta(minutes=3),
        )
    db.session.rollback()

    assert [t.label for t in again.value.tickets] == [t.label for t in first.tickets]
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    confirmed = guidance.triage(
        hall,
        ["A"],
        ticked_item_ids=all_required(version),
        needs=NO_NEEDS,
        document_number=SENIOR_CARD,
        again=True,
        actor=None,
        now=NOW + timedelta(minutes=4),
    )
    assert [t.label for t in confirmed.tickets] == ["A002"]
    assert guidance.open_tickets_today(hall, SENIOR_CARD, now=NOW + timedelta(days=1)) == []


def test_a_finished_ticket_does_not_count_as_open(hall, db):
    version = checklist(hall)
    result = guidance.triage(
        hall,
        ["A"],
        ticked_item_ids=all_required(version),
        needs=NO_NEEDS,
        document_number=SENIOR_CARD,
        actor=None,
        now=NOW,
    )
    queue.cancel(result.tickets[0], now=NOW + timedelta(minutes=1))

    assert guidance.open_tickets_today(hall, SENIOR_CARD, now=NOW + timedelta(minutes=2)) == []


@pytest.mark.parametrize(
    ("born", "lane_age", "expected"),
    [("19550601", 70, 71), ("19561127", 70, 70), ("19561128", 70, None), ("19600601", 65, 66)],
)
def test_the_card_s_birth_date_suggests_the_senior_lane_from_a_configurable_age(
    app, born, lane_age, expected
):
    body = "440106" + born + "002"
    number = body + ric.calc_check_digit(body + "0")
    app.config["SENIOR_LANE_AGE"] = lane_age
    document = identity.check_document("resident_id", number, today=NOW.date())

    assert guidance.senior_lane_age(document, today=NOW.date()) == expected


def test_a_document_two_services_need_is_listed_once(hall):
    a, b = checklist(hall, "A"), checklist(hall, "B")
    with pytest.raises(guidance.MissingDocuments) as error:
        guidance.triage(
            hall, ["A", "B"], ticked_item_ids=set(), needs=NO_NEEDS, actor=None, now=NOW
        )

    assert [item.text_zh for item in error.value.items] == ["身份证", "照片"]
    assert set(error.value.missing) == {"A", "B"} and a.id != b.id
