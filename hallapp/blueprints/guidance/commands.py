"""`flask --app wsgi purge`: the daily timer that erases identity data past retention."""

import click

from hallapp.blueprints.guidance import bp
from hallapp.models import utcnow
from hallapp.services import appointments, guidance
from hallapp.single_runner import once_a_day


@bp.cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Keep this many days instead of IDENTITY_RETENTION_DAYS.",
)
@once_a_day("purge")
def purge_command(days):
    """Erase masked numbers, keyed hashes, phones and names older than the retention period."""
    report = guidance.purge_identity_data(now=utcnow(), days=days)
    line = (
        f"Erased identity data recorded before {report.cutoff:%Y-%m-%d %H:%M} UTC: "
        f"{report.identities} identity records, {report.appointments} appointments, "
        f"{report.cases} closed cases, {report.suggestion_phones} suggestion phones, "
        f"{report.import_previews} import previews. Tickets and times are kept."
    )
    click.echo(line)
    return line


@bp.cli.command("no-shows")
@click.option("--grace", type=click.IntRange(min=0), default=0, help="Minutes after a slot ends.")
@once_a_day("no-shows")
def no_shows_command(grace):
    """Mark bookings whose slot has ended without a check-in as not come, in every hall."""
    from hallapp.services import halls

    now = utcnow()
    total = sum(
        appointments.mark_no_shows(hall, now=now, grace_minutes=grace)
        for hall in halls.list_halls()
    )
    line = f"{total} bookings marked as no-shows."
    click.echo(line)
    return line
