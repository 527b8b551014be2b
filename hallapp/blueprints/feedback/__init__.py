from flask import Blueprint

from hallapp.blueprints.feedback import labels

# No url_prefix: the citizen's pages live at /suggest/... and /said-and-done/...,
# the staff pages under /feedback/.
bp = Blueprint("feedback", __name__)
bp.context_processor(labels.context)

from hallapp.blueprints.feedback import views  # noqa: E402, F401
