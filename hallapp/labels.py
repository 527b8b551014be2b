"""Words for stored codes (roles, rooms, states), in the user's language."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

ROLE_LABELS = {
    "guide": _l("Guidance officer"),
    "counter": _l("Counter officer"),
    "enterprise": _l("Enterprise-room clerk"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
    "hotline": _l("Hotline operator"),
}

ROOM_LABELS = {"main": _l("Main hall"), "enterprise": _l("Enterprise room")}

COUNTER_STATE_LABELS = {
    "open": _lp("counter state", "Open"),
    "paused": _l("Paused"),
    "closed": _lp("counter state", "Closed"),
}

DEVICE_KIND_LABELS = {
    "kiosk": _l("Kiosk"),
    "counter": _l("Counter caller pad"),
    "display": _l("Display board"),
}

# What became of a text message, for the outbox screen. "logged": the demo gateway wrote
# it to a file and nobody was texted.
OUTBOX_STATUS_LABELS = {
    "pending": _l("Pending"),
    "sent": _l("Sent"),
    "logged": _l("Written to the log"),
    "failed": _l("Failed"),
}

WEEKDAY_LABELS = {
    "1": _l("Mon"),
    "2": _l("Tue"),
    "3": _l("Wed"),
    "4": _l("Thu"),
    "5": _l("Fri"),
    "6": _l("Sat"),
    "7": _l("Sun"),
}
