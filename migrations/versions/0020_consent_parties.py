"""Consents to a directory contact person, whether an organisation's consent covers its people,
and agreement lines that name one of the association's own workers.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _add_reference(table, column, target):
    """A nullable column referring to `target`: inline on SQLite (no ALTER of constraints there)."""
    name = f'fk_{table}_{column}_{target}'
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER '
                   f'CONSTRAINT {name} REFERENCES "{target}" (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ['id'])


def upgrade():
    # Plain ADD COLUMNs (nullable, or with a default): SQLite adds them in place without
    # rebuilding the tables. Consents given so far to an organisation were recorded under the
    # text "covers its people on the client's network": they keep that meaning.
    _add_reference('consent', 'contact_person_id', 'contact_person')
    op.add_column('consent', sa.Column('covers_people', sa.Boolean(), nullable=False,
                                       server_default=sa.true()))
    _add_reference('agreement_line', 'user_id', 'user')


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), as in 0016: no table is rebuilt.
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_agreement_line_user_id_user', 'agreement_line', type_='foreignkey')
        op.drop_constraint('fk_consent_contact_person_id_contact_person', 'consent',
                           type_='foreignkey')
    with op.batch_alter_table('agreement_line', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('user_id')
    with op.batch_alter_table('consent', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('covers_people')
        batch_op.drop_column('contact_person_id')
