import csv
import io
import re
import zipfile
from datetime import date

import pytest
from flask import current_app
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import (
    AuditEntry,
    Enterprise,
    EnterpriseMember,
    EnterpriseMerge,
    RegistrationService,
)
from hallapp.services import enterprise as rooms
from hallapp.services.enterprise import merging, people, register
from hallapp.services.errors import InvalidValue
from hallapp.services.identity import InvalidDocumentNumber
from tests.builders import make_staff
from tests.enterprise_builders import make_enterprise, make_member, make_service, utc

NOW = utc(2026, 11, 27, 2)


@pytest.fixture
def clerk(hall):
    return make_staff(hall, "enterprise", username="chen", full_name="陈静")


@pytest.fixture
def supervisor(hall):
    return make_staff(hall, "supervisor", username="boss")


@pytest.fixture
def room_counter(hall):
    return next(counter for counter in hall.counters if counter.number == 10)


@pytest.mark.parametrize(
    ("place", "typed", "stored"),
    [
        ("hong_kong", "1234567", "1234567"),
        ("hong_kong", "0012345", "0012345"),
        ("hong_kong", " 7234 5678 ", "72345678"),
        ("hong_kong", "CR No. 1234567", "1234567"),
        ("hong_kong", "BR No.12345678-001", "12345678-001"),
        ("hong_kong", "12345678 001", "12345678-001"),
        ("hong_kong", "12345678-000", "12345678"),
        ("hong_kong", "１２３４５６７８", "12345678"),
        ("macau", "SO12345", "SO12345"),
        ("macau", "so 012345", "SO12345"),
        ("macau", "4567", "4567"),
    ],
)
def test_registration_numbers_are_stored_in_one_spelling(app, place, typed, stored):
    assert register.normalize_registration_number(place, typed) == stored


@pytest.mark.parametrize(
    ("place", "typed"),
    [
        ("hong_kong", "123456"),
        ("hong_kong", "123456789"),
        ("hong_kong", "1234567-001"),
        ("hong_kong", "12345678-01"),
        ("hong_kong", "A1234567"),
        ("hong_kong", ""),
        ("macau", "SO1234567"),
        ("macau", "SO"),
        ("macau", "SO0"),
        ("macau", "XY123"),
    ],
)
def test_malformed_registration_numbers_are_refused_with_the_expected_format(app, place, typed):
    with pytest.raises(register.InvalidRegistrationNumber) as error:
        register.normalize_registration_number(place, typed)
    assert error.value.field == "registration_number"
    assert str(error.value.message)


def test_registration_number_message_names_the_format_in_english(app):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(register.InvalidRegistrationNumber) as error:
            register.normalize_registration_number("macau", "XY1")
        assert "SO12345" in str(error.value)


def _register(hall, clerk, number="12345678", place="hong_kong", name="测试贸易有限公司"):
    return rooms.save_enterprise(
        None,
        hall=hall,
        name_zh=name,
        name_en="Test Trading Ltd",
        place=place,
        registration_number=number,
        mainland_address="深圳市福田区",
        clerk_id=clerk.id,
        actor=clerk,
        now=NOW,
    )


def test_registering_an_enterprise_normalizes_its_number_and_writes_the_audit(hall, clerk):
    enterprise = _register(hall, clerk, number="BR No. 12345678-000")
    assert enterprise.registration_number == "12345678"
    assert enterprise.clerk == clerk
    assert db.session.scalar(select(AuditEntry.action)) == "enterprise.create"


def test_the_same_place_and_number_cannot_be_registered_twice(hall, clerk):
    first = _register(hall, clerk, number="12345678")
    with pytest.raises(rooms.DuplicateEnterprise) as error:
        _register(hall, clerk, number="1234 5678", name="另一个名字")
    assert error.value.existing == first
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 1


def test_the_database_refuses_a_duplicate_that_slips_past_the_check(hall):
    make_enterprise(hall, "1234567")
    db.session.add(
        Enterprise(
            hall_id=hall.id, name_zh="重复", place="hong_kong", registration_number="1234567"
        )
    )
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()


def test_only_enterprise_clerks_can_be_assigned(hall, clerk):
    counter_officer = make_staff(hall, "counter", username="li")
    with pytest.raises(InvalidValue) as error:
        rooms.save_enterprise(
            None,
            hall=hall,
            name_zh="公司",
            name_en="",
            place="macau",
            registration_number="SO1",
            clerk_id=counter_officer.id,
            actor=clerk,
            now=NOW,
        )
    assert error.value.field == "clerk_id"


