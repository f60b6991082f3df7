"""Referrals both ways, their path, follow-up calls and observations shared with partners.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 12:29:02.342997

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('contact_person_id', sa.Integer(), nullable=True),
    sa.Column('party_label', sa.String(length=300), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('hopes', sa.Text(), nullable=True),
    sa.Column('handover', sa.String(length=24), nullable=True),
    sa.Column('handover_note', sa.String(length=300), nullable=True),
    sa.Column('first_contact_on', sa.Date(), nullable=True),
    sa.Column('first_contact_note', sa.String(length=300), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('state_on', sa.Date(), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('elsewhere', sa.String(length=300), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_referral_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_person_id'], ['contact_person.id'], name=op.f('fk_referral_contact_person_id_contact_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_referral_created_by_id_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_referral_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['worker_id'], ['user.id'], name=op.f('fk_referral_worker_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_client', ['client_id', 'id'], unique=False)
        batch_op.create_index('ix_referral_organisation', ['organisation_id'], unique=False)

    op.create_table('referral_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('got_service', sa.String(length=10), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('client_words', sa.Text(), nullable=True),
    sa.Column('obstacles', sa.String(length=120), nullable=False),
    sa.Column('obstacle_note', sa.Text(), nullable=True),
    sa.Column('next_step', sa.String(length=14), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_referral_follow_up_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_follow_up_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_follow_up'))
    )
    with op.batch_alter_table('referral_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_follow_up_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('told_by', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_referral_step_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_step_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_step'))
    )
    with op.batch_alter_table('referral_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_step_referral_id'), ['referral_id'], unique=False)

    op.create_table('shared_observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('party_label', sa.String(length=300), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('information', sa.String(length=100), nullable=False),
    sa.Column('how', sa.String(length=14), nullable=False),
    sa.Column('client_knows', sa.Boolean(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_shared_observation_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_shared_observation_consent_id_consent')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_shared_observation_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_shared_observation_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_shared_observation_referral_id_referral'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shared_observation'))
    )
    with op.batch_alter_table('shared_observation', schema=None) as batch_op:
        batch_op.create_index('ix_shared_observation_client', ['client_id', 'on'], unique=False)



def downgrade():
    with op.batch_alter_table('shared_observation', schema=None) as batch_op:
        batch_op.drop_index('ix_shared_observation_client')

    op.drop_table('shared_observation')
    with op.batch_alter_table('referral_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_step_referral_id'))

    op.drop_table('referral_step')
    with op.batch_alter_table('referral_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_follow_up_referral_id'))

    op.drop_table('referral_follow_up')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_organisation')
        batch_op.drop_index('ix_referral_client')

    op.drop_table('referral')
