from flask import Blueprint

bp = Blueprint("queue", __name__, url_prefix="/queue")

from hallapp.blueprints.queue import enterprise_desk, views  # noqa: E402, F401
