"""Whether a user's phone number is printed on documents for clients.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN with a default: SQLite adds it in place, without rebuilding the user
    # table; the numbers already there stay printed, as before.
    op.add_column('user', sa.Column('phone_on_documents', sa.Boolean(), nullable=False,
                                    server_default=sa.true()))


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): rebuilding the user table with foreign keys on
    # would cascade its deletion to every table that refers to a user.
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('phone_on_documents')
