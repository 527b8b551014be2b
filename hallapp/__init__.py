"""The hall application factory."""

import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from hallapp import (
    access,
    answer_headers,
    errors,
    i18n,
    labels,
    logs,
    navigation,
    observe,
    phone_links,
    poll_gate,
    validation,
)
from hallapp.config import Config, check_production, environment_overrides
from hallapp.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from hallapp.sessions import CookieSessions
from hallapp.sqlite import configure_postgresql, configure_sqlite, database_engine_options

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: type | dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.session_interface = CookieSessions()
    load_config(app, config)
    poll_gate.install(app)
    trust_proxies(app)
    register_extensions(app)
    validation.register_converters(app)
    register_blueprints(app)
    register_request_hooks(app)
    logs.register(app)
    register_templates(app)
    errors.register(app)
    from hallapp import cli

    cli.register(app)
    return app


def load_config(app: Flask, config: type | dict | None) -> None:
    """Defaults, then instance/config.py, then the environment, then what the caller passes."""
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(environment_overrides())
    app.config.from_prefixed_env("HALL")
    if isinstance(config, dict):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    lifetime = app.config["KIOSK_SESSION_LIFETIME"]
    if not isinstance(lifetime, timedelta):  # HALL_KIOSK_SESSION_LIFETIME=43200 (seconds)
        lifetime = app.config["KIOSK_SESSION_LIFETIME"] = timedelta(seconds=int(lifetime))
    app.config["PERMANENT_SESSION_LIFETIME"] = lifetime
    if app.config.get("ENV") == "production":
        # Before anything is made on this host: nothing here may matter to another host.
        check_production(app.config)
        return
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'hall.sqlite'}"
        )
    database_engine_options(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app, "secret_key")
    if not app.config.get("IDENTITY_HASH_KEY"):
        app.config["IDENTITY_HASH_KEY"] = _instance_secret(app, "identity_hash_key")


def trust_proxies(app: Flask) -> None:
    """Behind nginx every client would be 127.0.0.1 and each per-address limit one bucket
    for the whole city; trust X-Forwarded-* from exactly the configured number of proxies."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _instance_secret(app: Flask, name: str) -> str:
    """A random secret kept in instance/, so a fresh checkout runs without set-up."""
    path = Path(app.instance_path) / name
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_sqlite(
            db.engine,
            immediate=app.config["SQLITE_IMMEDIATE_TRANSACTIONS"],
            busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        )
        configure_postgresql(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    # Every limit is a decorator on its view (login, kiosk, suggestions), and a decorated
    # view checks its own limits when it runs. The limiter's app-wide hook is for default
    # and blueprint limits, which the hall has none of (extensions.py), yet it resolved
    # nothing on every request at a fifth of a live poll's cost.
    hooks = app.before_request_funcs.setdefault(None, [])
    if limiter._check_request_limit in hooks:  # not there with RATELIMIT_ENABLED off
        hooks.remove(limiter._check_request_limit)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.user_loader(_load_user)


def _load_user(session_id: str):
    from hallapp.services.accounts import load_for_session

    return load_for_session(session_id)


def register_blueprints(app: Flask) -> None:
    from hallapp.blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_request_hooks(app: Flask) -> None:
    observe.register(app)
    validation.register(app)
    app.before_request(access.enforce_access)

    standard = answer_headers.standard(app.config)

    @app.after_request
    def security_headers(response):
        answer_headers.add(response, endpoint=request.endpoint, standard=standard)
        return response


def register_templates(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        labels=labels,
        role_labels=labels.ROLE_LABELS,
        get_locale=get_locale,
        html_lang=i18n.html_lang,
        localized=i18n.localized,
        LANGUAGES=i18n.LANGUAGES,
        nav_items=navigation.items_for,
        phone_url=phone_links.phone_url,
    )
    app.jinja_env.filters["localtime"] = i18n.format_local

    @app.context_processor
    def display_preferences():
        # A kiosk set up for seniors starts in large text and high contrast; what a citizen
        # chooses there holds until the kiosk's idle reset clears it.
        seniors = bool((session.get("kiosk") or {}).get("seniors"))
        if current_user.is_authenticated:
            large = current_user.large_text
        else:
            large = bool(session.get("large_text", seniors))
        return {"large_text": large, "contrast": bool(session.get("contrast", seniors)), "g": g}
