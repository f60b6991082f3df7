"""A seeded association for the security suite: two clients, each with one object of every kind.

Every text stored for a client carries that client's token, so a response can be searched for
any trace of the client (its name and every distinctive field value) with one substring test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from association_tool.extensions import db
from association_tool.timeutil import local_today

from ..factories import make_client, make_organisation, make_user, pair

# Letters only, so that HTML escaping can never change them, and unlike any word in the app.
TOKEN_A = "Ahvenqzx"
TOKEN_B = "Bisamqzy"
TOKENS = {"A": TOKEN_A, "B": TOKEN_B}
ORG_TOKEN = {"A": "Orgaqzw", "B": "Orgbqzw"}

# Sections the client A lets the peer supporter see: some staff-managed ones stay closed to them.
PEER_SECTIONS = ("goals", "contacts", "tasks", "errands", "meetings")
LOGO_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 20 20">'
            b'<rect width="20" height="20" fill="#235"/></svg>')


@dataclass
class World:
    """The seeded records: users by role, and for each side ("A", "B") the ids of its objects."""

    users: dict = field(default_factory=dict)       # role -> User
    ids: dict = field(default_factory=dict)         # side -> {url argument name: id}
    tokens: dict = field(default_factory=lambda: dict(TOKENS))

    def client_id(self, side: str) -> int:
        return self.ids[side]["client_id"]


def _new_client(side: str, staff):
    t = TOKENS[side]
    return make_client(
        display_name=f"{t} Nimi", full_name=f"{t} Koko Nimi", email=f"{t.lower()}@asiakas.example",
        contact_notes=f"{t} yhteystieto", staff_notes=f"{t} henkilokunnan muistiinpano",
        referral_note=f"{t} ohjaus", responsible_id=staff.id, actor=staff)


def _client_side(side: str, client, staff, peer, organisation) -> dict:
    """Create one object of every kind for a client; return {url argument: id}."""
    from association_tool.agreements import services as agreements
    from association_tool.consents import services as consents
    from association_tool.contacts.services import create_contact
    from association_tool.errands import services as errands
    from association_tool.goals import services as goals
    from association_tool.meetings import services as meetings
    from association_tool.network import services as network
    from association_tool.tasks.services import create_task

    t = TOKENS[side]
    today = local_today()
    goal = goals.create_goal(client, text=f"{t} tavoite", means=f"{t} keinot",
                             review_date=today + timedelta(days=14))
    goals.add_progress(goal, on=today, note=f"{t} edistys", author_id=staff.id)
    goals.add_review(goal, on=today, sufficient="yes", matched_needs="yes",
                     matched_expectations="partly", matched_goals="no",
                     client_comment=f"{t} arvio", next_review_date=today + timedelta(days=30),
                     author_id=staff.id)
    # Recorded by the peer supporter, who may then correct it on side A (their own contacts only).
    contact = create_contact(client, on=today, channel="phone", minutes=20, worker_id=staff.id,
                             peer_id=peer.id, note=f"{t} yhteydenotto", created_by_id=peer.id)
    task = create_task(client, title=f"{t} tehtava", details=f"{t} tehtavan tiedot",
                       owner_id=peer.id, due_date=today + timedelta(days=3), created_by_id=staff.id)
    private = network.add_member(client, dict(kind="private", name=f"{t} Sisko", relation="sisko",
                                              sector="family", ring="inner",
                                              role_note=f"{t} rooli", involved=True))
    person = organisation.people[0]
    professional = network.add_member(client, dict(kind="person", contact_person_id=person.id,
                                                   sector="services", ring="middle",
                                                   involved=True))
    errand = errands.create_errand(client, dict(
        about=f"{t} asiointi", type="kela", on=today + timedelta(days=5), starts_at=time(10, 0),
        place=f"{t} paikka", address=f"{t} osoite", meet_whom=f"{t} virkailija",
        companion_id=peer.id, interpreter_needed=False, things_to_bring=f"{t} kortti",
        questions=f"{t} kysymys"), actor=staff)
    consent = consents.record_consent(client, dict(
        kind="share", member_id=professional.id, information=["general", "progress"],
        purpose=f"{t} tarkoitus", form="written", given_on=today - timedelta(days=3),
        until_relationship_ends=True, wording=f"{t} sanamuoto"), by=staff)
    consents.record_notification(client, dict(path="guided", concern=f"{t} huoli",
                                              made_on=today), by=staff)
    meeting = meetings.plan_meeting(client, dict(
        meeting_date=today - timedelta(days=1), start_time=time(13, 0), place=f"{t} kokouspaikka",
        remote_link=None, method="ordinary", convener_id=staff.id, support_person_wanted=False,
        support_person=None, client_topics=f"{t} aiheet", invite_members=[private.id],
        invite_users=[staff.id]), by=staff)
    meetings.record_minutes(meeting, dict(
        client_present=True, chair=staff.name, note_taker=staff.name,
        why_gathered=f"{t} syy", client_view=f"{t} nakemys", responsible_person=staff.name,
        backup_person=None, next_date=None, next_note=None, feedback=f"{t} palaute",
        contains_health=False),
        participants=[dict(id=p.id, role=p.role, organisation=p.organisation, presence="present",
                           concerns=f"{t} huolet", resources=f"{t} voimavarat")
                      for p in meeting.participants],
        actions=[dict(owner_id=staff.id, what=f"{t} toimenpide", with_whom=f"{t} kanssa",
                      due_date=today + timedelta(days=7))], version=meeting.version)
    from association_tool.referrals import services as referrals

    referral = referrals.create_referral(client, "out", dict(
        target_kind="public_service", organisation_id=organisation.id,
        contact_person_id=person.id, reason=f"{t} ohjauksen syy", hopes=f"{t} toive",
        handover="alone", handover_note=f"{t} saattaen", sent_on=today,
        follow_up_on=today + timedelta(days=14)), actor=staff)
    group, session, participant, hours = _group_side(side, client, staff, peer)
    draft = agreements.start_draft(client, by=staff)
    agreements.update_header(draft, dict(
        made_on=today, review_date=today + timedelta(days=60), preferred_channels=["phone"],
        preferred_times=f"{t} ajat", messages_may_say_topic=False,
        preferences_note=f"{t} toiveet", if_condition_changes=f"{t} jos vointi",
        follow_up_together=f"{t} seuranta"), version=draft.row_version)
    line = agreements.add_line(client, draft, dict(
        member_id=professional.id, direction="both", when=["regular"], every_weeks=4,
        how=["phone"], shares=["general"], note=f"{t} rivi"))
    db.session.commit()
    return dict(client_id=client.id, goal_id=goal.id, contact_id=contact.id, task_id=task.id,
                member_id=private.id, errand_id=errand.id, consent_id=consent.id,
                meeting_id=meeting.id, agreement_id=draft.id, line_id=line.id,
                referral_id=referral.id, group_id=group.id, session_id=session.id,
                participant_id=participant.id, hours_id=hours.id)


def _activity(side: str):
    from association_tool.groups import services as groups

    return groups.create_activity(f"Toiminto {side}")


def _group_side(side: str, client, staff, peer):
    """A group of this side's own, with a session the client took part in and hours of its peer."""
    from association_tool.groups import services as groups

    group = groups.create_group(dict(name=f"Ryhma {side}", kind="peer_group", activity_id=None))
    session = groups.create_session(group, dict(on=local_today(), anonymous_count=4,
                                                count_basis="recorded"), actor=staff)
    participant = groups.add_participant(session, client.id)
    hours = groups.add_hours(dict(user_id=peer.id, kind="peer", on=local_today(), minutes=90,
                                  activity_id=None), actor=staff, session=session)
    return group, session, participant, hours


