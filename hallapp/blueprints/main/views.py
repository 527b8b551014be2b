from flask import jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from hallapp.access import public, signed_in
from hallapp.blueprints.main import bp
from hallapp.blueprints.main.forms import PreferencesForm
from hallapp.extensions import db
from hallapp.i18n import normalize_locale
from hallapp.safe_urls import safe_next
from hallapp.services import accounts


@bp.get("/")
@signed_in
def home():
    # The supervisor's home is the live board of their hall.
    if "supervisor" in current_user.roles and current_user.hall_id is not None:
        return redirect(url_for("supervision.board"))
    return render_template("main/home.html")


@bp.get("/healthz")
@public
def healthz():
    """For the load balancer and the hall's monitoring: is the database answering?"""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:
        db.session.rollback()
        return jsonify(status="error", db="error"), 503
    return jsonify(status="ok", db="ok")


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
