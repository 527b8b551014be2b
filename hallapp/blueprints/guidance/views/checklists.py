"""Checklists: the desk's list, the supervisor's editor (each save a new version), and the
public printable page with its QR code that the hotline sends."""

from flask import Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.access import public
from hallapp.blueprints.guidance import bp
from hallapp.blueprints.guidance.forms import CsrfOnlyForm
from hallapp.blueprints.guidance.views.common import desk_staff, hall, service, supervisors
from hallapp.forms import submit
from hallapp.htmx import redirect_after_post
from hallapp.models import Service, utcnow
from hallapp.phone_links import checklist_url
from hallapp.services import checklists as checklist_rules
from hallapp.services import halls, qr
from hallapp.services.errors import NotFound

ITEM_FIELDS = ("text_zh", "text_en", "required", "note_zh", "note_en")


@bp.get("/checklists", endpoint="checklists")
@desk_staff
def checklists():
    rows = [(s, checklist_rules.current_checklist(s)) for s in hall().services]
    return render_template("guidance/checklists.html", rows=rows, hall=hall())


def _checklist_rows(items, blanks: int = 3) -> list[dict]:
    """The editor's rows: the items (saved, or as posted) and a few blank ones to add."""
    rows = [{name: getattr(item, name) for name in ITEM_FIELDS} for item in items]
    blank = {"text_zh": "", "text_en": "", "required": True, "note_zh": "", "note_en": ""}
    return rows + [dict(blank) for _ in range(blanks)]


def _editor(of: Service, form: CsrfOnlyForm, rows: list[dict]) -> str:
    return render_template(
        "guidance/checklist_edit.html",
        service=of,
        current=checklist_rules.current_checklist(of),
        rows=rows,
        history=checklist_rules.checklist_history(of),
        form=form,
    )


@bp.get("/checklists/<int:service_id>/edit", endpoint="edit_checklist")
@supervisors
def edit_checklist(service_id):
    edited = service(service_id)
    current = checklist_rules.current_checklist(edited)
    return _editor(edited, CsrfOnlyForm(), _checklist_rows(current.items if current else []))


def _posted_items() -> list[checklist_rules.ItemInput]:
    """The editor's table as posted: one list per column, ticked rows' indexes in `required`."""
    texts_zh = request.form.getlist("text_zh")
    count = len(texts_zh)

    def column(name):
        values = request.form.getlist(name)
        return (values + [""] * count)[:count]

    required = set(request.form.getlist("required"))
    return [
        checklist_rules.ItemInput(
            text_zh=zh, text_en=en, required=str(index) in required, note_zh=nzh, note_en=nen
        )
        for index, (zh, en, nzh, nen) in enumerate(
            zip(texts_zh, column("text_en"), column("note_zh"), column("note_en"), strict=True)
        )
    ]


@bp.post("/checklists/<int:service_id>", endpoint="save_checklist")
@supervisors
def save_checklist(service_id):
    edited = service(service_id)
    form = CsrfOnlyForm()
    items = _posted_items()

    def saved(version):
        flash(_("Checklist saved as version %(n)d.", n=version.number), "success")
        return redirect_after_post(url_for("guidance.edit_checklist", service_id=edited.id))

    return submit(
        form,
        lambda: checklist_rules.save_checklist(
            edited, items, actor=current_user, now=utcnow(), note=request.form.get("note", "")
        ),
        done=saved,
        invalid=lambda: _editor(
            edited, form, _checklist_rows(items, blanks=0) or _checklist_rows([])
        ),
    )


def _public_service(hall_code: str, service_code: str) -> Service:
    try:
        found = halls.get_hall(hall_code)
    except NotFound:
        abort(404)
    shown = next((s for s in found.services if s.code == service_code.upper()), None)
    if shown is None or not shown.active:
        abort(404)
    return shown


@bp.get("/checklist/<hall_code>/<service_code>", endpoint="print_checklist")
@public
def print_checklist(hall_code, service_code):
    """One printable page per service; hotline officers read from it and send its link."""
    shown = _public_service(hall_code, service_code)
    return render_template(
        "guidance/checklist_print.html",
        service=shown,
        version=checklist_rules.current_checklist(shown),
        page_url=checklist_url(shown),
    )


@bp.get("/checklist/<hall_code>/<service_code>/qr.svg", endpoint="checklist_qr")
@public
def checklist_qr(hall_code, service_code):
    link = checklist_url(_public_service(hall_code, service_code))
    # A standalone SVG (with its namespace), so <img src> and phones can open it.
    response = Response(qr.qr_svg(link), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
