"""The guidance desk: the hall at a glance, triage, appointments, checklists and cases.

Guides work on a tablet with one hand: big targets, a search box that also takes a
card swipe, and pages that answer htmx with the piece that changed."""

from datetime import date, timedelta

from flask import Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hallapp.access import public, role_required
from hallapp.blueprints.guidance import bp, labels
from hallapp.blueprints.guidance.forms import (
    BookingForm,
    CaseForm,
    CheckInForm,
    CloseCaseForm,
    CsrfOnlyForm,
    ExpressForm,
    ImportForm,
    NoticeForm,
    SearchForm,
    SlotsForm,
)
from hallapp.extensions import db
from hallapp.forms import attach_error, choices
from hallapp.htmx import is_partial, redirect_after_post, render_page, unchanged_since
from hallapp.i18n import HALL_TIMEZONE, localized
from hallapp.models import Appointment, Hall, Service, Staff, StaffRole, utcnow
from hallapp.phone_links import checklist_url
from hallapp.services import appointments, audit, guidance, halls, identity, qr, reports
from hallapp.services.errors import HallError, NotFound
from hallapp.validation import bounded_int

desk_staff = role_required("guide", "supervisor")
supervisors = role_required("supervisor")


@bp.context_processor
def desk_labels():
    return {"desk_labels": labels}


def _hall() -> Hall:
    return current_user.hall


def _today() -> date:
    return utcnow().astimezone(HALL_TIMEZONE).date()


def _service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or service.hall_id != _hall().id:
        abort(404)
    return service


def _service_choices(hall: Hall):
    return choices((str(s.id), f"{s.code} · {localized(s)}") for s in hall.services if s.active)


# Desk home and search


@bp.get("/", endpoint="home")
@desk_staff
def home():
    hall = _hall()
    _log_case_list(hall, "desk")
    return render_template(
        "guidance/home.html",
        search=SearchForm(request.args),
        check_in=CheckInForm(),
        cases=guidance.open_cases(hall),
        overview=guidance.overview(hall, now=utcnow()),
        today_slots=appointments.slots_on(hall, _today()),
        today=_today(),
        free_counts=reports.free_services_today(hall, now=utcnow()),
    )


@bp.get("/search", endpoint="search")
@desk_staff
def search():
    """One box for a booking code, a typed number or a card swipe."""
    form = SearchForm(request.args)
    query = (form.q.data or "").strip()
    result = {"query": query}
    if query:
        hall = _hall()
        try:
            result["booking"] = appointments.find_booking(hall, query)
        except NotFound:
            result["booking"] = None
        if identity.guess_type(query):
            result["history"] = guidance.find_visitor(hall, query)
    return render_page(
        "guidance/search.html", "guidance/_search_results.html", search=form, result=result
    )


# Checklists


@bp.get("/checklists", endpoint="checklists")
@desk_staff
def checklists():
    hall = _hall()
    rows = [(s, guidance.current_checklist(s)) for s in hall.services]
    return render_template("guidance/checklists.html", rows=rows, hall=hall)


@bp.get("/checklists/<int:service_id>/edit", endpoint="edit_checklist")
@supervisors
def edit_checklist(service_id):
    service = _service(service_id)
    current = guidance.current_checklist(service)
    return render_template(
        "guidance/checklist_edit.html",
        service=service,
        current=current,
        rows=_checklist_rows(current.items if current else []),
        history=guidance.checklist_history(service),
        form=CsrfOnlyForm(),
    )


def _checklist_rows(items, blanks: int = 3):
    rows = [
        {
            "text_zh": i.text_zh,
            "text_en": i.text_en,
            "required": i.required,
            "note_zh": i.note_zh,
            "note_en": i.note_en,
        }
        for i in items
    ]
    blank = {"text_zh": "", "text_en": "", "required": True, "note_zh": "", "note_en": ""}
    return rows + [dict(blank) for _ in range(blanks)]


