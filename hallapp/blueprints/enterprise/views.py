"""The enterprise room: the register, its people, bookings, services and figures."""

from datetime import datetime, timedelta

from flask import Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hallapp.access import role_required
from hallapp.blueprints.enterprise import bp
from hallapp.blueprints.enterprise.forms import (
    AppointmentForm,
    EnterpriseForm,
    FiguresForm,
    ImportForm,
    MemberForm,
    MergeForm,
    ServiceForm,
)
from hallapp.blueprints.enterprise.labels import ALL as LABELS
from hallapp.extensions import db
from hallapp.forms import attach_error
from hallapp.htmx import redirect_after_post, render_page
from hallapp.i18n import HALL_TIMEZONE, service_day
from hallapp.models import Counter, Enterprise, EnterpriseAppointment, EnterpriseMember, utcnow
from hallapp.services import audit, live, queue
from hallapp.services import enterprise as rooms
from hallapp.services.enterprise.serving import TicketNotHere
from hallapp.services.errors import HallError, NotFound
from hallapp.services.halls import get_in_hall
from hallapp.validation import bounded_int

room_staff = role_required("enterprise", "supervisor")


@bp.context_processor
def enterprise_labels():
    return {
        "enterprise_labels": LABELS,
        "queue_status": lambda ticket: queue.STATUS_LABELS[ticket.status],
    }


def _hall():
    return current_user.hall


def _in_hall(model, row_id: int):
    """A row of the clerk's hall by its id from the URL; any other is as absent as none."""
    try:
        return get_in_hall(model, row_id, _hall())
    except NotFound:
        abort(404)


def _enterprise(enterprise_id: int) -> Enterprise:
    return _in_hall(Enterprise, enterprise_id)


def _enterprise_form(**kwargs) -> EnterpriseForm:
    form = EnterpriseForm(**kwargs)
    form.clerk_id.choices = [("", _("Not assigned"))] + [
        (staff.id, staff.full_name) for staff in rooms.enterprise_clerks(_hall())
    ]
    return form


# The register


@bp.get("/", endpoint="index")
@room_staff
def index():
    return enterprises()


@bp.get("/enterprises", endpoint="enterprises")
@room_staff
def enterprises():
    query = request.args.get("q", "").strip()
    results = rooms.search_enterprises(_hall(), query)
    return render_page(
        "enterprise/enterprises.html", "enterprise/_results.html", query=query, results=results
    )


@bp.get("/enterprises/new", endpoint="new_enterprise")
@room_staff
def new_enterprise():
    form = _enterprise_form()
    return render_template("enterprise/enterprise_form.html", form=form, enterprise=None)


def _save(enterprise, form):
    return rooms.save_enterprise(
        enterprise,
        hall=_hall(),
        name_zh=form.name_zh.data,
        name_en=form.name_en.data,
        place=form.place.data,
        registration_number=form.registration_number.data,
        mainland_address=form.mainland_address.data,
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        clerk_id=form.clerk_id.data,
        status=form.status.data,
        actor=current_user,
    )


def _save_and_show(enterprise, form):
    duplicate = None
    if form.validate_on_submit():
        try:
            saved = _save(enterprise, form)
        except rooms.DuplicateEnterprise as error:
            db.session.rollback()
            attach_error(form, error)
            duplicate = error.existing
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect_after_post(url_for("enterprise.enterprise", enterprise_id=saved.id))
    return render_page(
        "enterprise/enterprise_form.html",
        "enterprise/_enterprise_form.html",
        status=422,
        form=form,
        enterprise=enterprise,
        duplicate=duplicate,
    )


@bp.post("/enterprises", endpoint="create_enterprise")
@room_staff
def create_enterprise():
    return _save_and_show(None, _enterprise_form())


@bp.get("/enterprises/<int:enterprise_id>", endpoint="enterprise")
@room_staff
def show_enterprise(enterprise_id):
    enterprise = _enterprise(enterprise_id)
    return render_template("enterprise/enterprise.html", **_detail_context(enterprise))


