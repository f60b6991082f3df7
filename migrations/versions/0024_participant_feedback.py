"""Each participant's own words in the feedback round of a network meeting.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: SQLite adds it in place, without rebuilding the table.
    op.add_column('meeting_participant', sa.Column('feedback', sa.Text(), nullable=True))


def downgrade():
    # Dropped in place (SQLite 3.35+), never by rebuilding the table.
    with op.batch_alter_table('meeting_participant', recreate='never') as batch_op:
        batch_op.drop_column('feedback')
