"""ticket counter: each service day's last number and tickets issued, taken in one statement

Revision ID: issue_numbers_0001
Revises: ops_hosts_0001
Create Date: 2026-11-30 05:30:00

No backfill: a service day's row is made by its first issue or transfer, counted from the
tickets the day already has (services/queue/numbers.py), so today's numbers carry on.
"""

import sqlalchemy as sa
from alembic import op

revision = "issue_numbers_0001"
down_revision = "ops_hosts_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_counter",
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_id"],
            ["hall.id"],
            name=op.f("fk_ticket_counter_hall_id_hall"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_ticket_counter_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "hall_id", "service_id", "service_day", name=op.f("pk_ticket_counter")
        ),
    )


def downgrade():
    op.drop_table("ticket_counter")
