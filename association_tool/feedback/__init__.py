"""The client's voice: feedback from clients and partners, wellbeing, quality self-assessment."""
from flask import Blueprint

bp = Blueprint("feedback", __name__)

from . import routes  # noqa: E402,F401  (the blueprint idiom)
