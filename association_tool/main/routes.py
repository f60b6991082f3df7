"""Home page: my clients, what is due, and a quick anonymous contact."""
from flask import render_template
from flask_login import current_user

from .. import audit
from ..access import SIGNED_IN, allow, sees_all_clients
from ..clients import services as clients
from ..consents.services import expiring_for
from ..contacts.services import anonymous_counts_for
from ..tasks.services import due_tasks_for
from ..timeutil import local_today
from . import bp


# The home page shows the first few of each list of what is due; the page of all that is due
# shows up to DUE_ROWS of each (a worker with 2,000 clients has hundreds of reviews due).
HOME_ROWS = 10
DUE_ROWS = 200


def _due(today, rows: int) -> dict:
    """The user's tasks due this week, goal reviews due and (staff) consents ending soon, at
    most `rows` of each, and whether each had more; the views of what is shown are logged."""
    staff = sees_all_clients(current_user)
    found = {"tasks": due_tasks_for(current_user, today, limit=rows + 1),
             "reviews": clients.reviews_due(current_user, today, limit=rows + 1),
             "expiring": expiring_for(current_user, today, limit=rows + 1) if staff else None}
    more = {name: items is not None and len(items) > rows for name, items in found.items()}
    shown = {name: items[:rows] if items is not None else None for name, items in found.items()}
    # Tasks and goal reviews tell about their clients: a view of each client's tasks and goals,
    # logged like the sections.
    audit.log_views([t.client_id for t in shown["tasks"]], "tasks")
    audit.log_views([g.client_id for g in shown["reviews"]], "goals")
    return dict(shown, more=more)


@bp.route("/")
@allow(SIGNED_IN)
def home():
    """Show the signed-in user's clients, the first tasks and goal reviews due, and a quick
    anonymous contact."""
    today = local_today()
    return render_template(
        "main/home.html", today_date=today, my_clients=clients.my_clients(current_user),
        anon_counts=anonymous_counts_for(current_user, today), **_due(today, HOME_ROWS))


@bp.route("/due")
@allow(SIGNED_IN)
def due():
    """All that is due for the user: tasks due this week and overdue, goal reviews due and
    (staff) consents of their clients ending within 30 days."""
    today = local_today()
    return render_template("main/due.html", today_date=today, **_due(today, DUE_ROWS))
