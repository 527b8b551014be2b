"""hotline operators; texts to a caller without a ticket

Revision ID: firstweek_staff_0001
Revises: public_0001
Create Date: 2026-11-29 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'firstweek_staff_0001'
down_revision = "firstweek_citizens_0001"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('guide', 'counter', 'enterprise', 'supervisor', 'admin')"
NEW_ROLES = "role IN ('guide', 'counter', 'enterprise', 'supervisor', 'admin', 'hotline')"


def upgrade():
    with op.batch_alter_table('staff_role', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staff_role_role_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_staff_role_role_known'), NEW_ROLES)

    with op.batch_alter_table('notification_subscription', schema=None) as batch_op:
        batch_op.alter_column('ticket_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM notification_subscription WHERE ticket_id IS NULL")
    with op.batch_alter_table('notification_subscription', schema=None) as batch_op:
        batch_op.alter_column('ticket_id', existing_type=sa.Integer(), nullable=False)

    op.execute("DELETE FROM staff_role WHERE role = 'hotline'")
    with op.batch_alter_table('staff_role', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staff_role_role_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_staff_role_role_known'), OLD_ROLES)
