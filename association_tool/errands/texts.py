"""The errand vocabulary: errand types, the usual things to bring, and their translations.

Things to bring are stored as plain lines (the worker may write anything). A line that is one
of the usual items in any of the app's languages is printed in the checklist's language, so
"Henkilöllisyystodistus" on a Swedish checklist reads "Identitetshandling".
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..labels import add_labels
from ..models.errands import ERRAND_TYPES

TYPE_LABELS = {
    "kela": _l("Kela"),
    "employment": _l("Employment services"),
    "social_office": _l("Social services office"),
    "health_centre": _l("Health centre"),
    "housing": _l("Housing"),
    "debt_counselling": _l("Debt counselling"),
    "bank": _l("Bank"),
    "other": _l("Other"),
}
assert tuple(TYPE_LABELS) == ERRAND_TYPES

BRING_ITEMS = {
    "id_card": _l("ID card"),
    "kela_card": _l("Kela card"),
    "invitation": _l("The invitation letter"),
    "decisions": _l("Earlier decisions"),
    "bank_statements": _l("Bank statements for the last 2 months"),
    "bills": _l("Bills and receipts"),
    "lease": _l("Lease"),
    "medicines": _l("List of medicines"),
}

# The usual list per errand type until an admin writes the association's own (admin settings).
BUILT_IN_DEFAULTS = {
    "kela": ("id_card", "kela_card", "invitation", "decisions", "bank_statements", "bills",
             "lease"),
    "employment": ("id_card", "invitation", "decisions"),
    "social_office": ("id_card", "invitation", "decisions", "bank_statements", "bills", "lease"),
    "health_centre": ("id_card", "kela_card", "invitation", "medicines"),
    "housing": ("id_card", "lease", "bank_statements", "decisions"),
    "debt_counselling": ("id_card", "bank_statements", "bills", "decisions", "lease"),
    "bank": ("id_card", "bank_statements", "bills"),
    "other": ("id_card",),
}

add_labels(errand_type=TYPE_LABELS, bring_item=BRING_ITEMS)

CHECKLIST_LANGUAGES = ("fi", "sv", "en")


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _known_items() -> dict[str, str]:
    """Map each usual item, as written in any app language, to its code."""
    known = {}
    for lang in CHECKLIST_LANGUAGES:
        with force_locale(lang):
            for code, text in BRING_ITEMS.items():
                known.setdefault(_key(str(text)), code)
    for code in BRING_ITEMS:  # the code itself and the English original always count
        known.setdefault(_key(code), code)
    return known


def localise_items(items: list[str], lang: str) -> list[str]:
    """Return the items with the usual ones written in `lang`; the rest as they were typed."""
    known = _known_items()
    out = []
    with force_locale(lang):
        for item in items:
            code = known.get(_key(item))
            out.append(str(BRING_ITEMS[code]) if code else item)
    return out


def checklist_language(client_language: str | None) -> str:
    """The checklist language for a client: theirs if the app has it, else Finnish."""
    return client_language if client_language in CHECKLIST_LANGUAGES else "fi"
