"""Command-line tools: `flask --app app users|demo|backup|audit ...`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import audit
from .extensions import db
from .models import Role

users_cli = AppGroup("users", help="Manage users.")
audit_cli = AppGroup("audit", help="Check the access log.")
demo_cli = AppGroup("demo", help="A fictional demo association to try the app with.")
retention_cli = AppGroup("retention", help="What the retention policy says is due.")


def _read_password() -> str:
    """Prompt for a password on a terminal, or read the first line of standard input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--locale", type=click.Choice(["fi", "sv", "en"]), default="fi")
def users_create(role: str, email: str, name: str, locale: str) -> None:
    """Create a user; the password is prompted for or read from standard input."""
    from .auth import accounts
    from .passwords import password_problems
    from .settings import association_name, set_association_name

    password = _read_password()
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise click.ClickException(str(problems[0]))
    try:
        user = accounts.create_user(name=name, email=email, role=role, password=password,
                                    locale=locale, must_change_password=False)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    if not association_name():
        set_association_name("Yhdistys")
    db.session.commit()
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@users_cli.command("reset-two-factor")
@click.option("--email", required=True)
def users_reset_two_factor(email: str) -> None:
    """Turn off a user's two-step sign-in and lift a sign-in lock (a lost phone and lost codes)."""
    from sqlalchemy import select

    from .auth import accounts, throttle, two_factor
    from .models import User

    user = db.session.scalars(
        select(User).where(User.email == accounts.normalise_email(email))).one_or_none()
    if user is None:
        raise click.ClickException(f"No user with the e-mail address {email}.")
    two_factor.reset_by_operator(user)
    throttle.unlock(user)
    db.session.commit()
    click.echo(f"Two-step sign-in is off for {user.email}; they sign in with their password and "
               "may set it up again.")


@users_cli.command("list")
def users_list() -> None:
    """List users with their roles."""
    from sqlalchemy import select

    from .models import User

    for user in db.session.scalars(select(User).order_by(User.id)):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.id}\t{user.role}\t{state}\t{user.email}\t{user.name}")


def _anchor(_ctx, _param, value: str | None):
    """Read --expect COUNT:HASH, or refuse it as a usage error."""
    if value is None:
        return None
    try:
        return audit.Anchor.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@audit_cli.command("verify")
@click.option("--expect", metavar="COUNT:HASH", callback=_anchor,
              help="An anchor kept from earlier (printed by `flask backup` and `flask audit "
                   "anchor`, shown on the access log page): fail if the log no longer reaches "
                   "it or its entry differs, which tells of removed newest entries.")
def audit_verify(expect) -> None:
    """Check the access log's hash chain; exit 1 if any entry was changed or removed."""
    report = audit.verify_chain(expect=expect)
    if report.ok:
        click.echo(f"OK: {report.checked} entries, chain intact."
                   + (f" The anchor {expect} matches entry {expect.count}." if expect else ""))
        return
    if report.reason == "missing":
        click.echo(f"TAMPERED: the log has {report.checked} entries, fewer than the "
                   f"{expect.count} of the anchor {expect}: entries were removed "
                   f"(the newest {expect.count - report.checked} or more).", err=True)
    elif report.reason == "anchor":
        click.echo(f"TAMPERED: entry {expect.count} (id {report.broken_id}) is not the one the "
                   f"anchor {expect} names: entries up to it were removed or replaced; "
                   f"{report.checked} entries before it are intact.", err=True)
    else:
        click.echo(f"TAMPERED: entry {report.broken_id} does not match ({report.reason}); "
                   f"{report.checked} entries before it are intact.", err=True)
    sys.exit(1)


@audit_cli.command("archive")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Archive the entries before this day (default: older than the access log's "
                   "retention period in the settings).")