def test_a_member_is_kept_masked_and_hashed_and_never_twice(hall, clerk):
    enterprise = _register(hall, clerk)
    member = rooms.add_member(
        enterprise,
        name="张三",
        document_type="hk_id",
        document_number="A123456(3)",
        role="director",
        actor=clerk,
        now=NOW,
    )
    assert member.document_masked == "A1****63"
    assert "123456" not in member.document_masked
    assert len(member.document_hash) == 64
    with pytest.raises(people.DuplicateMember):
        rooms.add_member(
            enterprise,
            name="张三",
            document_type="hk_id",
            document_number="a1234563",
            actor=clerk,
            now=NOW,
        )


def test_a_member_with_a_bad_checksum_is_refused(hall, clerk):
    enterprise = _register(hall, clerk)
    with pytest.raises(InvalidDocumentNumber):
        rooms.add_member(
            enterprise,
            name="李四",
            document_type="hk_id",
            document_number="A123456(4)",
            actor=clerk,
            now=NOW,
        )
    assert db.session.scalar(select(func.count()).select_from(EnterpriseMember)) == 0


def test_search_finds_by_name_number_person_and_document(hall, clerk):
    target = _register(hall, clerk, number="72345678", name="港丰贸易有限公司")
    _register(hall, clerk, number="SO77", place="macau", name="澳门其他公司")
    make_member(target, "王小明", "C12345678")
    assert rooms.search_enterprises(hall, "港丰") == [target]
    assert rooms.search_enterprises(hall, "2345678") == [target]
    assert rooms.search_enterprises(hall, "小明") == [target]
    assert rooms.search_enterprises(hall, "c12345678") == [target]
    assert len(rooms.search_enterprises(hall, "")) == 2


def test_a_supervisor_merges_a_duplicate_keeping_people_services_and_history(
    hall, clerk, supervisor, room_counter
):
    keep = make_enterprise(hall, "12345678", name_zh="港丰贸易")
    duplicate = make_enterprise(hall, "1234567", name_zh="港丰贸易（重复）")
    shared_keep = make_member(keep, "王小明", "C12345678")
    shared_dup = make_member(duplicate, "王小明", "C12345678")
    only_dup = make_member(duplicate, "李大华", "C22345678")
    service = make_service(
        duplicate,
        [shared_dup, only_dup],
        mode="on_the_spot",
        counter=room_counter,
        clerk=clerk,
        at=NOW,
    )

    merge = rooms.merge_enterprises(duplicate, keep, actor=supervisor, reason="同一公司", now=NOW)

    db.session.expire_all()
    assert (merge.members_moved, merge.members_joined, merge.services_moved) == (1, 1, 1)
    assert {member.name for member in keep.members} == {"王小明", "李大华"}
    assert duplicate.status == "merged"
    assert duplicate.merged_into == keep
    served = db.session.get(RegistrationService, service.id)
    assert served.enterprise == keep
    assert {member.id for member in served.members} == {shared_keep.id, only_dup.id}
    history = rooms.merge_history(keep)
    assert [(row.source_number, row.reason) for row in history] == [("1234567", "同一公司")]
    # The old number still finds the record, which says where it went.
    assert rooms.search_enterprises(hall, "1234567")[-1] == duplicate


def test_only_a_supervisor_may_merge(hall, clerk):
    keep = make_enterprise(hall, "12345678")
    duplicate = make_enterprise(hall, "1234567")
    with pytest.raises(merging.NotAllowed):
        rooms.merge_enterprises(duplicate, keep, actor=clerk, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(EnterpriseMerge)) == 0


def test_recording_a_service_needs_an_enterprise_room_counter(hall, clerk):
    enterprise = make_enterprise(hall, "12345678")
    member = make_member(enterprise, "王小明", "C12345678")
    main_counter = next(counter for counter in hall.counters if counter.number == 1)
    with pytest.raises(rooms.WrongCounter):
        rooms.record_service(
            enterprise,
            member_ids=[member.id],
            mode="on_the_spot",
            counter=main_counter,
            clerk=clerk,
            now=NOW,
        )


