"""A client's data over its whole life: retention, anonymisation and erasure."""
from flask import Blueprint

bp = Blueprint("lifecycle", __name__)

from . import routes  # noqa: E402,F401
