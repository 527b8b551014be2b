"""Citizen suggestions: the public form and tracking page, staff entry, the supervisors' desk."""

from datetime import timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
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
from hallapp.blueprints.feedback import bp
from hallapp.blueprints.feedback.forms import (
    AppealForm,
    CalendarDayForm,
    DeadlineForm,
    DecisionForm,
    DisplayForm,
    DuplicateForm,
    FiguresForm,
    FollowUpForm,
    InboxFilterForm,
    PublishForm,
    RatingForm,
    ReasonForm,
    ReplyForm,
    StaffSuggestionForm,
    SuggestionForm,
    TabletSetupForm,
    TemplateForm,
    TextForm,
    TrackForm,
    TriageForm,
)
from hallapp.blueprints.feedback.spam import filled_too_fast, stamp_to_keep
from hallapp.errors import render_error
from hallapp.extensions import db, limiter
from hallapp.forms import attach_error, choices
from hallapp.htmx import is_partial, redirect_after_post, render_page
from hallapp.i18n import service_day
from hallapp.models import DeviceToken, ReplyTemplate, Staff, utcnow
from hallapp.phone_links import phone_url
from hallapp.services import calendar, feedback, halls, qr, queue, ratings
from hallapp.services.errors import HallError, NotFound
from hallapp.validation import bounded_int

# The same roles the service lets own a suggestion: an owner never meets a 403.
supervisor_only = role_required(*feedback.ACTING_ROLES)


def _hall(code: str):
    try:
        return halls.get_hall(code)
    except NotFound as error:
        abort(make_response(*render_error(404, str(error.message))))


