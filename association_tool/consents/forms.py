"""Forms for recording, withdrawing and replacing consents, and for notifications."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import AppForm, MultiCheckboxField, optional_id, strip
from ..parties import PartyField, parse_party, party_choices, party_value
from ..labels import choices
from ..timeutil import local_today


class ConsentForm(AppForm):
    """A consent as the client gave it: to whom, what, why, how and for how long."""

    kind = SelectField(_l("What the client allows"), choices=[], default="share")
    consent_to = PartyField(_l("Recipient"), validators=[Optional()],
                            description=_l("Someone on the client's network, or an organisation or "
                                           "a contact person in the directory. Not needed when the "
                                           "association may contact the client by a given channel."))
    covers_people = BooleanField(
        _l("The wording also covers the organisation's staff"), default=True,
        description=_l("Only for a consent to an organisation: then it also covers the "
                       "organisation's contact persons. Untick it if the wording names only the "
                       "organisation itself."))
    channel = SelectField(_l("Channel"), choices=[], validators=[Optional()],
                          description=_l("Only when the association may contact the client by a given channel."))
    information = MultiCheckboxField(_l("Information covered"), choices=[])
    health = BooleanField(_l("Health information"),
                          description=_l("Ticked separately: only when the client agrees to share health information."))
    purpose = TextAreaField(_l("Purpose"), filters=[strip],
                            description=_l("What the information is used for, e.g. planning housing support together."),
                            validators=[DataRequired(), Length(max=1000)])
    form = RadioField(_l("How the consent was given"), choices=[], default="written")
    matter = StringField(_l("The one matter an oral consent covers"), filters=[strip],
                         validators=[Optional(), Length(max=300)])
    given_on = DateField(_l("Given on"), default=local_today, validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()],
                            description=_l("Needed, unless you tick below that the consent is valid "
                                           "until the client relationship ends. An oral consent "
                                           "always needs its last day."))
    until_relationship_ends = BooleanField(_l("Valid until the client relationship ends"))
    wording = TextAreaField(_l("The exact wording shown or read to the client"), filters=[strip],
                            validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Record the consent"))

    def __init__(self, *args, members=(), organisations=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.valid_until.flags.conditional = True  # needed or not by the rule, never "Optional."
        self.kind.choices = choices("consent_kind")
        self.consent_to.choices = party_choices(members=members, organisations=organisations,
                                               people=people)
        self.channel.choices = choices("client_channel", blank=_l("Choose…"))
        self.information.choices = [c for c in choices("info_scope") if c[0] != "health"]
        self.form.choices = choices("consent_form")

    def values(self) -> dict:
        """The consent as plain values for the service."""
        scopes = list(self.information.data or [])
        if self.health.data:
            scopes.append("health")
        party = parse_party(self.consent_to.data)
        return dict(kind=self.kind.data, member_id=party.get("member"),
                    organisation_id=party.get("organisation"),
                    contact_person_id=party.get("person"), covers_people=self.covers_people.data,
                    channel=self.channel.data,
                    information=scopes, purpose=self.purpose.data, form=self.form.data,
                    matter=self.matter.data, given_on=self.given_on.data,
                    valid_until=self.valid_until.data,
                    until_relationship_ends=self.until_relationship_ends.data,
                    wording=self.wording.data)

    def fill_from(self, consent) -> None:
        """Start a replacement from the consent it replaces (the dates start afresh)."""
        for name in ("kind", "channel", "purpose", "form", "matter", "covers_people",
                     "until_relationship_ends", "wording"):
            self[name].data = getattr(consent, name)
        self.consent_to.data = party_value(member_id=consent.member_id,
                                          organisation_id=consent.organisation_id,
                                          contact_person_id=consent.contact_person_id)
        self.information.data = [s for s in consent.scopes if s != "health"]
        self.health.data = "health" in consent.scopes


class WithdrawForm(AppForm):
    """The client withdraws a consent: when, how they said it, who heard it."""

    withdrawn_on = DateField(_l("Withdrawn on"), default=local_today, validators=[DataRequired()])
    how = SelectField(_l("How the client said it"), choices=[])
    heard_by_id = SelectField(_l("Who heard it"), coerce=optional_id, choices=[])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Withdraw the consent"))

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.how.choices = choices("withdrawal_how")
        self.heard_by_id.choices = [(u.id, u.name) for u in users]


class NotificationForm(AppForm):
    """The path taken with a concern (Sosiaalihuoltolaki 35 §)."""

    path = RadioField(_l("What was done"), choices=[], default="guided")
    concern = TextAreaField(_l("The concern"), filters=[strip],
                            validators=[DataRequired(), Length(max=4000)])
    recipient = StringField(_l("To whom"), filters=[strip],
                            description=_l("The social services unit or person contacted."),
                            validators=[Optional(), Length(max=300)])
    consent_id = SelectField(_l("The consent it rests on"), coerce=optional_id, choices=[],
                             validators=[Optional()])
    reason_without_consent = TextAreaField(
        _l("Why without consent"), filters=[strip],
        description=_l("For example: a child's welfare or the person's immediate need for care."),
        validators=[Optional(), Length(max=2000)])
    made_on = DateField(_l("Date"), default=local_today, validators=[DataRequired()])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record"))

    def __init__(self, *args, consents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.path.choices = choices("notification_path")
        self.consent_id.choices = [(None, _l("Choose…"))] + [
            (c.id, f"{c.recipient_label} ({c.given_on.strftime('%d.%m.%Y')})") for c in consents]

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "path", "concern", "recipient", "consent_id", "reason_without_consent", "made_on", "note")}
