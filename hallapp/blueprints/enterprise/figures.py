"""The enterprise room's figures for a period, on the page and as CSV or Excel."""

from flask import Response, render_template, request

from hallapp.blueprints.enterprise import bp
from hallapp.blueprints.enterprise.common import hall, room_staff
from hallapp.blueprints.enterprise.forms import FiguresForm
from hallapp.forms import attach_error
from hallapp.htmx import render_page
from hallapp.i18n import service_day
from hallapp.models import utcnow
from hallapp.services import enterprise as rooms
from hallapp.services.errors import HallError


def _figures():
    """The figures for the period asked (this month so far by default), or the form's error."""
    form = FiguresForm(request.args)
    if not form.validate():
        return form, None
    today = service_day(utcnow())
    start = form.start.data or today.replace(day=1)
    end = form.end.data or today
    try:
        return form, rooms.figures(hall(), start, end)
    except HallError as error:
        attach_error(form, error, default_field="end")
        return form, None


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
