""""Minun suunnitelmani": the client's own plan on paper, in their language and plain words.

Only what the client themself said or agreed to: their goals in their words, who works with
them and how to reach them, how contact is kept (the contact agreement in force), what to do if
things get hard, the upcoming errands and meetings, and at the ending whom to call. Nothing
staff-only (notes, consents, notifications) is read here.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import ClientEnding
from ..models.meetings import NetworkMeeting
from ..settings import who_to_call

PLAN_LANGUAGES = ("fi", "sv", "en")


def plan_language(client, asked: str | None) -> str:
    if asked in PLAN_LANGUAGES:
        return asked
    return client.language if client.language in PLAN_LANGUAGES else "fi"


def plan_context(client, today: date) -> dict:
    from ..agreements.services import active_agreement
    from ..errands.services import errands_of
    from ..goals.services import list_goals

    current_goals, _closed = list_goals(client.id)
    agreement = active_agreement(client)
    upcoming_errands, _past = errands_of(client, today)
    meetings = list(db.session.scalars(
        select(NetworkMeeting).where(NetworkMeeting.client_id == client.id,
                                     NetworkMeeting.status == "planned",
                                     NetworkMeeting.meeting_date >= today)
        .order_by(NetworkMeeting.meeting_date, NetworkMeeting.start_time)))
    ending = None
    if client.status == "ended":
        ending = db.session.scalars(
            select(ClientEnding).where(ClientEnding.client_id == client.id,
                                       ClientEnding.reopened_at.is_(None))
            .order_by(ClientEnding.id.desc())).first()
    backup = who_to_call(client.backup) if client.backup_id else None
    from .services import wellbeing_series
    return {
        "client_name": client.display_name,
        "goals": current_goals,
        "agreement": agreement,
        "channels": [c for c in (agreement.preferred_channels.split(",") if agreement else [])
                     if c],
        "errands": upcoming_errands,
        "meetings": meetings,
        "ending": ending,
        "call": who_to_call(client.responsible),
        "backup": backup,
        "wellbeing": wellbeing_series(client.id),
        "today": today,
    }
