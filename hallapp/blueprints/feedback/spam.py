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


def filled_too_fast(stamp: str | None, now: datetime) -> bool:
    """True when the stamp is missing, forged, or younger than the minimum fill time."""
    try:
        started = float(_serializer().loads(stamp or ""))
    except (BadSignature, TypeError, ValueError):
        return True
    return now.timestamp() - started < current_app.config["SUGGESTION_MIN_FILL_SECONDS"]
