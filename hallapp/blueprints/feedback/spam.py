"""Spam without a third-party service: a hidden honeypot field and a minimum fill time.

The form carries a signed "started at" stamp; a post that comes back faster than a person
can type, or with the honeypot filled, is refused before anything is stored.
"""

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "suggestion-form-started"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def form_stamp(now: datetime) -> str:
    return _serializer().dumps(now.timestamp())


def started_at(stamp: str | None) -> float | None:
    try:
        return float(_serializer().loads(stamp or ""))
    except (BadSignature, TypeError, ValueError):
        return None


def stamp_to_keep(stamp: str | None, now: datetime) -> str:
    """A form shown again keeps the time it was first opened: a refusal does not restart
    the clock, or a citizen who is told to fix a field would be told "too quick" next."""
    return stamp if started_at(stamp) is not None else form_stamp(now)


def filled_too_fast(stamp: str | None, now: datetime) -> bool:
    """True when the stamp is missing, forged, or younger than the minimum fill time."""
    started = started_at(stamp)
    if started is None:
        return True
    return now.timestamp() - started < current_app.config["SUGGESTION_MIN_FILL_SECONDS"]
