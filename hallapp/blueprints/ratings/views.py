"""Rating a visit: the citizen's panel (tracking page or the tablet beside the counter), the
officer's own ratings and appeals, and the supervisors' decisions on them."""

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.access import public, role_required
from hallapp.blueprints.feedback.views.common import public_hall, supervisor_only
from hallapp.blueprints.ratings import bp
from hallapp.blueprints.ratings.forms import AppealForm, DecisionForm, RatingForm, TabletSetupForm
from hallapp.errors import render_error
from hallapp.extensions import db, limiter
from hallapp.forms import submit
from hallapp.htmx import is_partial, render_page, render_shape
from hallapp.models import DeviceToken, VisitRating, utcnow
from hallapp.services import halls, queue, ratings
from hallapp.services.errors import HallError, NotFound
from hallapp.validation import bounded_int

officers = role_required("counter", "enterprise")


def _ticket(public_id):
    try:
        return queue.get_ticket_by_public_id(public_id)
    except HallError:
        abort(make_response(*render_error(404, _("We could not find this ticket."))))


def _rating_panel(ticket, form=None, rating=None) -> str:
    """The rating form; once the visit is rated (here or in another tab), the thanks."""
    rating = rating or ratings.rating_of(ticket.visit)
    source = request.values.get("source", "tracking")
    if form is None:
        form = RatingForm(formdata=None, source=source)
    return render_shape(
        "ratings/rate.html",
        "ratings/_rating.html",
        ticket=ticket,
        form=form,
        rating=rating,
        rateable=ratings.last_finished_ticket(ticket.visit) is not None,
        tablet_counter=ticket.counter if source == "tablet" else None,
    )


@bp.route("/rate/<public_id>", methods=["GET", "POST"], endpoint="rate")
@public
@limiter.limit(lambda: current_app.config["SUGGESTION_LIMIT_PER_ADDRESS"], methods=["POST"])
def rate(public_id):
    """The rating of a visit, keyed by any of its tickets; the tracking page can include it."""
    ticket = _ticket(public_id)
    if request.method == "GET":
        return _rating_panel(ticket)
    form = RatingForm()
    return submit(
        form,
        lambda: ratings.rate_visit(
            ticket,
            level=int(form.level.data),
            reasons=form.reasons.data,
            comment=form.comment.data,
            contact_phone=form.contact_phone.data,
            source="tablet" if _on_its_counters_tablet(ticket) else "tracking",
            now=utcnow(),
        ),
        done=lambda rating: _rating_panel(ticket, rating=rating),
        invalid=lambda: _rating_panel(ticket, form),
    )


def _tablet_device(hall, number):
    """This browser's tablet session, if staff opened it with this counter's device token."""
    opened = session.get("tablet")
    if not opened or opened.get("hall") != hall.code or opened.get("counter") != number:
        return None
    device = db.session.get(DeviceToken, bounded_int(opened.get("device")) or 0)
    if not ratings.tablet_device_is_valid(device, hall, number, now=utcnow()):
        session.pop("tablet", None)
        return None
    return device


def _on_its_counters_tablet(ticket) -> bool:
    counter = ticket.counter
    return counter is not None and _tablet_device(ticket.hall, counter.number) is not None


def _tablet_not_set_up(hall, number, form=None, message=None, status=401):
    return render_template(
        "ratings/tablet_setup.html",
        hall=hall,
        number=number,
        form=form or TabletSetupForm(formdata=None),
        message=message,
    ), status


@bp.get("/rate/counter/<hall_code>/<int:number>", endpoint="rate_tablet")
@public
def rate_tablet(hall_code, number):
    """The tablet beside a counter: offers the rating of the visit just finished there.

    Only a tablet opened with that counter's device token shows it (its form holds the
    ticket's id, which is the citizen's own key to the rating)."""
    hall = public_hall(hall_code)
    try:
        ticket = ratings.ticket_for_tablet(hall, number, now=utcnow())
    except NotFound:
        abort(404)
    if _tablet_device(hall, number) is None:
        if is_partial():
            return "", 286  # htmx stops polling; a reload shows the set-up page
        return _tablet_not_set_up(hall, number)
    form = RatingForm(formdata=None, source="tablet") if ticket else None
    return render_page(
        "ratings/tablet.html",
        "ratings/_tablet.html",
        hall=hall,
        number=number,
        ticket=ticket,
        form=form,
        rating=None,
        rateable=ticket is not None,
        tablet_counter=ticket.counter if ticket else None,
    )


@bp.post("/rate/counter/<hall_code>/<int:number>/setup", endpoint="tablet_setup")
@public
@limiter.limit(lambda: current_app.config["KIOSK_SETUP_LIMIT"])
def tablet_setup(hall_code, number):
    """Staff open a counter's rating tablet with the counter's device token (or #token=)."""
    hall = public_hall(hall_code)
    form = TabletSetupForm()
    if not form.validate_on_submit():
        return _tablet_not_set_up(hall, number, form, _("Enter the device token."), 422)
    device = ratings.tablet_device(hall, number, form.token.data, now=utcnow())
    if device is None:
        message = _("This token is not the device token of this counter.")
        return _tablet_not_set_up(hall, number, form, message, 422)
    session["tablet"] = {"hall": hall.code, "counter": number, "device": device.id}
    session.permanent = True  # for KIOSK_SESSION_LIFETIME, like a kiosk
    return redirect(url_for("ratings.rate_tablet", hall_code=hall.code, number=number), 303)


@bp.get("/ratings/mine", endpoint="my_ratings")
@officers
def my_ratings():
    return render_template(
        "ratings/my_ratings.html",
        items=ratings.ratings_of_officer(current_user),
        form=AppealForm(formdata=None),
    )


def _rating_step(rating_id: int, form, row: str, run):
    """A step on one of the hall's ratings, answered with the rating's row (and the form's
    messages when it is refused)."""
    rating = halls.get_in_hall(VisitRating, rating_id, current_user.hall)

    def shown(_result=None):
        return render_template(row, r=rating, form=form)

    return submit(form, lambda: run(rating), done=shown, invalid=shown)


@bp.post("/ratings/<int:rating_id>/appeal", endpoint="appeal")
@officers
def appeal(rating_id):
    form = AppealForm()
    return _rating_step(
        rating_id,
        form,
        "ratings/_my_rating.html",
        lambda rating: ratings.appeal(
            rating, officer=current_user, reason=form.reason.data, now=utcnow()
        ),
    )


@bp.get("/ratings/appeals", endpoint="appeals")
@supervisor_only
def appeals():
    return render_template(
        "ratings/appeals.html",
        items=ratings.pending_appeals(current_user.hall),
        form=DecisionForm(formdata=None),
    )


@bp.post("/ratings/<int:rating_id>/decide", endpoint="decide_appeal")
@supervisor_only
def decide_appeal(rating_id):
    form = DecisionForm()
    return _rating_step(
        rating_id,
        form,
        "ratings/_appeal.html",
        lambda rating: ratings.decide_appeal(
            rating,
            supervisor=current_user,
            upheld=form.upheld.data == "yes",
            note=form.note.data,
            now=utcnow(),
        ),
    )
