"""The client's path as a picture: referrals, handovers, errands, meetings and follow-ups in order.

Each entry is plain values (date, kind, text); the template draws them as an ordered list, so a
screen reader reads the same path as a list. Only sections the viewer may see are included.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..access import sees_all_clients, visible_sections
from ..extensions import db
from ..labels import label
from ..models.errands import Errand
from ..models.meetings import NetworkMeeting
from ..models.referrals import Referral, ReferralFollowUp, ReferralStep, SharedObservation

LIMIT = 60


@dataclass
class Entry:
    """One point on the path."""

    on: date
    kind: str  # referral, step, follow_up, errand, meeting, observation
    text: str
    detail: str = ""
    referral_id: int | None = None
    tone: str = ""  # good, bad or "" (for the picture's colour; the text says it too)


def client_timeline(client, viewer) -> list[Entry]:
    """The client's path, newest last, limited to what the viewer may see."""
    sections = set(visible_sections(client, viewer))
    entries: list[Entry] = []
    if "referrals" in sections:
        for step, referral in db.session.execute(
                select(ReferralStep, Referral).join(Referral)
                .where(Referral.client_id == client.id)).all():
            text = f"{label('referral_direction', referral.direction)}: {referral.party_label}"
            tone = "bad" if step.state in ("declined", "revoked") else (
                "good" if step.state in ("accepted", "started") else "")
            detail = label("referral_step_in" if referral.direction == "in" else "referral_step",
                           step.state)
            if step.state in ("sent", "received") and referral.handover:
                detail += " · " + label("handover", referral.handover)
            entries.append(Entry(step.on, "step", text, detail, referral.id, tone))
        for follow_up, referral in db.session.execute(
                select(ReferralFollowUp, Referral).join(Referral)
                .where(Referral.client_id == client.id)).all():
            tone = {"yes": "good", "no": "bad"}.get(follow_up.got_service, "")
            entries.append(Entry(follow_up.answered_on, "follow_up", referral.party_label,
                                 label("got_service", follow_up.got_service), referral.id, tone))
        if sees_all_clients(viewer):
            for observation in db.session.scalars(
                    select(SharedObservation).where(SharedObservation.client_id == client.id)):
                entries.append(Entry(observation.on, "observation", observation.party_label,
                                     label("sharing_kind", observation.kind)))
    if "errands" in sections:
        for errand in db.session.scalars(select(Errand).where(Errand.client_id == client.id)):
            entries.append(Entry(errand.on, "errand", errand.about,
                                 label("errand_type", errand.type)))
    if "meetings" in sections:
        for meeting in db.session.scalars(
                select(NetworkMeeting).where(NetworkMeeting.client_id == client.id)):
            entries.append(Entry(meeting.meeting_date, "meeting",
                                 label("meeting_method", meeting.method),
                                 label("meeting_status", meeting.status)))
    entries.sort(key=lambda e: (e.on, e.kind))
    return entries[-LIMIT:]
