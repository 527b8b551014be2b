"""waiting priority tickets are indexed by arrival: callNext finds a service's first one
without sorting the queue

Revision ID: call_order_0001
Revises: live_events_0001
Create Date: 2026-11-30 11:30:00

callNext sorted every waiting ticket of its counter's services by the call order (service
preference, lane, arrival), a cost that grew with the queue (1.46x at 1,000 waiting). It now
reads each service's first candidates from indexes (queue.calling.next_waiting_ticket);
the first priority-class ticket needs this partial index to be found without a scan.
"""

import sqlalchemy as sa
from alembic import op

revision = "call_order_0001"
down_revision = "live_events_0001"
branch_labels = None
depends_on = None

WAITING_PRIORITY = sa.text("status = 'waiting' AND priority_class <> 'normal'")


def upgrade():
    op.create_index(
        "ix_ticket_waiting_priority",
        "ticket",
        ["hall_id", "service_id", "arrival_at"],
        postgresql_where=WAITING_PRIORITY,
        sqlite_where=WAITING_PRIORITY,
    )


def downgrade():
    op.drop_index("ix_ticket_waiting_priority", table_name="ticket")
