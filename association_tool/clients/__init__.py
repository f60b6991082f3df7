"""The client record: list, create, edit, the client page, peer pairings and ending."""
from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")

from . import caseload_routes, routes  # noqa: E402,F401
