"""Traditional Chinese names of halls and services

Revision ID: firstweek_citizens_0001
Revises: public_0001
Create Date: 2026-11-29 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'firstweek_citizens_0001'
down_revision = "figures_reports_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_hant', sa.String(length=120), nullable=True))
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_hant', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('name_hant')
    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.drop_column('name_hant')
