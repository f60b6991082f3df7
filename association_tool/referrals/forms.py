"""Forms for referrals: the referral, a step of its path, the follow-up call, a shared observation."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, RadioField, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from ..errands.forms import CheckedDateField
from ..forms import AppForm, MultiCheckboxField, optional_id, sensible_date, strip, version_field
from ..labels import choices
from ..models.referrals import (GOT_SERVICE, NEXT_STEPS, OBSTACLES, SHARING_HOWS,
                                SHARING_KINDS)
from ..timeutil import local_today
from . import texts  # noqa: F401  (registers the labels)

TEXT_MAX = 4000


def id_prefix(form, prefix: str) -> None:
    """Give the form's fields ids of their own, for a page that shows several such forms."""
    for field in form:
        field.id = f"{prefix}-{field.id}"
        field.label.field_id = field.id


def _text(label, description=None, required=None, max_length=TEXT_MAX):
    validators = ([InputRequired(message=required)] if required else [Optional()]) + [
        Length(max=max_length)]
    return TextAreaField(label, filters=[strip], description=description, validators=validators)


class ReferralForm(AppForm):
    """A referral out (to whom, why, how the handover happens) or in (from whom, first contact)."""

    target_kind = SelectField(_l("Where to"), choices=[], validate_choice=False,
                              validators=[Optional()])
    organisation_id = SelectField(_l("Organisation"), coerce=optional_id, choices=[],
                                  validate_choice=False)
    contact_person_id = SelectField(_l("Contact person"), coerce=optional_id, choices=[],
                                    validate_choice=False)
    reason = _text(_l("Why, in the client's own words"), required=_l("Write why, in the client's own words."))
    hopes = _text(_l("What the client hopes for"))
    handover = SelectField(_l("How the handover happens"), choices=[], validate_choice=False,
                           validators=[Optional()])
    handover_note = StringField(_l("About the handover"), filters=[strip],
                                description=_l("For example: the errand or meeting, the day and "
                                               "who goes along."),
                                validators=[Optional(), Length(max=300)])
    first_contact_on = CheckedDateField(_l("Agreed first contact"), validators=[Optional(), sensible_date])
    first_contact_note = StringField(_l("How the first contact was agreed"), filters=[strip],
                                     validators=[Optional(), Length(max=300)])
    told_by = StringField(_l("Who sent it, and their contact details"), filters=[strip],
                          validators=[Optional(), Length(max=200)])
    sent_on = CheckedDateField(_l("Date"), default=local_today,
                               validators=[InputRequired(message=_l("Give the date.")), sensible_date])
    follow_up_on = CheckedDateField(_l("Follow-up call on"), validators=[Optional(), sensible_date],
                                    description=_l("On this day a task asks how things went."))
    worker_id = SelectField(_l("Worker in charge"), coerce=optional_id, choices=[],
                            validate_choice=False)
    version = version_field()
    submit = SubmitField(_l("Save the referral"))

    def __init__(self, *args, direction="out", organisations=(), people=(), workers=(),
                 editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.direction = direction
        self.target_kind.choices = choices("referral_target", blank=_l("Choose…"))
        self.handover.choices = choices("handover", blank=_l("Choose…"))
        self.organisation_id.choices = [(None, _l("Choose…"))] + [(o.id, o.label) for o in organisations]
        self.contact_person_id.choices = [(None, _l("No one in particular"))] + [
            (p.id, f"{p.name}, {p.organisation.label}") for p in people]
        self.worker_id.choices = [(None, _l("Me"))] + [(u.id, u.name) for u in workers]
        if direction == "in":
            self.sent_on.label.text = _l("Received on")
        id_prefix(self, f"referral-{direction}")
        if not editing:
            self.version.validators = []

    def values(self) -> dict:
        """The referral's fields as plain values for the services."""
        names = ("target_kind", "organisation_id", "contact_person_id", "reason", "hopes",
                 "handover", "handover_note", "first_contact_on", "first_contact_note", "sent_on",
                 "follow_up_on", "worker_id")
        return {name: getattr(self, name).data for name in names}


class StepForm(AppForm):
    """A step of the referral's path, as the partner or the client told us."""

    state = SelectField(_l("What happened"), choices=[], validate_choice=False)
    on = CheckedDateField(_l("On"), default=local_today,
                          validators=[InputRequired(message=_l("Give the date of the step.")),
                                      sensible_date])
    told_by = StringField(_l("Who told us"), filters=[strip],
                          description=_l("For example: the partner's worker by phone, or the client."),
                          validators=[Optional(), Length(max=200)])
    reason = _text(_l("Why it was declined"))
    elsewhere = StringField(_l("Where else the client could go"), filters=[strip],
                            validators=[Optional(), Length(max=300)])
    first_meeting_on = CheckedDateField(_l("First meeting on"), validators=[Optional(), sensible_date])
    note = _text(_l("Note"))
    version = version_field()
    submit = SubmitField(_l("Record the step"))

    def __init__(self, *args, steps=(), direction="out", **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(choices("referral_step_in" if direction == "in" else "referral_step"))
        self.state.choices = [(s, labels[s]) for s in steps]
        id_prefix(self, "step")


class FollowUpForm(AppForm):
    """The follow-up call: did the client get the service, was it what they needed, what next."""

    got_service = RadioField(_l("Did the client get the service?"), choices=[],
                             validators=[AnyOf(GOT_SERVICE, message=_l("Choose whether the client "
                                                                       "got the service."))])
    rating = SelectField(_l("Was it what the client needed? (the client's own answer, 1–5)"),
                         coerce=optional_id, choices=[], validate_choice=False)
    client_words = _text(_l("In the client's own words"))
    obstacles = MultiCheckboxField(_l("What got in the way"), choices=[], validate_choice=False)
    obstacle_note = _text(_l("More about what got in the way"))
    next_step = RadioField(_l("What next"), choices=[],
                           validators=[AnyOf(NEXT_STEPS, message=_l("Choose what happens next."))])
    next_follow_up_on = CheckedDateField(_l("Next follow-up call on"),
                                         validators=[Optional(), sensible_date])
    answered_on = CheckedDateField(_l("Call made on"), default=local_today,
                                   validators=[InputRequired(message=_l("Give the date.")),
                                               sensible_date])
    version = version_field()
    submit = SubmitField(_l("Save the follow-up"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.got_service.choices = choices("got_service")
        self.next_step.choices = choices("follow_up_next")
        self.obstacles.choices = choices("obstacle")
        self.rating.choices = [(None, _l("Not answered"))] + [(n, str(n)) for n in range(1, 6)]
        id_prefix(self, "follow-up")

    def validate_rating(self, field):
        if field.data is not None and field.data not in range(1, 6):
            from wtforms.validators import ValidationError

            raise ValidationError(_l("Choose a number from 1 to 5, or leave it empty."))

    def validate_obstacles(self, field):
        if set(field.data or ()) - set(OBSTACLES):
            from wtforms.validators import ValidationError

            raise ValidationError(_l("Choose from the list."))


class ObservationForm(AppForm):
    """An observation, call or message shared with a partner, with the client's knowledge."""

    kind = SelectField(_l("What was shared"), choices=[], validate_choice=False,
                       validators=[AnyOf(SHARING_KINDS, message=_l("Choose what was shared."))])
    organisation_id = SelectField(_l("With whom"), coerce=optional_id, choices=[],
                                  validate_choice=False)
    what = _text(_l("What was told"), required=_l("Write what was shared."))
    information = MultiCheckboxField(_l("Information shared"), choices=[], validate_choice=False)
    how = SelectField(_l("How"), choices=[], validate_choice=False,
                      validators=[AnyOf(SHARING_HOWS, message=_l("Choose how it was shared."))])
    client_knows = BooleanField(_l("The client knows of it"))
    on = CheckedDateField(_l("On"), default=local_today,
                          validators=[InputRequired(message=_l("Give the date.")), sensible_date])
    submit = SubmitField(_l("Record what was shared"))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("sharing_kind")
        self.how.choices = choices("sharing_how")
        self.information.choices = choices("info_scope")
        self.organisation_id.choices = [(None, _l("Choose…"))] + [(o.id, o.label) for o in organisations]
        id_prefix(self, "shared")