def test_a_service_from_an_appointment_counts_as_by_appointment_and_closes_it(
    hall, clerk, room_counter
):
    enterprise = make_enterprise(hall, "12345678")
    member = make_member(enterprise, "王小明", "C12345678")
    appointment = rooms.book_appointment(
        enterprise, starts_at=utc(2026, 11, 28, 2), member_ids=[member.id], actor=clerk, now=NOW
    )
    service = rooms.record_service(
        enterprise,
        member_ids=[member.id],
        mode="on_the_spot",
        counter=room_counter,
        clerk=clerk,
        appointment=appointment,
        documents_checked="商业登记证",
        now=NOW,
    )
    assert service.mode == "appointment"
    assert appointment.status == "served"
    assert service.service_day == date(2026, 11, 27)


def test_people_of_another_enterprise_cannot_be_recorded(hall, clerk, room_counter):
    enterprise = make_enterprise(hall, "12345678")
    other = make_enterprise(hall, "1234567")
    stranger = make_member(other, "外人", "C12345678")
    with pytest.raises(InvalidValue):
        rooms.record_service(
            enterprise,
            member_ids=[stranger.id],
            mode="on_the_spot",
            counter=room_counter,
            clerk=clerk,
            now=NOW,
        )


@pytest.fixture
def fixture_set(hall, clerk, room_counter):
    """Four enterprises, seven people, seven services; figures for 2–6 November 2026.

    service  enterprise  mode         clerk  day (Shanghai)      people
    1        E1 HK       appointment  chen   11-02               p1 p2
    2        E1 HK       on the spot  li     11-03               p1 p3
    3        E2 HK       appointment  chen   11-03               p4
    4        E2 HK       appointment  chen   11-05               p4 p5
    5        E3 Macau    on the spot  li     11-06 23:30         p6, p2 (same document, for E3)
    6        E4 Macau    on the spot  li     11-07 00:30  (out)  p7
    7        E4 Macau    appointment  chen   11-01 23:59  (out)  p7
    """
    li = make_staff(hall, "enterprise", username="li", full_name="李明")
    e1 = make_enterprise(hall, "1234567", name_zh="E1")
    e2 = make_enterprise(hall, "12345678", name_zh="E2")
    e3 = make_enterprise(hall, "SO123", place="macau", name_zh="E3")
    e4 = make_enterprise(hall, "4567", place="macau", name_zh="E4")
    p1, p2, p3 = (make_member(e1, f"p{i}", f"C1000000{i}") for i in (1, 2, 3))
    p4, p5 = (make_member(e2, f"p{i}", f"C1000000{i}") for i in (4, 5))
    p6 = make_member(e3, "p6", "C10000006")
    p2_for_e3 = make_member(e3, "p2", "C10000002")
    p7 = make_member(e4, "p7", "C10000007")
    chen = clerk
    make_service(
        e1, [p1, p2], mode="appointment", counter=room_counter, clerk=chen, at=utc(2026, 11, 2)
    )
    make_service(
        e1, [p1, p3], mode="on_the_spot", counter=room_counter, clerk=li, at=utc(2026, 11, 3)
    )
    make_service(
        e2, [p4], mode="appointment", counter=room_counter, clerk=chen, at=utc(2026, 11, 3)
    )
    make_service(
        e2, [p4, p5], mode="appointment", counter=room_counter, clerk=chen, at=utc(2026, 11, 5)
    )
    make_service(
        e3,
        [p6, p2_for_e3],
        mode="on_the_spot",
        counter=room_counter,
        clerk=li,
        at=utc(2026, 11, 6, 15, 30),
    )
    make_service(
        e4, [p7], mode="on_the_spot", counter=room_counter, clerk=li, at=utc(2026, 11, 6, 16, 30)
    )
    make_service(
        e4, [p7], mode="appointment", counter=room_counter, clerk=chen, at=utc(2026, 11, 1, 15, 59)
    )
    return rooms.figures(hall, date(2026, 11, 2), date(2026, 11, 6))


def _line(row):
    return (row.services, row.enterprises, row.people)


def test_figures_count_each_person_and_enterprise_once_in_the_total(fixture_set):
    # Services 1-5; enterprises E1 E2 E3; people p1..p6 (p1 twice, p4 twice, p2 for two firms).
    assert _line(fixture_set.total) == (5, 3, 6)


def test_figures_split_by_appointment_and_on_the_spot(fixture_set):
    by_mode = {row.key: _line(row) for row in fixture_set.by_mode}
    # appointment: services 1 3 4, E1 E2, p1 p2 p4 p5.
    assert by_mode["appointment"] == (3, 2, 4)
    # on the spot: services 2 5, E1 E3, p1 p3 p6 p2 — p1 appears in both lines.
    assert by_mode["on_the_spot"] == (2, 2, 4)


