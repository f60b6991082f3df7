"""Configuration read from the environment, with safe defaults for one machine."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_path() -> Path:
    """Return the instance folder: INSTANCE_PATH or ./instance beside the package."""
    return Path(os.environ.get("INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()


def _key_in_instance(instance: Path, name: str, make) -> str:
    """Return the key kept in the instance file `name`, generated once (owner-only) by `make`."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / name
    if not key_file.exists():
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it at the same moment
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
    return key_file.read_text().strip()


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once into the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    return _key_in_instance(instance, "secret_key", lambda: secrets.token_hex(32))


def totp_encryption_key(instance: Path | None = None) -> str:
    """Return the key that seals the authenticator secrets: TOTP_ENCRYPTION_KEY from the
    environment, or the file `totp_key` generated once into the instance folder.

    Losing it loses the secrets: every user with two-step sign-in must set it up again.
    """
    if os.environ.get("TOTP_ENCRYPTION_KEY"):
        return os.environ["TOTP_ENCRYPTION_KEY"].strip()
    from .sealing import new_key

    return _key_in_instance(instance or _instance_path(), "totp_key", new_key)


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _int(name: str, default: int) -> int:
    """Read an integer setting from the environment."""
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _recipients(value: str) -> list[str]:
    """age public keys, separated by commas or spaces; a path to a file of them also works."""
    value = value.strip()
    if value and Path(value).is_file():
        value = Path(value).read_text()
    return [part for part in value.replace(",", " ").split() if not part.startswith("#")]


class Config:
    """Settings for a running association server."""

    def __init__(self) -> None:
        instance = _instance_path()
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = _secret_key(instance)
        self.TOTP_ENCRYPTION_KEY = totp_encryption_key(instance)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'association.db'}"
        )
        # A server connection may have dropped since its last use; a local SQLite file cannot.
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite")}
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
        self.SESSION_COOKIE_NAME = "assoc_session"
        self.IDLE_TIMEOUT = timedelta(minutes=_int("IDLE_TIMEOUT_MINUTES", 30))
        self.ABSOLUTE_SESSION_LIFETIME = timedelta(hours=_int("SESSION_LIFETIME_HOURS", 12))
        self.PERMANENT_SESSION_LIFETIME = self.ABSOLUTE_SESSION_LIFETIME
        # The cookie keeps the expiry it got at sign-in (the absolute lifetime) instead of being
        # signed and sent anew with every answer; idle time is checked on the server.
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 10)
        self.LOGIN_FAILURE_WINDOW = timedelta(minutes=_int("LOGIN_FAILURE_WINDOW_MINUTES", 15))
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
        self.MAX_FORM_MEMORY_SIZE = 1024 * 1024
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.BABEL_DEFAULT_LOCALE = "fi"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"
        self.BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
        self.LANGUAGES = ("fi", "sv", "en")
        self.PROXY_FIX = os.environ.get("PROXY_FIX", "0") == "1"
        self.PDF_TIMEOUT_SECONDS = _int("PDF_TIMEOUT_SECONDS", 20)
        # Scheduled backups (`flask scheduled-backup`, run daily by the systemd timer).
        self.BACKUP_DIR = os.environ.get("BACKUP_DIR") or str(instance / "backups")
        self.BACKUP_KEEP_DAILY = _int("BACKUP_KEEP_DAILY", 7)
        self.BACKUP_KEEP_MONTHLY = _int("BACKUP_KEEP_MONTHLY", 12)
        self.BACKUP_AGE_RECIPIENTS = _recipients(os.environ.get("BACKUP_AGE_RECIPIENTS", ""))
        self.BACKUP_COPY_TO = os.environ.get("BACKUP_COPY_TO") or None
        self.TESTING = False
