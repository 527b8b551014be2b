"""The suite's shared URL builders (tests/url_builders.py) build what Werkzeug's own do."""

from werkzeug.routing import Map, Rule

from tests import url_builders


def _urls(rules: list[Rule]) -> list[tuple[str, str]]:
    adapter = Map(rules).bind("hall.test")
    return [
        adapter.build("counter", {"number": 7}),
        adapter.build("counter", {"number": 7, "since": 3}),
        adapter.build("ticket", {"public_id": "a b/c"}),
        adapter.build("page", {}),
        adapter.build("page", {"page": 2}),
    ]


def _rules() -> list[Rule]:
    return [
        Rule("/queue/counters/<int:number>", endpoint="counter"),
        Rule("/t/<public_id>", endpoint="ticket"),
        Rule("/reports/", endpoint="page", defaults={"page": 1}),
        Rule("/reports/<int:page>", endpoint="page"),
    ]


def test_shared_builders_build_the_same_urls_as_werkzeugs_own():
    shared = _urls(_rules())  # installed by conftest for the whole suite
    assert Rule._compile_builder is url_builders._shared_builder
    try:
        Rule._compile_builder = url_builders._compile_builder
        own = _urls(_rules())
    finally:
        url_builders.install()
    assert shared == own
    assert shared[0] == "/queue/counters/7" and shared[1] == "/queue/counters/7?since=3"
    assert shared[2] == "/t/a%20b/c" and shared[3] == "/reports/"
