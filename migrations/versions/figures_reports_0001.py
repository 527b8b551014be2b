"""reports: free services the desk gives, indexes to select visits by arrival and tickets by day

Revision ID: figures_reports_0001
Revises: public_0001
Create Date: 2026-11-29 23:15:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'figures_reports_0001'
down_revision = "speed_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('free_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('service_day', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('photocopy', 'photo')", name=op.f('ck_free_service_kind_known')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_free_service_hall_id_hall'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_free_service_recorded_by_id_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_free_service'))
    )
    with op.batch_alter_table('free_service', schema=None) as batch_op:
        batch_op.create_index('ix_free_service_hall_day', ['hall_id', 'service_day'], unique=False)

    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_hall_arrived', ['hall_id', 'arrived_at'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_hall_day', ['hall_id', 'service_day'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_hall_day')

    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_hall_arrived')

    with op.batch_alter_table('free_service', schema=None) as batch_op:
        batch_op.drop_index('ix_free_service_hall_day')

    op.drop_table('free_service')