def audit_archive(path: Path, before) -> None:
    """Move the access log's entries older than its retention period into PATH (a new file),
    recording the chain's head there so that the entries that remain still verify."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from .settings import RETENTION_LOG_MONTHS, retention_policy
    from .timeutil import HELSINKI, local_today

    if before is None:
        from .lifecycle.retention import months_before

        day = months_before(local_today(), retention_policy()[RETENTION_LOG_MONTHS])
    else:
        day = before.date()
    cutoff = datetime.combine(day, time.min, tzinfo=HELSINKI).astimezone(
        ZoneInfo("UTC")).replace(tzinfo=None)
    try:
        count, new = audit.archive(cutoff, path)
    except (ValueError, FileExistsError) as error:
        raise click.ClickException(f"Nothing archived: {error}") from error
    if not count:
        click.echo(f"No entries before {day.isoformat()}: nothing archived.")
        return
    click.echo(f"Archived {count} entries before {day.isoformat()} to {path}; the chain's head "
               f"there: {new.total}:{new.hash}. Keep the file with the backups.")
    click.echo(f"Access log anchor: {audit.head()}")


@audit_cli.command("anchor")
def audit_anchor() -> None:
    """Print the log's head as COUNT:HASH, to keep somewhere else than on the server."""
    click.echo(str(audit.head()))


@demo_cli.command("load")
def demo_load() -> None:
    """Fill an empty database with a fictional association and print its sign-ins."""
    from .demo import DemoError, load_demo

    try:
        logins = load_demo()
    except DemoError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo("Demo association loaded. Sign in at http://127.0.0.1:5000 with:")
    for role, email, password in logins:
        click.echo(f"  {role:<6} {email:<32} {password}")


class _BackupGroup(AppGroup):
    """`flask backup PATH` takes a backup (as it always has); `flask backup restore PATH`
    restores one."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands:
            return "take", self.commands["take"], args
        return super().resolve_command(ctx, args)


backup_cli = _BackupGroup("backup", help="Take a backup (flask backup PATH), or restore one "
                                         "(flask backup restore PATH).")


@backup_cli.command("take")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Take an online backup of the live database into PATH."""
    from .backup import BackupError, backup_database

    anchor = audit.head()  # what the backup holds at least: it is taken after this
    db.session.rollback()  # hold no lock on SQLite while the copy is made
    try:
        target = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    audit.record(audit.Action.EXPORT, object_type="backup",
                 detail=f"{target}; access log at the backup: {anchor}")
    db.session.commit()
    click.echo(f"Backup written to {target}")
    click.echo(f"Access log anchor: {audit.head()}")
    click.echo("Keep the anchor apart from the server (with the backup's own records); "
               "`flask audit verify --expect ANCHOR` then tells whether any entry up to it "
               "was removed or changed.")


@click.command("scheduled-backup")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this moment (ISO 8601).")
def scheduled_backup_command(now_text: str | None) -> None:
    """Take the daily backup: check it, encrypt it, copy it to a second place, keep the last
    BACKUP_KEEP_DAILY daily and BACKUP_KEEP_MONTHLY monthly copies (see README)."""
    from datetime import datetime

    from . import backup_schedule
    from .backup import BackupError

    config = current_app.config
    now = datetime.fromisoformat(now_text) if now_text else None
    try:
        outcome = backup_schedule.run(
            config["SQLALCHEMY_DATABASE_URI"], Path(config["BACKUP_DIR"]),
            Path(config["INSTANCE_PATH"]),
            policy=backup_schedule.Policy(config["BACKUP_KEEP_DAILY"],
                                          config["BACKUP_KEEP_MONTHLY"]),
            recipients=config["BACKUP_AGE_RECIPIENTS"], copy_to=config["BACKUP_COPY_TO"],
            now=now)
    except BackupError as error:
        raise click.ClickException(f"Backup failed: {error}") from error
    click.echo(f"Backup written to {outcome.path} and checked"
               + (", encrypted" if outcome.encrypted else "")
               + (f", copied to {outcome.copied_to}" if outcome.copied_to else "") + ".")
    click.echo(f"Access log anchor: {outcome.anchor}")
    for path in outcome.removed:
        click.echo(f"Removed the older copy {path.name}")


