"""Client names in alphabetical order with their status and search text in one index, so that a
broad search reads the first names in order without reading the clients' rows; the plain index of
search_text goes, since a substring search never used it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 08:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Plain index operations: a batch would rebuild the SQLite table and lose its search triggers.
    op.create_index('ix_client_name_text', 'client',
                    ['display_name', 'id', 'status', 'search_text'], unique=False)
    op.drop_index('ix_client_search_text', table_name='client')


def downgrade():
    op.create_index('ix_client_search_text', 'client', ['search_text'], unique=False)
    op.drop_index('ix_client_name_text', table_name='client')
