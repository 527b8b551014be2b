from datetime import date

import pytest
from flask_babel import force_locale
from stdnum.cn import ric

from hallapp.services.identity import (
    InvalidDocumentNumber,
    check_document,
    guess_type,
    keyed_hash,
    mask,
)

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", "11010519491231002x", "110105 19491231 002X", "360426199101010071"],
)
def test_valid_resident_id_numbers_pass_with_lower_case_x_and_spaces(number):
    document = check_document("resident_id", number, today=TODAY)
    assert document.number == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "last character"),
        ("110105199902300015", "birth date"),
        ("11010549123100", "18 characters"),
        ("110105209901010012", "future"),
    ],
)
def test_invalid_resident_id_numbers_say_what_is_wrong(app, number, reason):
    with pytest.raises(InvalidDocumentNumber) as error:
        check_document("resident_id", number, today=TODAY)
    with force_locale("en"):
        assert reason in str(error.value.message)


def resident_id(area: str, born: str, sequence: str = "002") -> str:
    """A well-formed card number with its check character computed, as a card carries it."""
    body = area + born + sequence
    return body + ric.calc_check_digit(body + "0")


# Region codes listed in stdnum's table only from the 1980s on (天河区 [1985-], 浦东新区
# [1992-], 武侯区 [1990-], 滨海新区 [2009-] ...), yet cards issued there carry them for
# people born long before.
SENIORS_CARDS = [
    resident_id("440106", "19550601"),  # 广州 天河区
    resident_id("440104", "19300115"),  # 广州 越秀区
    resident_id("310115", "19480229"),  # 上海 浦东新区, a leap day
    resident_id("510107", "19600930"),  # 成都 武侯区
    resident_id("330106", "19421231"),  # 杭州 西湖区
    resident_id("420106", "19510707"),  # 武汉 武昌区
    resident_id("610113", "19390318"),  # 西安 雁塔区
    resident_id("120116", "19571111"),  # 天津 滨海新区
    resident_id("350203", "19330505", "013"),  # 厦门 思明区
]


def test_the_issue_s_card_is_one_of_the_computed_ones():
    assert "440106195506010029" in SENIORS_CARDS


@pytest.mark.parametrize("number", SENIORS_CARDS)
def test_seniors_cards_pass_though_their_region_code_is_younger_than_them(number):
    assert check_document("resident_id", number, today=TODAY).number == number


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (resident_id("990105", "19491231"), "region code"),
        (resident_id("440199", "19550601"), "region code"),
        (resident_id("440106", "19550231"), "birth date"),
        (resident_id("440106", "20261128"), "future"),
    ],
)
def test_cards_with_an_unknown_region_or_impossible_date_are_still_refused(app, number, reason):
    with pytest.raises(InvalidDocumentNumber) as error:
        check_document("resident_id", number, today=TODAY)
    with force_locale("en"):
        assert reason in str(error.value.message)


@pytest.mark.parametrize("number", ["A123456(3)", "AB987654(3)", "a1234563"])
def test_hong_kong_identity_numbers_are_checked(number):
    assert check_document("hk_id", number, today=TODAY).number.startswith("A")


def test_hong_kong_identity_number_with_wrong_check_character_is_refused(app):
    with pytest.raises(InvalidDocumentNumber):
        check_document("hk_id", "A123456(4)", today=TODAY)


@pytest.mark.parametrize(
    ("document_type", "number"),
    [
        ("hk_macau_permit", "C12345678"),
        ("hk_macau_permit", "CA1234567"),
        ("home_return_permit", "H12345678"),
        ("macau_id", "15123456"),
        ("taiwan_permit", "12345678"),
        ("passport", "E12345678"),
        ("passport", "EA1234567"),
    ],
)
def test_permits_and_passports_are_accepted_by_format(document_type, number):
    assert check_document(document_type, number, today=TODAY).number == number


def test_guess_type_recognises_a_swiped_resident_id():
    assert guess_type("11010519491231002x") == "resident_id"
    assert guess_type("C12345678") == "hk_macau_permit"


def test_mask_keeps_only_the_ends():
    assert mask("11010519491231002X") == "110************02X"
    assert mask("C12345678") == "C1*****78"


def test_keyed_hash_depends_on_key_and_type_and_is_stable():
    one = keyed_hash("resident_id", "11010519491231002x", "k1")
    assert one == keyed_hash("resident_id", "11010519491231002X", "k1")
    assert one != keyed_hash("resident_id", "11010519491231002X", "k2")
    assert one != keyed_hash("passport", "11010519491231002X", "k1")
    assert "11010519491231002X" not in one
