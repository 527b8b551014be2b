from flask import Blueprint

# cli_group=None: `flask --app wsgi purge`, as the daily timer calls it.
bp = Blueprint("guidance", __name__, url_prefix="/desk", cli_group=None)

from hallapp.blueprints.guidance import commands, views  # noqa: E402, F401
