"""Clients in order of their start date with their status in one index, so that the list sorted
by start date (newest first) reads a page instead of sorting every client.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 08:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # A plain index operation: a batch would rebuild the SQLite table and lose its triggers.
    op.create_index('ix_client_start_status', 'client', ['start_date', 'id', 'status'],
                    unique=False)


def downgrade():
    op.drop_index('ix_client_start_status', table_name='client')
