"""Every route declares who may open it, and the declaration is what actually happens.

The walk covers the whole URL map, so a route added later is checked without editing
this file: anonymous visitors are sent to sign in (or get the public page), and each
role reaches exactly the pages its policy names.
"""

import pytest
from werkzeug.routing import IntegerConverter

from hallapp.access import PUBLIC, SIGNED_IN, policy_of
from hallapp.models import ROLES

ANONYMOUS = "anonymous"


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url_for_rule(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = 1 if isinstance(converter, IntegerConverter) else "demo"
    return rule.build(values)[1]


def test_every_route_declares_an_access_policy(app):
    with app.test_request_context():
        undeclared = [
            rule.endpoint for rule, _method in _routes(app) if policy_of(rule.endpoint) is None
        ]
    assert undeclared == []


def _allowed(policy, who: str) -> bool:
    if policy == PUBLIC:
        return True
    if who == ANONYMOUS:
        return False
    return policy == SIGNED_IN or who in policy


@pytest.mark.parametrize("who", [ANONYMOUS, *ROLES])
def test_each_role_reaches_exactly_its_pages(app, login_as, who):
    with app.test_request_context():
        checks = [(rule, method, policy_of(rule.endpoint)) for rule, method in _routes(app)]
    wrong = []
    for rule, method, policy in checks:
        url = _url_for_rule(rule)
        # A fresh client each time: signing out must not leak into the next request.
        client = app.test_client() if who == ANONYMOUS else login_as(who)
        response = client.open(url, method=method)
        sent_to_login = response.status_code in (302, 303) and "/auth/login?next=" in (
            response.headers.get("Location") or ""
        )
        refused = response.status_code == 403 or sent_to_login
        if _allowed(policy, who) == refused:
            wrong.append((method, url, response.status_code, policy))
        if who == ANONYMOUS and not _allowed(policy, who) and not sent_to_login:
            wrong.append((method, url, response.status_code, "anonymous must be sent to sign in"))
    assert wrong == []


REPORT_PAGES = [
    "/reports/",
    "/reports/report.csv",
    "/reports/report.xlsx",
    "/reports/daily",
    "/reports/forecast",
    "/reports/forecast.csv",
    "/reports/forecast.xlsx",
]


@pytest.mark.parametrize("who", ROLES)
def test_reports_supervisors_their_hall_administrators_every_hall(app, login_as, who):
    """Reports: a supervisor reads their own hall, an administrator any hall or all of
    them together; guides, counter officers and clerks read none."""
    from tests import builders

    builders.make_hall("north")
    client = login_as(who)
    for page in REPORT_PAGES:
        for hall, allowed in (
            ("demo", who in ("supervisor", "admin")),
            ("north", who == "admin"),
            ("all", who == "admin" and "forecast" not in page),
        ):
            status = client.get(f"{page}?hall={hall}").status_code
            assert (status == 200) == allowed, (who, page, hall, status)
            assert status in (200, 403, 422), (who, page, hall, status)


def test_unauthenticated_htmx_request_is_redirected_by_header(client, hall):
    response = client.get(
        "/admin/services",
        headers={"HX-Request": "true", "HX-Current-URL": "http://hall.test/admin/services"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=")
    assert "admin/services" in response.headers["HX-Redirect"]


@pytest.mark.parametrize(("who", "theirs", "other"), [("counter", 1, 10), ("enterprise", 10, 1)])
def test_counter_staff_work_only_the_counters_of_their_room(app, login_as, who, theirs, other):
    """access.COUNTER_ROOMS: a hall officer never works an enterprise-room counter, nor the
    room's clerk a main-hall one. Every console address of the other room's counter is
    refused: 404 (no such counter for them), or 403 for the room's own steps."""
    with app.test_request_context():
        rules = [
            (rule, method)
            for rule, method in _routes(app)
            if rule.endpoint.startswith("queue.") and "number" in rule.arguments
        ]
    client = login_as(who)
    reached = []
    for rule, method in rules:
        url = rule.build({name: other if name == "number" else 1 for name in rule.arguments})[1]
        status = client.open(url, method=method, headers={"HX-Request": "true"}).status_code
        if status not in (403, 404):
            reached.append((method, url, status))
    assert len(rules) > 10 and reached == []
    assert client.get(f"/queue/counters/{theirs}").status_code == 200


def test_staff_of_both_rooms_work_the_counters_of_both(login_as):
    both = login_as("counter", "enterprise")
    assert [both.get(f"/queue/counters/{n}").status_code for n in (1, 10)] == [200, 200]
    listing = both.get("/queue/counters").text
    assert 'href="/queue/counters/1"' in listing and 'href="/queue/counters/10"' in listing
