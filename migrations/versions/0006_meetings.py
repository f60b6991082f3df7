"""Network meetings: the plan, the minutes with participants and agreed actions, and addenda.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 00:08:41.032141

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('network_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('remote_link', sa.String(length=500), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('convener_id', sa.Integer(), nullable=True),
    sa.Column('support_person_wanted', sa.Boolean(), nullable=False),
    sa.Column('support_person', sa.String(length=200), nullable=True),
    sa.Column('client_topics', sa.Text(), nullable=True),
    sa.Column('client_present', sa.Boolean(), nullable=False),
    sa.Column('chair', sa.String(length=120), nullable=True),
    sa.Column('note_taker', sa.String(length=120), nullable=True),
    sa.Column('why_gathered', sa.Text(), nullable=True),
    sa.Column('client_view', sa.Text(), nullable=True),
    sa.Column('responsible_person', sa.String(length=200), nullable=True),
    sa.Column('backup_person', sa.String(length=200), nullable=True),
    sa.Column('next_date', sa.Date(), nullable=True),
    sa.Column('next_note', sa.String(length=300), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('contains_health', sa.Boolean(), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_network_meeting_approved_by_id_user')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_network_meeting_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['convener_id'], ['user.id'], name=op.f('fk_network_meeting_convener_id_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_network_meeting_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_meeting'))
    )
    with op.batch_alter_table('network_meeting', schema=None) as batch_op:
        batch_op.create_index('ix_network_meeting_client_date', ['client_id', 'meeting_date'], unique=False)

    op.create_table('meeting_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('owner_party', sa.String(length=200), nullable=True),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('with_whom', sa.String(length=200), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['network_meeting.id'], name=op.f('fk_meeting_action_meeting_id_network_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_meeting_action_owner_id_user')),
    sa.ForeignKeyConstraint(['task_id'], ['follow_up_task.id'], name=op.f('fk_meeting_action_task_id_follow_up_task'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_action'))
    )
    with op.batch_alter_table('meeting_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_action_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_addendum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_meeting_addendum_author_id_user')),
    sa.ForeignKeyConstraint(['meeting_id'], ['network_meeting.id'], name=op.f('fk_meeting_addendum_meeting_id_network_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_addendum'))
    )
    with op.batch_alter_table('meeting_addendum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_addendum_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('presence', sa.String(length=10), nullable=False),
    sa.Column('concerns', sa.Text(), nullable=True),
    sa.Column('resources', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['network_meeting.id'], name=op.f('fk_meeting_participant_meeting_id_network_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['network_member.id'], name=op.f('fk_meeting_participant_member_id_network_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_participant_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_participant'))
    )
    with op.batch_alter_table('meeting_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_participant_meeting_id'), ['meeting_id'], unique=False)



def downgrade():
    with op.batch_alter_table('meeting_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_participant_meeting_id'))

    op.drop_table('meeting_participant')
    with op.batch_alter_table('meeting_addendum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_addendum_meeting_id'))

    op.drop_table('meeting_addendum')
    with op.batch_alter_table('meeting_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_action_meeting_id'))

    op.drop_table('meeting_action')
    with op.batch_alter_table('network_meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_network_meeting_client_date')

    op.drop_table('network_meeting')
