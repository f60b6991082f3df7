"""Anonymised clients: when a client's row was anonymised (the row stays, leading to no person);
requests to delete a client record entered by mistake, approved by a second administrator;
archives of the access log: an entry may be deleted only once an archive row records the chain
past it, and the archive rows themselves are append-only.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 12:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN of a nullable column: SQLite adds it in place.
    op.add_column('client', sa.Column('anonymised_at', sa.DateTime(), nullable=True))
    op.create_table('deletion_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'],
                            name=op.f('fk_deletion_request_decided_by_id_user')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'],
                            name=op.f('fk_deletion_request_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_request'))
    )
    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deletion_request_client_id'), ['client_id'],
                              unique=False)
    op.create_table('audit_archive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=False),
    sa.Column('through_id', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_archive'))
    )
    _guards(archived=True)


_REFUSE = "SELECT RAISE(ABORT, 'the access log is append-only')"


def _guards(archived: bool):
    """The access log's delete guard: with `archived`, an entry an archive row covers may go."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        when = (" WHEN old.id > (SELECT coalesce(max(through_id), 0) FROM audit_archive)"
                if archived else "")
        op.execute(f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event{when} "
                   f"BEGIN {_REFUSE}; END")
        if archived:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER audit_archive_no_{verb.lower()} BEFORE {verb} ON "
                           f"audit_archive BEGIN {_REFUSE}; END")
    elif op.get_bind().dialect.name == "postgresql":
        allow = ("IF TG_OP = 'DELETE' AND OLD.id <= (SELECT coalesce(max(through_id), 0) "
                 "FROM audit_archive) THEN RETURN OLD; END IF; " if archived else "")
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {allow}"
            "RAISE EXCEPTION 'the access log is append-only'; END $$")
        if archived:
            op.execute(
                "CREATE FUNCTION audit_archive_append_only() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$")
            op.execute(
                "CREATE TRIGGER audit_archive_append_only BEFORE UPDATE OR DELETE ON "
                "audit_archive FOR EACH ROW EXECUTE FUNCTION audit_archive_append_only()")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_archive_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_archive_no_delete")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_archive_append_only ON audit_archive")
        op.execute("DROP FUNCTION IF EXISTS audit_archive_append_only()")
    _guards(archived=False)
    op.drop_table('audit_archive')
    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deletion_request_client_id'))
    op.drop_table('deletion_request')
    # Dropped in place (SQLite 3.35+): rebuilding the client table would cascade to every
    # record of every client.
    with op.batch_alter_table('client', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('anonymised_at')
