"""Page or fragment: the small helpers every view uses to answer htmx and plain requests alike."""

from flask import Response, make_response, render_template, request


def is_partial() -> bool:
    """True when htmx asks for a piece of a page; boosted requests expect a whole page."""
    return request.headers.get("HX-Request") == "true" and "HX-Boosted" not in request.headers


def render_shape(page: str, partial: str, **context) -> str:
    """The full page for navigation, the partial when htmx asks for it."""
    return render_template(partial if is_partial() else page, **context)


def render_page(page: str, partial: str, status: int = 200, **context) -> tuple[str, int]:
    """render_shape with a status."""
    return render_shape(page, partial, **context), status


def hx_redirect(location: str) -> Response:
    """Send htmx elsewhere; htmx ignores headers on a 3xx, so this is a 200."""
    response = make_response("", 200)
    response.headers["HX-Redirect"] = location
    return response


def redirect_after_post(location: str) -> Response:
    """HX-Redirect for htmx, 303 See Other for a plain form post."""
    if request.headers.get("HX-Request") == "true":
        return hx_redirect(location)
    response = make_response("", 303)
    response.headers["Location"] = location
    return response


def unchanged_since(hall, now) -> bool:
    """A live screen's poll, `?since=<version>&minute=<YYYYmmddHHMM>`: true (answer 204)
    while the hall's version is still the one shown and, when the screen shows minutes
    (time in hall, flags), the hall-local minute has not moved on either."""
    from hallapp.services import live
    from hallapp.services.hall_now import minute_of
    from hallapp.validation import bounded_int

    since = bounded_int(request.args.get("since"))
    if since is None or since != live.current_version(hall.id):
        return False
    minute = request.args.get("minute")
    return minute is None or minute == minute_of(hall, now)