@bp.post("/checklists/<int:service_id>", endpoint="save_checklist")
@supervisors
def save_checklist(service_id):
    service = _service(service_id)
    form = CsrfOnlyForm()
    texts_zh = request.form.getlist("text_zh")
    count = len(texts_zh)

    def column(name):
        values = request.form.getlist(name)
        return (values + [""] * count)[:count]

    required = set(request.form.getlist("required"))
    items = [
        guidance.ItemInput(
            text_zh=zh,
            text_en=en,
            required=str(index) in required,
            note_zh=nzh,
            note_en=nen,
        )
        for index, (zh, en, nzh, nen) in enumerate(
            zip(
                texts_zh,
                column("text_en"),
                column("note_zh"),
                column("note_en"),
                strict=True,
            )
        )
    ]
    if form.validate_on_submit():
        try:
            version = guidance.save_checklist(
                service,
                items,
                actor=current_user,
                now=utcnow(),
                note=request.form.get("note", ""),
            )
        except HallError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
        else:
            flash(_("Checklist saved as version %(n)d.", n=version.number), "success")
            return redirect_after_post(url_for("guidance.edit_checklist", service_id=service.id))
    current = guidance.current_checklist(service)
    rows = [
        {
            "text_zh": i.text_zh,
            "text_en": i.text_en,
            "required": i.required,
            "note_zh": i.note_zh,
            "note_en": i.note_en,
        }
        for i in items
    ]
    return (
        render_template(
            "guidance/checklist_edit.html",
            service=service,
            current=current,
            rows=rows or _checklist_rows([]),
            history=guidance.checklist_history(service),
            form=form,
        ),
        422,
    )


def _public_service(hall_code: str, service_code: str) -> Service:
    try:
        hall = halls.get_hall(hall_code)
    except NotFound:
        abort(404)
    service = next((s for s in hall.services if s.code == service_code.upper()), None)
    if service is None or not service.active:
        abort(404)
    return service


@bp.get("/checklist/<hall_code>/<service_code>", endpoint="print_checklist")
@public
def print_checklist(hall_code, service_code):
    """One printable page per service; hotline officers read from it and send its link."""
    service = _public_service(hall_code, service_code)
    return render_template(
        "guidance/checklist_print.html",
        service=service,
        version=guidance.current_checklist(service),
        page_url=checklist_url(service),
    )


