"""Page or fragment: the small helpers every view uses to answer htmx and plain requests alike.

The request's htmx headers are read through flask-htmx (`hallapp.extensions.htmx`), the
response headers written through its make_response: no view parses HX-* headers itself.
"""

from flask import Response, redirect, render_template, request
from flask_htmx import make_response as htmx_response
from werkzeug.wrappers import Response as BaseResponse

from hallapp.extensions import htmx
from hallapp.models import Hall
from hallapp.services import live
from hallapp.services.hall_now import minute_of
from hallapp.validation import bounded_int


def is_htmx() -> bool:
    """Any request htmx made (HX-Request: true), boosted or not."""
    return bool(htmx)


def is_partial() -> bool:
    """True when htmx asks for a piece of a page; boosted requests expect a whole page."""
    return bool(htmx) and not htmx.boosted


def render_page(page: str, partial: str, status: int = 200, **context) -> tuple[str, int]:
    """The full page for navigation, the partial when htmx asks for it."""
    return render_template(partial if is_partial() else page, **context), status


def hx_redirect(location: str) -> Response:
    """Send htmx elsewhere; htmx ignores headers on a 3xx, so this is a 200."""
    return htmx_response("", 200, redirect=location)


def redirect_after_post(location: str) -> BaseResponse:
    """HX-Redirect for htmx, 303 See Other for a plain form post."""
    if is_htmx():
        return hx_redirect(location)
    return redirect(location, 303)


def unchanged_since(hall: Hall, now) -> bool:
    """A live screen's poll, `?since=<version>&minute=<YYYYmmddHHMM>`: true (answer 204)
    while the hall's version is still the one shown and, when the screen shows minutes
    (time in hall, flags), the hall-local minute has not moved on either."""
    since = bounded_int(request.args.get("since"))
    if since is None or since != live.current_version(hall.id):
        return False
    minute = request.args.get("minute")
    return minute is None or minute == minute_of(hall, now)
