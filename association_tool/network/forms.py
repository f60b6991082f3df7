"""The form for a member of the client's network."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ..forms import AppForm, optional_id, strip, version_field
from ..labels import choices


class MemberForm(AppForm):
    """Who the member is, where they sit on the map and what they do for the client."""

    kind = RadioField(_l("Who is it?"), choices=[], default="private")
    contact_person_id = SelectField(_l("Contact person"), coerce=optional_id, choices=[],
                                    validators=[Optional()])
    organisation_id = SelectField(_l("Organisation"), coerce=optional_id, choices=[],
                                  validators=[Optional()])
    name = StringField(_l("Name"), filters=[strip], validators=[Optional(), Length(max=120)])
    relation = StringField(_l("Relation to the client"), filters=[strip],
                           description=_l("For example: sister, neighbour, friend from the group."),
                           validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[Optional(), Length(max=40)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    sector = SelectField(_l("Sector"), choices=[])
    ring = SelectField(_l("How close"), choices=[], default="middle")
    role_note = StringField(_l("Role for the client"), filters=[strip],
                            description=_l("What this person or service does for the client."),
                            validators=[Optional(), Length(max=300)])
    involved = BooleanField(_l("The client wants them involved"), default=True)
    version = version_field()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, people=(), organisations=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.version
        self.kind.choices = choices("member_kind")
        self.contact_person_id.choices = [(None, _l("Choose…"))] + [
            (p.id, f"{p.name} – {p.organisation.label}") for p in people]
        self.organisation_id.choices = [(None, _l("Choose…"))] + [(o.id, o.label) for o in organisations]
        self.sector.choices = choices("sector")
        self.ring.choices = choices("ring")

    def values(self) -> dict:
        """The member fields as plain values."""
        return {name: self[name].data for name in (
            "kind", "contact_person_id", "organisation_id", "name", "relation", "phone", "sector",
            "ring", "role_note", "involved")}
