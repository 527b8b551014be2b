"""Staff lists from spreadsheets: upload, a preview of every row checked, then confirm."""

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.blueprints.enterprise import bp
from hallapp.blueprints.enterprise.common import back_to_record, enterprise_or_404, room_staff
from hallapp.blueprints.enterprise.forms import ImportForm
from hallapp.extensions import db
from hallapp.forms import submit
from hallapp.htmx import redirect_after_post
from hallapp.services import enterprise as rooms
from hallapp.services.errors import HallError, NotFound


@bp.route(
    "/enterprises/<int:enterprise_id>/import", methods=["GET", "POST"], endpoint="import_staff"
)
@room_staff
def import_staff(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    form = ImportForm()
    if request.method == "GET":
        return render_template("enterprise/import.html", enterprise=enterprise, form=form)
    return submit(
        form,
        lambda: rooms.preview_staff_import(
            enterprise,
            filename=form.file.data.filename or "",
            data=form.file.data.read(),
            actor=current_user,
        ),
        done=lambda pending: redirect_after_post(
            url_for("enterprise.import_preview", enterprise_id=enterprise.id, token=pending.token)
        ),
        invalid=lambda: render_template("enterprise/import.html", enterprise=enterprise, form=form),
    )


@bp.get("/enterprises/<int:enterprise_id>/import/<token>", endpoint="import_preview")
@room_staff
def import_preview(enterprise_id, token):
    enterprise = enterprise_or_404(enterprise_id)
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
    enterprise = enterprise_or_404(enterprise_id)
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
    return back_to_record(enterprise.id, _("%(count)s people added.", count=added))
