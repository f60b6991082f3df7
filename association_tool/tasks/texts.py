"""The words of the tasks the app makes itself, read in the reader's language.

A task the app makes stores its kind and values (`FollowUpTask.kind`, `.params`), never its
text: a task made by a Swedish-speaking worker reads in Finnish to a Finnish-speaking one.
"""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# kind → the text; its %(name)s placeholders come from the task's params.
TASK_TEXTS = {
    "worker_change": _l("Tell the client who their new responsible worker is"),
    "ending_follow_up": _l("Follow-up call after the client relationship ended"),
    "next_meeting": _l("Next network meeting or follow-up"),
    "agreement_review": _l("Review the contact agreement together with the client"),
    "referral_follow_up": _l("Follow-up call: did the client get the service? %(party)s"),
    "referral_first_meeting": _l("First meeting with a referred client (from %(party)s)"),
    "goal_review": _l("Review the goal together with the client: %(goal)s"),
}
KINDS = tuple(TASK_TEXTS)


def task_title(task) -> str:
    """Return what the task says, in the current language: the kind's text or the typed title."""
    text = TASK_TEXTS.get(task.kind) if task.kind else None
    if text is None:
        return task.title or ""
    try:
        return str(text) % dict(task.params or {}) if "%(" in str(text) else str(text)
    except (KeyError, TypeError, ValueError):
        return str(text)


def task_details(task) -> str | None:
    """Return the task's details: the typed text, and whom a meeting action is done with."""
    whom = (task.params or {}).get("with_whom")
    lines = [gettext("With: %(whom)s", whom=whom)] if whom else []
    if task.details:
        lines.append(task.details)
    return "\n".join(lines) or None