def test_figures_split_by_place_and_by_clerk(fixture_set):
    by_place = {row.key: _line(row) for row in fixture_set.by_place}
    assert by_place == {"hong_kong": (4, 2, 5), "macau": (1, 1, 2)}
    by_clerk = {str(row.label): _line(row) for row in fixture_set.by_clerk}
    assert by_clerk == {"陈静": (3, 2, 4), "李明": (2, 2, 4)}


def test_a_merge_does_not_change_the_people_counted(hall, fixture_set, supervisor):
    e1, e2 = (
        db.session.scalar(select(Enterprise).where(Enterprise.name_zh == n)) for n in ("E1", "E2")
    )
    rooms.merge_enterprises(e2, e1, actor=supervisor, now=NOW)
    after = rooms.figures(hall, date(2026, 11, 2), date(2026, 11, 6))
    assert _line(after.total) == (5, 2, 6)


def test_the_csv_export_holds_the_same_totals(app, fixture_set):
    with app.test_request_context("/?lang=en"):
        text = rooms.figures_csv(fixture_set)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["Split", "Line", "Services", "Enterprises", "People"]
    assert rows[2] == ["Total", "All services", "5", "3", "6"]
    assert ["How they came", "By appointment", "3", "2", "4"] in rows
    assert ["Place of incorporation", "Macau", "1", "1", "2"] in rows


def test_the_excel_export_opens_and_holds_the_same_totals(app, fixture_set):
    with app.test_request_context("/?lang=en"):
        data = rooms.figures_xlsx(fixture_set)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Enterprise room, 2026-11-02 to 2026-11-06"
    assert rows[2] == ["Total", "All services", 5, 3, 6]
    assert ["How they came", "On the spot", 2, 2, 4] in rows
    assert ["Clerk", "陈静", 3, 2, 4] in rows


def test_figures_refuse_a_range_that_ends_before_it_starts(hall):
    with pytest.raises(InvalidValue):
        rooms.figures(hall, date(2026, 11, 6), date(2026, 11, 2))


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_staff_list_preview_names_each_bad_row_and_saves_nobody(hall, clerk):
    enterprise = make_enterprise(hall, "12345678")
    make_member(enterprise, "已登记", "C30000000")
    data = _xlsx(
        [
            ["姓名", "证件类型", "证件号码", "职务", "电话"],
            ["张三", "香港身份证", "A123456(3)", "董事", "85291234567"],
            ["李四", "hk_id", "A123456(4)", "", ""],
            ["", "往来港澳通行证", "C12345678", "", ""],
            ["王五", "驾驶证", "X1", "", ""],
            ["赵六", "往来港澳通行证", "C12345678", "厨师", ""],
            ["张三二", "hk_id", "A1234563", "", ""],
            ["已登记", "往来港澳通行证", "C30000000", "", ""],
        ]
    )
    with hall_request(hall):
        pending = rooms.preview_staff_import(
            enterprise, filename="staff.xlsx", data=data, actor=clerk, now=NOW
        )
    rows = {row.line: row for row in rooms.import_rows(pending)}
    assert rows[2].status == "new" and rows[2].role == "director"
    assert rows[2].masked == "A1****63"
    assert "does not match" in rows[3].problems[0]
    assert "name is missing" in rows[4].problems[0]
    assert "Unknown document type" in rows[5].problems[0]
    assert "Unknown role" in rows[6].problems[0]
    assert "row 2" in rows[7].problems[0]
    assert rows[8].status == "existing"
    assert pending.error_count == 5
    assert "A123456" not in pending.rows_json and "C12345678" not in pending.rows_json
    with pytest.raises(people.ImportNotClean):
        rooms.confirm_staff_import(enterprise, pending.token, actor=clerk, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(EnterpriseMember)) == 1


def hall_request(hall):
    return current_app.test_request_context("/?lang=en")


def test_a_clean_staff_list_is_saved_only_on_confirmation(hall, clerk):
    enterprise = make_enterprise(hall, "12345678")
    data = (
        "name,document type,document number,role\n"
        "张三,hk_id,A123456(3),director\n"
        "李四,往来港澳通行证,C12345678,\n"
    )
    pending = rooms.preview_staff_import(
        enterprise, filename="staff.csv", data=data.encode("utf-8-sig"), actor=clerk, now=NOW
    )
    assert pending.error_count == 0
    assert db.session.scalar(select(func.count()).select_from(EnterpriseMember)) == 0
    assert rooms.confirm_staff_import(enterprise, pending.token, actor=clerk, now=NOW) == 2
    assert sorted(member.name for member in enterprise.members) == ["张三", "李四"]
    with pytest.raises(InvalidValue):
        rooms.confirm_staff_import(enterprise, pending.token, actor=clerk, now=NOW)


