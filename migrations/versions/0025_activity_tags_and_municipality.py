"""A contact and an errand tagged to a funded activity of their own; the client's municipality.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

TAGGED = ('contact', 'contact_version', 'errand')


def upgrade():
    # Added in place: on SQLite a rebuilt table would lose its triggers and cascade deletes.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in TAGGED:
        if sqlite:
            op.execute(f'ALTER TABLE {table} ADD COLUMN activity_id INTEGER '
                       'REFERENCES funded_activity (id)')
        else:
            op.add_column(table, sa.Column('activity_id', sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f'fk_{table}_activity_id_funded_activity'), table,
                                  'funded_activity', ['activity_id'], ['id'])
    op.add_column('client', sa.Column('municipality', sa.String(length=80), nullable=True))


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('ALTER TABLE client DROP COLUMN municipality')
    else:
        op.drop_column('client', 'municipality')
    for table in TAGGED:
        if sqlite:
            op.execute(f'ALTER TABLE {table} DROP COLUMN activity_id')
        else:
            op.drop_constraint(op.f(f'fk_{table}_activity_id_funded_activity'), table,
                               type_='foreignkey')
            op.drop_column(table, 'activity_id')
