"""The parties a consent or a line of the contact agreement can name, as one list to choose from.

A party is a member of the client's network, one of the association's workers, or an
organisation or a contact person of the directory. The list groups them by kind (one
`<optgroup>` each); a choice travels as one value, "kind:id" (e.g. "person:12"), which
`parse_party` turns back into plain ids for the services. Directory entries already on the
client's network are offered once, as network members.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField
from wtforms.widgets import html_params

from .forms import Select

PARTY_KINDS = ("member", "user", "organisation", "person")


def party_value(*, member_id=None, user_id=None, organisation_id=None,
                contact_person_id=None) -> str | None:
    """The list value naming a party, or None when none is named."""
    for kind, value in (("member", member_id), ("user", user_id),
                        ("organisation", organisation_id), ("person", contact_person_id)):
        if value:
            return f"{kind}:{value}"
    return None


def parse_party(value) -> dict[str, int]:
    """{"member": 3} from "member:3"; {} for an empty or malformed value."""
    kind, _, number = str(value or "").partition(":")
    if kind not in PARTY_KINDS or not number.isdigit() or not 0 < int(number) < 2**31:
        return {}
    return {kind: int(number)}


def _member_label(member) -> str:
    return member.display_name + (f" – {member.subtitle}" if member.subtitle else "")


def _person_label(person) -> str:
    return " – ".join(p for p in (person.name, person.title, person.organisation.label) if p)


def party_choices(*, members=(), users=(), organisations=(), people=(),
                  blank=_l("Choose…")) -> dict:
    """The parties grouped by kind, for a `PartyField`; the first group (no label) is the blank.

    Organisations and contact persons already on the network (`members`) are left out of the
    directory groups: they are chosen as members, so that each party is in the list once.
    """
    on_map_people = {m.contact_person_id for m in members if m.kind == "person"}
    on_map_organisations = {m.organisation_id for m in members if m.kind == "organisation"}
    return {
        "": [("", blank)],
        _l("On the client's network"): [(f"member:{m.id}", _member_label(m)) for m in members],
        _l("The association's workers"): [(f"user:{u.id}", u.name) for u in users],
        _l("Organisations in the directory"): [
            (f"organisation:{o.id}", o.label) for o in organisations
            if o.id not in on_map_organisations],
        _l("Contact persons in the directory"): [
            (f"person:{p.id}", _person_label(p)) for p in people if p.id not in on_map_people],
    }


class GroupedSelect(Select):
    """A select whose unlabelled group is plain options (the blank) and whose empty groups are
    left out, so that a screen reader announces no empty group; options written in one step as
    the app's `Select` writes them."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if field.flags.required and "required" not in kwargs:
            kwargs["required"] = True
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for group, choices in field.iter_groups():
            options = [self.render_option(value, label, selected, **render_kw)
                       for value, label, selected, render_kw in choices]
            if not group:
                html.extend(options)
            elif options:
                html.append(f"<optgroup {html_params(label=group)}>")
                html.extend(options)
                html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))


class PartyField(SelectField):
    """One list of parties grouped by kind; its data is the "kind:id" value (None when empty).

    The value is not held to the list: the service decides whether the party may be named (a
    directory person chosen on a page opened before someone put them on the map is still that
    person), and says so next to the field when not.
    """

    widget = GroupedSelect()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", lambda value: value or None)
        kwargs.setdefault("choices", {})
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
