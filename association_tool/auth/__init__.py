"""Sign-in, sign-out, first-run setup and the signed-in user's own account."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401
