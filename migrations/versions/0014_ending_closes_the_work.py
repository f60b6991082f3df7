"""The ending closes the work: the contact agreement in force ends with the relationship, the
parties informed are chosen (each under a consent) and each peer pairing ends or continues.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('contact_agreement', sa.Column('ended_on', sa.Date(), nullable=True))
    op.add_column('client_ending', sa.Column('agreement_version', sa.Integer(), nullable=True))
    op.create_table('ending_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ending_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('party_label', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_ending_notice_consent_id_consent')),
    sa.ForeignKeyConstraint(['ending_id'], ['client_ending.id'], name=op.f('fk_ending_notice_ending_id_client_ending'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['network_member.id'], name=op.f('fk_ending_notice_member_id_network_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ending_notice'))
    )
    op.create_index(op.f('ix_ending_notice_ending_id'), 'ending_notice', ['ending_id'], unique=False)
    op.create_table('ending_pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ending_id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=10), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['ending_id'], ['client_ending.id'], name=op.f('fk_ending_pairing_ending_id_client_ending'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['peer_id'], ['user.id'], name=op.f('fk_ending_pairing_peer_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ending_pairing'))
    )
    op.create_index(op.f('ix_ending_pairing_ending_id'), 'ending_pairing', ['ending_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_ending_pairing_ending_id'), table_name='ending_pairing')
    op.drop_table('ending_pairing')
    op.drop_index(op.f('ix_ending_notice_ending_id'), table_name='ending_notice')
    op.drop_table('ending_notice')
    op.drop_column('client_ending', 'agreement_version')
    op.drop_column('contact_agreement', 'ended_on')
