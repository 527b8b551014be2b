from flask import Blueprint

bp = Blueprint("enterprise", __name__, url_prefix="/enterprise")

from hallapp.blueprints.enterprise import views  # noqa: E402, F401
