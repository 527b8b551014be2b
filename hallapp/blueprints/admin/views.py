"""Administration: halls, services, counters, staff, and the audit log.

Edits happen in place: "Edit" swaps a table row for a row of inputs, "Save" posts that
row and gets the plain row back (or the inputs again with messages, status 422).
"""

from datetime import datetime, time, timedelta
from functools import partial

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hallapp import audit_labels
from hallapp.access import role_required
from hallapp.blueprints.admin import bp
from hallapp.blueprints.admin.forms import (
    AuditFilterForm,
    CounterForm,
    DeviceForm,
    HallForm,
    ResetPasswordForm,
    ServiceForm,
    StaffCreateForm,
    StaffEditForm,
)
from hallapp.extensions import db
from hallapp.forms import choices, submit
from hallapp.htmx import is_htmx, render_page
from hallapp.i18n import HALL_TIMEZONE
from hallapp.models import Counter, DeviceToken, Hall, OutboxMessage, Service, Staff, utcnow
from hallapp.phone_links import device_setup_url
from hallapp.services import accounts, audit, devices, halls, notifications
from hallapp.services.errors import HallError, NotFound
from hallapp.services.qr import qr_svg_data_uri

admin_only = role_required("admin")


def _selected_hall() -> Hall:
    """The hall being administered: ?hall=code, else the administrator's own."""
    code = request.args.get("hall")
    if not code:
        return current_user.hall
    try:
        return halls.get_hall(code)
    except NotFound:
        abort(404)


