"""Errands (asiointi) and the client's errand checklist (asioinnin muistilista)."""
from flask import Blueprint

bp = Blueprint("errands", __name__)

from . import routes  # noqa: E402,F401
