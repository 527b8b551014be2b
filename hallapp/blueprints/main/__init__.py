from flask import Blueprint

bp = Blueprint("main", __name__)

from hallapp.blueprints.main import views  # noqa: E402, F401
