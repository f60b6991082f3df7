"""Time helpers: the database stores naive UTC timestamps."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def utcnow() -> datetime:
    """Return the current time as naive UTC, the form stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_today() -> date:
    """Return today's date in Finland, where the association works."""
    return datetime.now(HELSINKI).date()


def local_date(moment: datetime) -> date:
    """Return the day in Finland of a stored (naive UTC) timestamp."""
    return moment.replace(tzinfo=timezone.utc).astimezone(HELSINKI).date()
