"""Bad input never reaches the database as a 500, on any route, for anyone.

Like the access matrix, this walks the whole URL map, so a route added later is fuzzed
without editing this file. Every path parameter, every query parameter and every form
field the code reads (found in the source) gets NUL bytes, integers beyond a 64-bit
column, odd unicode and out-of-range dates, as an anonymous visitor and as each role.
No answer may be a 5xx, and input the validation layer refuses must write no row.
"""

import inspect
import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select, union_all
from werkzeug.routing import IntegerConverter

import hallapp
from hallapp.access import PUBLIC, SIGNED_IN, policy_of
from hallapp.extensions import db
from hallapp.models import ROLES, Base, utcnow
from hallapp.services import devices
from tests import builders

# Thousands of requests per role: left out of the quick loop (-m "not slow"). They prove the
# validation boundary, which is the same code on both databases, so they run on production's:
# PostgreSQL is also the stricter one (a 32-bit integer column refuses what SQLite stores).
pytestmark = [pytest.mark.slow, pytest.mark.one_database]

ANONYMOUS = "anonymous"

# Refused by the validation layer wherever they appear: nothing may be written.
REFUSED = [
    "de\x00mo",
    "9223372036854775808",  # 2**63
    "9999-12-31",
    "0001-01-01",
    "de\u202emo",  # right-to-left override
    "a\x1bb",
]
# Let through (they are text), so each view must cope with them itself: no 5xx.
ODD = [
    "\u00b2",  # superscript two: str.isdigit() is True, int() fails
    "\uff11\uff12",  # fullwidth digits
    "9223372036854775807",  # the largest that fits
    "2100-12-31",
    "\U0001f600\u0301" * 40,
]

# Routes after which the client is no longer signed in.
SESSION_ENDING = {"auth.logout"}

SOURCE = Path(hallapp.__file__).parent
_ARG_READS = re.compile(r"request\.(args|form)\.(?:get|getlist)\(\s*\"([A-Za-z_][\w-]*)\"")


def _names_read_by_the_code() -> tuple[list[str], list[str]]:
    """Query and form names: what views read directly, plus every WTForms field."""
    query: set[str] = {"since", "after", "minute", "next", "lang", "page"}
    form: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for kind, name in _ARG_READS.findall(path.read_text()):
            (query if kind == "args" else form).add(name)
    import hallapp.blueprints as blueprints

    for module_path in Path(blueprints.__file__).parent.rglob("forms.py"):
        module_name = ".".join(module_path.relative_to(SOURCE.parent).with_suffix("").parts)
        module = __import__(module_name, fromlist=["*"])
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls is not FlaskForm:
                for attr, value in vars(cls).items():
                    if hasattr(value, "field_class"):
                        form.add(attr)
                for base in cls.__mro__[1:]:
                    for attr, value in vars(base).items():
                        if hasattr(value, "field_class"):
                            form.add(attr)
    # Search forms are read from the query string too.
    return sorted(query | form), sorted(form)


def _routes(app):
    for rule in app.url_map.iter_rules():
        # /readyz reads no input and answers 503 by design here: the suite's databases are
        # made from the models, not migrated to the head it checks for.
        if rule.endpoint in ("static", "main.readyz"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _plain_values(rule) -> dict:
    return {
        name: 1 if isinstance(converter, IntegerConverter) else "demo"
        for name, converter in rule._converters.items()
    }


def _path_with(rule, name: str, payload: str) -> str:
    """The rule's URL with one parameter replaced by the raw payload (percent-encoded)."""
    from urllib.parse import quote

    values = _plain_values(rule)
    marker = "zzfuzzmarkerzz"
    values[name] = marker if not isinstance(rule._converters[name], IntegerConverter) else 7777
    url = rule.build(values)[1]
    placeholder = marker if marker in url else "7777"
    return url.replace(placeholder, quote(payload, safe=""), 1)


def _row_count() -> int:
    counts = [select(func.count()).select_from(table) for table in Base.metadata.sorted_tables]
    return sum(db.session.execute(union_all(*counts)).scalars())


@pytest.fixture
def app_config():
    # A view's exception becomes the 500 page the visitor would see, and is counted.
    return {"PROPAGATE_EXCEPTIONS": False}


def _staff_route_of(policy, who: str) -> bool:
    return policy == SIGNED_IN or (policy != PUBLIC and who in policy)


def _device_headers(hall, kind: str, counter: int | None = None) -> dict:
    _row, raw = devices.create_device_token(hall, kind, counter_number=counter, now=utcnow())
    return {"Authorization": f"Bearer {raw}"}


class Tally:
    requests = 0
    server_errors: list = []


@pytest.fixture(scope="module")
def tally():
    yield Tally
    print(f"\nURL-map fuzz: {Tally.requests} requests, {len(Tally.server_errors)} server errors")


@pytest.mark.parametrize("who", [ANONYMOUS, *ROLES])
def test_no_route_answers_bad_input_with_a_server_error(app, hall, who, tally):
    builders.make_staff(hall, *ROLES, username="everyone")  # rows for ids to point at
    query_names, form_names = _names_read_by_the_code()
    with app.test_request_context():
        # Anonymous visitors knock on every route, and so fuzz the public ones (kiosk, boards,
        # phones, the devices' API) whole; each role fuzzes the staff routes it may open
        # (that the others turn it away is the access matrix's proof).
        routes = [
            (rule, method)
            for rule, method in _routes(app)
            if who == ANONYMOUS or _staff_route_of(policy_of(rule.endpoint), who)
        ]
    staff = None if who == ANONYMOUS else builders.make_staff(hall, who, username=f"fz-{who}")
    db.session.commit()
    server_errors = []

    def signed_in_client():
        made = app.test_client()
        if staff is not None:
            epoch = db.session.get(type(staff), staff.id).session_epoch
            with made.session_transaction() as session:
                session["_user_id"] = f"{staff.id}.{epoch}"
                session["_fresh"] = True
        return made

    # One signed-in client per route: signing in costs as much as a request. Signing out is
    # the one route that ends the session, so it gets a fresh client for every request.
    client = None

    def send(method, url, **kwargs):
        response = client(url, method=method, **kwargs)
        Tally.requests += 1
        if response.status_code >= 500:
            server_errors.append((who, method, url, kwargs.get("data"), response.status_code))

    def fuzz(payloads):
        nonlocal client
        for rule, method in routes:
            if rule.endpoint in SESSION_ENDING:
                client = lambda *args, **kwargs: signed_in_client().open(*args, **kwargs)  # noqa: E731
            else:
                client = signed_in_client().open
            plain_url = rule.build(_plain_values(rule))[1]
            api = rule.endpoint.startswith("api.")
            headers = {"HX-Request": "true", **(counter_device if api else {})}
            for payload in payloads:
                for name in rule.arguments:
                    send(method, _path_with(rule, name, payload), headers=headers)
                query = {name: payload for name in query_names}
                send(method, plain_url, query_string=query, headers=headers)
                if method in ("POST", "PUT", "PATCH"):
                    form = {name: payload for name in form_names}
                    send(method, plain_url, data=form, headers=headers)
                    if api:
                        for device in (counter_device, kiosk_device):
                            send(method, plain_url, json=form, headers=device)

    counter_device = _device_headers(hall, "counter", 1)
    kiosk_device = _device_headers(hall, "kiosk")
    rows_before = _row_count()
    fuzz(REFUSED)
    db.session.expire_all()
    rows_after_refused = _row_count()
    fuzz(ODD)
    Tally.server_errors.extend(server_errors)
    assert server_errors == []
    assert rows_after_refused == rows_before
