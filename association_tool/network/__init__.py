"""The client's network: who is around the client, drawn as a map."""
from flask import Blueprint

bp = Blueprint("network", __name__)

from . import routes  # noqa: E402,F401
