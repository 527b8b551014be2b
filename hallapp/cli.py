"""Commands for operators: `flask --app wsgi demo`, `flask --app wsgi user create`."""

import os
import secrets

import click
from flask import Flask
from flask.cli import AppGroup

from hallapp.extensions import db
from hallapp.models import ROLES
from hallapp.services import accounts, demo, halls
from hallapp.services.errors import HallError


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(user_group)


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
