"""The citizen's side: the suggestion form, the tracking page, "you said, we did"."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hallapp.access import public
from hallapp.blueprints.feedback import bp
from hallapp.blueprints.feedback.forms import SuggestionForm, TrackForm
from hallapp.blueprints.feedback.spam import filled_too_fast, stamp_to_keep
from hallapp.blueprints.feedback.views.common import public_hall, qr_svg
from hallapp.extensions import limiter
from hallapp.forms import attach_error, submit
from hallapp.htmx import render_page, render_shape
from hallapp.models import Hall, utcnow
from hallapp.phone_links import phone_url
from hallapp.services import feedback, feedback_figures
from hallapp.services.errors import HallError


def _hall_limit_key() -> str:
    return "suggest-hall:" + str((request.view_args or {}).get("hall_code", ""))[:40]


def _new_form(hall, form=None) -> str:
    form = form or SuggestionForm(formdata=None)
    form.started.data = stamp_to_keep(form.started.data, utcnow())
    return render_shape(
        "feedback/suggest.html",
        "feedback/_suggest_form.html",
        hall=hall,
        form=form,
        track_form=TrackForm(formdata=None),
    )


def _send(hall: Hall, form: SuggestionForm):
    # What is missing is named first (the form validated); the fill-time check only
    # guards a complete form.
    now = utcnow()
    if filled_too_fast(form.started.data, now):
        raise HallError(_("That was very quick. Please check your suggestion, then send it again."))
    return feedback.submit_suggestion(
        hall,
        text=form.text.data,
        category=form.category.data,
        contact_phone=form.contact_phone.data,
        wants_reply=form.wants_reply.data,
        channel="kiosk" if request.args.get("from") == "kiosk" else "form",
        now=now,
    )


@bp.route("/suggest/<hall_code>", methods=["GET", "POST"], endpoint="suggest")
@public
@limiter.limit(
    lambda: current_app.config["SUGGESTION_LIMIT_PER_ADDRESS"],
    methods=["POST"],
)
@limiter.limit(
    lambda: current_app.config["SUGGESTION_LIMIT_PER_HALL"],
    methods=["POST"],
    key_func=_hall_limit_key,
)
def suggest(hall_code):
    hall = public_hall(hall_code)
    if request.method == "GET":
        return _new_form(hall)
    form = SuggestionForm()
    if form.website.data:
        # A bot filled the hidden field: refuse quietly, store nothing.
        form.form_errors.append(_("Your suggestion could not be sent. Please try again."))
        return _new_form(hall, form), 400
    return submit(
        form,
        lambda: _send(hall, form),
        done=lambda suggestion: render_page(
            "feedback/thanks.html",
            "feedback/_thanks.html",
            hall=hall,
            suggestion=suggestion,
            reply_days=feedback.reply_days(hall, suggestion.category),
        ),
        invalid=lambda: _new_form(hall, form),
    )


@bp.get("/suggest/<hall_code>/qr.svg", endpoint="form_qr")
@public
def form_qr(hall_code):
    """The QR code posted in the hall, pointing at the form."""
    hall = public_hall(hall_code)
    return qr_svg(phone_url("feedback.suggest", hall_code=hall.code))


@bp.get("/suggest/<hall_code>/track", endpoint="find")
@public
def find(hall_code):
    """The small "I have a tracking code" form: sends the citizen to their page."""
    hall = public_hall(hall_code)
    form = TrackForm(request.args)
    if form.validate():
        try:
            suggestion = feedback.find_by_code(hall, form.code.data)
        except HallError as error:
            attach_error(form, error)
        else:
            return redirect(
                url_for("feedback.track", hall_code=hall.code, code=suggestion.tracking_code),
                303,
            )
    return render_template("feedback/find.html", hall=hall, track_form=form), 404


@bp.get("/suggest/<hall_code>/<code>", endpoint="track")
@public
def track(hall_code, code):
    hall = public_hall(hall_code)
    try:
        suggestion = feedback.find_by_code(hall, code)
    except HallError as error:
        form = TrackForm(formdata=None, code=code[:20])
        attach_error(form, error)
        return render_template("feedback/find.html", hall=hall, track_form=form), 404
    return render_template("feedback/track.html", hall=hall, suggestion=suggestion)


@bp.get("/suggest/<hall_code>/<code>/qr.svg", endpoint="track_qr")
@public
def track_qr(hall_code, code):
    hall = public_hall(hall_code)
    try:
        suggestion = feedback.find_by_code(hall, code)
    except HallError:
        abort(404)
    return qr_svg(phone_url("feedback.track", hall_code=hall.code, code=suggestion.tracking_code))


@bp.get("/said-and-done/<hall_code>", endpoint="said_and_done")
@public
def said_and_done(hall_code):
    hall = public_hall(hall_code)
    return render_template(
        "feedback/said_and_done.html", hall=hall, items=feedback_figures.said_and_done(hall)
    )


@bp.get("/said-and-done/<hall_code>/board", endpoint="said_and_done_board")
@public
def said_and_done_board(hall_code):
    """A fragment the display board shows between calls; empty unless the hall wants it."""
    hall = public_hall(hall_code)
    items = feedback_figures.display_items(hall)
    if not items:
        return "", 204
    return render_template("feedback/_board.html", hall=hall, items=items)
