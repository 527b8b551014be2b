"""What the feedback screens (and the ratings beside them) share."""

from flask import Response, abort, make_response

from hallapp.access import role_required
from hallapp.errors import render_error
from hallapp.models import Hall
from hallapp.services import feedback, halls, qr
from hallapp.services.errors import NotFound

# The same roles the service lets own a suggestion: an owner never meets a 403.
supervisor_only = role_required(*feedback.ACTING_ROLES)


def public_hall(code: str) -> Hall:
    """The hall a citizen's link names; an unknown code is a 404 page that says so."""
    try:
        return halls.get_hall(code)
    except NotFound as error:
        abort(make_response(*render_error(404, str(error.message))))


def qr_svg(url: str) -> Response:
    response = Response(qr.qr_svg(url, scale=6), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
