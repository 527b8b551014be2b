"""Simplified Chinese is the default: every English source string must have its translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "hallapp" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    # Short words with two meanings carry a context: it is part of the key.
    "pgettext": ((1, "c"), 2),
    "_lp": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def _key(message, context) -> tuple[str | None, str]:
    return context, message[0] if isinstance(message, tuple) else message


def _source_strings() -> set[tuple[str | None, str]]:
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT / "hallapp", METHODS, OPTIONS, KEYWORDS
    ):
        found.add(_key(message, context))
    return found


def test_every_string_in_the_code_has_a_chinese_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans_CN")
    translated = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = _key(message.id, message.context)
        text = message.string[0] if isinstance(message.string, tuple) else message.string
        if text:
            translated[key] = text
    missing = sorted(_source_strings() - set(translated))
    assert missing == [], "run `make i18n` and translate these in messages.po"


HANT_CATALOG = ROOT / "hallapp" / "translations" / "zh_Hant_HK" / "LC_MESSAGES" / "messages.po"
# Public screens also speak Traditional Chinese, for visitors from Hong Kong and Macau.
PUBLIC_SOURCES = [
    (ROOT / "hallapp" / "templates" / "public", [("**.html", "jinja2")]),
    (ROOT / "hallapp" / "blueprints" / "public", [("**.py", "python")]),
    # The citizen's own pages of the suggestion box and the rating, under the public header.
    (
        ROOT / "hallapp" / "templates" / "feedback",
        [
            (f"{name}.html", "jinja2")
            for name in (
                "suggest",
                "_suggest_form",
                "thanks",
                "_thanks",
                "find",
                "_track_form",
                "track",
                "_reply_text",
                "said_and_done",
                "rate",
                "_rating",
            )
        ],
    ),
]


def test_every_string_of_the_public_screens_has_a_traditional_chinese_translation():
    found = set()
    for folder, methods in PUBLIC_SOURCES:
        for _file, _line, message, _comments, context in extract_from_dir(
            folder, methods, {"**.html": {"extensions": "jinja2.ext.do"}}, KEYWORDS
        ):
            found.add(_key(message, context))
    with HANT_CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hant_HK")
    translated = {_key(m.id, m.context) for m in catalog if m.id and m.string and not m.fuzzy}
    assert len(found) > 40
    assert sorted(found - translated) == []