@bp.get("/checklist/<hall_code>/<service_code>/qr.svg", endpoint="checklist_qr")
@public
def checklist_qr(hall_code, service_code):
    service = _public_service(hall_code, service_code)
    link = checklist_url(service)
    # A standalone SVG (with its namespace), so <img src> and phones can open it.
    response = Response(qr.qr_svg(link), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# Appointments


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return _today()


def _slot_label(slot) -> str:
    start = slot.starts_at.astimezone(HALL_TIMEZONE).strftime("%H:%M")
    free = _("%(n)d free", n=slot.free)
    return f"{start} {slot.service.code} · {free}"


def _appointments_context(day: date, **forms):
    hall = _hall()
    # The bookings table shows names and masked documents: every look is audited.
    audit.log_view(
        "guidance.bookings.view",
        actor=current_user,
        target=f"day:{day.isoformat()}",
        hall_id=hall.id,
        address=request.remote_addr,
        now=utcnow(),
    )
    slots = appointments.slots_on(hall, day)
    # Fresh forms must not pick up the request's data: a booked citizen's number is cleared.
    booking = forms.get("booking") or BookingForm(prefix="book", formdata=None)
    booking.slot.choices = [
        (s.id, _slot_label(s)) for s in appointments.bookable_slots(hall, day, now=utcnow())
    ]
    slots_form = forms.get("slots_form") or SlotsForm(
        prefix="slots", formdata=None, first_day=day, last_day=day
    )
    slots_form.service.choices = _service_choices(hall)
    slot_ids = [s.id for s in slots]
    bookings = (
        list(
            db.session.scalars(
                select(Appointment)
                .where(Appointment.slot_id.in_(slot_ids))
                .order_by(Appointment.slot_id, Appointment.id)
            )
        )
        if slot_ids
        else []
    )
    return {
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "slots": slots,
        "bookings": bookings,
        "booking": booking,
        "slots_form": slots_form,
        "import_form": forms.get("import_form") or ImportForm(prefix="import", formdata=None),
        "import_result": forms.get("import_result"),
        "booked": forms.get("booked"),
        "oob": forms.get("oob", False),
    }


@bp.get("/appointments", endpoint="appointments")
@desk_staff
def appointments_page():
    return render_template("guidance/appointments.html", **_appointments_context(_day_arg()))


@bp.post("/appointments/book", endpoint="book")
@desk_staff
def book():
    day = _day_arg()
    form = BookingForm(prefix="book")
    context = _appointments_context(day, booking=form)
    if form.validate_on_submit():
        try:
            booked = appointments.book(
                _hall(),
                form.slot.data,
                citizen_name=form.citizen_name.data or "",
                document_number=form.document_number.data or "",
                phone=form.phone.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error, default_field="slot")
        else:
            context = _appointments_context(day, booked=booked, oob=is_partial())
            return render_page(
                "guidance/appointments.html", "guidance/_booking_form.html", **context
            )
    return render_page(
        "guidance/appointments.html", "guidance/_booking_form.html", status=422, **context
    )


@bp.post("/appointments/slots", endpoint="create_slots")
@supervisors
def create_slots():
    form = SlotsForm(prefix="slots")
    form.service.choices = _service_choices(_hall())
    if form.validate_on_submit():
        try:
            made = appointments.create_slots(
                _hall(),
                _service(int(form.service.data)),
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                minutes=form.minutes.data,
                capacity=form.capacity.data,
                actor=current_user,
                now=utcnow(),
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("%(n)d slots added.", n=made), "success")
            return redirect_after_post(
                url_for("guidance.appointments", day=form.first_day.data.isoformat())
            )
    context = _appointments_context(_day_arg(), slots_form=form)
    return render_page(
        "guidance/appointments.html", "guidance/_slots_form.html", status=422, **context
    )


@bp.post("/appointments/import", endpoint="import_bookings")
@desk_staff
def import_bookings():
    form = ImportForm(prefix="import")
    result = None
    status = 422
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read() if upload else b""
        if not data:
            form.file.errors = [_("Choose the CSV file to import.")]
        else:
            try:
                result = appointments.import_bookings(
                    _hall(), data, actor=current_user, now=utcnow()
                )
            except HallError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                status = 200 if result.ok else 422
    context = _appointments_context(
        _day_arg(),
        import_form=form,
        import_result=result,
        oob=is_partial() and status == 200,
    )
    return render_page(
        "guidance/appointments.html", "guidance/_import_form.html", status=status, **context
    )


@bp.post("/appointments/no-shows", endpoint="mark_no_shows")
@desk_staff
def mark_no_shows():
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    count = appointments.mark_no_shows(_hall(), now=utcnow())
    flash(_("%(n)d bookings marked as not come.", n=count), "success")
    return redirect_after_post(url_for("guidance.appointments", day=_day_arg().isoformat()))


# Cases


def _owner_choices(hall: Hall):
    staff = db.session.scalars(
        select(Staff)
        .join(StaffRole)
        .where(Staff.hall_id == hall.id, Staff.active, StaffRole.role.in_(["guide", "supervisor"]))
        .order_by(Staff.full_name)
        .distinct()
    )
    return [(s.id, s.full_name) for s in staff]


def _case_form(form: CaseForm | None = None) -> CaseForm:
    hall = _hall()
    form = form or CaseForm(
        owner=current_user.id, due_on=_today() + timedelta(days=7), kind=request.args.get("kind")
    )
    form.owner.choices = _owner_choices(hall)
    form.service.choices = [("", "—"), *_service_choices(hall)]
    return form


@bp.get("/cases", endpoint="cases")
@desk_staff
def cases():
    hall = _hall()
    _log_case_list(hall, "cases")
    mine = request.args.get("mine") == "1"
    return render_template(
        "guidance/cases.html",
        cases=guidance.open_cases(hall, owner=current_user if mine else None),
        mine=mine,
        today=_today(),
    )


@bp.get("/cases/new", endpoint="new_case")
@desk_staff
def new_case():
    return render_template("guidance/case_new.html", form=_case_form())


@bp.post("/cases", endpoint="create_case")
@desk_staff
def create_case():
    form = _case_form(CaseForm())
    if form.validate_on_submit():
        hall = _hall()
        owner = db.session.get(Staff, form.owner.data) if form.owner.data else None
        service = _service(int(form.service.data)) if form.service.data else None
        visit_at = form.visit_at.data.replace(tzinfo=HALL_TIMEZONE) if form.visit_at.data else None
        try:
            case = guidance.open_case(
                hall,
                kind=form.kind.data,
                owner=owner if owner and owner.hall_id == hall.id else None,
                due_on=form.due_on.data,
                summary=form.summary.data or "",
                actor=current_user,
                now=utcnow(),
                service=service,
                citizen_name=form.citizen_name.data or "",
                contact_phone=form.contact_phone.data or "",
                document_number=form.document_number.data or "",
                address=form.address.data or "",
                what_to_take=form.what_to_take.data or "",
                visit_at=visit_at,
                visit_by=form.visit_by.data or "",
                tracking_in=form.tracking_in.data or "",
                topics=form.topics.data or "",
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Case opened."), "success")
            return redirect_after_post(url_for("guidance.case", case_id=case.id))
    return render_page("guidance/case_new.html", "guidance/_case_form.html", status=422, form=form)


def _log_case_list(hall, target: str) -> None:
    """Case lists show citizens' names and masked documents: each look is audited."""
    audit.log_view(
        "guidance.cases.view",
        actor=current_user,
        target=target,
        hall_id=hall.id,
        address=request.remote_addr,
        now=utcnow(),
    )


def _case_or_404(case_id: int):
    try:
        return guidance.get_case(_hall(), case_id)
    except NotFound:
        abort(404)


@bp.get("/cases/<int:case_id>", endpoint="case")
@desk_staff
def case(case_id):
    item = _case_or_404(case_id)
    audit.log_view(
        "guidance.case.view",
        actor=current_user,
        target=f"case:{item.id}",
        hall_id=item.hall_id,
        address=request.remote_addr,
        now=utcnow(),
    )
    return render_template(
        "guidance/case.html",
        case=item,
        close_form=CloseCaseForm(),
        express_form=ExpressForm(obj=item),
    )


@bp.post("/cases/<int:case_id>/close", endpoint="close_case")
@desk_staff
def close_case(case_id):
    item = _case_or_404(case_id)
    form = CloseCaseForm()
    if form.validate_on_submit():
        try:
            guidance.close_case(item, outcome=form.outcome.data, actor=current_user, now=utcnow())
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Case closed."), "success")
            return redirect_after_post(url_for("guidance.case", case_id=item.id))
    return render_page(
        "guidance/case.html",
        "guidance/_case_close.html",
        status=422,
        case=item,
        close_form=form,
        express_form=ExpressForm(obj=item),
    )


@bp.post("/cases/<int:case_id>/express", endpoint="update_express")
@desk_staff
def update_express(case_id):
    item = _case_or_404(case_id)
    form = ExpressForm()
    if form.validate_on_submit():
        try:
            guidance.update_express(
                item,
                express_state=form.express_state.data,
                tracking_in=form.tracking_in.data or "",
                tracking_out=form.tracking_out.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Delivery updated."), "success")
            return redirect_after_post(url_for("guidance.case", case_id=item.id))
    return render_page(
        "guidance/case.html",
        "guidance/_case_express.html",
        status=422,
        case=item,
        close_form=CloseCaseForm(),
        express_form=form,
    )


# Policy notices


@bp.get("/notices", endpoint="notices")
@desk_staff
def notices():
    return render_template(
        "guidance/notices.html", notices=guidance.list_notices(_hall()), form=NoticeForm()
    )


@bp.post("/notices", endpoint="create_notice")
@desk_staff
def create_notice():
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            notice = guidance.record_notice(
                _hall(),
                title=form.title.data,
                body=form.body.data or "",
                topics=form.topics.data,
                effective_on=form.effective_on.data,
                actor=current_user,
                now=utcnow(),
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            return redirect_after_post(url_for("guidance.notice", notice_id=notice.id))
    return render_page(
        "guidance/notices.html",
        "guidance/_notice_form.html",
        status=422,
        notices=guidance.list_notices(_hall()),
        form=form,
    )


@bp.get("/notices/<int:notice_id>", endpoint="notice")
@desk_staff
def notice(notice_id):
    from hallapp.models import PolicyNotice

    item = db.session.get(PolicyNotice, notice_id)
    if item is None or item.hall_id != _hall().id:
        abort(404)
    _log_case_list(_hall(), f"notice:{item.id}")
    return render_template(
        "guidance/notice.html", notice=item, cases=guidance.cases_answered_by(item)
    )


# The hall at a glance


@bp.get("/overview", endpoint="overview")
@desk_staff
def overview():
    """Polled every few seconds; 204 while the hall's version and the minute shown still hold
    (minutes in the hall, and so the flags, move on with the clock alone)."""
    hall = _hall()
    now = utcnow()
    if unchanged_since(hall, now):
        return "", 204
    return render_template("guidance/_overview.html", overview=guidance.overview(hall, now=now))


# Triage


def _triage_services(hall: Hall):
    services = [s for s in hall.services if s.active]
    return [(s, guidance.current_checklist(s)) for s in services]


def _chosen_codes() -> list[str]:
    return [code for code in request.form.getlist("services") if code]


def _ticked() -> set[int]:
    ticked = (bounded_int(v) for v in request.form.getlist("have"))
    return {number for number in ticked if number is not None}


def _needs() -> dict[str, bool]:
    chosen = set(request.form.getlist("needs"))
    return {need: need in chosen for need in guidance.NEEDS}


def _triage_context(**extra):
    hall = _hall()
    return {
        "services": _triage_services(hall),
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
    hall = _hall()
    document_type = identity.guess_type(number)
    try:
        if document_type is None:
            raise identity.InvalidDocumentNumber(
                _("This number matches no identity card, permit or passport format.")
            )
        document = identity.check_document(document_type, number, today=_today())
    except HallError as error:
        return render_template("guidance/_swipe.html", error=error.message, number=number), 422
    history = guidance.find_visitor(hall, document.number)
    bookings = appointments.bookings_for_number(hall, document.number, _today())
    audit.log_view(
        "guidance.identity.lookup",
        actor=current_user,
        target=document.masked,
        hall_id=hall.id,
        address=request.remote_addr,
        now=utcnow(),
    )
    return render_template(
        "guidance/_swipe.html",
        document=document,
        history=history,
        bookings=bookings,
        open_tickets=guidance.open_tickets_today(hall, document.number, now=utcnow()),
        senior_age=guidance.senior_lane_age(document, today=_today()),
        form=CsrfOnlyForm(),
    )


@bp.post("/triage", endpoint="issue")
@desk_staff
def issue():
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    hall = _hall()
    try:
        result = guidance.triage(
            hall,
            _chosen_codes(),
            ticked_item_ids=_ticked(),
            needs=_needs(),
            document_number=request.form.get("document_number", ""),
            phone=request.form.get("phone", ""),
            again=request.form.get("again") == "1",
            actor=current_user,
            now=utcnow(),
        )
    except guidance.MissingDocuments as missing:
        return render_template(
            "guidance/_triage_missing.html",
            missing=missing.missing,
            items=missing.items,
            hall=hall,
        ), 422
    except guidance.VisitorHasOpenTickets as already:
        db.session.rollback()
        return render_template("guidance/_triage_again.html", tickets=already.tickets), 422
    except HallError as error:
        db.session.rollback()
        return render_template("guidance/_triage_error.html", error=error.message), 422
    return render_template(
        "guidance/_ticket_issued.html",
        tickets=result.tickets,
        visit=result.visit,
        refused=result.refused,
    )


@bp.post("/check-in", endpoint="check_in")
@desk_staff
def check_in():
    """By booking code, or by a swipe that found exactly one of today's bookings."""
    form = CheckInForm()
    hall = _hall()
    if not form.validate_on_submit():
        return render_template("guidance/_check_in_result.html", form=form), 422
    value = form.code.data.strip()
    try:
        found = appointments.find_bookings(hall, value, _today())
        if not found:
            raise NotFound(_("No booking today has this code, phone or document."))
        if len(found) > 1:
            # One phone may have booked for a family: the officer picks whose it is.
            return render_template("guidance/_check_in_choices.html", bookings=found)
        ticket = guidance.check_in(hall, found[0], actor=current_user, now=utcnow())
    except HallError as error:
        db.session.rollback()
        attach_error(form, error, default_field="code")
        return render_template("guidance/_check_in_result.html", form=form), 422
    return render_template("guidance/_ticket_issued.html", tickets=[ticket], visit=ticket.visit)
