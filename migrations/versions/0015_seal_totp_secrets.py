"""Authenticator secrets are sealed (AES-GCM) with the key of the instance folder or
TOTP_ENCRYPTION_KEY: the clear column `totp_secret` gives way to `totp_secret_sealed`, and the
secrets already there are sealed on the way (opened again on the way down).

The key is read as the app reads it (the running app's TOTP_ENCRYPTION_KEY setting, which
comes from the environment or the instance folder's totp_key file, made there if missing), so
run `flask db upgrade` with the same INSTANCE_PATH or TOTP_ENCRYPTION_KEY as the app.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def _key() -> str:
    """The app's key for the authenticator secrets."""
    from flask import current_app

    from association_tool.config import totp_encryption_key
    from association_tool.sealing import parse_key

    try:
        key = current_app.config["TOTP_ENCRYPTION_KEY"]
    except (RuntimeError, KeyError):  # run outside the app
        key = totp_encryption_key()
    parse_key(key)  # a malformed key stops the migration before anything changes
    return key


def _user(*columns):
    return sa.table('user', sa.column('id', sa.Integer), *columns)


def upgrade():
    from association_tool.sealing import seal, user_context

    key = _key()
    # Nullable columns only, without rebuilding the user table: with foreign keys on, SQLite's
    # rebuild would cascade to every table that refers to a user (as in 0007).
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('totp_secret_sealed', sa.String(length=255), nullable=True))
    clear, sealed = sa.column('totp_secret', sa.String), sa.column('totp_secret_sealed', sa.String)
    user = _user(clear, sealed)
    connection = op.get_bind()
    rows = connection.execute(sa.select(user.c.id, user.c.totp_secret)
                              .where(user.c.totp_secret.is_not(None))).all()
    for user_id, secret in rows:
        connection.execute(user.update().where(user.c.id == user_id).values(
            totp_secret_sealed=seal(key, secret, user_context(user_id))))
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_secret')


def downgrade():
    from association_tool.sealing import unseal, user_context

    key = _key()
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
    clear, sealed = sa.column('totp_secret', sa.String), sa.column('totp_secret_sealed', sa.String)
    user = _user(clear, sealed)
    connection = op.get_bind()
    rows = connection.execute(sa.select(user.c.id, user.c.totp_secret_sealed)
                              .where(user.c.totp_secret_sealed.is_not(None))).all()
    for user_id, value in rows:
        connection.execute(user.update().where(user.c.id == user_id).values(
            totp_secret=unseal(key, value, user_context(user_id))))
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_secret_sealed')
