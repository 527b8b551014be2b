"""The ticket's states and the steps between them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hallapp.models import Ticket

from .common import refuse
from .errors import IllegalStep

STATUS_LABELS = {
    "waiting": _l("waiting"),
    "called": _l("called"),
    "serving": _l("being served"),
    "done": _l("done"),
    "no_show": _l("no-show"),
    "transferred": _l("transferred"),
    "cancelled": _l("cancelled"),
    "walked_out": _l("walked out"),
    "parked": _l("parked"),
}


def illegal(ticket: Ticket, step) -> None:
    refuse(
        IllegalStep(
            _l(
                "Ticket %(label)s is %(status)s, so you cannot %(step)s it.",
                label=ticket.label,
                status=STATUS_LABELS[ticket.status],
                step=step,
            )
        )
    )
