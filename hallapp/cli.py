"""Commands for operators: `flask --app wsgi demo`, `flask --app wsgi user create`."""

import os
import secrets
from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from hallapp.extensions import db
from hallapp.models import DEVICE_KINDS, ROLES, utcnow
from hallapp.services import accounts, demo, devices, halls
from hallapp.services.errors import HallError


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(user_group)
    app.cli.add_command(device_token_group)
    app.cli.add_command(hall_group)
    app.cli.add_command(history_command)


@click.command("demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (and succeed) when the database already has data; for `make run`.",
)
def demo_command(if_empty: bool) -> None:
    """Load the demo hall (code `demo`) with one user per role."""
    if not demo.database_is_empty():
        if if_empty:
            click.echo("Database already has data; demo not loaded.")
            return
        raise click.ClickException(str(demo.DatabaseNotEmpty().message))
    password = _demo_password()
    demo.load_demo(password)
    names = ", ".join(username for username, _name, _roles in demo.USERS)
    click.echo(f"Demo hall '{demo.DEMO_HALL}' loaded. Users: {names}.")
    if password_from_env():
        click.echo("Their password is the value of HALL_DEMO_PASSWORD.")
    else:
        click.echo("Their password (shown only this once):")
        click.echo(password)


def password_from_env() -> str | None:
    return os.environ.get("HALL_DEMO_PASSWORD") or None


def _demo_password() -> str:
    return password_from_env() or secrets.token_urlsafe(12)


@click.command("history")
@click.option("--days", type=click.IntRange(1, 3660), default=365, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same history.")
def history_command(days: int, seed: int) -> None:
    """Fill the database with a realistic past: three halls, about a million tickets a year."""
    from time import perf_counter

    from hallapp.services import history

    started = perf_counter()
    fresh = demo.database_is_empty()
    password = _demo_password()
    try:
        result = history.fill_history(days, now=utcnow(), password=password, seed=seed)
    except HallError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    click.echo(
        f"{result.days} days of history in {result.halls} halls: {result.visits} visits, "
        f"{result.tickets} tickets, {result.events} ticket steps "
        f"({perf_counter() - started:.0f} s)."
    )
    if fresh and not password_from_env():
        click.echo("The demo users' password (shown only this once):")
        click.echo(password)


user_group = AppGroup("user", help="Staff accounts.")


@user_group.command("create")
@click.argument("username")
@click.option("--name", "full_name", default="", help="Full name as colleagues know it.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
    help="Repeat for several roles.",
)
@click.option("--hall", "hall_code", default=demo.DEMO_HALL, show_default=True)
@click.password_option(help="Asked for when not given.")
def create_user(username, full_name, roles, hall_code, password):
    """Create a staff account bound to a hall."""
    try:
        hall = halls.get_hall(hall_code)
        staff = accounts.create_staff(
            hall=hall, username=username, full_name=full_name, roles=roles, password=password
        )
    except HallError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {staff.username} ({', '.join(sorted(staff.roles))}) in {hall.code}.")


hall_group = AppGroup("hall", help="Halls (branches): the first one, before any account exists.")


@hall_group.command("create")
@click.argument("code")
@click.option("--name-zh", required=True)
@click.option("--name-en", required=True)
@click.option("--opens", default="08:30", show_default=True, help="HH:MM, hall time.")
@click.option("--closes", default="17:30", show_default=True, help="HH:MM, hall time.")
@click.option("--days", default="12345", show_default=True, help="ISO weekdays, 1 is Monday.")
@click.option("--target-minutes", type=int, default=10, show_default=True)
def create_hall(code, name_zh, name_en, opens, closes, days, target_minutes):
    """Create a hall, so a fresh deployment can get its first administrator."""
    from datetime import datetime as _datetime

    try:
        opens_at = _datetime.strptime(opens, "%H:%M").time()
        closes_at = _datetime.strptime(closes, "%H:%M").time()
    except ValueError as error:
        raise click.BadParameter("times are HH:MM, e.g. 08:30") from error
    try:
        hall = halls.save_hall(
            None,
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            opens_at=opens_at,
            closes_at=closes_at,
            open_weekdays=days,
            target_minutes=target_minutes,
            actor=None,
        )
    except HallError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Created hall {hall.code}.")


device_token_group = AppGroup("device-token", help="Tokens for caller pads, displays and kiosks.")


@device_token_group.command("create")
@click.option("--kind", required=True, type=click.Choice(DEVICE_KINDS))
@click.option("--counter", "counter_number", type=int, help="Counter number (counter kind).")
@click.option("--hall", "hall_code", default=demo.DEMO_HALL, show_default=True)
@click.option("--label", default="", help="Where the device is, e.g. 'kiosk by the door'.")
@click.option(
    "--expires-days",
    type=click.IntRange(min=1, max=3650),
    help="Stop working after this many days (1 or more; leave out for no expiry).",
)
def create_device_token(kind, counter_number, hall_code, label, expires_days):
    """Make a bearer token for a device; the token is the last line printed."""
    now = utcnow()
    try:
        hall = halls.get_hall(hall_code)
        token, raw = devices.create_device_token(
            hall,
            kind,
            now=now,
            counter_number=counter_number,
            label=label,
            expires_at=now + timedelta(days=expires_days) if expires_days is not None else None,
        )
    except HallError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Device token {token.id} ({token.label}) for hall {hall.code}. Shown only once:")
    click.echo(raw)


@device_token_group.command("revoke")
@click.argument("token_id", type=int)
def revoke_device_token(token_id):
    """Stop a device token from working."""
    try:
        token = devices.revoke_device_token(token_id, now=utcnow())
    except HallError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Device token {token.id} ({token.label}) revoked.")


@device_token_group.command("list")
@click.option("--hall", "hall_code", default=demo.DEMO_HALL, show_default=True)
def list_device_tokens(hall_code):
    """Device tokens of a hall (never the tokens themselves)."""
    try:
        hall = halls.get_hall(hall_code)
    except HallError as error:
        raise click.ClickException(str(error.message)) from error
    for token in devices.list_device_tokens(hall):
        state = "revoked" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{token.kind}\t{token.label}\t{state}")
