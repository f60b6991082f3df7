"""Home page: my clients, what is due, and a quick anonymous contact."""
from flask import render_template
from flask_login import current_user

from .. import audit
from ..access import SIGNED_IN, allow, sees_all_clients
from ..clients import services as clients
from ..consents.services import expiring_for
from ..tasks.services import due_tasks_for
from ..timeutil import local_today
from . import bp


def _anonymous_counts(today):
    """This week's and this month's anonymous contacts, for staff, when that feature is present."""
    if not sees_all_clients(current_user):
        return None
    try:
        from ..contacts.services import anonymous_counts
    except ImportError:
        return None
    return anonymous_counts(today)


@bp.route("/")
@allow(SIGNED_IN)
def home():
    """Show the signed-in user's clients, tasks due this week and overdue, and goal reviews due."""
    today = local_today()
    tasks = due_tasks_for(current_user, today)
    reviews = clients.reviews_due(current_user, today)
    # Tasks and goal reviews tell about their clients: a view of each client's tasks and goals,
    # logged like the sections.
    audit.log_views([t.client_id for t in tasks], "tasks")
    audit.log_views([g.client_id for g in reviews], "goals")
    return render_template(
        "main/home.html", today_date=today,
        my_clients=clients.my_clients(current_user),
        tasks=tasks,
        reviews=reviews,
        expiring=expiring_for(current_user, today) if sees_all_clients(current_user) else None,
        anon_counts=_anonymous_counts(today),
    )