def test_a_staff_list_without_the_needed_columns_is_refused_by_name(hall, clerk):
    enterprise = make_enterprise(hall, "12345678")
    with hall_request(hall):
        with pytest.raises(people.ImportRejected) as error:
            rooms.preview_staff_import(
                enterprise, filename="staff.csv", data=b"name,phone\nA,1\n", actor=clerk, now=NOW
            )
        assert "Document type, Document number" in str(error.value)


def test_a_staff_list_of_ten_thousand_rows_is_refused_before_any_check(hall, clerk):
    enterprise = make_enterprise(hall, "12345678")
    lines = ["name,document_type,document_number"] + [
        f"p{i},hk_macau_permit,C{i:08d}" for i in range(10_000)
    ]
    with hall_request(hall):
        with pytest.raises(people.ImportRejected) as error:
            rooms.preview_staff_import(
                enterprise,
                filename="big.csv",
                data="\n".join(lines).encode(),
                actor=clerk,
                now=NOW,
            )
        assert "more than 2,000 rows" in str(error.value)  # reading stopped at the limit


@pytest.mark.parametrize(
    ("filename", "data", "words"),
    [
        ("staff.pdf", b"%PDF", ".xlsx"),
        ("staff.xlsx", b"not a zip", "could not be read"),
        ("staff.csv", b"", "empty"),
        ("staff.csv", b"name,document_type,document_number\n", "no people"),
    ],
)
def test_unreadable_staff_lists_get_a_clear_message(hall, clerk, filename, data, words):
    enterprise = make_enterprise(hall, "12345678")
    with hall_request(hall):
        with pytest.raises(people.ImportRejected) as error:
            rooms.preview_staff_import(
                enterprise, filename=filename, data=data, actor=clerk, now=NOW
            )
        assert words in str(error.value)


def test_an_excel_staff_list_of_ten_thousand_rows_is_refused_from_its_size(hall, clerk):
    enterprise = make_enterprise(hall, "12345678")
    data = _xlsx(
        [["name", "document_type", "document_number"]]
        + [[f"p{i}", "hk_macau_permit", f"C{i:08d}"] for i in range(10_000)]
    )
    with hall_request(hall):
        with pytest.raises(people.ImportRejected) as error:
            rooms.preview_staff_import(
                enterprise, filename="big.xlsx", data=data, actor=clerk, now=NOW
            )
        assert "10,000 rows" in str(error.value)
    assert db.session.scalar(select(func.count()).select_from(EnterpriseMember)) == 0


def _lying_about_its_size(data: bytes) -> bytes:
    """The same workbook, its sheet claiming to span two rows whatever it holds."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', content)
            target.writestr(item, content)
    return out.getvalue()


def test_an_excel_list_lying_about_its_size_is_counted_while_streaming(hall, clerk):
    enterprise = make_enterprise(hall, "12345678")
    rows = [["name", "document_type", "document_number"]] + [
        [f"p{i}", "hk_macau_permit", f"C{i:08d}"] for i in range(people.MAX_IMPORT_ROWS + 500)
    ]
    data = _lying_about_its_size(_xlsx(rows))
    assert load_workbook(io.BytesIO(data), read_only=True).worksheets[0].max_row == 2
    with hall_request(hall):
        with pytest.raises(people.ImportRejected) as error:
            rooms.preview_staff_import(
                enterprise, filename="big.xlsx", data=data, actor=clerk, now=NOW
            )
        assert "more than 2,000 rows" in str(error.value)


@pytest.mark.parametrize("size", [1_000, 200 * 1024])
def test_a_csv_field_too_long_is_refused_with_a_message(hall, clerk, size):
    enterprise = make_enterprise(hall, "12345678")
    data = f"name,document_type,document_number\n{'x' * size},hk_id,A123456(3)\n".encode()
    with hall_request(hall):
        with pytest.raises(people.ImportRejected) as error:
            rooms.preview_staff_import(
                enterprise, filename="staff.csv", data=data, actor=clerk, now=NOW
            )
        assert "characters" in str(error.value) or "could not be read" in str(error.value)
