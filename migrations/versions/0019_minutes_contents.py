"""Network meeting minutes: which parts of the content the printed minutes hold.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable, no default: every existing meeting prints all of its content, as before.
    op.add_column('network_meeting', sa.Column('contents', sa.String(length=60), nullable=True))


def downgrade():
    # Dropped in place (SQLite 3.35+): rebuilding the table would cascade to its participants.
    with op.batch_alter_table('network_meeting', recreate='never') as batch_op:
        batch_op.drop_column('contents')
