"""Consents (suostumukset) and social services notifications (Sosiaalihuoltolaki 35 §)."""
from flask import Blueprint

from . import labels  # noqa: F401  (registers the label kinds)

bp = Blueprint("consents", __name__)

from . import routes  # noqa: E402,F401
