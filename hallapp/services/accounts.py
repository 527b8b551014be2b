"""Staff accounts: signing in, passwords, roles and preferences."""

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from hallapp.extensions import db
from hallapp.models import ROLES, Hall, Staff, StaffRole, utcnow
from hallapp.services import audit
from hallapp.services.errors import (
    Duplicate,
    InvalidCredentials,
    InvalidValue,
    WeakPassword,
    WrongPassword,
)
from hallapp.validation import bounded_int, is_clean_name

MIN_PASSWORD_LENGTH = 10
# Checked against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def is_common_password(password: str) -> bool:
    """On the bundled list, or one character (or a run like 1234567890) over and over."""
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(lowered, lowered[1:], strict=False)}
    return steps in ({1}, {-1})


def hash_password(password: str) -> str:
    """scrypt, Werkzeug's default key derivation function."""
    return generate_password_hash(password)


def check_password_policy(password: str, username: str = "") -> None:
    """A staff password has at least 10 characters and is not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    if username and password.lower() == username.lower():
        raise WeakPassword(_l("The password must not be the username."))
    if is_common_password(password):
        raise WeakPassword(_l("This password is on the list of common passwords. Choose another."))


def find_by_username(username: str) -> Staff | None:
    return db.session.scalar(
        select(Staff).where(func.lower(Staff.username) == username.strip().lower())
    )


def authenticate(
    username: str, password: str, *, address: str | None = None, now: datetime | None = None
) -> Staff:
    """Sign in an active staff member; any failure looks the same to the person trying."""
    now = now or utcnow()
    staff = find_by_username(username)
    password_ok = check_password_hash(staff.password_hash if staff else _DUMMY_HASH, password)
    if staff is None or not password_ok or not staff.active:
        audit.record(
            "auth.login_failed",
            actor=staff,
            target=f"username:{username[:64]}",
            address=address,
            now=now,
        )
        db.session.commit()
        raise InvalidCredentials()
    staff.last_login_at = now
    audit.record("auth.login", actor=staff, target=f"staff:{staff.id}", address=address, now=now)
    db.session.commit()
    return staff


def record_logout(staff: Staff, *, address: str | None = None) -> None:
    """Signing out ends the session on the server: a copied cookie no longer opens anything.

    The session epoch is the one the password change bumps, so every session of this
    person ends, on any desk: staff sign out when they leave their post.
    """
    staff.session_epoch += 1
    audit.record("auth.logout", actor=staff, target=f"staff:{staff.id}", address=address)
    db.session.commit()


def change_password(staff: Staff, current: str, new: str, *, address: str | None = None) -> None:
    """Staff change their own password after proving the current one; other sessions end."""
    if not check_password_hash(staff.password_hash, current):
        raise WrongPassword()
    check_password_policy(new, staff.username)
    staff.password_hash = hash_password(new)
    staff.session_epoch += 1
    audit.record("auth.password_changed", actor=staff, target=f"staff:{staff.id}", address=address)
    db.session.commit()


def clean_roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted(set(roles))
    unknown = [role for role in chosen if role not in ROLES]
    if unknown:
        raise InvalidValue(_l("Unknown role: %(role)s", role=", ".join(unknown)), field="roles")
    if not chosen:
        raise InvalidValue(_l("Choose at least one role."), field="roles")
    return chosen


def create_staff(
    *,
    hall: Hall,
    username: str,
    full_name: str,
    roles: Iterable[str],
    password: str,
    actor: Staff | None = None,
    enforce_policy: bool = True,
) -> Staff:
    """A new account bound to one hall, with at least one role."""
    username = username.strip()
    if not username:
        raise InvalidValue(_l("A username is required."), field="username")
    if not is_clean_name(username) or len(username) > 64:
        raise InvalidValue(
            _l("A username is letters, digits and punctuation, without spaces."),
            field="username",
        )
    if find_by_username(username):
        raise Duplicate(_l("The username %(name)s is taken.", name=username), field="username")
    role_list = clean_roles(roles)
    if enforce_policy:
        check_password_policy(password, username)
    staff = Staff(
        hall=hall,
        username=username,
        full_name=full_name.strip() or username,
        password_hash=hash_password(password),
        role_rows=[StaffRole(role=role) for role in role_list],
    )
    db.session.add(staff)
    db.session.flush()
    audit.record(
        "admin.staff.create",
        actor=actor,
        target=f"staff:{staff.id}",
        summary=f"{username} roles={','.join(role_list)}",
        hall_id=hall.id,
    )
    db.session.commit()
    return staff


def update_staff(
    staff: Staff,
    *,
    full_name: str,
    roles: Iterable[str],
    active: bool,
    hall: Hall,
    actor: Staff,
) -> Staff:
    """Change a colleague's name, roles, hall or whether they may sign in."""
    role_list = clean_roles(roles)
    if staff.id == actor.id and ("admin" not in role_list or not active):
        raise InvalidValue(_l("You cannot remove your own administrator access."), field="roles")
    staff.full_name = full_name.strip() or staff.username
    staff.hall = hall
    staff.active = active
    current = {row.role: row for row in staff.role_rows}
    for role in set(current) - set(role_list):
        staff.role_rows.remove(current[role])
    for role in set(role_list) - set(current):
        staff.role_rows.append(StaffRole(role=role))
    audit.record(
        "admin.staff.update",
        actor=actor,
        target=f"staff:{staff.id}",
        summary=f"{staff.username} roles={','.join(role_list)} active={active}",
        hall_id=hall.id,
    )
    db.session.commit()
    return staff


def reset_password(staff: Staff, new: str, *, actor: Staff) -> None:
    """An administrator sets a new password for a colleague who forgot theirs."""
    check_password_policy(new, staff.username)
    staff.password_hash = hash_password(new)
    staff.session_epoch += 1
    audit.record("admin.staff.password_reset", actor=actor, target=f"staff:{staff.id}")
    db.session.commit()


def set_preferences(
    staff: Staff, *, locale: str | None = None, large_text: bool | None = None
) -> None:
    """Language and large-text mode follow the person to any desk they sign in at."""
    if locale is not None:
        staff.locale = locale
    if large_text is not None:
        staff.large_text = large_text
    db.session.commit()


def load_for_session(session_id: str) -> Staff | None:
    """Flask-Login's loader: "id.epoch", so a changed password ends older sessions."""
    staff_id, _, epoch = (bounded_int(part) for part in session_id.partition("."))
    if staff_id is None or epoch is None:
        return None
    staff = db.session.get(Staff, staff_id)
    if staff is None or staff.session_epoch != epoch or not staff.active:
        return None
    return staff
