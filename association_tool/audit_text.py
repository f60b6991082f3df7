"""How the access log reads to a person: a sentence in the user's language for every entry.

Every action the app records (`audit.Action`) has a verb here, and every kind of object it
records (`object_type`) a phrase; `tests/test_audit_page.py` reads the code for the kinds it can
write, so a new one cannot be left without words. Names come from the client and user rows of
the moment, loaded for a whole page at once (`Names.load`); the log itself stores no names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from .audit import Action
from .extensions import db
from .i18n import date_filter
from .models import AuditEvent, Client, User
from .models.meetings import NetworkMeeting

# What each action does, said of whoever did it. `%(what)s` is the object's phrase below.
# Translators: the phrases are written so that one form of them follows every verb (in Finnish
# the accusative: "katsoi asiakkaan Ruusu tavoitteet", "lisäsi asiakkaan Ruusu tavoitteen").
VERBS = {
    Action.VIEW.value: _l("viewed %(what)s"),
    Action.CREATE.value: _l("added %(what)s"),
    Action.UPDATE.value: _l("changed %(what)s"),
    Action.DELETE.value: _l("removed %(what)s"),
    Action.PRINT.value: _l("printed %(what)s"),
    Action.EXPORT.value: _l("exported %(what)s"),
    Action.DISCLOSURE.value: _l("gave out %(what)s"),
    Action.LOGIN.value: _l("signed in"),
    Action.LOGIN_FAILED.value: _l("failed to sign in"),
    Action.LOGIN_PENDING.value: _l("gave the right password; the sign-in waited for a code"),
    Action.LOGOUT.value: _l("signed out"),
    Action.DENIED.value: _l("was refused a page they may not use"),
}

# The actions as a filter offers them.
ACTION_LABELS = {
    Action.VIEW.value: _l("Views"),
    Action.CREATE.value: _l("Additions"),
    Action.UPDATE.value: _l("Changes"),
    Action.DELETE.value: _l("Removals"),
    Action.PRINT.value: _l("Printouts"),
    Action.EXPORT.value: _l("Exports and downloads"),
    Action.DISCLOSURE.value: _l("Information given out"),
    Action.LOGIN.value: _l("Sign-ins"),
    Action.LOGIN_FAILED.value: _l("Failed sign-ins"),
    Action.LOGIN_PENDING.value: _l("Sign-ins waiting for a code"),
    Action.LOGOUT.value: _l("Sign-outs"),
    Action.DENIED.value: _l("Refused pages"),
}

# Each kind of object, as the object of the verbs above. `%(client)s` is the client's name.
KINDS = {
    "goals": _l("the goals of %(client)s"),
    "goal": _l("a goal of %(client)s"),
    "goal_progress": _l("a progress note on a goal of %(client)s"),
    "goal_review": _l("a goal review of %(client)s"),
    "tasks": _l("the follow-up tasks of %(client)s"),
    "task": _l("a follow-up task of %(client)s"),
    "agreement": _l("the contact agreement of %(client)s"),
    "network": _l("the network of %(client)s"),
    "network_map": _l("the network map of %(client)s"),
    "network_member": _l("a member of the network of %(client)s"),
    "network_meetings": _l("the network meetings of %(client)s"),
    "network_meeting": _l("a network meeting of %(client)s"),
    "meeting_minutes": _l("the minutes of a network meeting of %(client)s"),
    "meeting_addendum": _l("an addendum to the minutes of %(client)s"),
    "contacts": _l("the contacts of %(client)s"),
    "contact": _l("a contact with %(client)s"),
    "consents": _l("the consents of %(client)s"),
    "consent": _l("a consent of %(client)s"),
    "notifications": _l("the notifications about %(client)s"),
    "notification": _l("a notification about %(client)s"),
    "errands": _l("the errands of %(client)s"),
    "errand": _l("an errand of %(client)s"),
    "errand_checklist": _l("the checklist of an errand of %(client)s"),
    "client": _l("the record of %(client)s"),
    "client_form": _l("the details form of %(client)s"),
    "peers": _l("the peer supporters of %(client)s"),
    "peer_pairing": _l("a peer supporter pairing of %(client)s"),
    "ending": _l("the ending of the client relationship of %(client)s"),
    "ending_notice": _l("a notice of the ending of %(client)s"),
    "client_summary": _l("the summary of %(client)s"),
    "client_plan": _l("the plan of %(client)s"),
    "wellbeing_rating": _l("the wellbeing ratings of %(client)s"),
    "referrals": _l("the referrals of %(client)s"),
    "referral": _l("a referral of %(client)s"),
    "referral_letter": _l("the referral letter of %(client)s"),
    "shared_observation": _l("an observation about %(client)s"),
    "anonymise": _l("the data of %(client)s"),
    "erasure": _l("the erasure page of %(client)s"),
    # Not about one client.
    "user": _l("the user account of %(user)s"),
    "feedback": _l("a feedback answer"),
    "partner_feedback_link": _l("a feedback link for a partner"),
    "quality_assessment": _l("a quality self-assessment"),
    "quality_criterion": _l("a quality criterion"),
    "deletion_request": _l("a request to delete a record entered by mistake"),
    "anonymous_contacts": _l("the notes of old anonymous contacts"),
    "retention review": _l("the retention review"),
    "access_log": _l("the access log"),
    "database": _l("the whole database"),
    "group": _l("a group"),
    "group session": _l("a group session"),
    "group participant": _l("the group participation of %(client)s"),
    "helper hours": _l("the hours of a peer supporter or volunteer"),
    "funded activity": _l("a funded activity"),
    "setting": _l("a setting"),
    "statistics": _l("the statistics"),
    "settings": _l("the settings"),
    "backup": _l("a backup of the whole database"),
    "directory": _l("the directory"),
    "organisation": _l("an organisation in the directory"),
    "contact_person": _l("a contact person in the directory"),
    "anonymous_contact": _l("an anonymous contact"),
    "audit_log": _l("the access log"),
    "route": _l("a page"),
}

# Kinds whose phrase names a date when the object still has one (its phrase replaces the above).
DATED_KINDS = {
    "network_meeting": _l("the network meeting of %(date)s of %(client)s"),
    "meeting_minutes": _l("the minutes of the network meeting of %(date)s of %(client)s"),
}

# Where an action and a kind together say more than the verb and the phrase.
SPECIAL = {
    (Action.CREATE.value, "anonymous_contact"): _l("counted an anonymous contact"),
    (Action.EXPORT.value, "backup"): _l("took a backup of the whole database"),
    (Action.UPDATE.value, "directory"): _l("imported a file into the directory"),
    (Action.VIEW.value, "client_form"): _l("opened the details form of %(client)s"),
    (Action.UPDATE.value, "anonymise"): _l("anonymised %(client)s"),
    (Action.UPDATE.value, "anonymous_contacts"): _l("emptied the notes of old anonymous contacts"),
    (Action.EXPORT.value, "database"): _l("copied the whole database to another server"),
    (Action.EXPORT.value, "statistics"): _l("viewed or exported the statistics"),
    (Action.UPDATE.value, "access_log"): _l("archived old entries of the access log"),
}

# A denied page that concerned a client.
DENIED_CLIENT = _l("was refused a page of %(client)s")
FAILED_AS = _l("failed to sign in as %(user)s")
THROTTLED = _l("was stopped from signing in after too many failed attempts")
SIGNED_IN_RECOVERY = _l("signed in with a recovery code")
PRINTED_FOR_DISTRIBUTION = _l("printed %(what)s for distribution")
GAVE_TO = _l("gave %(what)s to %(recipients)s")
UNKNOWN_KIND = _l("a record")
REMOVED_CLIENT = _l("a client no longer in the register")
UNKNOWN_USER = _l("a user no longer in the register")
NOT_SIGNED_IN = _l("Someone not signed in")
SYSTEM = _l("The server (command line)")

_RECIPIENTS = re.compile(r"(?:^|\s)to=(.+?)(?=\s\w+=|$)")


@dataclass
class Names:
    """The names a set of log entries needs, loaded with one query per kind of name."""

    clients: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)
    meeting_dates: dict[int, object] = field(default_factory=dict)

    @classmethod
    def load(cls, events) -> "Names":
        """Load the names of the clients, users and meeting dates the entries mention."""
        client_ids = {e.client_id for e in events if e.client_id}
        user_ids = {e.user_id for e in events if e.user_id}
        user_ids |= {int(e.object_id) for e in events
                     if e.object_type == "user" and (e.object_id or "").isdigit()}
        meeting_ids = {int(e.object_id) for e in events
                       if e.object_type in DATED_KINDS and (e.object_id or "").isdigit()}
        names = cls()
        if client_ids:
            names.clients = dict(db.session.execute(
                select(Client.id, Client.display_name).where(Client.id.in_(client_ids))).all())
        if user_ids:
            names.users = dict(db.session.execute(
                select(User.id, User.name).where(User.id.in_(user_ids))).all())
        if meeting_ids:
            names.meeting_dates = dict(db.session.execute(
                select(NetworkMeeting.id, NetworkMeeting.meeting_date)
                .where(NetworkMeeting.id.in_(meeting_ids))).all())
        return names


def who(event: AuditEvent, names: Names) -> str:
    """Name whoever acted: the user's name now, or what was recorded of someone not signed in."""
    if event.user_id:
        return names.users.get(event.user_id) or event.actor.split(" <")[0]
    if event.actor == "system":
        return str(SYSTEM)
    return str(NOT_SIGNED_IN)