@click.command("copy-database")
@click.argument("target_url")
def copy_database_command(target_url: str) -> None:
    """Copy everything into an empty PostgreSQL database (moving off the SQLite file)."""
    from .db_copy import CopyError, copy_database

    try:
        report = copy_database(current_app, target_url)
    except CopyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Copied {sum(report.rows.values())} rows in {len(report.rows)} tables; "
               f"the access log verifies in the copy (anchor {report.anchor}).")
    click.echo("Stop the app, set DATABASE_URL to the new database, and start it again.")
# Someone signed in and seen this recently means the app is serving.
SERVING_MINUTES = 5


def _known_revisions() -> set[str]:
    """The schema versions (migration revisions) this app knows."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Restore even though people have used the app in the last few minutes.")
@click.option("--expect", metavar="COUNT:HASH", callback=_anchor,
              help="The anchor noted down with this backup: the restored log must reach it.")
def backup_restore(path: Path, force: bool, expect) -> None:
    """Restore the backup at PATH: check it, keep the current database aside, restore it,
    migrate it if it is older, verify the access log and end every session."""
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import delete, func, select

    from .backup import BackupError, RestoreError, inspect_backup, restore_database
    from .models import AuthSession
    from .timeutil import utcnow

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        info = inspect_backup(url, path, _known_revisions())
    except RestoreError as error:
        raise click.ClickException(f"Not restored: {error}") from error
    recent = db.session.scalar(select(func.count()).select_from(AuthSession).where(
        AuthSession.last_seen_at >= utcnow() - timedelta(minutes=SERVING_MINUTES)))
    if recent and not force:
        raise click.ClickException(
            f"Not restored: the app is serving ({recent} sign-in(s) active in the last "
            f"{SERVING_MINUTES} minutes). Stop the app first, or give --force.")
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds the database while it is replaced
    try:
        aside = restore_database(url, path, Path(current_app.instance_path))
    except (RestoreError, BackupError) as error:
        raise click.ClickException(f"Not restored: {error}") from error
    db.engine.dispose()
    click.echo(f"The database before the restore is kept in {aside}")
    upgrade()  # a backup of an older version is brought up to this one (nothing if it is)
    report = audit.verify_chain(expect=expect)
    if not report.ok:
        raise click.ClickException(
            f"Restored, but the access log does not verify ({report.reason} at entry "
            f"{report.broken_id}); the database before the restore is in {aside}.")
    # Sessions of the backup's time would be valid again: everyone signs in anew.
    db.session.execute(delete(AuthSession))
    audit.record(audit.Action.UPDATE, object_type="backup",
                 detail=f"restored {Path(path).name} (schema {info.revision}); "
                        f"access log verified, {report.checked} entries")
    db.session.commit()
    click.echo(f"Restored {path} (schema version {info.revision}); the access log verifies "
               f"({report.checked} entries). Everyone signs in again.")
    click.echo(f"Access log anchor: {audit.head()}")


@retention_cli.command("due")
def retention_due() -> None:
    """List the clients whose retention period has passed (for a scheduled e-mail); exit 0.

    Nothing is changed: an administrator decides on the retention review page.
    """
    from .lifecycle import retention

    due = retention.due_clients()
    anonymous = retention.due_anonymous_contacts()
    if not due and not anonymous:
        click.echo("Nothing is due.")
        return
    if due:
        click.echo(f"{len(due)} client(s) whose relationship ended on or before "
                   f"{retention.cutoff().isoformat()}, to anonymise on the retention review page:")
        for person in due:
            click.echo(f"  client {person.id}\tended {person.ended_on.isoformat()}")
    if anonymous:
        click.echo(f"{anonymous} anonymous contact(s) from "
                   f"{retention.anonymous_cutoff().isoformat()} or earlier still have a note.")


@retention_cli.command("fates")
def retention_fates() -> None:
    """Print, as a Markdown table, what anonymising a client does to each column."""
    from .lifecycle.fates import markdown_table

    click.echo(markdown_table())


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(scheduled_backup_command)
    app.cli.add_command(copy_database_command)
    app.cli.add_command(retention_cli)
    app.cli.add_command(backup_cli)
