from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from hallapp.access import public, signed_in
from hallapp.blueprints.auth import bp
from hallapp.blueprints.auth.forms import LoginForm, PasswordForm
from hallapp.extensions import limiter
from hallapp.forms import attach_error
from hallapp.safe_urls import safe_next
from hallapp.services import accounts
from hallapp.services.errors import HallError, InvalidCredentials


def _account_key() -> str:
    return "account:" + request.form.get("username", "").strip().lower()[:64]


def _failed(response) -> bool:
    # Only failed attempts count against the limits; a clerk signing in often is fine.
    return response.status_code >= 400


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    try:
        staff = accounts.authenticate(
            form.username.data, form.password.data, address=request.remote_addr
        )
    except InvalidCredentials as error:
        form.password.errors.append(str(error.message))
        return render_template("auth/login.html", form=form), 401
    login_user(staff)
    return redirect(safe_next(form.next.data) or url_for("main.home"), 303)


@bp.post("/logout")
@signed_in
def logout():
    accounts.record_logout(current_user, address=request.remote_addr)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def password():
    form = PasswordForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/password.html", form=form), status
    try:
        accounts.change_password(
            current_user,
            form.current_password.data,
            form.new_password.data,
            address=request.remote_addr,
        )
    except HallError as error:
        attach_error(form, error)
        return render_template("auth/password.html", form=form), 422
    # The session epoch changed; sign this browser in again so only the others are ended.
    login_user(current_user._get_current_object())
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("main.home"), 303)
