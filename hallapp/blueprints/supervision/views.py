"""The supervisor's live board (their home page) and each visit's journey."""

from flask import abort, render_template
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user

from hallapp.access import role_required
from hallapp.blueprints.supervision import bp
from hallapp.htmx import render_page, unchanged_since
from hallapp.models import utcnow
from hallapp.services import journey, supervision
from hallapp.services.errors import NotFound

ACTIVITY_LABELS = {
    "serving": _l("Serving"),
    "idle": _l("Open, idle"),
    "paused": _l("Paused"),
    "closed": _lp("counter state", "Closed"),
}

supervisors = role_required("supervisor")
# Guides step in at the desk and officers see the visit's tickets: all may read a journey.
journey_readers = role_required("supervisor", "guide", "counter")


@bp.get("/", endpoint="board")
@supervisors
def board():
    """Polled every 5 s; 204 while the hall's version and the minute shown still hold."""
    hall = current_user.hall
    now = utcnow()
    if unchanged_since(hall, now):
        return "", 204
    return render_page(
        "supervision/board.html",
        "supervision/_board.html",
        board=supervision.supervisor_board(hall, now=now),
        now=now,
        activity_labels=ACTIVITY_LABELS,
    )


@bp.get("/visits/<int:visit_id>", endpoint="journey")
@journey_readers
def journey_page(visit_id):
    try:
        found = journey.visit_journey(current_user.hall, visit_id, now=utcnow())
    except NotFound:
        abort(404)
    return render_template("supervision/journey.html", journey=found)
