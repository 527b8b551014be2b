"""Polls that find nothing new, answered before Flask builds a request for them.

Boards poll every second, display devices as often, phones every few seconds; between two
changes of a hall nearly all of those polls get 204, and they are most of a hall's
traffic. For each, Flask would push a request context, open the session and a database
session and run every hook, to say "nothing new" from values the worker already holds
(render_cache.recent and lasting: the hall's version, which hall a code, a ticket or a
device token belongs to).

The gate says it from those values alone. Each polled view registers, beside itself, the
condition on which it answers 204 (`unchanged`), written against a `Poll`: what the
request asks and what the worker remembers. The gate answers only when that condition
holds for certain; a value it does not hold or holds too old (`Poll.remembered` raises
`Unknown`), a device due to be marked seen, a query the view would refuse: the request goes
on to the view, which reads what is missing and remembers it for the next poll. The
answer carries what the view's 204 carries (security headers, request id, the session's
cookie), and is logged and measured as the view's would be.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from hallapp import answer_headers, observe, validation
from hallapp.models import utcnow

_CHECKS: dict[str, Callable[[Poll], bool]] = {}


def unchanged(endpoint: str):
    """Register `check(poll) -> bool` as the condition on which `endpoint` answers 204."""

    def register(check: Callable[[Poll], bool]) -> Callable[[Poll], bool]:
        _CHECKS[endpoint] = check
        return check

    return register


class Unknown(Exception):
    """The worker does not hold this value now: only the view can tell."""


@dataclass
class Poll:
    request: Request
    view_args: dict[str, Any]
    now: datetime
    app: Flask
    # Set by a check that read the signed session: the answer saves it as Flask would.
    session: Any = None

    @property
    def args(self) -> MultiDict:
        return self.request.args

    @property
    def headers(self) -> Headers:
        return self.request.headers

    @property
    def partial(self) -> bool:
        """htmx asks for a piece of the page (hallapp.htmx.is_partial)."""
        headers = self.request.headers
        return headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"

    def remembered(self, key: Hashable) -> Any:
        """What render_cache.recent(key, ...) would give without loading; Unknown if it
        would load."""
        store = self.app.extensions.get("hall_recent_values")
        if store is None:
            raise Unknown(key)
        found, value = store.peek(key)
        if not found:
            raise Unknown(key)
        return value

    def lasting(self, key: Hashable) -> Any:
        """What render_cache.lasting(key, ...) would give without loading; Unknown if not."""
        store = self.app.extensions.get("hall_lasting_values")
        found, value = store.peek(key) if store is not None else (False, None)
        if not found:
            raise Unknown(key)
        return value

    def same_version(self, hall_id: int) -> bool:
        """The poll's ?since= is the hall's version (render_cache.hall_version)."""
        since = validation.bounded_int(self.args.get("since"))
        return since is not None and since == self.remembered(("version", hall_id))

    def open_session(self):
        """The signed session as Flask would open it for this request (once)."""
        if self.session is None:
            self.session = self.app.session_interface.open_session(self.app, self.request)
            if self.session is None:  # no secret key: Flask's null session, the view's
                raise Unknown("session")
        return self.session


class PollGate:
    """WSGI middleware in front of the app's own `wsgi_app`."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.standard = answer_headers.standard(app.config)
        # Each screen polls the same few addresses all day: what each matched, by the
        # parts of the request that Flask's URL adapter and its match read.
        self.matched: dict[tuple, tuple[str, dict[str, Any]] | None] = {}

    def __call__(self, environ, start_response):
        # Every poll that can be answered 204 says since= which version it showed.
        if environ.get("REQUEST_METHOD") == "GET" and "since=" in environ.get("QUERY_STRING", ""):
            answer = self.answer(environ)
            if answer is not None:
                return answer(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def answer(self, environ):
        """The view's 204, or None when the view must answer."""
        started = time.perf_counter()
        request = Request(environ)
        matched = self.match(request)
        if matched is None:
            return None
        endpoint, view_args = matched
        check = _CHECKS.get(endpoint)
        if check is None or validation.query_problem(request.args):
            return None
        poll = Poll(request, dict(view_args), utcnow(), self.app)
        try:
            if not check(poll):
                return None
            poll.open_session()
        except Unknown:
            return None
        response = self.app.response_class(status=204)
        answer_headers.add(response, endpoint=endpoint, standard=self.standard)
        request_id = response.headers["X-Request-ID"] = observe.new_request_id(request.headers)
        # The session as a view's answer saves it: Flask-Login reads it in every request
        # (Vary: Cookie), and a permanent one (a set-up board's) is renewed by every poll.
        if poll.session:
            poll.session.accessed = True
            self.app.session_interface.save_session(self.app, poll.session, response)
        else:  # all that saving an empty, unchanged session does
            response.vary.add("Cookie")
        seconds = time.perf_counter() - started
        observe.record_answer(self.app, request, endpoint, 204, seconds, request_id)
        return response

    def match(self, request: Request) -> tuple[str, dict[str, Any]] | None:
        """(endpoint, view_args) as Flask would route the request; None where it would not."""
        environ = request.environ
        key = tuple(environ.get(name) for name in ROUTED_BY)
        if key in self.matched:
            return self.matched[key]
        try:
            # Flask's own adapter: its SERVER_NAME and TRUSTED_HOSTS apply here too.
            adapter = self.app.create_url_adapter(request)
            found = adapter.match() if adapter is not None else None
        except HTTPException:
            found = None
        if len(self.matched) >= MATCHES_KEPT:
            self.matched.clear()
        self.matched[key] = found
        return found


# What Flask's URL adapter and its match read of a GET request's environ.
ROUTED_BY = (
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "SCRIPT_NAME",
    "PATH_INFO",
)
# Boards and devices poll a few addresses each, phones one per ticket: a day's worth.
MATCHES_KEPT = 8192


def install(app: Flask) -> None:
    app.wsgi_app = PollGate(app, app.wsgi_app)  # type: ignore[method-assign]
