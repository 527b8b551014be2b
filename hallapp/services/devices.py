"""Device tokens: caller pads at counters, display boards and kiosks authenticate with these.

Only the SHA-256 of a token is stored; the token itself is shown once, when it is made.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import joinedload

from hallapp.extensions import db
from hallapp.models import DEVICE_KINDS, Counter, DeviceToken, Hall, Staff
from hallapp.services import audit
from hallapp.services.errors import HallError, InvalidValue, NotFound
from hallapp.services.hall_now import hall_is_open

# bandit B105: the public prefix that marks a hall token (for secret scanners), not a secret.
TOKEN_PREFIX = "hall_"  # nosec B105
# A kiosk or board unseen this long in opening hours is flagged on the admin home.
UNSEEN_WARNING = timedelta(minutes=2)
# Last-seen times are written at most this often per device, not on every poll.
SEEN_RESOLUTION = timedelta(minutes=1)


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


def token_digest(raw: str) -> str:
    """What the table keeps of a token, and what a worker may remember it by."""
    return _digest(raw)


@dataclass(frozen=True)
class DevicePass:
    """What a poll needs to know of a device, without holding its row (a worker keeps it
    for a moment, hallapp/render_cache.py)."""

    id: int
    kind: str
    hall_id: int
    counter_id: int | None
    revoked_at: datetime | None
    expires_at: datetime | None
    last_seen_at: datetime | None


# Who took a step, as the queue records it (only the id is kept): the device's row, or
# the pass a worker remembers for it.
Device = DeviceToken | DevicePass


def device_pass(digest: str) -> DevicePass | None:
    """The pass of the token with this digest, valid or not; None for no such token."""
    row = db.session.execute(
        select(
            DeviceToken.id,
            DeviceToken.kind,
            DeviceToken.hall_id,
            DeviceToken.counter_id,
            DeviceToken.revoked_at,
            DeviceToken.expires_at,
            DeviceToken.last_seen_at,
        ).where(DeviceToken.token_hash == digest)
    ).one_or_none()
    return DevicePass(*row) if row is not None else None


def check_valid(device: DeviceToken | DevicePass | None, *, now: datetime) -> None:
    """Refuse an unknown, revoked or expired device."""
    if device is None:
        raise InvalidToken()
    if device.revoked_at is not None:
        raise TokenRevoked()
    if device.expires_at is not None and device.expires_at <= now:
        raise TokenExpired()


def authenticate(raw: str | None, *, now: datetime) -> DeviceToken:
    """The device behind a bearer token, if the token is known, unexpired and not revoked."""
    if not raw:
        raise InvalidToken()
    token = db.session.scalar(_TOKEN_WITH_PLACE, {"digest": _digest(raw)})
    if token is None:
        raise InvalidToken()
    check_valid(token, now=now)
    return token


# Built once, with the device's hall and counter in the same read: every device request
# uses them (the hall's rules, the counter it works), and each lazy load was a statement.
_TOKEN_WITH_PLACE = (
    select(DeviceToken)
    .where(DeviceToken.token_hash == bindparam("digest"))
    .options(joinedload(DeviceToken.hall), joinedload(DeviceToken.counter))
)


def device_of(raw: str | None, *, now: datetime) -> DeviceToken | None:
    """The device behind a token typed or pasted into a set-up screen, else None: the screen
    says "not valid" without telling a stranger why."""
    if not raw or len(raw) > 200:
        return None
    try:
        return authenticate(raw.strip(), now=now)
    except InvalidToken:
        return None


def revoke_device_token(token_id: int, *, now: datetime, actor: Staff | None = None) -> DeviceToken:
    """Stop a device's token from working: at once, or LIVE_RECENT_SECONDS later on a
    worker that checked it a moment ago (it remembers a device's pass that long)."""
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


def seen_recently(device: DeviceToken | DevicePass, *, now: datetime) -> bool:
    """Whether mark_seen has nothing to write now."""
    return device.last_seen_at is not None and now - device.last_seen_at < SEEN_RESOLUTION


def mark_seen(device: DeviceToken | DevicePass, *, now: datetime) -> bool:
    """Note that the device showed its token now, at most one write a minute; True when
    this call wrote it.

    The write is its own short transaction, after the poll's reads are ended: on SQLite a
    read transaction cannot become a write once another connection has committed since it
    began (the poll would fail at once, whatever the busy timeout), and the condition makes
    a second worker's write of the same minute a no-op.
    """
    if seen_recently(device, now=now):
        return False
    db.session.commit()
    db.session.execute(
        update(DeviceToken)
        .where(
            DeviceToken.id == device.id,
            or_(
                DeviceToken.last_seen_at.is_(None),
                DeviceToken.last_seen_at <= now - SEEN_RESOLUTION,
            ),
        )
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return True


@dataclass(frozen=True)
class UnseenDevice:
    device: DeviceToken
    since: datetime  # last seen, or made and never seen


def unseen_devices(hall: Hall, *, now: datetime) -> list[UnseenDevice]:
    """Kiosks and boards of the hall not seen for UNSEEN_WARNING while the hall is open.
    A device never seen counts from when it was made; revoked or expired ones not at all."""
    if not hall_is_open(hall, now):
        return []
    cutoff = now - UNSEEN_WARNING
    rows = db.session.scalars(
        select(DeviceToken)
        .where(
            DeviceToken.hall_id == hall.id,
            DeviceToken.kind.in_(("kiosk", "display")),
            DeviceToken.revoked_at.is_(None),
            (DeviceToken.expires_at.is_(None)) | (DeviceToken.expires_at > now),
        )
        .order_by(DeviceToken.id)
    )
    unseen = []
    for device in rows:
        since = device.last_seen_at or device.created_at
        if since <= cutoff:
            unseen.append(UnseenDevice(device, since))
    return unseen


def list_device_tokens(hall: Hall) -> list[DeviceToken]:
    return list(
        db.session.scalars(
            select(DeviceToken).where(DeviceToken.hall_id == hall.id).order_by(DeviceToken.id)
        )
    )
