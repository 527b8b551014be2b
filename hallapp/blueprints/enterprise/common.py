"""What the enterprise room's screens share: the clerk's hall, rows fetched from it by the
ids in a URL, and the enterprise page's context, which several screens redraw a part of."""

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from hallapp.access import role_required
from hallapp.blueprints.enterprise.forms import AppointmentForm, ImportForm, MemberForm
from hallapp.htmx import is_partial, redirect_after_post
from hallapp.models import Enterprise, Hall, utcnow
from hallapp.services import audit
from hallapp.services import enterprise as rooms
from hallapp.services.errors import NotFound
from hallapp.services.halls import get_in_hall

room_staff = role_required("enterprise", "supervisor")


def hall() -> Hall:
    return current_user.hall


def in_hall(model, row_id: int):
    """A row of the clerk's hall by an id from the URL or a form; any other is a 404."""
    try:
        return get_in_hall(model, row_id, hall())
    except NotFound:
        abort(404)


def enterprise_or_404(enterprise_id: int) -> Enterprise:
    return in_hall(Enterprise, enterprise_id)


def page_or_partial(page: str, partial: str, **context) -> str:
    """render_page's body alone, for forms.submit to send with its 422."""
    return render_template(partial if is_partial() else page, **context)


def back_to_record(enterprise_id: int, message: str):
    """After a change: say it was made, on the enterprise's page."""
    flash(message, "success")
    return redirect_after_post(url_for("enterprise.enterprise", enterprise_id=enterprise_id))


def appointment_form(enterprise: Enterprise, **kwargs) -> AppointmentForm:
    form = AppointmentForm(prefix="booking", **kwargs)
    form.member_ids.choices = [(member.id, member.name) for member in enterprise.active_members]
    return form


def detail_context(enterprise: Enterprise, **extra) -> dict:
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
        "appointment_form": appointment_form(enterprise),
        "appointments": rooms.upcoming_appointments(enterprise),
        "services": rooms.services_of(enterprise),
        "merges": rooms.merge_history(enterprise),
    }
    context.update(extra)
    return context
