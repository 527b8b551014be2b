from flask import Blueprint

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

from hallapp.blueprints.hotline import views  # noqa: E402, F401
