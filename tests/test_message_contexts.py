"""Short words with two meanings never share one message id (issue 13, item 11).

The console's Start button read 首页 (home page) and the enterprise register headed
company names 姓名 (a person's name) because each was one msgid used in two senses.
Each word listed here may only appear with a message context, and its contexts that
mean different things translate differently.
"""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.test_translations import CATALOG, KEYWORDS, METHODS, OPTIONS, ROOT

# Each ambiguous word, and the meanings it is used in (context -> Simplified Chinese).
MEANINGS = {
    "Start": {"begin serving": "开始办理", "home page": "首页"},
    "Name": {"person": "姓名", "organisation": "名称"},
    "Open": {"counter state": "开放", "case state": "办理中"},
    "Closed": {"counter state": "关闭", "case state": "已结案"},
    "Done": {"finish button": "完成"},
    "New": {"import row": "新增"},
    "Check": {"verify button": "核验"},
    "Close": {"suggestion step": "办结"},
    "Code": {"hall or service code": "代码", "tracking code": "查询码", "booking code": "预约码"},
    "Line": {"phone line": "线路", "line of business": "项目"},
    # Not used yet; when they are, they come with a context.
    "Call": {},
    "Order": {},
}


def _uses():
    for filename, _line, message, _comments, context in extract_from_dir(
        ROOT / "hallapp", METHODS, OPTIONS, KEYWORDS
    ):
        yield filename, (message[0] if isinstance(message, tuple) else message), context


def test_no_ambiguous_word_is_used_without_a_context():
    bare = sorted({(name, msgid) for name, msgid, ctx in _uses() if msgid in MEANINGS and not ctx})
    assert bare == []


def test_every_context_of_an_ambiguous_word_is_one_of_its_listed_meanings():
    used = {(msgid, ctx) for _name, msgid, ctx in _uses() if msgid in MEANINGS}
    listed = {(word, ctx) for word, senses in MEANINGS.items() for ctx in senses}
    assert used - listed == set()


def test_each_meaning_has_its_own_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans_CN")
    for word, senses in MEANINGS.items():
        for context, chinese in senses.items():
            assert catalog.get(word, context=context).string == chinese, (word, context)


BUTTON_OR_HEAD = re.compile(
    r"<(?:button|th)\b[^>]*>\s*\{\{\s*_\(\"([^\"]{1,12})\"\)\s*\}\}\s*</(?:button|th)>"
)


def test_no_short_button_or_column_head_shares_its_msgid_with_another_meaning():
    """A one-word label on a button or column head may not be a bare msgid used elsewhere
    in a listed ambiguous sense: those must carry the context of their meaning."""
    templates = Path(ROOT / "hallapp" / "templates")
    labels = set()
    for path in templates.rglob("*.html"):
        labels.update(BUTTON_OR_HEAD.findall(path.read_text(encoding="utf-8")))
    assert labels, "the pattern should find the hall's buttons and column heads"
    assert sorted(labels & set(MEANINGS)) == []


def test_the_console_start_button_and_the_register_name_column_say_what_they_mean(login_as, hall):
    from tests.enterprise_builders import make_enterprise

    officer = login_as("counter")
    officer.post("/queue/counters/1/sign-in", headers={"HX-Request": "true"})
    console = officer.get("/queue/counters/1")
    start = re.search(r'<button[^>]*data-key="s"[^>]*>([^<]+)<kbd>', console.text).group(1)
    assert start.strip() == "开始办理"

    make_enterprise(hall, "12345678", name_zh="港丰贸易有限公司")
    register = login_as("enterprise").get("/enterprise/")
    heads = re.findall(r'<th scope="col">([^<]+)</th>', register.text)
    assert heads[0] == "名称"
