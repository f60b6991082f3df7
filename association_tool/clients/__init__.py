"""The client record: list, create, edit, the client page, peer pairings and ending."""
from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")

from . import routes  # noqa: E402,F401
from .sections import announce_client_change  # noqa: E402

bp.after_app_request(announce_client_change)
