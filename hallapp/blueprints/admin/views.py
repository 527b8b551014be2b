"""Administration: halls, services, counters, staff, and the audit log.

Edits happen in place: "Edit" swaps a table row for a row of inputs, "Save" posts that
row and gets the plain row back (or the inputs again with messages, status 422).
"""

from datetime import datetime, time, timedelta

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
from hallapp.forms import attach_error, choices, submit
from hallapp.htmx import render_page
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


def _hall_choices():
    return choices((str(hall.id), f"{hall.code} · {hall.name_zh}") for hall in halls.list_halls())


# Halls


@bp.get("/halls", endpoint="halls")
@admin_only
def list_halls():
    form = HallForm(prefix="new", open_weekdays=list("12345"), target_minutes=10)
    return render_template("admin/halls.html", halls=halls.list_halls(), form=form)


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


@bp.post("/halls", endpoint="create_hall")
@admin_only
def create_hall():
    form = HallForm(prefix="new")
    return submit(
        form,
        lambda: _save_hall(None, form),
        done=lambda hall: render_template(
            "admin/_hall_created.html",
            hall=hall,
            form=HallForm(
                prefix="new", formdata=None, open_weekdays=list("12345"), target_minutes=10
            ),
        ),
        invalid=lambda: render_template("admin/_hall_form.html", form=form),
    )


@bp.get("/halls/<int:hall_id>/edit", endpoint="edit_hall")
@admin_only
def edit_hall(hall_id):
    hall = _get(Hall, hall_id)
    form = HallForm(prefix=f"hall-{hall.id}", obj=hall, open_weekdays=list(hall.open_weekdays))
    return render_template("admin/_hall_edit_row.html", hall=hall, form=form)


@bp.get("/halls/<int:hall_id>/row", endpoint="hall_row")
@admin_only
def hall_row(hall_id):
    return render_template("admin/_hall_row.html", hall=_get(Hall, hall_id))


@bp.post("/halls/<int:hall_id>", endpoint="update_hall")
@admin_only
def update_hall(hall_id):
    hall = _get(Hall, hall_id)
    form = HallForm(prefix=f"hall-{hall.id}")
    return submit(
        form,
        lambda: _save_hall(hall, form),
        done=lambda saved: render_template("admin/_hall_row.html", hall=saved, saved=True),
        invalid=lambda: render_template("admin/_hall_edit_row.html", hall=hall, form=form),
    )


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
    return submit(
        form,
        lambda: _save_service(None, hall, form),
        done=lambda service: render_template(
            "admin/_service_created.html",
            service=service,
            hall=hall,
            form=ServiceForm(prefix="new", formdata=None),
        ),
        invalid=lambda: render_template("admin/_service_form.html", form=form, hall=hall),
    )


@bp.get("/services/<int:service_id>/edit", endpoint="edit_service")
@admin_only
def edit_service(service_id):
    service = _get(Service, service_id)
    form = ServiceForm(prefix=f"service-{service.id}", obj=service)
    return render_template("admin/_service_edit_row.html", service=service, form=form)


@bp.get("/services/<int:service_id>/row", endpoint="service_row")
@admin_only
def service_row(service_id):
    return render_template("admin/_service_row.html", service=_get(Service, service_id))


@bp.post("/services/<int:service_id>", endpoint="update_service")
@admin_only
def update_service(service_id):
    service = _get(Service, service_id)
    form = ServiceForm(prefix=f"service-{service.id}")
    return submit(
        form,
        lambda: _save_service(service, service.hall, form),
        done=lambda saved: render_template("admin/_service_row.html", service=saved, saved=True),
        invalid=lambda: render_template("admin/_service_edit_row.html", service=service, form=form),
    )


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
    return submit(
        form,
        lambda: _save_counter(None, hall, form),
        done=lambda counter: render_template(
            "admin/_counter_created.html",
            counter=counter,
            hall=hall,
            form=CounterForm(prefix="new", formdata=None),
        ),
        invalid=lambda: render_template("admin/_counter_form.html", form=form, hall=hall),
    )


@bp.get("/counters/<int:counter_id>/edit", endpoint="edit_counter")
@admin_only
def edit_counter(counter_id):
    counter = _get(Counter, counter_id)
    form = CounterForm(
        prefix=f"counter-{counter.id}",
        obj=counter,
        service_codes=" ".join(service.code for service in counter.services),
    )
    return render_template("admin/_counter_edit_row.html", counter=counter, form=form)


