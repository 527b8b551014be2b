"""`flask --app wsgi notify ...`: send the text-message outbox, forget old phone numbers."""

import time
from datetime import timedelta

import click
from flask.cli import AppGroup

from hallapp.models import utcnow
from hallapp.services import notifications

notify_group = AppGroup("notify", help="Text messages to citizens who left a phone number.")


@notify_group.command("send-pending")
@click.option("--loop", "every", type=float, default=0, help="Run again every N seconds.")
@click.option("--rounds", type=int, default=0, help="With --loop: stop after N rounds.")
def send_pending_command(every: float, rounds: int) -> None:
    """Queue what the queue calls for (in the halls that changed since the last round),
    then send every due message (retrying failures). Run it with --loop 2 beside the app."""
    try:
        gateway = notifications.gateway_from_config()
    except notifications.GatewayNotConfigured as error:
        raise click.ClickException(str(error)) from error
    done = 0
    seen: dict[int, int] = {}
    while True:
        now = utcnow()
        notifications.safely(notifications.enqueue_for_changed_halls, now=now, seen=seen)
        counts = notifications.send_pending(now, gateway)
        click.echo(
            f"sent {counts['sent']}, written to the log {counts['logged']}, "
            f"to retry {counts['retry']}, failed {counts['failed']}"
        )
        done += 1
        if not every or (rounds and done >= rounds):
            return
        time.sleep(every)


@notify_group.command("purge")
@click.option("--days", type=int, default=30, show_default=True)
def purge_command(days: int) -> None:
    """Forget the phone numbers of subscriptions older than this many days."""
    count = notifications.purge_phone_numbers(utcnow() - timedelta(days=days))
    click.echo(f"{count} phone numbers removed")
