"""Forms for network meetings: the plan, the minutes with their rows, addenda, approval, printing."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, FieldList, FormField, HiddenField, RadioField,
                     SelectField, StringField, SubmitField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, Length, Optional

from ..forms import (AppForm, MultiCheckboxField, RowForm, language_choices, optional_id, sensible_date,
                     strip, version_field)
from ..labels import choices
from ..timeutil import local_today
from .services import MAX_ROWS, TEXT_MAX


def content_choices():
    """The parts of the minutes that can be left out of the print, as (value, label) pairs."""
    return choices("minutes_content")


def row_id(value):
    """A row's hidden id: None for a new row, -1 for anything that is not an id."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 < number < 2**31 else -1


class PlanForm(AppForm):
    """Plan the meeting with the client: when and where, how, whom to invite, what to talk about."""

    meeting_date = DateField(_l("Date"), validators=[DataRequired(), sensible_date])
    start_time = TimeField(_l("Time"), validators=[Optional()])
    place = StringField(_l("Place"), filters=[strip],
                        description=_l("Give a place, a remote meeting link, or both."),
                        validators=[Optional(), Length(max=300)])
    remote_link = StringField(_l("Remote meeting link"), filters=[strip],
                              description=_l("An address that starts with https://"),
                              validators=[Optional(), Length(max=500)])
    method = SelectField(_l("Method"), choices=[], default="ordinary")
    convener_id = SelectField(_l("Convener"), coerce=optional_id, choices=[])
    support_person_wanted = BooleanField(_l("The client wants a support person at the meeting"))
    support_person = StringField(_l("Support person"), filters=[strip],
                                 description=_l("Who, if it is known."),
                                 validators=[Optional(), Length(max=200)])
    client_topics = TextAreaField(_l("What the client wants to talk about"), filters=[strip],
                                  description=_l("In the client's own words."),
                                  validators=[Optional(), Length(max=TEXT_MAX)])
    invite_members = MultiCheckboxField(_l("Invite from the client's network"), coerce=int,
                                        choices=[])
    invite_users = MultiCheckboxField(_l("Invite from the association"), coerce=int, choices=[])
    version = version_field()
    submit = SubmitField(_l("Save the plan"))

    def __init__(self, *args, members=(), users=(), conveners=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.version
        self.method.choices = choices("meeting_method")
        self.convener_id.choices = [(None, _l("Choose…"))] + [(u.id, u.name) for u in conveners]
        self.invite_members.choices = [
            (m.id, m.display_name + (f" – {m.subtitle}" if m.subtitle else "")) for m in members]
        self.invite_users.choices = [(u.id, u.name) for u in users]

    def values(self) -> dict:
        """The plan as plain values for the services."""
        return {name: self[name].data for name in (
            "meeting_date", "start_time", "place", "remote_link", "method", "convener_id",
            "support_person_wanted", "support_person", "client_topics", "invite_members",
            "invite_users")}


class ParticipantRow(RowForm):
    """One participant of the minutes: an invited one (with id) or someone added now."""

    id = HiddenField(filters=[row_id])
    name = StringField(_l("Name"), filters=[strip], validators=[Optional(), Length(max=200)])
    role = StringField(_l("Role"), filters=[strip], validators=[Optional(), Length(max=200)])
    organisation = StringField(_l("Organisation"), filters=[strip],
                               validators=[Optional(), Length(max=200)])
    presence = SelectField(_l("Took part"), choices=[], default="present")
    concerns = TextAreaField(_l("Concerns"), filters=[strip],
                             validators=[Optional(), Length(max=TEXT_MAX)])
    resources = TextAreaField(_l("Resources"), filters=[strip],
                              validators=[Optional(), Length(max=TEXT_MAX)])
    feedback = TextAreaField(_l("Their feedback on the meeting"), filters=[strip],
                             validators=[Optional(), Length(max=TEXT_MAX)])
    remove = BooleanField(_l("Remove from the minutes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.presence.choices = [(k, v) for k, v in choices("presence") if k != "invited"]


class ActionRow(RowForm):
    """One agreed action: who does what, with whom, by when."""

    id = HiddenField(filters=[row_id])
    owner_id = SelectField(_l("Who (a user of the association)"), coerce=optional_id, choices=[],
                           validate_choice=False)
    owner_party = StringField(_l("…or who (an outside party)"), filters=[strip],
                              validators=[Optional(), Length(max=200)])
    what = TextAreaField(_l("What"), filters=[strip], validators=[Optional(), Length(max=1000)])
    with_whom = StringField(_l("With whom"), filters=[strip], validators=[Optional(), Length(max=200)])
    due_date = DateField(_l("By when"), validators=[Optional(), sensible_date])
    remove = BooleanField(_l("Remove"))


class MinutesForm(AppForm):
    """The minutes of the meeting, in the order the meeting goes (see the seed's building blocks)."""

    client_present = BooleanField(_l("The client took part"), default=True)
    chair = StringField(_l("Chair"), filters=[strip], validators=[Optional(), Length(max=120)])
    note_taker = StringField(_l("Note-taker"), filters=[strip],
                             validators=[Optional(), Length(max=120)])
    why_gathered = TextAreaField(_l("Why we gathered, in the client's words"), filters=[strip],
                                 validators=[Optional(), Length(max=TEXT_MAX)])
    client_view = TextAreaField(_l("The client's own view and concerns"), filters=[strip],
                                validators=[Optional(), Length(max=TEXT_MAX)])
    participants = FieldList(FormField(ParticipantRow), max_entries=MAX_ROWS)
    actions = FieldList(FormField(ActionRow), max_entries=MAX_ROWS)
    responsible_person = StringField(_l("Responsible person"), filters=[strip],
                                     validators=[Optional(), Length(max=200)])
    backup_person = StringField(_l("Backup person"), filters=[strip],
                                validators=[Optional(), Length(max=200)])
    next_date = DateField(_l("Next meeting or follow-up date"),
                          validators=[Optional(), sensible_date])
    next_note = StringField(_l("Next meeting or follow-up: what and where"), filters=[strip],
                            validators=[Optional(), Length(max=300)])
    feedback = TextAreaField(_l("Feedback round"), filters=[strip],
                             description=_l("How the meeting felt to each participant."),
                             validators=[Optional(), Length(max=TEXT_MAX)])
    contents = MultiCheckboxField(
        _l("What the printed minutes contain"), choices=[],
        description=_l("Leave out what the parties on the distribution list need not get. The "
                       "joint plan tells of the client's progress: without it, a consent for the "
                       "general situation is enough to receive the minutes."))
    contains_health = BooleanField(
        _l("The minutes contain health information"),
        description=_l("Then only parties whose consent covers health information receive them."))
    version = version_field()
    submit = SubmitField(_l("Save the minutes"))

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_choices = [(None, _l("Choose…"))] + [(u.id, u.name) for u in owners]
        self.set_owner_choices()
        self.contents.choices = content_choices()

    def set_owner_choices(self) -> None:
        """Give every action row (also rows added later) the list of users."""
        for entry in self.actions:
            entry.form.owner_id.choices = self.owner_choices

    def values(self) -> dict:
        """The meeting's own fields as plain values."""
        return {name: self[name].data for name in (
            "client_present", "chair", "note_taker", "why_gathered", "client_view",
            "responsible_person", "backup_person", "next_date", "next_note", "feedback",
            "contains_health", "contents")}

    def rows(self, name: str) -> list[dict]:
        """The rows of `participants` or `actions` as plain dicts, in the form's order."""
        return [dict(entry.form.data, _where=entry.name) for entry in self[name]]


class ApproveForm(AppForm):
    """Approve the minutes as they are on the screen."""

    version = version_field()
    submit = SubmitField(_l("Approve the minutes"))


class AddendumForm(AppForm):
    """A correction or addition to approved minutes."""

    on = DateField(_l("Date"), default=local_today, validators=[DataRequired(), sensible_date])
    text = TextAreaField(_l("Addendum"), filters=[strip],
                         description=_l("The approved minutes stay as they are; this is shown and "
                                        "printed after them."),
                         validators=[DataRequired(), Length(max=TEXT_MAX)])
    submit = SubmitField(_l("Add the addendum"))


class PrintForm(AppForm):
    """The language of the printed minutes and what the print is for."""

    lang = SelectField(_l("Language of the minutes"), choices=[])
    purpose = RadioField(_l("The print is"), choices=[], default="distribution")
    large_print = BooleanField(_l("Large print"))
    submit = SubmitField(_l("Print the minutes (PDF)"))

    def __init__(self, *args, distribution=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.lang.choices = language_choices()
        if distribution:
            self.purpose.choices = [
                ("distribution", _l("for the parties on the distribution list")),
                ("own", _l("for the client and the association only"))]
        else:
            del self.purpose
