"""operations: device last seen, text message template, outcome and provider reference

Revision ID: operations_0001
Revises: public_0001
Create Date: 2026-11-29 23:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "operations_0001"
down_revision = "public_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("device_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("params", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("provider_ref", sa.String(length=64), nullable=True))
    # Messages sent before this revision went to the log file: nobody was texted.
    op.execute("UPDATE outbox_message SET outcome = 'logged' WHERE sent_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("provider_ref")
        batch_op.drop_column("outcome")
        batch_op.drop_column("params")
        batch_op.drop_column("template")
    with op.batch_alter_table("device_token", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