def _qr_svg(url: str) -> Response:
    response = Response(qr.qr_svg(url, scale=6), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# The citizen's side


def _hall_limit_key() -> str:
    return "suggest-hall:" + str((request.view_args or {}).get("hall_code", ""))[:40]


def _new_form(hall, form=None, status=200):
    form = form or SuggestionForm(formdata=None)
    form.started.data = stamp_to_keep(form.started.data, utcnow())
    return render_page(
        "feedback/suggest.html",
        "feedback/_suggest_form.html",
        status=status,
        hall=hall,
        form=form,
        track_form=TrackForm(formdata=None),
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
    hall = _hall(hall_code)
    if request.method == "GET":
        return _new_form(hall)
    form = SuggestionForm()
    now = utcnow()
    if form.website.data:
        # A bot filled the hidden field: refuse quietly, store nothing.
        form.form_errors.append(_("Your suggestion could not be sent. Please try again."))
        return _new_form(hall, form, status=400)
    # What is missing is named first; the fill-time check only guards a complete form.
    if not form.validate_on_submit():
        return _new_form(hall, form, status=422)
    if filled_too_fast(form.started.data, now):
        form.form_errors.append(
            _("That was very quick. Please check your suggestion, then send it again.")
        )
        return _new_form(hall, form, status=422)
    try:
        suggestion = feedback.submit_suggestion(
            hall,
            text=form.text.data,
            category=form.category.data,
            contact_phone=form.contact_phone.data,
            wants_reply=form.wants_reply.data,
            channel="kiosk" if request.args.get("from") == "kiosk" else "form",
            now=now,
        )
    except HallError as error:
        attach_error(form, error)
        return _new_form(hall, form, status=422)
    return render_page(
        "feedback/thanks.html",
        "feedback/_thanks.html",
        hall=hall,
        suggestion=suggestion,
        reply_days=feedback.reply_days(hall, suggestion.category),
    )


@bp.get("/suggest/<hall_code>/qr.svg", endpoint="form_qr")
@public
def form_qr(hall_code):
    """The QR code posted in the hall, pointing at the form."""
    hall = _hall(hall_code)
    return _qr_svg(phone_url("feedback.suggest", hall_code=hall.code))


@bp.get("/suggest/<hall_code>/track", endpoint="find")
@public
def find(hall_code):
    """The small "I have a tracking code" form: sends the citizen to their page."""
    hall = _hall(hall_code)
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
    hall = _hall(hall_code)
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
    hall = _hall(hall_code)
    try:
        suggestion = feedback.find_by_code(hall, code)
    except HallError:
        abort(404)
    return _qr_svg(phone_url("feedback.track", hall_code=hall.code, code=suggestion.tracking_code))


@bp.get("/said-and-done/<hall_code>", endpoint="said_and_done")
@public
def said_and_done(hall_code):
    hall = _hall(hall_code)
    return render_template(
        "feedback/said_and_done.html", hall=hall, items=feedback.said_and_done(hall)
    )


@bp.get("/said-and-done/<hall_code>/board", endpoint="said_and_done_board")
@public
def said_and_done_board(hall_code):
    """A fragment the display board shows between calls; empty unless the hall wants it."""
    hall = _hall(hall_code)
    items = feedback.display_items(hall)
    if not items:
        return "", 204
    return render_template("feedback/_board.html", hall=hall, items=items)


# Staff writing down a suggestion for a citizen


@bp.route("/feedback/record", methods=["GET", "POST"], endpoint="record")
@role_required("guide", "supervisor")
def record():
    hall = current_user.hall
    form = StaffSuggestionForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            suggestion = feedback.submit_suggestion(
                hall,
                text=form.text.data,
                category=form.category.data,
                contact_phone=form.contact_phone.data,
                wants_reply=form.wants_reply.data,
                channel=form.channel.data,
                visit_ref=form.visit_ref.data,
                recorded_by=current_user,
                now=utcnow(),
            )
        except HallError as error:
            attach_error(form, error)
        else:
            return render_page(
                "feedback/record.html",
                "feedback/_recorded.html",
                hall=hall,
                suggestion=suggestion,
                form=StaffSuggestionForm(formdata=None),
            )
    status = 422 if request.method == "POST" else 200
    return render_page(
        "feedback/record.html", "feedback/_record_form.html", status=status, hall=hall, form=form
    )


# The supervisors' desk


def _owner_choices(hall, blank):
    return choices(
        [*blank, *((str(staff.id), staff.full_name) for staff in feedback.possible_owners(hall))]
    )


@bp.get("/feedback/", endpoint="inbox")
@supervisor_only
def inbox():
    hall = current_user.hall
    form = InboxFilterForm(request.args)
    form.owner.choices = _owner_choices(
        hall, [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody yet"))]
    )
    filters = feedback.InboxFilter(
        status=form.status.data or "",
        category=form.category.data or "",
        age=form.age.data or "",
        owner=form.owner.data or "",
    )
    now = utcnow()
    items = feedback.inbox(hall, filters, me=current_user, now=now)
    return render_page(
        "feedback/inbox.html",
        "feedback/_inbox_results.html",
        hall=hall,
        form=form,
        items=items,
        now=now,
        limit=feedback.INBOX_LIMIT,
    )


def _suggestion(suggestion_id):
    try:
        return feedback.get_suggestion(current_user.hall, suggestion_id)
    except NotFound:
        abort(404)


def _detail_forms(suggestion, **given):
    hall = suggestion.hall
    triage = given.get("triage") or TriageForm(
        formdata=None,
        category=suggestion.category,
        owner=str(suggestion.owner_id or current_user.id),
        urgency=suggestion.urgency,
    )
    triage.owner.choices = _owner_choices(hall, [("", _("Nobody yet"))])
    reply = given.get("reply") or ReplyForm(formdata=None, reply=suggestion.public_reply or "")
    templates = feedback.active_templates(hall)
    return {
        "triage": triage,
        "reply": reply,
        "templates": templates,
        "note": given.get("note") or TextForm(formdata=None, prefix="note"),
        "action": given.get("action") or TextForm(formdata=None, prefix="action"),
        "follow_up": given.get("follow_up")
        or FollowUpForm(formdata=None, happened_on=service_day(utcnow())),
        "reopen": given.get("reopen") or ReasonForm(formdata=None),
        "duplicate": given.get("duplicate") or DuplicateForm(formdata=None),
        "publish": given.get("publish")
        or PublishForm(
            formdata=None,
            change=suggestion.published_change
            or "; ".join(action.text for action in suggestion.actions),
        ),
        "errors": given.get("errors", []),
    }


def _render_detail(suggestion, status=200, **given):
    return render_page(
        "feedback/detail.html",
        "feedback/_detail.html",
        status=status,
        suggestion=suggestion,
        forms=_detail_forms(suggestion, **given),
        now=utcnow(),
        has_callback=feedback.has_callback(suggestion),
        saved=given.get("saved"),
    )


@bp.get("/feedback/<int:suggestion_id>", endpoint="detail")
@supervisor_only
def detail(suggestion_id):
    return _render_detail(_suggestion(suggestion_id))


def _after_step(suggestion, done):
    if is_partial():
        return _render_detail(suggestion, saved=done)
    # Without htmx the page is loaded again: the message rides along as a flash.
    flash(done, "success")
    return redirect_after_post(url_for("feedback.detail", suggestion_id=suggestion.id))


def _step(suggestion_id, form_name, form, run, done):
    """Validate `form`, run the step; on a refusal, show the detail again with the message."""
    suggestion = _suggestion(suggestion_id)
    if form is None or form.validate_on_submit():
        try:
            run(suggestion, form)
        except HallError as error:
            db.session.rollback()
            if form is not None:
                attach_error(form, error)
                return _render_detail(suggestion, status=422, **{form_name: form})
            return _render_detail(suggestion, status=422, errors=[str(error.message)])
        return _after_step(suggestion, done)
    return _render_detail(suggestion, status=422, **{form_name: form})


@bp.post("/feedback/<int:suggestion_id>/triage", endpoint="triage")
@supervisor_only
def triage(suggestion_id):
    form = TriageForm()
    form.owner.choices = _owner_choices(current_user.hall, [("", "")])

    def run(suggestion, form):
        owner = db.session.get(Staff, int(form.owner.data)) if form.owner.data else None
        feedback.triage(
            suggestion,
            actor=current_user,
            now=utcnow(),
            category=form.category.data,
            owner=owner,
            urgency=form.urgency.data,
        )

    return _step(suggestion_id, "triage", form, run, done=_("Triage saved."))


@bp.post("/feedback/<int:suggestion_id>/start", endpoint="start")
@supervisor_only
def start(suggestion_id):
    return _step(
        suggestion_id,
        "",
        None,
        lambda s, _f: feedback.start_work(s, actor=current_user, now=utcnow()),
        done=_("Work started."),
    )


@bp.post("/feedback/<int:suggestion_id>/reply", endpoint="reply")
@supervisor_only
def reply(suggestion_id):
    return _step(
        suggestion_id,
        "reply",
        ReplyForm(),
        lambda s, f: feedback.reply(s, actor=current_user, now=utcnow(), text=f.reply.data),
        done=_("Reply published on the tracking page."),
    )


@bp.get("/feedback/templates/<int:template_id>/text", endpoint="template_text")
@supervisor_only
def template_text(template_id):
    """The reply box filled from a template, swapped in place by htmx."""
    template = db.session.get(ReplyTemplate, template_id)
    if template is None or template.hall_id != current_user.hall_id:
        abort(404)
    form = ReplyForm(formdata=None, reply=template.body)
    return render_template("feedback/_reply_text.html", form=form)


@bp.post("/feedback/<int:suggestion_id>/close", endpoint="close")
@supervisor_only
def close(suggestion_id):
    return _step(
        suggestion_id,
        "",
        None,
        lambda s, _f: feedback.close(s, actor=current_user, now=utcnow()),
        done=_("Suggestion closed."),
    )


@bp.post("/feedback/<int:suggestion_id>/reopen", endpoint="reopen")
@supervisor_only
def reopen(suggestion_id):
    return _step(
        suggestion_id,
        "reopen",
        ReasonForm(),
        lambda s, f: feedback.reopen(s, actor=current_user, now=utcnow(), reason=f.reason.data),
        done=_("Suggestion reopened."),
    )


@bp.post("/feedback/<int:suggestion_id>/duplicate", endpoint="duplicate")
@supervisor_only
def duplicate(suggestion_id):
    return _step(
        suggestion_id,
        "duplicate",
        DuplicateForm(),
        lambda s, f: feedback.mark_duplicate(
            s, original_code=f.original.data, actor=current_user, now=utcnow()
        ),
        done=_("Marked as a duplicate and closed."),
    )


@bp.post("/feedback/<int:suggestion_id>/note", endpoint="note")
@supervisor_only
def note(suggestion_id):
    return _step(
        suggestion_id,
        "note",
        TextForm(prefix="note"),
        lambda s, f: feedback.add_note(s, actor=current_user, now=utcnow(), text=f.text.data),
        done=_("Note added."),
    )


@bp.post("/feedback/<int:suggestion_id>/action", endpoint="action")
@supervisor_only
def action(suggestion_id):
    return _step(
        suggestion_id,
        "action",
        TextForm(prefix="action"),
        lambda s, f: feedback.record_action(s, actor=current_user, now=utcnow(), text=f.text.data),
        done=_("Action recorded."),
    )


@bp.post("/feedback/<int:suggestion_id>/follow-up", endpoint="follow_up")
@supervisor_only
def follow_up(suggestion_id):
    return _step(
        suggestion_id,
        "follow_up",
        FollowUpForm(),
        lambda s, f: feedback.record_follow_up(
            s,
            actor=current_user,
            now=utcnow(),
            kind=f.kind.data,
            happened_on=f.happened_on.data,
            outcome=f.outcome.data,
        ),
        done=_("Follow-up recorded."),
    )


@bp.post("/feedback/<int:suggestion_id>/publish", endpoint="publish")
@supervisor_only
def publish(suggestion_id):
    return _step(
        suggestion_id,
        "publish",
        PublishForm(),
        lambda s, f: feedback.publish(s, actor=current_user, now=utcnow(), change=f.change.data),
        done=_("Published on the public page."),
    )


@bp.post("/feedback/<int:suggestion_id>/unpublish", endpoint="unpublish")
@supervisor_only
def unpublish(suggestion_id):
    return _step(
        suggestion_id,
        "",
        None,
        lambda s, _f: feedback.unpublish(s, actor=current_user, now=utcnow()),
        done=_("Taken off the public page."),
    )


@bp.post("/feedback/<int:suggestion_id>/contact", endpoint="contact")
@supervisor_only
def contact(suggestion_id):
    """Reveal the phone number; the look is audited."""
    suggestion = _suggestion(suggestion_id)
    phone = feedback.view_contact(
        suggestion, actor=current_user, now=utcnow(), address=request.remote_addr
    )
    return render_template("feedback/_contact.html", suggestion=suggestion, phone=phone)


# Figures, templates and deadlines, the calendar


@bp.get("/feedback/figures", endpoint="figures")
@supervisor_only
def figures():
    hall = current_user.hall
    today = service_day(utcnow())
    form = FiguresForm(request.args, start=today - timedelta(days=29), end=today)
    if not request.args:
        form = FiguresForm(formdata=None, start=today - timedelta(days=29), end=today)
    result = None
    status = 200
    if form.validate():
        if form.start.data > form.end.data:
            form.end.errors = [_("The end date must not be before the start date.")]
            status = 422
        else:
            result = feedback.figures(hall, form.start.data, form.end.data)
    else:
        status = 422
    return render_page(
        "feedback/figures.html",
        "feedback/_figures_results.html",
        status=status,
        hall=hall,
        form=form,
        result=result,
    )


def _settings_page(status=200, **given):
    hall = current_user.hall
    setting = feedback.settings(hall)
    return render_page(
        "feedback/templates.html",
        "feedback/_settings.html",
        status=status,
        hall=hall,
        templates=feedback.active_templates(hall),
        deadlines=feedback.reply_deadlines(hall),
        template_form=given.get("template_form") or TemplateForm(formdata=None),
        deadline_form=given.get("deadline_form") or DeadlineForm(formdata=None, working_days=5),
        display_form=DisplayForm(formdata=None, show_on_display=setting.show_on_display),
        saved=given.get("saved"),
    )


@bp.get("/feedback/templates", endpoint="templates")
@supervisor_only
def templates():
    return _settings_page()


@bp.post("/feedback/templates", endpoint="create_template")
@supervisor_only
def create_template():
    form = TemplateForm()
    if form.validate_on_submit():
        try:
            feedback.save_template(
                current_user.hall, title=form.title.data, body=form.body.data, actor=current_user
            )
        except HallError as error:
            attach_error(form, error)
        else:
            return _settings_page(saved=_("Template saved."))
    return _settings_page(status=422, template_form=form)


@bp.post("/feedback/templates/<int:template_id>/retire", endpoint="retire_template")
@supervisor_only
def retire_template(template_id):
    template = db.session.get(ReplyTemplate, template_id)
    if template is None or template.hall_id != current_user.hall_id:
        abort(404)
    feedback.retire_template(template, actor=current_user)
    return _settings_page(saved=_("Template removed."))


@bp.post("/feedback/deadlines", endpoint="set_deadline")
@supervisor_only
def set_deadline():
    form = DeadlineForm()
    if form.validate_on_submit():
        try:
            feedback.set_reply_deadline(
                current_user.hall, form.category.data, form.working_days.data, actor=current_user
            )
        except HallError as error:
            attach_error(form, error)
        else:
            return _settings_page(saved=_("Reply deadline saved."))
    return _settings_page(status=422, deadline_form=form)


@bp.post("/feedback/display", endpoint="set_display")
@supervisor_only
def set_display():
    form = DisplayForm()
    feedback.set_show_on_display(current_user.hall, form.show_on_display.data, actor=current_user)
    return _settings_page(saved=_("Display setting saved."))


def _calendar_page(form=None, status=200, saved=None):
    hall = current_user.hall
    today = service_day(utcnow())
    return render_page(
        "feedback/calendar.html",
        "feedback/_calendar.html",
        status=status,
        hall=hall,
        days=calendar.list_days(hall, start=today.replace(month=1, day=1)),
        form=form or CalendarDayForm(formdata=None),
        saved=saved,
    )


@bp.get("/feedback/calendar", endpoint="calendar")
@supervisor_only
def calendar_page():
    return _calendar_page()


@bp.post("/feedback/calendar", endpoint="add_calendar_day")
@supervisor_only
def add_calendar_day():
    form = CalendarDayForm()
    if form.validate_on_submit():
        try:
            calendar.add_day(
                current_user.hall,
                form.day.data,
                form.kind.data,
                form.note.data,
                actor=current_user,
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            return _calendar_page(saved=_("Date added."))
    return _calendar_page(form=form, status=422)


@bp.post("/feedback/calendar/<int:day_id>/remove", endpoint="remove_calendar_day")
@supervisor_only
def remove_calendar_day(day_id):
    try:
        calendar.remove_day(current_user.hall, day_id, actor=current_user)
    except NotFound:
        abort(404)
    return _calendar_page(saved=_("Date removed."))


# Rating a visit


def _ticket(public_id):
    try:
        return queue.get_ticket_by_public_id(public_id)
    except HallError:
        abort(make_response(*render_error(404, _("We could not find this ticket."))))


def _rating_panel(ticket, form=None, status=200, rating=None, error=None):
    rating = rating or ratings.rating_of(ticket.visit)
    source = request.values.get("source", "tracking")
    if form is None:
        form = RatingForm(formdata=None, source=source)
    return render_page(
        "feedback/rate.html",
        "feedback/_rating.html",
        status=status,
        ticket=ticket,
        form=form,
        rating=rating,
        rateable=ratings.last_finished_ticket(ticket.visit) is not None,
        error=error,
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
    if not form.validate_on_submit():
        return _rating_panel(ticket, form, status=422)
    try:
        rating = ratings.rate_visit(
            ticket,
            level=int(form.level.data),
            reasons=form.reasons.data,
            comment=form.comment.data,
            contact_phone=form.contact_phone.data,
            source="tablet" if _on_its_counters_tablet(ticket) else "tracking",
            now=utcnow(),
        )
    except (ratings.AlreadyRated, ratings.NotYetRateable) as error:
        db.session.rollback()
        return _rating_panel(ticket, status=422, error=str(error.message))
    except HallError as error:
        db.session.rollback()
        attach_error(form, error)
        return _rating_panel(ticket, form, status=422)
    return _rating_panel(ticket, rating=rating)


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
        "feedback/tablet_setup.html",
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
    hall = _hall(hall_code)
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
        "feedback/tablet.html",
        "feedback/_tablet.html",
        hall=hall,
        number=number,
        ticket=ticket,
        form=form,
        rating=None,
        rateable=ticket is not None,
        error=None,
        tablet_counter=ticket.counter if ticket else None,
    )


@bp.post("/rate/counter/<hall_code>/<int:number>/setup", endpoint="tablet_setup")
@public
@limiter.limit(lambda: current_app.config["KIOSK_SETUP_LIMIT"])
def tablet_setup(hall_code, number):
    """Staff open a counter's rating tablet with the counter's device token (or #token=)."""
    hall = _hall(hall_code)
    form = TabletSetupForm()
    if not form.validate_on_submit():
        return _tablet_not_set_up(hall, number, form, _("Enter the device token."), 422)
    device = ratings.tablet_device(hall, number, form.token.data, now=utcnow())
    if device is None:
        message = _("This token is not the device token of this counter.")
        return _tablet_not_set_up(hall, number, form, message, 422)
    session["tablet"] = {"hall": hall.code, "counter": number, "device": device.id}
    session.permanent = True  # for KIOSK_SESSION_LIFETIME, like a kiosk
    return redirect(url_for("feedback.rate_tablet", hall_code=hall.code, number=number), 303)


@bp.get("/ratings/mine", endpoint="my_ratings")
@role_required("counter", "enterprise")
def my_ratings():
    return render_template(
        "feedback/my_ratings.html",
        items=ratings.ratings_of_officer(current_user),
        form=AppealForm(formdata=None),
    )


@bp.post("/ratings/<int:rating_id>/appeal", endpoint="appeal")
@role_required("counter", "enterprise")
def appeal(rating_id):
    try:
        rating = ratings.get_rating(current_user.hall, rating_id)
    except NotFound:
        abort(404)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            ratings.appeal(rating, officer=current_user, reason=form.reason.data, now=utcnow())
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            return render_template("feedback/_my_rating.html", r=rating, form=form)
    return render_template("feedback/_my_rating.html", r=rating, form=form), 422


@bp.get("/ratings/appeals", endpoint="appeals")
@supervisor_only
def appeals():
    return render_template(
        "feedback/appeals.html",
        items=ratings.pending_appeals(current_user.hall),
        form=DecisionForm(formdata=None),
    )


@bp.post("/ratings/<int:rating_id>/decide", endpoint="decide_appeal")
@supervisor_only
def decide_appeal(rating_id):
    try:
        rating = ratings.get_rating(current_user.hall, rating_id)
    except NotFound:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            ratings.decide_appeal(
                rating,
                supervisor=current_user,
                upheld=form.upheld.data == "yes",
                note=form.note.data,
                now=utcnow(),
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            return render_template("feedback/_appeal.html", r=rating, form=form)
    return render_template("feedback/_appeal.html", r=rating, form=form), 422
