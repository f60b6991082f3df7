"""Group activities (kohtaamisten pöytä, peer groups), their sessions and participants, the hours
of peer supporters and volunteers, and the association's funded activities."""
from flask import Blueprint

bp = Blueprint("groups", __name__)

from . import routes  # noqa: E402,F401