def client_name(event: AuditEvent, names: Names) -> str:
    """The name of the client the entry is about, or '' when it is about none."""
    if not event.client_id:
        return ""
    return names.clients.get(event.client_id) or str(REMOVED_CLIENT)


def sentence(event: AuditEvent, names: Names, *, links: bool = True) -> Markup:
    """Say what the entry records, after whoever did it ("viewed the goals of Ruusu").

    With `links`, the client's name links to the client (HTML); without, plain text (as Markup
    so that it can be put into HTML too; `str()` it for a file).
    """
    action, kind = event.action, event.object_type or ""

    def text(template, **values):
        return escape(str(template)) % values

    client = ""
    if event.client_id:
        name = names.clients.get(event.client_id)
        if name is None:
            client = escape(str(REMOVED_CLIENT))
        elif links:
            client = Markup('<a href="%s">%s</a>') % (
                url_for("clients.show", client_id=event.client_id), name)
        else:
            client = escape(name)
    object_user = ""
    if kind == "user":
        number = int(event.object_id) if (event.object_id or "").isdigit() else None
        object_user = escape(names.users.get(number) or str(UNKNOWN_USER))
    detail = event.detail or ""

    if action == Action.LOGIN.value:
        return text(SIGNED_IN_RECOVERY if detail == "with a recovery code" else VERBS[action])
    if action == Action.LOGIN_FAILED.value:
        if detail.startswith("throttled"):
            return text(THROTTLED)
        if object_user and event.object_id:
            return text(FAILED_AS, user=object_user)
        return text(VERBS[action])
    if action == Action.DENIED.value:
        return text(DENIED_CLIENT, client=client) if client else text(VERBS[action])
    if action in (Action.LOGIN_PENDING.value, Action.LOGOUT.value):
        return text(VERBS[action])
    if (action, kind) in SPECIAL:
        return text(SPECIAL[(action, kind)], client=client)

    values = dict(client=client, user=object_user)
    phrase = KINDS.get(kind, UNKNOWN_KIND)
    if kind in DATED_KINDS and (event.object_id or "").isdigit():
        on = names.meeting_dates.get(int(event.object_id))
        if on is not None:
            phrase, values["date"] = DATED_KINDS[kind], date_filter(on)
    if not client and "%(client)s" in str(phrase):
        values["client"] = escape(str(REMOVED_CLIENT))
    what = text(phrase, **values)
    if action == Action.PRINT.value and "distribution=1" in detail:
        return text(PRINTED_FOR_DISTRIBUTION, what=what)
    if action == Action.DISCLOSURE.value:
        recipients = _RECIPIENTS.search(detail)
        if recipients:
            return text(GAVE_TO, what=what, recipients=recipients.group(1).strip())
    return text(VERBS.get(action, VERBS[Action.UPDATE.value]), what=what)


def action_choices() -> list[tuple[str, str]]:
    """The actions for a filter: (code, label in the user's language)."""
    return [(code, str(label)) for code, label in ACTION_LABELS.items()]
