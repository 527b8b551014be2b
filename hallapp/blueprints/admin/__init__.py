from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from hallapp.blueprints.admin import calendar, views  # noqa: E402, F401
