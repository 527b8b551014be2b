from flask import Blueprint

from hallapp.blueprints.feedback import labels

# No url_prefix: the citizen rates at /rate/..., officers and supervisors work under /ratings/.
bp = Blueprint("ratings", __name__)
bp.context_processor(labels.context)

from hallapp.blueprints.ratings import views  # noqa: E402, F401