def _detail_context(enterprise, **extra):
    # The page shows the people's documents and phones: every look is in the audit log.
    audit.log_view(
        "enterprise.contact.view",
        actor=current_user,
        target=f"enterprise:{enterprise.id}",
        hall_id=enterprise.hall_id,
        address=request.remote_addr,
        now=utcnow(),
    )
    context = {
        "enterprise": enterprise,
        "member_form": MemberForm(prefix="member"),
        "import_form": ImportForm(),
        "appointment_form": _appointment_form(enterprise),
        "appointments": rooms.upcoming_appointments(enterprise),
        "services": rooms.services_of(enterprise),
        "merges": rooms.merge_history(enterprise),
    }
    context.update(extra)
    return context


@bp.get("/enterprises/<int:enterprise_id>/edit", endpoint="edit_enterprise")
@room_staff
def edit_enterprise(enterprise_id):
    enterprise = _enterprise(enterprise_id)
    form = _enterprise_form(obj=enterprise)
    return render_template("enterprise/enterprise_form.html", form=form, enterprise=enterprise)


@bp.post("/enterprises/<int:enterprise_id>", endpoint="update_enterprise")
@room_staff
def update_enterprise(enterprise_id):
    enterprise = _enterprise(enterprise_id)
    return _save_and_show(enterprise, _enterprise_form())


# People


