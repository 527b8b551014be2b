"""Device tokens: caller pads at counters, display boards and kiosks authenticate with these.

Only the SHA-256 of a token is stored; the token itself is shown once, when it is made.
"""

import hashlib
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import DEVICE_KINDS, Counter, DeviceToken, Hall, Staff
from hallapp.services import audit
from hallapp.services.errors import HallError, InvalidValue, NotFound

# bandit B105: the public prefix that marks a hall token (for secret scanners), not a secret.
TOKEN_PREFIX = "hall_"  # nosec B105


class InvalidToken(HallError):
    message = _l("The device token is missing or not valid.")


class TokenExpired(InvalidToken):
    message = _l("The device token has expired.")


class TokenRevoked(InvalidToken):
    message = _l("The device token has been revoked.")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_device_token(
    hall: Hall,
    kind: str,
    *,
    now: datetime,
    counter_number: int | None = None,
    label: str = "",
    expires_at: datetime | None = None,
    actor: Staff | None = None,
) -> tuple[DeviceToken, str]:
    """Make a token for a device; returns the row and the token, which is never shown again."""
    if kind not in DEVICE_KINDS:
        raise InvalidValue(_l("A device is a kiosk, a counter or a display."), field="kind")
    counter = None
    if kind == "counter":
        if counter_number is None:
            raise InvalidValue(_l("A counter device needs a counter number."), field="counter")
        counter = db.session.scalar(
            select(Counter).where(Counter.hall_id == hall.id, Counter.number == counter_number)
        )
        if counter is None:
            raise NotFound(_l("There is no counter with this number in the hall."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = DeviceToken(
        kind=kind,
        hall_id=hall.id,
        counter_id=counter.id if counter else None,
        token_hash=_digest(raw),
        label=label or (f"{kind} {counter_number}" if counter else kind),
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "devices.token.create",
        actor=actor,
        hall_id=hall.id,
        target=f"device token {token.id}",
        summary=token.label,
        now=now,
    )
    db.session.commit()
    return token, raw


def authenticate(raw: str | None, *, now: datetime) -> DeviceToken:
    """The device behind a bearer token, if the token is known, unexpired and not revoked."""
    if not raw:
        raise InvalidToken()
    token = db.session.scalar(select(DeviceToken).where(DeviceToken.token_hash == _digest(raw)))
    if token is None:
        raise InvalidToken()
    if token.revoked_at is not None:
        raise TokenRevoked()
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenExpired()
    return token


def revoke_device_token(token_id: int, *, now: datetime, actor: Staff | None = None) -> DeviceToken:
    """Stop a device's token from working, at once."""
    token = db.session.get(DeviceToken, token_id)
    if token is None:
        raise NotFound(_l("There is no such device token."))
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(
            "devices.token.revoke",
            actor=actor,
            hall_id=token.hall_id,
            target=f"device token {token.id}",
            summary=token.label,
            now=now,
        )
        db.session.commit()
    return token


def list_device_tokens(hall: Hall) -> list[DeviceToken]:
    return list(
        db.session.scalars(
            select(DeviceToken).where(DeviceToken.hall_id == hall.id).order_by(DeviceToken.id)
        )
    )
