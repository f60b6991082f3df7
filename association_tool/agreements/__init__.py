"""The written contact agreement (yhteydenpitosopimus), its versions and its print for signing."""
from flask import Blueprint

bp = Blueprint("agreements", __name__)

from . import routes  # noqa: E402,F401
