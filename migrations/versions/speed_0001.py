"""ticket idempotency key (issueTicket retries get the same ticket)

Revision ID: speed_0001
Revises: operations_0001
Create Date: 2026-11-29 23:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "speed_0001"
down_revision = "operations_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=160), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_ticket_idempotency_key"), ["idempotency_key"]
        )


def downgrade():
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_ticket_idempotency_key"), type_="unique")
        batch_op.drop_column("idempotency_key")
