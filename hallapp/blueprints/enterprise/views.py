"""The enterprise room's register: enterprises, their people, and merging duplicates."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.access import role_required
from hallapp.blueprints.enterprise import bp
from hallapp.blueprints.enterprise.common import (
    back_to_record,
    detail_context,
    enterprise_or_404,
    hall,
    page_or_partial,
    room_staff,
)
from hallapp.blueprints.enterprise.forms import EnterpriseForm, MemberForm, MergeForm
from hallapp.blueprints.enterprise.labels import ALL as LABELS
from hallapp.extensions import db
from hallapp.forms import submit
from hallapp.htmx import render_page
from hallapp.models import Enterprise, EnterpriseMember
from hallapp.services import enterprise as rooms
from hallapp.services.halls import get_in_hall


@bp.context_processor
def enterprise_labels():
    return {"enterprise_labels": LABELS}


def _enterprise_form(**kwargs) -> EnterpriseForm:
    form = EnterpriseForm(**kwargs)
    form.clerk_id.choices = [("", _("Not assigned"))] + [
        (staff.id, staff.full_name) for staff in rooms.enterprise_clerks(hall())
    ]
    return form


@bp.get("/", endpoint="index")
@room_staff
def index():
    return enterprises()


@bp.get("/enterprises", endpoint="enterprises")
@room_staff
def enterprises():
    query = request.args.get("q", "").strip()
    results = rooms.search_enterprises(hall(), query)
    return render_page(
        "enterprise/enterprises.html", "enterprise/_results.html", query=query, results=results
    )


@bp.get("/enterprises/new", endpoint="new_enterprise")
@room_staff
def new_enterprise():
    form = _enterprise_form()
    return render_template("enterprise/enterprise_form.html", form=form, enterprise=None)


def _save_and_show(enterprise: Enterprise | None, form: EnterpriseForm):
    refused: dict = {}

    def save():
        try:
            return rooms.save_enterprise(
                enterprise,
                hall=hall(),
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
        except rooms.DuplicateEnterprise as error:
            refused["duplicate"] = error.existing  # the form links to the record that exists
            raise

    return submit(
        form,
        save,
        done=lambda saved: back_to_record(saved.id, _("Saved.")),
        invalid=lambda: page_or_partial(
            "enterprise/enterprise_form.html",
            "enterprise/_enterprise_form.html",
            form=form,
            enterprise=enterprise,
            duplicate=refused.get("duplicate"),
        ),
    )


@bp.post("/enterprises", endpoint="create_enterprise")
@room_staff
def create_enterprise():
    return _save_and_show(None, _enterprise_form())


@bp.get("/enterprises/<int:enterprise_id>", endpoint="enterprise")
@room_staff
def show_enterprise(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    return render_template("enterprise/enterprise.html", **detail_context(enterprise))


@bp.get("/enterprises/<int:enterprise_id>/edit", endpoint="edit_enterprise")
@room_staff
def edit_enterprise(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    form = _enterprise_form(obj=enterprise)
    return render_template("enterprise/enterprise_form.html", form=form, enterprise=enterprise)


@bp.post("/enterprises/<int:enterprise_id>", endpoint="update_enterprise")
@room_staff
def update_enterprise(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    return _save_and_show(enterprise, _enterprise_form())


def _members(enterprise: Enterprise, **context) -> str:
    return page_or_partial(
        "enterprise/enterprise.html",
        "enterprise/_members.html",
        **detail_context(enterprise, **context),
    )


@bp.post("/enterprises/<int:enterprise_id>/members", endpoint="add_member")
@room_staff
def add_member(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    form = MemberForm(prefix="member")
    return submit(
        form,
        lambda: rooms.add_member(
            enterprise,
            name=form.name.data,
            document_type=form.document_type.data,
            document_number=form.document_number.data,
            role=form.role.data,
            phone=form.phone.data,
            actor=current_user,
        ),
        done=lambda _member: _members(
            enterprise, member_form=MemberForm(prefix="member", formdata=None)
        ),
        invalid=lambda: _members(enterprise, member_form=form),
    )


@bp.post("/members/<int:member_id>/active", endpoint="toggle_member")
@room_staff
def toggle_member(member_id):
    member = db.session.get(EnterpriseMember, member_id)
    # A person belongs to the hall of their enterprise: another hall's is as absent as none.
    enterprise = enterprise_or_404(member.enterprise_id if member else 0)
    rooms.set_member_active(member, not member.active, actor=current_user)
    return _members(enterprise)


@bp.route("/enterprises/<int:enterprise_id>/merge", methods=["GET", "POST"], endpoint="merge")
@role_required("supervisor")
def merge(enterprise_id):
    source = enterprise_or_404(enterprise_id)
    form = MergeForm()
    form.target_id.choices = [("", _("Choose the record that stays"))] + [
        (other.id, f"{other.name_zh} · {other.registration_number}")
        for other in rooms.search_enterprises(hall(), "", limit=1000)
        if other.id != source.id and other.status != "merged"
    ]
    if request.method == "GET":
        return render_template("enterprise/merge.html", source=source, form=form)
    return submit(
        form,
        lambda: rooms.merge_enterprises(
            source,
            get_in_hall(Enterprise, form.target_id.data, hall()),
            actor=current_user,
            reason=form.reason.data,
        ),
        done=lambda merge: back_to_record(merge.target_id, _("The records were merged.")),
        invalid=lambda: render_template("enterprise/merge.html", source=source, form=form),
        default_field="target_id",
    )
