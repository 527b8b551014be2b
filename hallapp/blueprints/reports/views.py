"""Reports: figures for a date range with charts, CSV and Excel exports, the A4 daily
summary, the staffing forecast, and the desk's one-tap count of free services.

Supervisors see their own hall; administrators any hall or all halls together."""

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from hallapp import charts
from hallapp.access import role_required
from hallapp.blueprints.reports import bp
from hallapp.i18n import localized
from hallapp.models import utcnow
from hallapp.services import exports, reports
from hallapp.services import forecast as forecasting
from hallapp.services.errors import HallError, InvalidValue

report_readers = role_required("supervisor", "admin")
desk_staff = role_required("guide", "supervisor")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _today():
    return utcnow().astimezone(reports.zone(current_user.hall)).date()


def _refused(template: str, error: HallError, **context):
    """A clear message beside the field, 403 for another hall, 422 for bad input."""
    status = 403 if isinstance(error, reports.NotYourHall) else 422
    errors = {error.field or "form": str(error.message)}
    return render_template(template, errors=errors, args=request.args, **context), status


def _scope_and_range():
    scope = reports.resolve_scope(current_user, request.args.get("hall"))
    start, end = reports.parse_range(
        request.args.get("start"), request.args.get("end"), today=_today()
    )
    return scope, start, end


def _scope_label(scope) -> str:
    return _("All halls") if scope.all_halls else localized(scope.halls[0])


def _heading(result) -> str:
    return _(
        "%(where)s, %(start)s to %(end)s",
        where=_scope_label(result.scope),
        start=result.start.isoformat(),
        end=result.end.isoformat(),
    )


def _common():
    return {"hall_choices": reports.hall_choices(current_user)}


@bp.get("/", endpoint="index")
@report_readers
def index():
    try:
        scope, start, end = _scope_and_range()
    except HallError as error:
        return _refused("reports/index.html", error, result=None, **_common())
    result = reports.report(scope, start, end)
    return render_template(
        "reports/index.html",
        result=result,
        charts=charts.report_charts(result),
        heading=_heading(result),
        errors={},
        args={"hall": scope.code, "start": start.isoformat(), "end": end.isoformat()},
        **_common(),
    )


def _report_tables():
    scope, start, end = _scope_and_range()
    result = reports.report(scope, start, end)
    name = f"hall-report-{scope.code}-{start.isoformat()}-{end.isoformat()}"
    return _heading(result), result.tables, name


def _export(kind: str, tables_of, refused_template: str) -> Response | tuple[str, int]:
    """The figures a page shows, as a CSV or Excel download: one way for every report."""
    try:
        heading, tables, name = tables_of()
    except HallError as error:
        return _refused(refused_template, error, result=None, **_common())
    if kind == "csv":
        body, mimetype = exports.to_csv(heading, tables), "text/csv; charset=utf-8"
    else:
        body, mimetype = exports.to_xlsx(heading, tables), XLSX
    disposition = f'attachment; filename="{name}.{kind}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.get("/report.csv", endpoint="export_csv")
@report_readers
def export_csv():
    return _export("csv", _report_tables, "reports/index.html")


@bp.get("/report.xlsx", endpoint="export_xlsx")
@report_readers
def export_xlsx():
    return _export("xlsx", _report_tables, "reports/index.html")


@bp.get("/daily", endpoint="daily")
@report_readers
def daily():
    try:
        scope = reports.resolve_scope(current_user, request.args.get("hall"))
        day = reports.parse_day(request.args.get("day"), field_name="day") or _today()
    except HallError as error:
        return _refused("reports/daily.html", error, summary=None, **_common())
    summary = reports.daily_summary(scope, day)
    return render_template(
        "reports/daily.html",
        summary=summary,
        day=day,
        where=_scope_label(scope),
        chart=charts.time_in_hall_chart(summary.report.hall_time),
        errors={},
        args={"hall": scope.code, "day": day.isoformat()},
        **_common(),
    )


def _forecast_scope():
    scope = reports.resolve_scope(current_user, request.args.get("hall") or current_user.hall.code)
    if scope.all_halls:
        raise InvalidValue(_("Choose one hall for the forecast."), field="hall")
    return scope.halls[0]


@bp.get("/forecast", endpoint="forecast")
@report_readers
def forecast():
    try:
        hall = _forecast_scope()
    except HallError as error:
        return _refused("reports/forecast.html", error, result=None, **_common())
    result = forecasting.forecast(hall, now=utcnow())
    return render_template(
        "reports/forecast.html",
        result=result,
        tables=forecasting.forecast_tables(result),
        errors={},
        args={"hall": hall.code},
        **_common(),
    )


def _forecast_tables():
    hall = _forecast_scope()
    tables = forecasting.forecast_tables(forecasting.forecast(hall, now=utcnow()))
    heading = _("Staffing forecast, %(hall)s", hall=localized(hall))
    return heading, tables, f"staffing-forecast-{hall.code}"


@bp.get("/forecast.csv", endpoint="forecast_csv")
@report_readers
def forecast_csv():
    return _export("csv", _forecast_tables, "reports/forecast.html")


@bp.get("/forecast.xlsx", endpoint="forecast_xlsx")
@report_readers
def forecast_xlsx():
    return _export("xlsx", _forecast_tables, "reports/forecast.html")


@bp.post("/free-services", endpoint="record_free_service")
@desk_staff
def record_free_service():
    kind = request.form.get("kind", "")
    hall = current_user.hall
    try:
        count = reports.record_free_service(hall, kind, now=utcnow(), actor=current_user)
    except HallError as error:
        return render_template(
            "reports/_free_services.html",
            counts=reports.free_services_today(hall, now=utcnow()),
            message=str(error.message),
            message_kind="error",
        ), 422
    label = reports.FREE_SERVICE_LABELS[kind]
    return render_template(
        "reports/_free_services.html",
        counts=reports.free_services_today(hall, now=utcnow()),
        message=_("Recorded: %(what)s, %(count)d today.", what=label, count=count),
        message_kind="success",
    )
