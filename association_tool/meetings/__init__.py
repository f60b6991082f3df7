"""Network meetings (verkostopalaveri): planning, recording, approved minutes and addenda."""
from flask import Blueprint

bp = Blueprint("meetings", __name__)

from . import routes  # noqa: E402,F401
