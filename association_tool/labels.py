"""Translated labels for the stored code values, in one place for forms, pages and PDFs."""
from collections.abc import Mapping
from types import MappingProxyType

from flask_babel import lazy_gettext as _l

from .i18n import once_per_locale

LABELS = {
    "level": {
        "advice": _l("Advice and guidance"),
        "client_guidance": _l("Client guidance"),
        "intensive": _l("Intensive guidance"),
    },
    "client_status": {"active": _l("Active"), "paused": _l("Paused"), "ended": _l("Ended")},
    "language": {"fi": _l("Finnish"), "sv": _l("Swedish"), "en": _l("English"), "other": _l("Other language")},
    "contact_channel_pref": {
        "phone": _l("Phone call"), "text": _l("Text message"), "email": _l("E-mail"),
        "in_person": _l("In person at the drop-in centre"), "other": _l("Other"),
    },
    "referral": {
        "self": _l("Came on their own"), "sote": _l("Referred by a social or health service unit"),
        "association": _l("Referred by another association"), "other": _l("Other"),
    },
    "section": {
        "goals": _l("Goals"), "contacts": _l("Contacts"), "tasks": _l("Follow-up tasks"),
        "errands": _l("Errands"), "referrals": _l("Referrals"), "network": _l("Network"), "meetings": _l("Network meetings"),
        "agreement": _l("Contact agreement"), "contact_details": _l("Client's contact details"),
        "consents": _l("Consents"), "notifications": _l("Notifications"),
        "staff_notes": _l("Staff notes"), "ending": _l("Ending"), "peers": _l("Peer supporters"),
    },
    "life_area": {
        "housing": _l("Housing"), "money": _l("Money and debt"), "health": _l("Health"),
        "mental_health": _l("Mental health"), "substances": _l("Substance use"),
        "relationships": _l("Relationships and loneliness"), "daily_life": _l("Daily life"),
        "work_studies": _l("Work and studies"), "meaningful_activity": _l("Meaningful activity"),
        "other": _l("Other"),
    },
    "term": {"short": _l("Short term"), "long": _l("Long term")},
    "goal_status": {
        "open": _l("Open"), "in_progress": _l("In progress"), "achieved": _l("Achieved"),
        "changed": _l("Changed"), "dropped": _l("Dropped"),
    },
    "answer": {"yes": _l("Yes"), "partly": _l("Partly"), "no": _l("No")},
    "feedback_source": {
        "kiosk": _l("On the drop-in centre's device"), "paper": _l("On a paper form"),
        "ending": _l("At the ending"), "meeting": _l("After a network meeting"),
        "referral": _l("At a referral's follow-up"), "partner_link": _l("Partner questionnaire"),
    },
    "quality_dimension": {
        "encounter": _l("The encounter (client experience)"),
        "competence": _l("Professional competence (quality of the service)"),
        "cooperation": _l("Cooperation, structures and leadership (efficiency)"),
        "evaluation": _l("Follow-up, evaluation and development (effect)"),
    },
    "contact_channel": {
        "drop_in": _l("Drop-in visit"), "phone": _l("Phone"), "message": _l("Message or chat"),
        "home_visit": _l("Home visit"), "accompanied_errand": _l("Accompanied errand"),
        "group": _l("Group"), "network_meeting": _l("Network meeting"), "remote": _l("Remote meeting"),
    },
    "age_group": {
        "under_18": _l("Under 18"), "18_29": _l("18–29"), "30_44": _l("30–44"),
        "45_64": _l("45–64"), "65_plus": _l("65 or over"), "unknown": _l("Not known"),
    },
    "task_status": {"open": _l("Open"), "done": _l("Done"), "cancelled": _l("Cancelled")},
    "task_source": {
        "manual": _l("Added by hand"), "worker_change": _l("Change of worker"),
        "goal_review": _l("Goal review"), "meeting": _l("Network meeting"), "errand": _l("Errand"),
        "referral": _l("Referral"),
        "agreement": _l("Contact agreement"), "ending": _l("Ending"),
    },
    "end_reason": {
        "goals_reached": _l("Goals reached"), "moved_to_service": _l("Moved to another service"),
        "client_wish": _l("The client's wish"), "no_contact": _l("No contact for a long time"),
        "moved_away": _l("Moved away"), "deceased": _l("Died"), "other": _l("Other"),
    },
    "organisation_type": {
        "sote": _l("Wellbeing services county (sote) unit"), "kela": _l("Kela"),
        "employment": _l("Employment services"), "municipality": _l("Municipality"),
        "association": _l("Association"), "parish": _l("Parish"), "other": _l("Other"),
    },
    "sector": {
        "family": _l("Family and relatives"), "friends": _l("Friends and neighbours"),
        "services": _l("Public services and professionals"),
        "associations": _l("Associations, parishes and peers"), "other": _l("Other"),
    },
    "ring": {"inner": _l("Close"), "middle": _l("In between"), "outer": _l("Further away")},
    "member_kind": {
        "person": _l("A contact person from the directory"),
        "organisation": _l("An organisation from the directory"),
        "private": _l("A private person (relative, friend, neighbour…)"),
    },
}


def label(kind: str, value) -> str:
    """Return the translated label of a stored value, or the value itself when unknown."""
    if value is None or value == "":
        return ""
    return _label_in(kind, value)


@once_per_locale(maxsize=4096)
def _label_in(kind: str, value) -> str:
    """Translate a label once per locale: a list page asks for the same few labels many times."""
    return str(LABELS.get(kind, {}).get(value, value))


@once_per_locale(maxsize=256)
def labels_of(kind: str) -> Mapping[str, str]:
    """Return all labels of one kind in the user's language, for a loop that shows many."""
    # Read-only: the same mapping serves every request in this language.
    return MappingProxyType({value: str(text) for value, text in LABELS.get(kind, {}).items()})


def choices(kind: str, *, blank=None) -> list[tuple[str, str]]:
    """Return (value, label) pairs for a select field, optionally led by a blank choice."""
    pairs = [(value, text) for value, text in LABELS[kind].items()]
    return ([("", blank)] if blank is not None else []) + pairs


def add_labels(**kinds: dict) -> None:
    """Let a feature package register its own label kinds (each kind name must be new)."""
    for kind, values in kinds.items():
        if kind in LABELS:
            raise ValueError(f"label kind {kind!r} is already registered")
        LABELS[kind] = values