def build_world() -> World:
    """Seed users, a directory and two clients; the peer supporter is paired with client A only."""
    world = World()
    admin = make_user(role="admin", name="Aino Paakayttaja", email="admin@sec.example.org")
    staff = make_user(role="staff", name="Sanna Ohjaaja", email="staff@sec.example.org")
    peer = make_user(role="peer", name="Matti Vertainen", email="peer@sec.example.org")
    other_peer = make_user(role="peer", name="Veera Toinen", email="peer2@sec.example.org")
    world.users = {"admin": admin, "staff": staff, "peer": peer, "other_peer": other_peer}
    clients = {"A": _new_client("A", staff), "B": _new_client("B", staff)}
    pairings = {"A": pair(peer, clients["A"], sections=PEER_SECTIONS),
                "B": pair(other_peer, clients["B"])}
    for side in ("A", "B"):
        organisation = make_organisation(
            name=f"{ORG_TOKEN[side]} Virasto", unit=None,
            people=[(f"{ORG_TOKEN[side]} Virkailija", "Sosiaalityontekija", True)])
        ids = _client_side(side, clients[side], staff, peer if side == "A" else other_peer,
                           organisation)
        ids.update(organisation_id=organisation.id, person_id=organisation.people[0].id,
                   pairing_id=pairings[side].id, activity_id=_activity(side).id)
        world.ids[side] = ids
    # A request to remove each client's record, waiting for a second administrator.
    from association_tool.models.lifecycle import DeletionRequest

    for side in ("A", "B"):
        request = DeletionRequest(client_id=world.ids[side]["client_id"], reason="duplicate",
                                  requested_by_id=admin.id)
        db.session.add(request)
        db.session.flush()
        world.ids[side]["request_id"] = request.id
    # Users are not client data: both sides address the other peer supporter's account.
    world.ids["A"]["user_id"] = world.ids["B"]["user_id"] = other_peer.id
    world.ids["A"]["filename"] = world.ids["B"]["filename"] = "js/app.js"
    # Not client data either: the quality criteria and a partner's one-time feedback link.
    from association_tool.feedback import services as feedback

    feedback.set_switches(kiosk=True, partner_links=True)
    criterion = feedback.criteria()[0]
    _link, token = feedback.create_partner_link("kumppani", staff.id, days=3650)
    world.ids["A"]["criterion_id"] = world.ids["B"]["criterion_id"] = criterion.id
    world.ids["A"]["token"] = world.ids["B"]["token"] = token
    from association_tool.admin.logo import save_logo

    save_logo(LOGO_SVG)
    db.session.commit()
    return world