@bp.get("/counters/<int:counter_id>/row", endpoint="counter_row")
@admin_only
def counter_row(counter_id):
    return render_template("admin/_counter_row.html", counter=_get(Counter, counter_id))


@bp.post("/counters/<int:counter_id>", endpoint="update_counter")
@admin_only
def update_counter(counter_id):
    counter = _get(Counter, counter_id)
    form = CounterForm(prefix=f"counter-{counter.id}")
    return submit(
        form,
        lambda: _save_counter(counter, counter.hall, form),
        done=lambda saved: render_template("admin/_counter_row.html", counter=saved, saved=True),
        invalid=lambda: render_template("admin/_counter_edit_row.html", counter=counter, form=form),
    )


# Staff


@bp.get("/staff", endpoint="staff")
@admin_only
def list_staff():
    form = StaffCreateForm(prefix="new", hall=str(current_user.hall_id))
    form.hall.choices = _hall_choices()
    members = db.session.scalars(select(Staff).order_by(Staff.username)).all()
    return render_template("admin/staff.html", members=members, form=form)


@bp.post("/staff", endpoint="create_staff")
@admin_only
def create_staff():
    form = StaffCreateForm(prefix="new")
    form.hall.choices = _hall_choices()

    def created(member):
        fresh = StaffCreateForm(prefix="new", formdata=None, hall=str(current_user.hall_id))
        fresh.hall.choices = _hall_choices()
        return render_template("admin/_staff_created.html", member=member, form=fresh)

    return submit(
        form,
        lambda: accounts.create_staff(
            hall=_get(Hall, int(form.hall.data)),
            username=form.username.data,
            full_name=form.full_name.data,
            roles=form.roles.data or [],
            password=form.password.data,
            actor=current_user,
        ),
        done=created,
        invalid=lambda: render_template("admin/_staff_form.html", form=form),
    )


@bp.get("/staff/<int:staff_id>/edit", endpoint="edit_staff")
@admin_only
def edit_staff(staff_id):
    member = _get(Staff, staff_id)
    form = StaffEditForm(
        prefix=f"staff-{member.id}",
        obj=member,
        hall=str(member.hall_id),
        roles=sorted(member.roles),
    )
    form.hall.choices = _hall_choices()
    return render_template(
        "admin/_staff_edit_row.html",
        member=member,
        form=form,
        password_form=ResetPasswordForm(prefix=f"staff-{member.id}-pw"),
    )


@bp.get("/staff/<int:staff_id>/row", endpoint="staff_row")
@admin_only
def staff_row(staff_id):
    return render_template("admin/_staff_row.html", member=_get(Staff, staff_id))


@bp.post("/staff/<int:staff_id>", endpoint="update_staff")
@admin_only
def update_staff(staff_id):
    member = _get(Staff, staff_id)
    form = StaffEditForm(prefix=f"staff-{member.id}")
    form.hall.choices = _hall_choices()
    return submit(
        form,
        lambda: accounts.update_staff(
            member,
            full_name=form.full_name.data,
            roles=form.roles.data or [],
            active=form.active.data,
            hall=_get(Hall, int(form.hall.data)),
            actor=current_user,
        ),
        done=lambda saved: render_template("admin/_staff_row.html", member=saved, saved=True),
        invalid=lambda: render_template(
            "admin/_staff_edit_row.html",
            member=member,
            form=form,
            password_form=ResetPasswordForm(prefix=f"staff-{member.id}-pw"),
        ),
    )


@bp.post("/staff/<int:staff_id>/password", endpoint="reset_password")
@admin_only
def reset_password(staff_id):
    member = _get(Staff, staff_id)
    form = ResetPasswordForm(prefix=f"staff-{member.id}-pw")
    status = 422
    if form.validate_on_submit():
        try:
            accounts.reset_password(member, form.password.data, actor=current_user)
        except HallError as error:
            db.session.rollback()
            attach_error(form, error, default_field="password")
        else:
            status = 200
            form = ResetPasswordForm(prefix=f"staff-{member.id}-pw", formdata=None)
    return render_template(
        "admin/_password_reset.html", member=member, form=form, done=status == 200
    ), status


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
    if request.headers.get("HX-Request") == "true":
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
    if request.headers.get("HX-Request") == "true":
        return render_template(
            "admin/_outbox_row.html",
            message=message,
            saved=True,
            mask_phone=notifications.mask_phone,
            hall_codes=_hall_codes(),
        )
    return redirect(url_for("admin.outbox", status="pending"), 303)
