"""Forms for the contact agreement: its preferences and plans, its lines and its activation."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import AppForm, MultiCheckboxField, optional_id, strip, version_field
from ..labels import choices
from ..parties import PartyField, parse_party, party_choices, party_value
from ..timeutil import local_today


class HeaderForm(AppForm):
    """The client's own contact preferences and what is agreed beyond the lines."""

    made_on = DateField(_l("Made on"), default=local_today, validators=[DataRequired()])
    review_date = DateField(_l("Review date"), validators=[Optional()],
                            description=_l("A follow-up task is made for this date when the agreement comes into force."))
    preferred_channels = MultiCheckboxField(_l("How the client wants to be contacted"), choices=[])
    preferred_times = StringField(_l("When the client can be reached"), filters=[strip],
                                  validators=[Optional(), Length(max=300)])
    messages_may_say_topic = BooleanField(_l("Messages may say what they are about"))
    preferences_note = TextAreaField(_l("Other wishes of the client"), filters=[strip],
                                     validators=[Optional(), Length(max=2000)])
    if_condition_changes = TextAreaField(_l("What we do if the client's condition changes"), filters=[strip],
                                         validators=[Optional(), Length(max=4000)])
    follow_up_together = TextAreaField(_l("How we follow up the effects together"), filters=[strip],
                                       validators=[Optional(), Length(max=4000)])
    version = version_field()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.preferred_channels.choices = choices("client_channel")

    def fill_from(self, agreement) -> None:
        """Fill in what `obj=` cannot: the channels (stored as one comma-separated text), the version."""
        self.preferred_channels.data = agreement.channels
        self.version.data = str(agreement.row_version)

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "made_on", "review_date", "preferred_channels", "preferred_times",
            "messages_may_say_topic", "preferences_note", "if_condition_changes",
            "follow_up_together")}


class LineForm(AppForm):
    """One party of the agreement: who, which way, when, how and what may be shared."""

    party = PartyField(_l("Who"), description=_l(
        "Someone on the client's network, one of the association's workers, or an organisation or "
        "a contact person in the directory: one not yet on the network map is added there."))
    direction = RadioField(_l("Direction"), choices=[], default="both")
    when = MultiCheckboxField(_l("When"), choices=[])
    every_weeks = IntegerField(_l("Every how many weeks"), validators=[Optional(), NumberRange(1, 52)])
    not_heard_days = IntegerField(_l("Not heard from in how many days"),
                                  validators=[Optional(), NumberRange(1, 365)])
    how = MultiCheckboxField(_l("How"), choices=[])
    shares = MultiCheckboxField(_l("What may be shared"), choices=[])
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save the line"))

    def __init__(self, *args, members=(), users=(), organisations=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.party.choices = party_choices(members=members, users=users,
                                           organisations=organisations, people=people)
        self.direction.choices = choices("direction")
        self.when.choices = choices("contact_when")
        self.how.choices = choices("contact_how")
        self.shares.choices = choices("info_scope")

    def values(self) -> dict:
        party = parse_party(self.party.data)
        return dict({name: self[name].data for name in (
            "direction", "when", "every_weeks", "not_heard_days", "how", "shares", "note")},
            member_id=party.get("member"), user_id=party.get("user"),
            organisation_id=party.get("organisation"), contact_person_id=party.get("person"))

    def fill_from(self, line) -> None:
        self.party.data = party_value(member_id=line.member_id, user_id=line.user_id)
        self.direction.data = line.direction
        self.when.data, self.how.data, self.shares.data = line.when_list, line.how_list, line.share_list
        self.every_weeks.data, self.not_heard_days.data, self.note.data = (
            line.every_weeks, line.not_heard_days, line.note)


class ActivateForm(AppForm):
    """The client signed the agreement: it comes into force."""

    signed_on = DateField(_l("The client signed on"),
                          description=_l("The day the client signed the printed agreement."),
                          validators=[DataRequired(message=_l(
                              "Give the date the client signed the agreement."))])
    version = version_field()
    submit = SubmitField(_l("Put the agreement into force"))


class PrintForm(AppForm):
    """The language of the printed agreement."""

    class Meta:
        csrf = False

    lang = SelectField(_l("Language"), choices=[("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")])
    submit = SubmitField(_l("Print for signing (PDF)"))
