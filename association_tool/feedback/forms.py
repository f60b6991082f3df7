"""Forms of the feedback: the client's and the partner's questions, a paper answer typed in,
the switches, a partner link, the wellbeing ratings and the quality self-assessment."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, HiddenField, RadioField, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from ..forms import AppForm, sensible_date, strip
from ..labels import label
from ..models.feedback import FEEDBACK_TEXT_MAX, SCALE
from ..timeutil import local_today

SCALE_WORDS = {1: _l("Not at all"), 2: _l("A little"), 3: _l("Somewhat"), 4: _l("Quite a lot"),
               5: _l("Very much")}
PAPER_SOURCES = ("paper", "ending", "meeting", "referral")


def face_choices():
    """The scale's words; the pages draw a face beside each (templates/feedback/_face.html)."""
    return [(str(n), SCALE_WORDS[n]) for n in SCALE]


def scale_field(label_text):
    return RadioField(label_text, choices=face_choices(), validate_choice=False,
                      validators=[Optional(), AnyOf([str(n) for n in SCALE],
                                                    message=_l("Choose one of the faces."))])


def words_validators():
    return [Optional(), Length(max=FEEDBACK_TEXT_MAX, message=_l(
        "At most %(max)d characters, please: shorten the text a little."))]


class AtLeastOneAnswer:
    """A mixin: a feedback form sent with no answer at all is refused, with a message."""

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        given = [str(value or "").strip() for value in
                 (self.first.data, self.second.data, self.words.data)]
        if ok and not any(given):
            self.form_errors.append(_l("Answer at least one question."))
            return False
        return ok


class ClientFeedbackForm(AtLeastOneAnswer, AppForm):
    """The client's few questions, in plain language."""

    first = scale_field(_l("Did you get help?"))
    second = scale_field(_l("Were you treated well?"))
    words = TextAreaField(_l("What should we do differently? Anything else you want to say?"),
                          filters=[strip], validators=words_validators())
    submit = SubmitField(_l("Send"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first.choices = self.second.choices = face_choices()


class PartnerFeedbackForm(AtLeastOneAnswer, AppForm):
    """A partner's view of the cooperation; never about any one client."""

    first = scale_field(_l("Did the cooperation with us work?"))
    second = scale_field(_l("Did you get the information you needed, in time?"))
    words = TextAreaField(_l("What should we do differently?"), filters=[strip],
                          validators=words_validators())
    submit = SubmitField(_l("Send"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first.choices = self.second.choices = face_choices()


class PaperFeedbackForm(ClientFeedbackForm):
    """A client's answer given on paper or aloud, typed in by staff."""

    source = SelectField(_l("Where the answer was given"), validate_choice=False,
                         validators=[AnyOf(PAPER_SOURCES, message=_l("Choose from the list."))])
    received_on = DateField(_l("Date of the answer"), default=local_today,
                            validators=[DataRequired(), sensible_date])
    language = SelectField(_l("Language of the answer"), validate_choice=False,
                           choices=[("fi", "suomi"), ("sv", "svenska"), ("en", "English")],
                           validators=[AnyOf(("fi", "sv", "en"))])
    client_id = HiddenField()
    submit = SubmitField(_l("Save the answer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [(s, label("feedback_source", s)) for s in PAPER_SOURCES]

    def validate_received_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("The date cannot be in the future."))


class SwitchesForm(AppForm):
    kiosk = BooleanField(_l("Clients can give feedback on the drop-in centre's own device"))
    partner_links = BooleanField(_l("Staff can send partners a link to the partner questionnaire"))
    submit = SubmitField(_l("Save"))


class PartnerLinkForm(AppForm):
    label = StringField(_l("For whom (only for you to recognise the link)"), filters=[strip],
                        description=_l("For example the team, not a person's health details."),
                        validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Make a link"))


class CriterionForm(AppForm):
    text = TextAreaField(_l("Criterion"), filters=[strip],
                         validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Save the wording"))


class AssessmentPeriodForm(AppForm):
    """The period and who assessed; the scores come as score-<id> / note-<id> fields."""

    period_start = DateField(_l("Period from"), validators=[DataRequired(), sensible_date])
    period_end = DateField(_l("Period until"), validators=[DataRequired(), sensible_date])
    team = SelectField(_l("Who assessed"), validate_choice=False,
                       validators=[AnyOf(("team", "own"))])
    submit = SubmitField(_l("Save the assessment"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = [("team", _l("The team together")), ("own", _l("I, for my own work"))]

    def validate_period_end(self, field):
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError(_l("The period cannot end before it starts."))
