"""The service directory: organisations, their units and contact persons."""
from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/directory")

from . import csv_routes, routes  # noqa: E402,F401
