from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/supervisor")

from hallapp.blueprints.supervision import views  # noqa: E402, F401
