"""Cases the desk keeps open for citizens, and the policy notices that answer them."""

from datetime import timedelta

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hallapp.blueprints.guidance import bp
from hallapp.blueprints.guidance.forms import CaseForm, CloseCaseForm, ExpressForm, NoticeForm
from hallapp.blueprints.guidance.views.common import (
    desk_staff,
    hall,
    log_case_list,
    service,
    service_choices,
    today,
)
from hallapp.extensions import db
from hallapp.forms import submit
from hallapp.htmx import redirect_after_post, render_shape
from hallapp.i18n import HALL_TIMEZONE
from hallapp.models import DeskCase, Hall, PolicyNotice, Staff, StaffRole, utcnow
from hallapp.services import audit, cases, halls


def _owner_choices(of: Hall):
    staff = db.session.scalars(
        select(Staff)
        .join(StaffRole)
        .where(Staff.hall_id == of.id, Staff.active, StaffRole.role.in_(["guide", "supervisor"]))
        .order_by(Staff.full_name)
        .distinct()
    )
    return [(s.id, s.full_name) for s in staff]


def _case_form(form: CaseForm | None = None) -> CaseForm:
    desk = hall()
    form = form or CaseForm(
        owner=current_user.id, due_on=today() + timedelta(days=7), kind=request.args.get("kind")
    )
    form.owner.choices = _owner_choices(desk)
    form.service.choices = [("", "—"), *service_choices(desk)]
    return form


@bp.get("/cases", endpoint="cases")
@desk_staff
def cases_page():
    desk = hall()
    log_case_list(desk, "cases")
    mine = request.args.get("mine") == "1"
    return render_template(
        "guidance/cases.html",
        cases=cases.open_cases(desk, owner=current_user if mine else None),
        mine=mine,
        today=today(),
    )


@bp.get("/cases/new", endpoint="new_case")
@desk_staff
def new_case():
    return render_template("guidance/case_new.html", form=_case_form())


def _open_case(form: CaseForm) -> DeskCase:
    desk = hall()
    owner = halls.get_in_hall(Staff, form.owner.data, desk) if form.owner.data else None
    visit_at = form.visit_at.data.replace(tzinfo=HALL_TIMEZONE) if form.visit_at.data else None
    return cases.open_case(
        desk,
        kind=form.kind.data,
        owner=owner,
        due_on=form.due_on.data,
        summary=form.summary.data or "",
        actor=current_user,
        now=utcnow(),
        service=service(int(form.service.data)) if form.service.data else None,
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


def _back_to_case(message: str):
    def done(case: DeskCase):
        flash(message, "success")
        return redirect_after_post(url_for("guidance.case", case_id=case.id))

    return done


@bp.post("/cases", endpoint="create_case")
@desk_staff
def create_case():
    form = _case_form(CaseForm())
    return submit(
        form,
        lambda: _open_case(form),
        done=_back_to_case(_("Case opened.")),
        invalid=lambda: render_shape(
            "guidance/case_new.html", "guidance/_case_form.html", form=form
        ),
    )


def _case(case_id: int) -> DeskCase:
    return halls.get_in_hall(DeskCase, case_id, hall())


@bp.get("/cases/<int:case_id>", endpoint="case")
@desk_staff
def case(case_id):
    item = _case(case_id)
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


def _case_again(item: DeskCase, partial: str, **forms):
    """The case page, or the panel of the step refused, with the step's form and its messages."""
    return lambda: render_shape(
        "guidance/case.html",
        partial,
        case=item,
        close_form=forms.get("close_form") or CloseCaseForm(),
        express_form=forms.get("express_form") or ExpressForm(obj=item),
    )


@bp.post("/cases/<int:case_id>/close", endpoint="close_case")
@desk_staff
def close_case(case_id):
    item = _case(case_id)
    form = CloseCaseForm()
    return submit(
        form,
        lambda: cases.close_case(item, outcome=form.outcome.data, actor=current_user, now=utcnow()),
        done=_back_to_case(_("Case closed.")),
        invalid=_case_again(item, "guidance/_case_close.html", close_form=form),
    )


@bp.post("/cases/<int:case_id>/express", endpoint="update_express")
@desk_staff
def update_express(case_id):
    item = _case(case_id)
    form = ExpressForm()
    return submit(
        form,
        lambda: cases.update_express(
            item,
            express_state=form.express_state.data,
            tracking_in=form.tracking_in.data or "",
            tracking_out=form.tracking_out.data or "",
            actor=current_user,
            now=utcnow(),
        ),
        done=_back_to_case(_("Delivery updated.")),
        invalid=_case_again(item, "guidance/_case_express.html", express_form=form),
    )


@bp.get("/notices", endpoint="notices")
@desk_staff
def notices():
    return render_template(
        "guidance/notices.html", notices=cases.list_notices(hall()), form=NoticeForm()
    )


@bp.post("/notices", endpoint="create_notice")
@desk_staff
def create_notice():
    form = NoticeForm()
    return submit(
        form,
        lambda: cases.record_notice(
            hall(),
            title=form.title.data,
            body=form.body.data or "",
            topics=form.topics.data,
            effective_on=form.effective_on.data,
            actor=current_user,
            now=utcnow(),
        ),
        done=lambda notice: redirect_after_post(url_for("guidance.notice", notice_id=notice.id)),
        invalid=lambda: render_shape(
            "guidance/notices.html",
            "guidance/_notice_form.html",
            notices=cases.list_notices(hall()),
            form=form,
        ),
    )


@bp.get("/notices/<int:notice_id>", endpoint="notice")
@desk_staff
def notice(notice_id):
    item = halls.get_in_hall(PolicyNotice, notice_id, hall())
    log_case_list(hall(), f"notice:{item.id}")
    return render_template("guidance/notice.html", notice=item, cases=cases.cases_answered_by(item))