def _get(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


# Each kind of row, by the name its templates use for it: admin/_<kind>_row.html shows it,
# admin/_<kind>_edit_row.html edits it, admin/_<kind>_form.html and _<kind>_created.html add one.
ROW_NAMES = {"hall": "hall", "service": "service", "counter": "counter", "staff": "member"}


def _row(kind: str, obj, **context) -> str:
    return render_template(f"admin/_{kind}_row.html", **{ROW_NAMES[kind]: obj}, **context)


def _edit_row(kind: str, obj, form, **context) -> str:
    return render_template(
        f"admin/_{kind}_edit_row.html", **{ROW_NAMES[kind]: obj}, form=form, **context
    )


def _save_row(kind: str, obj, form, save, **context):
    """Save posts the row's inputs: the plain row comes back, or the inputs with messages."""
    return submit(
        form,
        lambda: save(obj, form),
        done=lambda saved: _row(kind, saved, saved=True),
        invalid=lambda: _edit_row(kind, obj, form, **context),
    )


def _add_row(kind: str, form, save, fresh, **context):
    """The form above a table: the new row and an empty form, or the form with messages."""
    return submit(
        form,
        save,
        done=lambda obj: render_template(
            f"admin/_{kind}_created.html", **{ROW_NAMES[kind]: obj}, form=fresh(), **context
        ),
        invalid=lambda: render_template(f"admin/_{kind}_form.html", form=form, **context),
    )


def _hall_choices():
    return choices((str(hall.id), f"{hall.code} · {hall.name_zh}") for hall in halls.list_halls())


# Halls


@bp.get("/halls", endpoint="halls")
@admin_only
def list_halls():
    return render_template("admin/halls.html", halls=halls.list_halls(), form=_new_hall_form())


def _save_hall(hall: Hall | None, form: HallForm) -> Hall:
    return halls.save_hall(
        hall,
        code=form.code.data,
        name_zh=form.name_zh.data,
        name_en=form.name_en.data,
        name_hant=form.name_hant.data or "",
        opens_at=form.opens_at.data,
        closes_at=form.closes_at.data,
        open_weekdays="".join(form.open_weekdays.data or []),
        target_minutes=form.target_minutes.data,
        actor=current_user,
    )


def _new_hall_form(formdata=None) -> HallForm:
    return HallForm(prefix="new", formdata=formdata, open_weekdays=list("12345"), target_minutes=10)


@bp.post("/halls", endpoint="create_hall")
@admin_only
def create_hall():
    form = HallForm(prefix="new")
    return _add_row("hall", form, lambda: _save_hall(None, form), _new_hall_form)


@bp.get("/halls/<int:hall_id>/edit", endpoint="edit_hall")
@admin_only
def edit_hall(hall_id):
    hall = _get(Hall, hall_id)
    form = HallForm(prefix=f"hall-{hall.id}", obj=hall, open_weekdays=list(hall.open_weekdays))
    return _edit_row("hall", hall, form)


@bp.get("/halls/<int:hall_id>/row", endpoint="hall_row")
@admin_only
def hall_row(hall_id):
    return _row("hall", _get(Hall, hall_id))


@bp.post("/halls/<int:hall_id>", endpoint="update_hall")
@admin_only
def update_hall(hall_id):
    hall = _get(Hall, hall_id)
    return _save_row("hall", hall, HallForm(prefix=f"hall-{hall.id}"), _save_hall)


# Services


@bp.get("/", endpoint="index")
@admin_only
def index():
    return list_services()


@bp.get("/services", endpoint="services")
@admin_only
def list_services():
    hall = _selected_hall()
    every_hall = halls.list_halls()
    now = utcnow()
    return render_template(
        "admin/services.html",
        hall=hall,
        halls=every_hall,
        services=hall.services,
        form=ServiceForm(prefix="new"),
        unseen=[item for h in every_hall for item in devices.unseen_devices(h, now=now)],
    )


def _save_service(service: Service | None, hall: Hall, form: ServiceForm) -> Service:
    return halls.save_service(
        service,
        hall=hall,
        code=form.code.data,
        name_zh=form.name_zh.data,
        name_en=form.name_en.data,
        name_hant=form.name_hant.data or "",
        room=form.room.data,
        active=form.active.data,
        daily_limit=form.daily_limit.data,
        actor=current_user,
    )


@bp.post("/services", endpoint="create_service")
@admin_only
def create_service():
    hall = _selected_hall()
    form = ServiceForm(prefix="new")
    fresh = partial(ServiceForm, prefix="new", formdata=None)
    return _add_row("service", form, partial(_save_service, None, hall, form), fresh, hall=hall)


@bp.get("/services/<int:service_id>/edit", endpoint="edit_service")
@admin_only
def edit_service(service_id):
    service = _get(Service, service_id)
    return _edit_row("service", service, ServiceForm(prefix=f"service-{service.id}", obj=service))


@bp.get("/services/<int:service_id>/row", endpoint="service_row")
@admin_only
def service_row(service_id):
    return _row("service", _get(Service, service_id))


@bp.post("/services/<int:service_id>", endpoint="update_service")
@admin_only
def update_service(service_id):
    service = _get(Service, service_id)
    form = ServiceForm(prefix=f"service-{service.id}")
    return _save_row("service", service, form, lambda obj, form: _save_service(obj, obj.hall, form))


# Counters


@bp.get("/counters", endpoint="counters")
@admin_only
def list_counters():
    hall = _selected_hall()
    return render_template(
        "admin/counters.html",
        hall=hall,
        halls=halls.list_halls(),
        counters=hall.counters,
        form=CounterForm(prefix="new"),
    )


def _save_counter(counter: Counter | None, hall: Hall, form: CounterForm) -> Counter:
    return halls.save_counter(
        counter,
        hall=hall,
        number=form.number.data,
        room=form.room.data,
        exclusive=form.exclusive.data,
        service_codes=halls.parse_service_codes(form.service_codes.data or ""),
        actor=current_user,
    )


@bp.post("/counters", endpoint="create_counter")
@admin_only
def create_counter():
    hall = _selected_hall()
    form = CounterForm(prefix="new")
    fresh = partial(CounterForm, prefix="new", formdata=None)
    return _add_row("counter", form, partial(_save_counter, None, hall, form), fresh, hall=hall)


@bp.get("/counters/<int:counter_id>/edit", endpoint="edit_counter")
@admin_only
def edit_counter(counter_id):
    counter = _get(Counter, counter_id)
    form = CounterForm(
        prefix=f"counter-{counter.id}",
        obj=counter,
        service_codes=" ".join(service.code for service in counter.services),
    )
    return _edit_row("counter", counter, form)


@bp.get("/counters/<int:counter_id>/row", endpoint="counter_row")
@admin_only
def counter_row(counter_id):
    return _row("counter", _get(Counter, counter_id))


@bp.post("/counters/<int:counter_id>", endpoint="update_counter")
@admin_only
def update_counter(counter_id):
    counter = _get(Counter, counter_id)
    form = CounterForm(prefix=f"counter-{counter.id}")
    return _save_row("counter", counter, form, lambda obj, form: _save_counter(obj, obj.hall, form))


# Staff


@bp.get("/staff", endpoint="staff")
@admin_only
def list_staff():
    form = _new_staff_form()
    members = db.session.scalars(select(Staff).order_by(Staff.username)).all()
    return render_template("admin/staff.html", members=members, form=form)


def _staff_form(form_class, **values):
    form = form_class(**values)
    form.hall.choices = _hall_choices()
    return form


def _new_staff_form(formdata=None) -> StaffCreateForm:
    return _staff_form(
        StaffCreateForm, prefix="new", formdata=formdata, hall=str(current_user.hall_id)
    )


def _password_form(member: Staff, **values) -> ResetPasswordForm:
    return ResetPasswordForm(prefix=f"staff-{member.id}-pw", **values)


@bp.post("/staff", endpoint="create_staff")
@admin_only
def create_staff():
    form = _staff_form(StaffCreateForm, prefix="new")

    def save():
        return accounts.create_staff(
            hall=_get(Hall, int(form.hall.data)),
            username=form.username.data,
            full_name=form.full_name.data,
            roles=form.roles.data or [],
            password=form.password.data,
            actor=current_user,
        )

    return _add_row("staff", form, save, _new_staff_form)


@bp.get("/staff/<int:staff_id>/edit", endpoint="edit_staff")
@admin_only
def edit_staff(staff_id):
    member = _get(Staff, staff_id)
    form = _staff_form(
        StaffEditForm,
        prefix=f"staff-{member.id}",
        obj=member,
        hall=str(member.hall_id),
        roles=sorted(member.roles),
    )
    return _edit_row("staff", member, form, password_form=_password_form(member))


@bp.get("/staff/<int:staff_id>/row", endpoint="staff_row")
@admin_only
def staff_row(staff_id):
    return _row("staff", _get(Staff, staff_id))


def _save_staff(member: Staff, form: StaffEditForm) -> Staff:
    return accounts.update_staff(
        member,
        full_name=form.full_name.data,
        roles=form.roles.data or [],
        active=form.active.data,
        hall=_get(Hall, int(form.hall.data)),
        actor=current_user,
    )


@bp.post("/staff/<int:staff_id>", endpoint="update_staff")
@admin_only
def update_staff(staff_id):
    member = _get(Staff, staff_id)
    form = _staff_form(StaffEditForm, prefix=f"staff-{member.id}")
    return _save_row("staff", member, form, _save_staff, password_form=_password_form(member))


@bp.post("/staff/<int:staff_id>/password", endpoint="reset_password")
@admin_only
def reset_password(staff_id):
    member = _get(Staff, staff_id)
    form = _password_form(member)
    return submit(
        form,
        lambda: accounts.reset_password(member, form.password.data, actor=current_user),
        done=lambda _result: render_template(
            "admin/_password_reset.html",
            member=member,
            form=_password_form(member, formdata=None),
            done=True,
        ),
        invalid=lambda: render_template(
            "admin/_password_reset.html", member=member, form=form, done=False
        ),
        default_field="password",
    )


# Audit log


@bp.get("/audit", endpoint="audit")
@role_required("admin", "supervisor")
def audit_log():
    form = AuditFilterForm(request.args)
    entries = []
    if form.validate():
        actor = accounts.find_by_username(form.actor.data) if form.actor.data else None
        if form.actor.data and actor is None:
            form.actor.errors = [*form.actor.errors, _("No staff member has this username.")]
        else:
            entries = audit.search_entries(
                hall_id=None if current_user.has_role("admin") else current_user.hall_id,
                action=(form.action.data or "").strip() or None,
                actor_id=actor.id if actor else None,
                since=_local_midnight(form.since.data),
                until=_local_midnight(form.until.data, next_day=True),
            )
    return render_page(
        "admin/audit.html",
        "admin/_audit_results.html",
        form=form,
        entries=entries,
        audit_sentence=audit_labels.sentence,
        audit_detail=audit_labels.detail_shown,
    )


def _local_midnight(day, next_day: bool = False) -> datetime | None:
    if day is None:
        return None
    if next_day:
        day = day + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=HALL_TIMEZONE)


