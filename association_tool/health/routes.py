"""The health check: is the database reachable and current, is there disk, is there a backup."""
from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app, jsonify

from ..access import PUBLIC, allow
from ..backup_schedule import last_backup
from ..config import PROJECT_ROOT
from ..extensions import db
from . import bp

LOW_DISK_BYTES = 1024 ** 3  # below 1 GiB free the database and the backups are at risk


def _migration_heads() -> set[str]:
    """The newest migration revisions of the code, read once per process."""
    heads = current_app.extensions.get("health_migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        heads = set(ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads())
        current_app.extensions["health_migration_heads"] = heads
    return heads


def _database() -> tuple[str, str]:
    """('ok' | 'unreachable', 'current' | 'behind' | 'unknown')."""
    from sqlalchemy import text

    try:
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            applied = set(rows)
    except Exception:  # pylint: disable=broad-except  # any failure means: not usable
        return "unreachable", "unknown"
    return "ok", ("current" if applied == _migration_heads() else "behind")


@bp.get("/healthz")
@allow(PUBLIC)
def healthz():
    """200 when everything is well, 503 otherwise; the body says which part is not."""
    database, migrations = _database()
    instance = Path(current_app.instance_path)
    backups = Path(current_app.config.get("BACKUP_DIR") or instance)
    probe = backups if backups.exists() else instance
    free = shutil.disk_usage(probe).free
    last = last_backup(instance)
    age = last.age()
    checks = {
        "database": database,
        "migrations": migrations,
        "disk": "ok" if free >= LOW_DISK_BYTES else "low",
        "backup": "none" if last.at is None else ("old" if last.stale() else "ok"),
    }
    healthy = (database == "ok" and migrations == "current" and checks["disk"] == "ok"
               and checks["backup"] == "ok")
    body = {
        "status": "ok" if healthy else "fail",
        "checks": checks,
        "disk_free_mb": free // (1024 * 1024),
        "last_backup_age_hours": None if age is None else round(age.total_seconds() / 3600, 1),
    }
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    return response
