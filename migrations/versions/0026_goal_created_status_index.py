"""Goals counted and picked from indexes alone: those set in a period by status (created_at,
status, client_id, in place of created_at alone), and a client's goals by status with their
review dates (client_id, status, review_date, in place of client_id and status).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 16:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_goal_created_status_client', 'goal', ['created_at', 'status', 'client_id'],
                    unique=False)
    op.drop_index('ix_goal_created_at', table_name='goal')
    op.create_index('ix_goal_client_status_review', 'goal', ['client_id', 'status', 'review_date'],
                    unique=False)
    op.drop_index('ix_goal_client_status', table_name='goal')


def downgrade():
    op.create_index('ix_goal_client_status', 'goal', ['client_id', 'status'], unique=False)
    op.drop_index('ix_goal_client_status_review', table_name='goal')
    op.create_index('ix_goal_created_at', 'goal', ['created_at'], unique=False)
    op.drop_index('ix_goal_created_status_client', table_name='goal')
