"""The layer's text check (validation.text_problem) takes a fast path for plain ASCII: it must
say exactly what the character-by-character check says."""

import pytest

from hallapp import validation


@pytest.mark.parametrize("code", range(0x80))
def test_every_ascii_character_is_judged_as_the_full_check_judges_it(code):
    char = chr(code)
    expected = None if 0x20 <= code < 0x7F else "control character"
    assert validation.text_problem(f"A{char}1") == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("张三 A001", None),
        ("line\nbreak", "control character"),
        ("abc\u202edef", "bidirectional control"),
        ("\ud800", "unpaired surrogate"),
        ("\ufffe", "noncharacter"),
    ],
)
def test_text_beyond_ascii_still_goes_through_the_full_check(text, problem):
    assert validation.text_problem(text) == problem


def test_line_breaks_pass_where_a_form_allows_them():
    assert validation.text_problem("one\r\ntwo\tthree", allow_line_breaks=True) is None