@bp.post("/enterprises/<int:enterprise_id>/members", endpoint="add_member")
@room_staff
def add_member(enterprise_id):
    enterprise = _enterprise(enterprise_id)
    form = MemberForm(prefix="member")
    status = 422
    if form.validate_on_submit():
        try:
            rooms.add_member(
                enterprise,
                name=form.name.data,
                document_type=form.document_type.data,
                document_number=form.document_number.data,
                role=form.role.data,
                phone=form.phone.data,
                actor=current_user,
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            form = MemberForm(prefix="member", formdata=None)
            status = 200
    db.session.refresh(enterprise)
    return render_page(
        "enterprise/enterprise.html",
        "enterprise/_members.html",
        status=status,
        **_detail_context(enterprise, member_form=form),
    )


@bp.post("/members/<int:member_id>/active", endpoint="toggle_member")
@room_staff
def toggle_member(member_id):
    member = db.session.get(EnterpriseMember, member_id)
    if member is None or member.enterprise.hall_id != _hall().id:
        abort(404)
    rooms.set_member_active(member, not member.active, actor=current_user)
    enterprise = member.enterprise
    db.session.refresh(enterprise)
    return render_page(
        "enterprise/enterprise.html", "enterprise/_members.html", **_detail_context(enterprise)
    )


# Staff import: upload, preview, confirm


@bp.route(
    "/enterprises/<int:enterprise_id>/import", methods=["GET", "POST"], endpoint="import_staff"
)
@room_staff
def import_staff(enterprise_id):
    enterprise = _enterprise(enterprise_id)
    form = ImportForm()
    if request.method == "GET":
        return render_template("enterprise/import.html", enterprise=enterprise, form=form)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            pending = rooms.preview_staff_import(
                enterprise,
                filename=upload.filename or "",
                data=upload.read(),
                actor=current_user,
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            return redirect_after_post(
                url_for(
                    "enterprise.import_preview", enterprise_id=enterprise.id, token=pending.token
                )
            )
    return render_template("enterprise/import.html", enterprise=enterprise, form=form), 422


@bp.get("/enterprises/<int:enterprise_id>/import/<token>", endpoint="import_preview")
@room_staff
def import_preview(enterprise_id, token):
    enterprise = _enterprise(enterprise_id)
    try:
        pending = rooms.get_import(enterprise, token)
    except NotFound:
        abort(404)
    return render_template(
        "enterprise/import_preview.html",
        enterprise=enterprise,
        pending=pending,
        rows=rooms.import_rows(pending),
    )


@bp.post("/enterprises/<int:enterprise_id>/import/<token>", endpoint="confirm_import")
@room_staff
def confirm_import(enterprise_id, token):
    enterprise = _enterprise(enterprise_id)
    try:
        added = rooms.confirm_staff_import(enterprise, token, actor=current_user)
    except NotFound:
        abort(404)
    except HallError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect_after_post(
            url_for("enterprise.import_preview", enterprise_id=enterprise.id, token=token)
        )
    flash(_("%(count)s people added.", count=added), "success")
    return redirect_after_post(url_for("enterprise.enterprise", enterprise_id=enterprise.id))


# Appointments


def _appointment_form(enterprise, **kwargs) -> AppointmentForm:
    form = AppointmentForm(prefix="booking", **kwargs)
    form.member_ids.choices = [(member.id, member.name) for member in enterprise.active_members]
    return form


@bp.post("/enterprises/<int:enterprise_id>/appointments", endpoint="book_appointment")
@room_staff
def book_appointment(enterprise_id):
    enterprise = _enterprise(enterprise_id)
    form = _appointment_form(enterprise)
    if form.validate_on_submit():
        starts = datetime.combine(form.day.data, form.time.data, tzinfo=HALL_TIMEZONE)
        try:
            rooms.book_appointment(
                enterprise,
                starts_at=starts,
                member_ids=form.member_ids.data or [],
                note=form.note.data,
                actor=current_user,
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            return render_template("enterprise/_appointments.html", **_detail_context(enterprise))
    return render_template(
        "enterprise/_appointments.html", **_detail_context(enterprise, appointment_form=form)
    ), 422


@bp.post("/appointments/<int:appointment_id>/cancel", endpoint="cancel_appointment")
@room_staff
def cancel_appointment(appointment_id):
    appointment = db.session.get(EnterpriseAppointment, appointment_id)
    if appointment is None or appointment.hall_id != _hall().id:
        abort(404)
    try:
        rooms.cancel_appointment(appointment, actor=current_user)
    except HallError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    return redirect_after_post(
        url_for("enterprise.enterprise", enterprise_id=appointment.enterprise_id)
    )


@bp.get("/appointments", endpoint="appointments")
@room_staff
def appointments():
    try:
        day = datetime.strptime(request.args.get("day", ""), "%Y-%m-%d").date()
    except ValueError:
        day = service_day(utcnow())
    return render_template(
        "enterprise/appointments.html",
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        bookings=rooms.appointments_on(_hall(), day),
    )


# Registration services


def _service_form(enterprise, **kwargs) -> ServiceForm:
    form = ServiceForm(**kwargs)
    form.member_ids.choices = [(member.id, member.name) for member in enterprise.active_members]
    form.counter_id.choices = [
        (counter.id, _("Counter %(number)s", number=counter.number))
        for counter in rooms.exclusive_counters(_hall())
    ]
    return form


@bp.route(
    "/enterprises/<int:enterprise_id>/services",
    methods=["GET", "POST"],
    endpoint="record_service",
)
@room_staff
def record_service(enterprise_id):
    enterprise = _enterprise(enterprise_id)
    appointment = None
    appointment_id = bounded_int(request.values.get("appointment_id"), minimum=1)
    if appointment_id:
        appointment = db.session.get(EnterpriseAppointment, appointment_id)
        if appointment is None or appointment.enterprise_id != enterprise.id:
            abort(404)
    if request.method == "GET":
        form = _service_form(enterprise, appointment_id=appointment_id or "")
        if appointment is not None:
            form.mode.data = "appointment"
            form.member_ids.data = [member.id for member in appointment.members]
        return render_template(
            "enterprise/service_form.html",
            enterprise=enterprise,
            form=form,
            appointment=appointment,
        )
    form = _service_form(enterprise)
    if form.validate_on_submit():
        counter = db.session.get(Counter, form.counter_id.data or 0)
        try:
            if counter is None:
                raise rooms.WrongCounter()
            rooms.record_service(
                enterprise,
                member_ids=form.member_ids.data or [],
                mode=form.mode.data,
                counter=counter,
                clerk=current_user,
                outcome=form.outcome.data,
                documents_checked=form.documents_checked.data,
                note=form.note.data,
                appointment=appointment,
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("The service was recorded."), "success")
            return redirect_after_post(
                url_for("enterprise.enterprise", enterprise_id=enterprise.id)
            )
    return render_page(
        "enterprise/service_form.html",
        "enterprise/_service_form.html",
        status=422,
        enterprise=enterprise,
        form=form,
        appointment=appointment,
    )


# Merging duplicates: supervisors only


@bp.route("/enterprises/<int:enterprise_id>/merge", methods=["GET", "POST"], endpoint="merge")
@role_required("supervisor")
def merge(enterprise_id):
    source = _enterprise(enterprise_id)
    form = MergeForm()
    form.target_id.choices = [("", _("Choose the record that stays"))] + [
        (other.id, f"{other.name_zh} · {other.registration_number}")
        for other in rooms.search_enterprises(_hall(), "", limit=1000)
        if other.id != source.id and other.status != "merged"
    ]
    if request.method == "POST" and form.validate_on_submit():
        try:
            target = get_in_hall(Enterprise, form.target_id.data, _hall())
            rooms.merge_enterprises(source, target, actor=current_user, reason=form.reason.data)
        except HallError as error:
            db.session.rollback()
            attach_error(form, error, default_field="target_id")
        else:
            flash(_("The records were merged."), "success")
            return redirect_after_post(url_for("enterprise.enterprise", enterprise_id=target.id))
    status = 422 if request.method == "POST" else 200
    return render_template("enterprise/merge.html", source=source, form=form), status


# Figures


def _figures_range():
    form = FiguresForm(request.args)
    today = service_day(utcnow())
    if not form.validate():
        return form, None, None
    start = form.start.data or today.replace(day=1)
    end = form.end.data or today
    return form, start, end


def _figures():
    form, start, end = _figures_range()
    result = None
    if start is not None:
        try:
            result = rooms.figures(_hall(), start, end)
        except HallError as error:
            attach_error(form, error, default_field="end")
    return form, result


@bp.get("/figures", endpoint="figures")
@room_staff
def figures():
    form, result = _figures()
    return render_page(
        "enterprise/figures.html",
        "enterprise/_figures.html",
        status=200 if result else 422,
        form=form,
        result=result,
        counting_rule=rooms.counting_rule(),
    )


def _export(body, mimetype: str, extension: str):
    form, result = _figures()
    if result is None:
        return render_template(
            "enterprise/figures.html", form=form, result=None, counting_rule=rooms.counting_rule()
        ), 422
    name = f"enterprise-figures-{result.start.isoformat()}-{result.end.isoformat()}.{extension}"
    return Response(
        body(result),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/figures.csv", endpoint="figures_csv")
@room_staff
def figures_csv():
    return _export(rooms.figures_csv, "text/csv; charset=utf-8", "csv")


@bp.get("/figures.xlsx", endpoint="figures_xlsx")
@room_staff
def figures_xlsx():
    return _export(
        rooms.figures_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    )


# The clerk's console at an exclusive counter


def _room_counter(number: int) -> Counter:
    counter = db.session.scalar(
        select(Counter).where(
            Counter.hall_id == _hall().id, Counter.number == number, Counter.room == "enterprise"
        )
    )
    if counter is None:
        abort(404)
    return counter


def _console_context(counter, *, form=None, message=None, message_kind="info", query=""):
    ticket = queue.current_ticket(counter)
    link = rooms.ticket_link(ticket) if ticket else None
    enterprise = link.enterprise if link else None
    if enterprise is not None and form is None:
        form = _console_form(enterprise)
        if link.appointment is not None:
            form.member_ids.data = [member.id for member in link.appointment.members]
    return {
        "counter": counter,
        "ticket": ticket,
        "link": link,
        "enterprise": enterprise,
        "form": form,
        "message": message,
        "message_kind": message_kind,
        "query": query,
        "matches": rooms.search_enterprises(_hall(), query, limit=10) if query else [],
        "waiting": queue.waiting_tickets(
            counter.hall_id, queue.counter_service_ids(counter), now=utcnow()
        ),
        "version": live.current_version(counter.hall_id),
    }


def _console_form(enterprise) -> ServiceForm:
    """The service form without what the console already knows: the counter and the way
    the visitor came (the ticket says whether it was booked)."""
    form = _service_form(enterprise)
    del form.mode
    del form.counter_id
    return form


def _console(counter, status=200, **kwargs):
    return render_page(
        "enterprise/console.html",
        "enterprise/_console.html",
        status=status,
        **_console_context(counter, **kwargs),
    )


@bp.get("/counters", endpoint="counters")
@role_required("enterprise")
def counters():
    return render_template("enterprise/counters.html", counters=rooms.exclusive_counters(_hall()))


@bp.get("/counters/<int:number>", endpoint="console")
@role_required("enterprise")
def console(number):
    counter = _room_counter(number)
    return _console(counter, query=request.args.get("q", "").strip())


@bp.get("/counters/<int:number>/queue", endpoint="console_queue")
@role_required("enterprise")
def console_queue(number):
    """The waiting list beside the console; 204 while nothing in the hall has changed."""
    counter = _room_counter(number)
    since = bounded_int(request.args.get("since"))
    if since is not None and since == live.current_version(counter.hall_id):
        return "", 204
    context = _console_context(counter)
    return render_template("enterprise/_console_queue.html", **context)


def _queue_step(number, step, *, own_counter=True):
    counter = _room_counter(number)
    if own_counter and counter.officer_id != current_user.id:
        return _console(
            counter, status=409, message=_("Take this counter first."), message_kind="error"
        )
    try:
        step(counter)
    except HallError as error:
        db.session.rollback()
        return _console(counter, message=str(error.message), message_kind="error")
    return _console(counter)


@bp.post("/counters/<int:number>/sign-in", endpoint="console_sign_in")
@role_required("enterprise")
def console_sign_in(number):
    return _queue_step(
        number,
        lambda counter: queue.sign_in_to_counter(counter, current_user, now=utcnow()),
        own_counter=False,
    )


@bp.post("/counters/<int:number>/call", endpoint="console_call")
@role_required("enterprise")
def console_call(number):
    return _queue_step(
        number, lambda counter: queue.call_next(counter, now=utcnow(), actor=current_user)
    )


def _current_or_refuse(counter):
    ticket = queue.current_ticket(counter)
    if ticket is None:
        raise TicketNotHere()
    return ticket


@bp.post("/counters/<int:number>/start", endpoint="console_start")
@role_required("enterprise")
def console_start(number):
    return _queue_step(
        number,
        lambda counter: queue.start(
            _current_or_refuse(counter), now=utcnow(), actor=current_user, counter=counter
        ),
    )


@bp.post("/counters/<int:number>/no-show", endpoint="console_no_show")
@role_required("enterprise")
def console_no_show(number):
    return _queue_step(
        number,
        lambda counter: queue.mark_no_show(
            _current_or_refuse(counter), now=utcnow(), actor=current_user, counter=counter
        ),
    )


@bp.post("/counters/<int:number>/link", endpoint="console_link")
@role_required("enterprise")
def console_link(number):
    def link(counter):
        enterprise = get_in_hall(
            Enterprise, bounded_int(request.form.get("enterprise_id")) or 0, _hall()
        )
        rooms.link_ticket(_current_or_refuse(counter), enterprise, actor=current_user)

    return _queue_step(number, link)


@bp.post("/counters/<int:number>/serve", endpoint="console_serve")
@role_required("enterprise")
def console_serve(number):
    counter = _room_counter(number)
    if counter.officer_id != current_user.id:
        return _console(
            counter, status=409, message=_("Take this counter first."), message_kind="error"
        )
    ticket = queue.current_ticket(counter)
    link = rooms.ticket_link(ticket) if ticket else None
    if link is None:
        return _console(
            counter,
            status=422,
            message=_("Call a ticket and link it to an enterprise first."),
            message_kind="error",
        )
    form = _console_form(link.enterprise)
    if form.validate_on_submit():
        try:
            service = rooms.serve_ticket(
                ticket,
                counter=counter,
                clerk=current_user,
                member_ids=form.member_ids.data or [],
                outcome=form.outcome.data,
                documents_checked=form.documents_checked.data,
                note=form.note.data,
            )
        except HallError as error:
            db.session.rollback()
            attach_error(form, error, default_field="member_ids")
        else:
            return _console(
                counter,
                message=_(
                    "%(ticket)s finished; the service for %(name)s was recorded.",
                    ticket=ticket.label,
                    name=service.enterprise.name_zh,
                ),
                message_kind="success",
            )
    return _console(counter, status=422, form=form)


@bp.post("/appointments/<int:appointment_id>/check-in", endpoint="check_in")
@room_staff
def check_in(appointment_id):
    appointment = db.session.get(EnterpriseAppointment, appointment_id)
    if appointment is None or appointment.hall_id != _hall().id:
        abort(404)
    day = service_day(appointment.starts_at).isoformat()
    try:
        ticket = rooms.check_in_appointment(appointment, actor=current_user)
    except HallError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(
            _("Checked in: ticket %(ticket)s for the enterprise room.", ticket=ticket.label),
            "success",
        )
    return redirect_after_post(url_for("enterprise.appointments", day=day))
