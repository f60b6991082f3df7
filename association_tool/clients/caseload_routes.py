"""The caseload page: each worker's clients by level of guidance, against the intensive cap."""
from flask import render_template
from flask_login import current_user

from ..access import STAFF, allow
from . import bp
from .caseload import INTENSIVE_NEAR, LEVELS, caseloads
from .services import INTENSIVE_CAP


@bp.route("/caseload")
@allow(STAFF)
def caseload():
    """Show the signed-in worker's own caseload and every worker's, for sharing out new clients."""
    loads = caseloads()
    own = next((load for load in loads if load.worker_id == current_user.id), None)
    return render_template("clients/caseload.html", loads=loads, own=own, levels=LEVELS,
                           cap=INTENSIVE_CAP, near=INTENSIVE_NEAR)
