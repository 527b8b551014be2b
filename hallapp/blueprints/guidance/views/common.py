"""What the guidance desk's screens share: who may open them, the hall and day they work in."""

from datetime import date

from flask import request
from flask_login import current_user

from hallapp.access import role_required
from hallapp.blueprints.guidance import bp, labels
from hallapp.forms import choices
from hallapp.i18n import HALL_TIMEZONE, localized
from hallapp.models import Hall, Service, utcnow
from hallapp.services import audit, halls

desk_staff = role_required("guide", "supervisor")
supervisors = role_required("supervisor")


@bp.context_processor
def desk_labels():
    return {"desk_labels": labels}


def hall() -> Hall:
    return current_user.hall


def today() -> date:
    return utcnow().astimezone(HALL_TIMEZONE).date()


def service(service_id: int) -> Service:
    return halls.get_in_hall(Service, service_id, hall())


def service_choices(of: Hall):
    return choices((str(s.id), f"{s.code} · {localized(s)}") for s in of.services if s.active)


def log_case_list(of: Hall, target: str) -> None:
    """Case lists show citizens' names and masked documents: each look is audited."""
    audit.log_view(
        "guidance.cases.view",
        actor=current_user,
        target=target,
        hall_id=of.id,
        address=request.remote_addr,
        now=utcnow(),
    )
