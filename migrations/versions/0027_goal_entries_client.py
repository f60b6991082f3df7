"""Goal progress entries and reviews name their goal's client, so that the clients reached in a
period are counted without joining every goal; a period's progress entries are read from an
index of their own, and its anonymous contacts by age band from the index of a client's
contacts (client_id, on, age_group in place of client_id, on); the contacts tagged to a funded
activity have an index of their own.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

ENTRIES = ('goal_progress', 'goal_review')


def upgrade():
    # A copy of the goal's client, without a foreign key of its own: the row goes with its goal.
    for table in ENTRIES:
        op.add_column(table, sa.Column('client_id', sa.Integer(), nullable=True))
        op.execute(f'UPDATE {table} SET client_id = '
                   f'(SELECT goal.client_id FROM goal WHERE goal.id = {table}.goal_id)')
    # The period's progress entries (most of a year's) read from an index of their own; a period's
    # reviews, fewer, are read from the table.
    op.create_index('ix_goal_progress_on_client', 'goal_progress', ['on', 'client_id'],
                    unique=False)
    op.create_index('ix_contact_client_on_age', 'contact', ['client_id', 'on', 'age_group'],
                    unique=False)
    op.drop_index('ix_contact_client_on', table_name='contact')
    op.create_index('ix_contact_activity_on', 'contact', ['activity_id', 'on', 'client_id'],
                    unique=False, sqlite_where=sa.text('activity_id IS NOT NULL'),
                    postgresql_where=sa.text('activity_id IS NOT NULL'))


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.drop_index('ix_contact_activity_on', table_name='contact')
    op.create_index('ix_contact_client_on', 'contact', ['client_id', 'on'], unique=False)
    op.drop_index('ix_contact_client_on_age', table_name='contact')
    op.drop_index('ix_goal_progress_on_client', table_name='goal_progress')
    for table in ENTRIES:
        if sqlite:  # in place: a rebuilt goal_review would empty the links to it
            op.execute(f'ALTER TABLE {table} DROP COLUMN client_id')
        else:
            op.drop_column(table, 'client_id')
