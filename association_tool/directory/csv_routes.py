"""CSV import and export of the directory (being written)."""
from . import bp  # noqa: F401
