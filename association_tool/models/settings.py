"""Association-wide settings such as its name and the sign-in policy."""
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# Setting key: "1" when staff members and administrators must use two-step sign-in.
REQUIRE_TWO_FACTOR = "require_two_factor"


class Setting(db.Model):
    """One named setting of the association."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
