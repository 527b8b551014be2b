"""daily timers: one run per timer and day across every app host

Revision ID: ops_hosts_0001
Revises: firstweek_staff_0001
Create Date: 2026-11-30 02:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "ops_hosts_0001"
down_revision = "firstweek_staff_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "timer_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("host", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timer_run")),
        sa.UniqueConstraint("name", "day", name=op.f("uq_timer_run_name_day")),
    )


def downgrade():
    op.drop_table("timer_run")
