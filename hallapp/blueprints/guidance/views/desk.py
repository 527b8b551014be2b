"""The desk itself: the hall at a glance, one search box, triage into tickets, check-in."""

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.blueprints.guidance import bp
from hallapp.blueprints.guidance.forms import CheckInForm, CsrfOnlyForm, SearchForm
from hallapp.blueprints.guidance.views.common import desk_staff, hall, log_case_list, today
from hallapp.extensions import db
from hallapp.forms import submit
from hallapp.htmx import render_page, unchanged_since
from hallapp.models import Hall, utcnow
from hallapp.services import appointments, audit, cases, checklists, guidance, identity, reports
from hallapp.services.errors import HallError, NotFound
from hallapp.validation import bounded_int


@bp.get("/", endpoint="home")
@desk_staff
def home():
    desk = hall()
    log_case_list(desk, "desk")
    return render_template(
        "guidance/home.html",
        search=SearchForm(request.args),
        check_in=CheckInForm(),
        cases=cases.open_cases(desk),
        overview=guidance.overview(desk, now=utcnow()),
        today_slots=appointments.slots_on(desk, today()),
        today=today(),
        free_counts=reports.free_services_today(desk, now=utcnow()),
    )


@bp.get("/search", endpoint="search")
@desk_staff
def search():
    """One box for a booking code, a typed number or a card swipe."""
    form = SearchForm(request.args)
    query = (form.q.data or "").strip()
    result = {"query": query}
    if query:
        desk = hall()
        try:
            result["booking"] = appointments.find_booking(desk, query)
        except NotFound:
            result["booking"] = None
        if identity.guess_type(query):
            result["history"] = guidance.find_visitor(desk, query)
    return render_page(
        "guidance/search.html", "guidance/_search_results.html", search=form, result=result
    )


@bp.get("/overview", endpoint="overview")
@desk_staff
def overview():
    """Polled every few seconds; 204 while the hall's version and the minute shown still hold
    (minutes in the hall, and so the flags, move on with the clock alone)."""
    desk = hall()
    now = utcnow()
    if unchanged_since(desk, now):
        return "", 204
    return render_template("guidance/_overview.html", overview=guidance.overview(desk, now=now))


def _triage_services(desk: Hall):
    services = [s for s in desk.services if s.active]
    return [(s, checklists.current_checklist(s)) for s in services]


def _chosen_codes() -> list[str]:
    return [code for code in request.form.getlist("services") if code]


def _ticked() -> set[int]:
    ticked = (bounded_int(v) for v in request.form.getlist("have"))
    return {number for number in ticked if number is not None}


def _needs() -> dict[str, bool]:
    chosen = set(request.form.getlist("needs"))
    return {need: need in chosen for need in guidance.NEEDS}


def _triage_context(**extra):
    return {
        "services": _triage_services(hall()),
        "chosen": set(_chosen_codes()) if request.method == "POST" else set(),
        "ticked": _ticked(),
        "needs": {k for k, v in _needs().items() if v} if request.method == "POST" else set(),
        "form": CsrfOnlyForm(),
        **extra,
    }


@bp.get("/triage", endpoint="triage")
@desk_staff
def triage():
    return render_template("guidance/triage.html", **_triage_context())


@bp.post("/triage/swipe", endpoint="swipe")
@desk_staff
def swipe():
    """The card reader types the number and presses Enter; check it and look the holder up."""
    number = (request.form.get("document_number") or "").strip()
    desk = hall()
    document_type = identity.guess_type(number)
    try:
        if document_type is None:
            raise identity.InvalidDocumentNumber(
                _("This number matches no identity card, permit or passport format.")
            )
        document = identity.check_document(document_type, number, today=today())
    except HallError as error:
        return render_template("guidance/_swipe.html", error=error.message, number=number), 422
    history = guidance.find_visitor(desk, document.number)
    bookings = appointments.bookings_for_number(desk, document.number, today())
    audit.log_view(
        "guidance.identity.lookup",
        actor=current_user,
        target=document.masked,
        hall_id=desk.id,
        address=request.remote_addr,
        now=utcnow(),
    )
    return render_template(
        "guidance/_swipe.html",
        document=document,
        history=history,
        bookings=bookings,
        open_tickets=guidance.open_tickets_today(desk, document.number, now=utcnow()),
        senior_age=guidance.senior_lane_age(document, today=today()),
        form=CsrfOnlyForm(),
    )


def _triage_refused(error: HallError) -> str:
    """Each refusal of triage has its own panel: what is missing, the tickets the visitor
    already holds (issue again only when the officer confirms), or the reason."""
    if isinstance(error, guidance.MissingDocuments):
        return render_template(
            "guidance/_triage_missing.html", missing=error.missing, items=error.items, hall=hall()
        )
    if isinstance(error, guidance.VisitorHasOpenTickets):
        return render_template("guidance/_triage_again.html", tickets=error.tickets)
    return render_template("guidance/_triage_error.html", error=error.message)


@bp.post("/triage", endpoint="issue")
@desk_staff
def issue():
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = guidance.triage(
            hall(),
            _chosen_codes(),
            ticked_item_ids=_ticked(),
            needs=_needs(),
            document_number=request.form.get("document_number", ""),
            phone=request.form.get("phone", ""),
            again=request.form.get("again") == "1",
            actor=current_user,
            now=utcnow(),
        )
    except HallError as error:
        # Not a form to show again with messages: the refusal is the answer.
        db.session.rollback()
        return _triage_refused(error), 422
    return render_template(
        "guidance/_ticket_issued.html",
        tickets=result.tickets,
        visit=result.visit,
        refused=result.refused,
    )


def _find_and_check_in(value: str):
    """Today's booking the code, phone or document finds, checked in; or several to pick from."""
    found = appointments.find_bookings(hall(), value, today())
    if not found:
        raise NotFound(_("No booking today has this code, phone or document."))
    if len(found) > 1:
        # One phone may have booked for a family: the officer picks whose it is.
        return found
    return appointments.check_in(hall(), found[0], actor=current_user, now=utcnow())


@bp.post("/check-in", endpoint="check_in")
@desk_staff
def check_in():
    """By booking code, or by a swipe that found exactly one of today's bookings."""
    form = CheckInForm()

    def answered(outcome):
        if isinstance(outcome, list):
            return render_template("guidance/_check_in_choices.html", bookings=outcome)
        return render_template(
            "guidance/_ticket_issued.html", tickets=[outcome], visit=outcome.visit
        )

    return submit(
        form,
        lambda: _find_and_check_in(form.code.data.strip()),
        done=answered,
        invalid=lambda: render_template("guidance/_check_in_result.html", form=form),
        default_field="code",
    )