# Devices


@bp.get("/devices", endpoint="devices")
@admin_only
def list_devices():
    hall = _selected_hall()
    return render_template(
        "admin/devices.html",
        hall=hall,
        halls=halls.list_halls(),
        devices=devices.list_device_tokens(hall),
        unseen={item.device.id for item in devices.unseen_devices(hall, now=utcnow())},
        form=DeviceForm(prefix="new"),
    )


@bp.post("/devices", endpoint="create_device")
@admin_only
def create_device():
    hall = _selected_hall()
    form = DeviceForm(prefix="new")

    def created(result):
        device, raw = result
        link = device_setup_url(device.kind, hall.code, raw)
        return render_template(
            "admin/_device_created.html",
            device=device,
            hall=hall,
            token=raw,
            setup_link=link,
            setup_qr=qr_svg_data_uri(link) if link else None,
            form=DeviceForm(prefix="new", formdata=None),
        )

    return submit(
        form,
        lambda: devices.create_device_token(
            hall,
            form.kind.data,
            counter_number=form.counter.data if form.kind.data == "counter" else None,
            label=(form.label.data or "").strip(),
            now=utcnow(),
            actor=current_user,
        ),
        done=created,
        invalid=lambda: render_template("admin/_device_form.html", form=form, hall=hall),
    )


