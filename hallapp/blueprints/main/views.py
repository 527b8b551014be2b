from flask import Response, abort, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from hallapp import navigation
from hallapp.access import public, signed_in
from hallapp.blueprints.main import bp
from hallapp.blueprints.main.forms import PreferencesForm
from hallapp.i18n import normalize_locale
from hallapp.models import utcnow
from hallapp.observe import metrics_allowed, metrics_text, readiness
from hallapp.safe_urls import safe_next
from hallapp.services import accounts


@bp.get("/")
@signed_in
def home():
    # The supervisor's home is the live board of their hall.
    if "supervisor" in current_user.roles and current_user.hall_id is not None:
        return redirect(url_for("supervision.board"))
    home = navigation.home_endpoint()
    if home:
        return redirect(url_for(home))
    return render_template("main/home.html")


@bp.get("/healthz")
@public
def healthz():
    """Liveness: this process answers. Restart it when it does not; dependencies are /readyz."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():
    """Readiness, for nginx and the load balancer: database, Redis (when configured) and the
    schema at the migration head. 503 sends traffic to the other hosts."""
    checks = readiness()
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "error", checks=checks), 200 if ready else 503


@bp.get("/metrics")
@public
def metrics():
    """Prometheus: request latency by endpoint and the hall gauges; only to allowed scrapers."""
    if not metrics_allowed():
        abort(403)
    return Response(metrics_text(utcnow()), mimetype="text/plain; version=0.0.4")


@bp.post("/preferences")
@public
def preferences():
    """Language, large text and high contrast: remembered for the person, or this browser."""
    form = PreferencesForm()
    back = safe_next(form.next.data or request.referrer) or url_for("main.home")
    if not form.validate_on_submit():
        return redirect(back, 303)
    locale = normalize_locale(form.lang.data)
    large = {"on": True, "off": False}.get(form.large_text.data)
    if locale:
        session["lang"] = locale
    if large is not None:
        session["large_text"] = large
    if form.contrast.data:
        session["contrast"] = form.contrast.data == "on"
    if current_user.is_authenticated and (locale or large is not None):
        accounts.set_preferences(current_user, locale=locale, large_text=large)
    return redirect(back, 303)
