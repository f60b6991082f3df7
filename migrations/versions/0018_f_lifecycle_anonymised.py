"""Anonymised clients: when a client's row was anonymised (the row stays, leading to no person).

Revision ID: 0018_f_lifecycle
Revises: 0017
Create Date: 2026-12-07 12:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_f_lifecycle'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN of a nullable column: SQLite adds it in place.
    op.add_column('client', sa.Column('anonymised_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
