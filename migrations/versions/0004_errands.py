"""Errands: what, when, where, with whom, things to bring, the client's questions, what was agreed.

The next steps agreed at an errand are follow-up tasks (follow_up_task.source = 'errand'); the
association's usual things to bring per errand type are rows of the setting table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('errand',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('about', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('meet_whom', sa.String(length=200), nullable=True),
    sa.Column('companion_id', sa.Integer(), nullable=True),
    sa.Column('interpreter_needed', sa.Boolean(), nullable=False),
    sa.Column('things_to_bring', sa.Text(), nullable=False),
    sa.Column('questions', sa.Text(), nullable=False),
    sa.Column('agreed', sa.Text(), nullable=True),
    sa.Column('outcome_recorded_at', sa.DateTime(), nullable=True),
    sa.Column('outcome_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_errand_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['companion_id'], ['user.id'], name=op.f('fk_errand_companion_id_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_errand_created_by_id_user')),
    sa.ForeignKeyConstraint(['outcome_by_id'], ['user.id'], name=op.f('fk_errand_outcome_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_errand'))
    )
    with op.batch_alter_table('errand', schema=None) as batch_op:
        batch_op.create_index('ix_errand_client_on', ['client_id', 'on'], unique=False)


def downgrade():
    with op.batch_alter_table('errand', schema=None) as batch_op:
        batch_op.drop_index('ix_errand_client_on')

    op.drop_table('errand')
