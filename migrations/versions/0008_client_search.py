"""Substring search on client names from an index instead of reading every client; an index of
backup workers' clients for the home page.

SQLite: an FTS5 table with the trigram tokenizer over client.search_text (external content,
kept in step by triggers). PostgreSQL: a trigram GIN index (pg_trgm) on client.search_text.
Both answer `LIKE '%abc%'` for three letters or more; shorter words still read the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE client_search USING fts5("
    "search_text, content='client', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER client_search_insert AFTER INSERT ON client BEGIN "
    "INSERT INTO client_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER client_search_delete AFTER DELETE ON client BEGIN "
    "INSERT INTO client_search(client_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER client_search_update AFTER UPDATE OF search_text ON client BEGIN "
    "INSERT INTO client_search(client_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO client_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO client_search(client_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS client_search_update",
    "DROP TRIGGER IF EXISTS client_search_delete",
    "DROP TRIGGER IF EXISTS client_search_insert",
    "DROP TABLE IF EXISTS client_search",
]


def _trgm_schema(bind):
    """Return the schema holding pg_trgm, installing it when it is missing and allowed."""
    found = bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar()
    if found:
        return found
    savepoint = bind.begin_nested()
    try:
        # pg_trgm is a trusted extension: the database's owner may install it.
        bind.execute(sa.text("CREATE EXTENSION pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar()


def upgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.create_index('ix_client_backup_status', ['backup_id', 'status'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        schema = _trgm_schema(bind)
        if schema is None:
            # Without the extension search still works; it reads the table as before.
            return
        op.execute(f'CREATE INDEX ix_client_search_trgm ON client USING gin '
                   f'(search_text "{schema}".gin_trgm_ops)')


def downgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index('ix_client_backup_status')
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_client_search_trgm")