@bp.post("/devices/<int:device_id>/revoke", endpoint="revoke_device")
@admin_only
def revoke_device(device_id):
    device = _get(DeviceToken, device_id)
    devices.revoke_device_token(device.id, now=utcnow(), actor=current_user)
    if is_htmx():
        return render_template("admin/_device_row.html", device=device, saved=True)
    return redirect(url_for("admin.devices", hall=device.hall.code), 303)


# Text messages


@bp.get("/outbox", endpoint="outbox")
@admin_only
def outbox():
    status = request.args.get("status", "pending")
    if status not in notifications.OUTBOX_STATUSES:
        status = "pending"
    return render_template(
        "admin/outbox.html",
        status=status,
        messages=notifications.list_outbox(status),
        counts=notifications.outbox_counts(),
        mask_phone=notifications.mask_phone,
        hall_codes=_hall_codes(),
    )


def _hall_codes() -> dict[int, str]:
    return {hall.id: hall.code for hall in halls.list_halls()}


@bp.post("/outbox/<int:message_id>/retry", endpoint="retry_message")
@admin_only
def retry_message(message_id):
    try:
        message = notifications.retry_message(message_id, now=utcnow(), actor=current_user)
    except NotFound:
        abort(404)
    except HallError as error:
        db.session.rollback()
        message = db.session.get(OutboxMessage, message_id)
        return render_template(
            "admin/_outbox_row.html",
            message=message,
            error=str(error.message),
            mask_phone=notifications.mask_phone,
            hall_codes=_hall_codes(),
        ), 409
    if is_htmx():
        return render_template(
            "admin/_outbox_row.html",
            message=message,
            saved=True,
            mask_phone=notifications.mask_phone,
            hall_codes=_hall_codes(),
        )
    return redirect(url_for("admin.outbox", status="pending"), 303)
