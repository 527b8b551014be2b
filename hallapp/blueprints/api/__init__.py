"""The device API under /api/v1: JSON for caller pads, display boards and kiosks."""

from flask import Blueprint

from hallapp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Devices authenticate with bearer tokens, not cookies, so there is no CSRF to guard against.
csrf.exempt(bp)

from hallapp.blueprints.api import views  # noqa: E402, F401
