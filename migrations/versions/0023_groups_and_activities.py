"""Funded activities, group activities with sessions and participants, the hours of peer
supporters and volunteers, a client's funded activity, and an index that answers a period's
contacts and goals for the statistics.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funded_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funded_activity')),
    sa.UniqueConstraint('name', name=op.f('uq_funded_activity_name'))
    )
    op.create_table('activity_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['funded_activity.id'], name=op.f('fk_activity_group_activity_id_funded_activity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_group'))
    )
    op.create_index(op.f('ix_activity_group_activity_id'), 'activity_group', ['activity_id'], unique=False)
    op.create_table('group_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('anonymous_count', sa.Integer(), nullable=False),
    sa.Column('count_basis', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_group_session_created_by_id_user')),
    sa.ForeignKeyConstraint(['group_id'], ['activity_group.id'], name=op.f('fk_group_session_group_id_activity_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_session'))
    )
    op.create_index(op.f('ix_group_session_group_id'), 'group_session', ['group_id'], unique=False)
    op.create_index('ix_group_session_on', 'group_session', ['on', 'group_id'], unique=False)
    op.create_table('session_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_session_participant_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['group_session.id'], name=op.f('fk_session_participant_session_id_group_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_participant')),
    sa.UniqueConstraint('session_id', 'client_id', name='uq_session_participant_session_client')
    )
    op.create_index('ix_session_participant_client', 'session_participant', ['client_id'], unique=False)
    op.create_table('helper_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['funded_activity.id'], name=op.f('fk_helper_hours_activity_id_funded_activity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_helper_hours_created_by_id_user')),
    sa.ForeignKeyConstraint(['session_id'], ['group_session.id'], name=op.f('fk_helper_hours_session_id_group_session'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_helper_hours_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helper_hours'))
    )
    op.create_index('ix_helper_hours_on', 'helper_hours', ['on'], unique=False)
    op.create_index(op.f('ix_helper_hours_session_id'), 'helper_hours', ['session_id'], unique=False)
    op.create_index(op.f('ix_helper_hours_user_id'), 'helper_hours', ['user_id'], unique=False)
    op.create_index('ix_contact_on_channel_client', 'contact', ['on', 'channel', 'client_id'],
                    unique=False)
    op.create_index('ix_goal_created_at', 'goal', ['created_at'], unique=False)
    # A plain ADD COLUMN (with its reference): SQLite adds it in place, so the client table is
    # not rebuilt and keeps its triggers (migration 0010).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE client ADD COLUMN activity_id INTEGER '
                   'REFERENCES funded_activity (id)')
    else:
        op.add_column('client', sa.Column('activity_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_client_activity_id_funded_activity'), 'client',
                              'funded_activity', ['activity_id'], ['id'])


def downgrade():
    op.drop_index('ix_goal_created_at', table_name='goal')
    op.drop_index('ix_contact_on_channel_client', table_name='contact')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE client DROP COLUMN activity_id')
    else:
        op.drop_constraint(op.f('fk_client_activity_id_funded_activity'), 'client',
                           type_='foreignkey')
        op.drop_column('client', 'activity_id')
    op.drop_index(op.f('ix_helper_hours_user_id'), table_name='helper_hours')
    op.drop_index(op.f('ix_helper_hours_session_id'), table_name='helper_hours')
    op.drop_index('ix_helper_hours_on', table_name='helper_hours')
    op.drop_table('helper_hours')
    op.drop_index('ix_session_participant_client', table_name='session_participant')
    op.drop_table('session_participant')
    op.drop_index('ix_group_session_on', table_name='group_session')
    op.drop_index(op.f('ix_group_session_group_id'), table_name='group_session')
    op.drop_table('group_session')
    op.drop_index(op.f('ix_activity_group_activity_id'), table_name='activity_group')
    op.drop_table('activity_group')
    op.drop_table('funded_activity')
