"""Contacts can be corrected: a version counter on the contact, and the earlier wordings.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN with a default: SQLite adds it in place, without rebuilding the table.
    op.add_column('contact', sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))

    op.create_table('contact_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('peer_id', sa.Integer(), nullable=True),
    sa.Column('topics', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_contact_version_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['peer_id'], ['user.id'], name=op.f('fk_contact_version_peer_id_user')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['user.id'], name=op.f('fk_contact_version_replaced_by_id_user')),
    sa.ForeignKeyConstraint(['worker_id'], ['user.id'], name=op.f('fk_contact_version_worker_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_version')),
    sa.UniqueConstraint('contact_id', 'version_no', name=op.f('uq_contact_version_contact_id'))
    )
    with op.batch_alter_table('contact_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_version_contact_id'), ['contact_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contact_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_version_contact_id'))

    op.drop_table('contact_version')
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), never a rebuild of the contact table.
    with op.batch_alter_table('contact', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('row_version')
