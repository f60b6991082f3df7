"""Forms for recording a client's contact and an anonymous contact."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import (AS_THE_CLIENT, AppForm, MultiCheckboxField, activity_field,
                     offer_activities, optional_id, strip, version_field)
from ..labels import choices
from ..timeutil import local_today
from .services import MINUTES_MAX, NOTE_MAX


def _not_in_future(form, field):
    """A contact has already happened."""
    if field.data and field.data > local_today():
        raise ValidationError(_l("The date cannot be in the future."))


def _minutes_in_range(form, field):
    """Minutes of one day at most; a value that was not a number already has its error."""
    if field.data is not None and not 0 <= field.data <= MINUTES_MAX:
        raise ValidationError(_l("Give minutes between 0 and 1440."))


def _minutes_field(**kwargs):
    return IntegerField(_l("Duration in minutes"), validators=[Optional(), _minutes_in_range],
                        render_kw={"inputmode": "numeric", "min": 0, "max": MINUTES_MAX}, **kwargs)


class ContactForm(AppForm):
    """A contact with a client: when, how, how long, who, what about."""

    on = DateField(_l("Date"), id="contact-on", default=local_today,
                   validators=[DataRequired(), _not_in_future])
    channel = SelectField(_l("Channel"), id="contact-channel", choices=[],
                          validators=[InputRequired()])
    minutes = _minutes_field(id="contact-minutes")
    worker_id = SelectField(_l("Worker"), id="contact-worker", coerce=optional_id, choices=[])
    peer_id = SelectField(_l("Peer supporter"), id="contact-peer", coerce=optional_id,
                          choices=[])
    topics = MultiCheckboxField(_l("Topics"), id="contact-topics", choices=[])
    note = TextAreaField(_l("Short note"), id="contact-note", filters=[strip],
                         description=_l("Only what is needed. At most 2000 characters."),
                         validators=[Optional(), Length(max=NOTE_MAX)])
    activity_id = activity_field(id="contact-activity")
    version = version_field()
    submit = SubmitField(_l("Record contact"))

    def __init__(self, *args, workers=(), peers=(), peer_fixed=False, editing=False,
                 activity=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_activities(self, keep=activity, blank=AS_THE_CLIENT)
        if editing:
            self.submit.label.text = _l("Save the correction")
        else:
            del self.version
        self.channel.choices = choices("contact_channel")
        self.worker_id.choices = [(None, _l("No worker"))] + [(w.id, w.name) for w in workers]
        self.peer_id.choices = [(None, _l("No peer supporter"))] + [(p.id, p.name) for p in peers]
        self.topics.choices = choices("life_area")
        if peer_fixed:
            # A peer supporter records their own contacts; the peer is set by the route.
            del self.peer_id

    def fill_from(self, contact) -> None:
        """Show the contact as stored (its topics are kept as one comma-separated text)."""
        self.on.data, self.channel.data, self.minutes.data = contact.on, contact.channel, contact.minutes
        self.worker_id.data, self.topics.data, self.note.data = (
            contact.worker_id, contact.topic_list, contact.note)
        if self.peer_id is not None:
            self.peer_id.data = contact.peer_id
        if self.activity_id is not None:
            self.activity_id.data = contact.activity_id
        self.version.data = str(contact.row_version)


class AnonymousContactForm(AppForm):
    """A contact counted without identity: no name and no note, only what statistics need."""

    on = DateField(_l("Date"), id="anon-on", default=local_today,
                   validators=[DataRequired(), _not_in_future])
    channel = SelectField(_l("Channel"), id="anon-channel", choices=[],
                          validators=[InputRequired()])
    minutes = _minutes_field(id="anon-minutes")
    age_group = SelectField(_l("Age group"), id="anon-age-group", choices=[], default="unknown")
    topics = MultiCheckboxField(_l("Topics"), id="anon-topics", choices=[])
    activity_id = activity_field(id="anon-activity")
    submit = SubmitField(_l("Count the contact"), id="anon-submit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_activities(self)
        self.channel.choices = choices("contact_channel")
        self.age_group.choices = choices("age_group")
        self.topics.choices = choices("life_area")
