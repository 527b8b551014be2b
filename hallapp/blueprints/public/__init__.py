from flask import Blueprint

# The hall's public face: display boards, kiosks, printed tickets, the citizen's phone page.
bp = Blueprint("public", __name__)

from hallapp.blueprints.public import views  # noqa: E402, F401
from hallapp.blueprints.public.commands import notify_group  # noqa: E402

bp.record_once(lambda state: state.app.cli.add_command(notify_group))
