"""Home page."""
from flask import render_template

from ..access import SIGNED_IN, allow
from ..timeutil import local_today
from . import bp


@bp.route("/")
@allow(SIGNED_IN)
def home():
    """Show the signed-in user's starting page."""
    return render_template("main/home.html", today=local_today())
