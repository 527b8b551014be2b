"""Error pages in the user's language; htmx requests get a small fragment instead of a page."""

import contextlib

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as DBTimeoutError
from werkzeug.exceptions import HTTPException

from hallapp.extensions import db
from hallapp.htmx import is_partial
from hallapp.services.errors import NotFound

TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You do not have access to this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("This action is not available here"),
    413: lambda: _("The upload is too large"),
    422: lambda: _("Some values could not be accepted"),
    429: lambda: _("Too many attempts"),
    500: lambda: _("Something went wrong on our side"),
    503: lambda: _("The service is briefly unavailable"),
}

EXPLANATIONS = {
    400: lambda: _("Please go back and try again."),
    403: lambda: _("Your account does not have the role this page needs. Ask a supervisor."),
    404: lambda: _("The address may be mistyped, or the page has moved."),
    405: lambda: _("Please use the buttons on the page."),
    413: lambda: _("Please choose a smaller file."),
    422: lambda: _("Please go back, correct the form and try again."),
    429: lambda: _("Please wait a few minutes before trying again."),
    500: lambda: _("The problem has been logged. Please try again in a moment."),
    503: lambda: _("Please try again in a few seconds."),
}


def render_error(status: int, explanation: str | None = None):
    title = TITLES.get(status, TITLES[500])()
    explanation = explanation or EXPLANATIONS.get(status, EXPLANATIONS[500])()
    template = "errors/_error.html" if is_partial() else "errors/error.html"
    return render_template(template, status=status, title=title, explanation=explanation), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _("This form has expired or did not come from this page. Reload and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code, getattr(error, "explanation", None))

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        # A service's NotFound left to the page (get_in_hall: no such row, or another
        # hall's) is the plain 404; forms turn it into a message beside the field instead.
        return render_error(404)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DBTimeoutError)
    def database_unavailable(error):
        # The database is stopped, restarting or stalled past its timeouts: say so at once
        # (503, retry shortly) instead of a 500 or a hanging request.
        with contextlib.suppress(Exception):  # the connection may be gone
            db.session.rollback()
        app.logger.warning("database unavailable: %s", type(error).__name__)
        body, status = render_error(503)
        return body, status, {"Retry-After": "2"}

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
