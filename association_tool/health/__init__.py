"""`/healthz`: a health check for monitoring, with no personal data and no secrets."""
from flask import Blueprint

bp = Blueprint("health", __name__)

from . import routes  # noqa: E402,F401  (the blueprint idiom)
