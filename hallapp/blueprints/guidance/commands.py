"""`flask --app wsgi purge`: the daily timer that erases identity data past retention."""

import click

from hallapp.blueprints.guidance import bp
from hallapp.models import utcnow
from hallapp.services import guidance


@bp.cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Keep this many days instead of IDENTITY_RETENTION_DAYS.",
)
def purge_command(days):
    """Erase masked numbers, keyed hashes, phones and names older than the retention period."""
    report = guidance.purge_identity_data(now=utcnow(), days=days)
    click.echo(
        f"Erased identity data recorded before {report.cutoff:%Y-%m-%d %H:%M} UTC: "
        f"{report.identities} identity records, {report.appointments} appointments, "
        f"{report.cases} closed cases. Tickets and times are kept."
    )
