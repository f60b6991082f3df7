"""Referrals both ways (ohjaus), the follow-up call, and observations shared with partners."""
from flask import Blueprint

bp = Blueprint("referrals", __name__)

from . import routes  # noqa: E402,F401
