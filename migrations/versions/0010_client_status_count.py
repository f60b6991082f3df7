"""How many clients have each status, in a table the database keeps by triggers, so that the
client list gives its total without counting every client.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_ADD = ("INSERT INTO client_status_count (status, clients) VALUES ({row}.status, 1) "
        "ON CONFLICT (status) DO UPDATE SET clients = client_status_count.clients + 1")
_TAKE = "UPDATE client_status_count SET clients = clients - 1 WHERE status = {row}.status"

SQLITE_UP = [
    f"CREATE TRIGGER client_count_insert AFTER INSERT ON client BEGIN {_ADD.format(row='new')}; END",
    f"CREATE TRIGGER client_count_delete AFTER DELETE ON client BEGIN {_TAKE.format(row='old')}; END",
    "CREATE TRIGGER client_count_update AFTER UPDATE OF status ON client "
    f"WHEN old.status IS NOT new.status BEGIN {_TAKE.format(row='old')}; "
    f"{_ADD.format(row='new')}; END",
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS client_count_{op_}" for op_ in ("update", "delete", "insert")]

# PostgreSQL: one function for the three triggers. A status change takes the two counters' row
# locks in the order of their names, so two changes in opposite directions cannot deadlock.
POSTGRESQL_UP = [
    f"""CREATE FUNCTION client_count_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_ADD.format(row='NEW')};
  ELSIF TG_OP = 'DELETE' THEN
    {_TAKE.format(row='OLD')};
  ELSIF OLD.status < NEW.status THEN
    {_TAKE.format(row='OLD')};
    {_ADD.format(row='NEW')};
  ELSE
    {_ADD.format(row='NEW')};
    {_TAKE.format(row='OLD')};
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER client_count_insert_delete AFTER INSERT OR DELETE ON client "
    "FOR EACH ROW EXECUTE FUNCTION client_count_keep()",
    "CREATE TRIGGER client_count_update AFTER UPDATE OF status ON client FOR EACH ROW "
    "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION client_count_keep()",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS client_count_update ON client",
    "DROP TRIGGER IF EXISTS client_count_insert_delete ON client",
    "DROP FUNCTION IF EXISTS client_count_keep()",
]


def upgrade():
    op.create_table(
        'client_status_count',
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('clients', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('status', name=op.f('pk_client_status_count')),
    )
    op.execute("INSERT INTO client_status_count (status, clients) "
                "SELECT status, count(*) FROM client GROUP BY status")
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN}.get(dialect, []):
        op.execute(statement)
    op.drop_table('client_status_count')
