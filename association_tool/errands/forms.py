"""Forms for errands: the errand itself, what was agreed afterwards, and printing the checklist."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, FieldList, FormField, SelectField,
                     StringField, SubmitField, TextAreaField, TimeField)
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from ..forms import (AS_THE_CLIENT, AppForm, RowForm, activity_field, language_choices,
                     offer_activities, optional_id, sensible_date, strip, version_field)
from ..labels import choices
from ..models.errands import ERRAND_TYPES

TEXT_MAX = 4000


class CheckedDateField(DateField):
    """A date whose parse error is the app's own, translatable message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Write the date as day.month.year, for example 7.12.2026."))) from None


class CheckedTimeField(TimeField):
    """A time of day (hh:mm) whose parse error is the app's own, translatable message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Write the time as hours and minutes, for example 14:30."))) from None


def _user_choices(users, blank):
    from ..forms import role_choices

    roles = {role: str(name) for role, name in role_choices()}  # translated once, not per user
    return [(None, blank)] + [(u.id, f"{u.name} ({roles.get(u.role, u.role)})") for u in users]


class ErrandForm(AppForm):
    """An errand: what, where, when, with whom, what to bring and what to ask."""

    about = StringField(_l("What is the errand about"), filters=[strip],
                        description=_l("In the client's own words, for example: "
                                       "applying for housing allowance."),
                        validators=[InputRequired(message=_l("Write what the errand is about.")),
                                    Length(max=300)])
    type = SelectField(_l("Type of errand"), choices=[], validate_choice=False,
                       validators=[AnyOf(ERRAND_TYPES, message=_l("Choose the type of errand."))])
    on = CheckedDateField(_l("Date"), validators=[
        InputRequired(message=_l("Give the date of the errand.")), sensible_date])
    starts_at = CheckedTimeField(_l("Time"), validators=[Optional()])
    place = StringField(_l("Place"), filters=[strip],
                        description=_l("For example: Kela service point, Kuopio."),
                        validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), filters=[strip], validators=[Optional(), Length(max=300)])
    meet_whom = StringField(_l("Whom to meet"), filters=[strip],
                            validators=[Optional(), Length(max=200)])
    companion_id = SelectField(_l("Accompanied by"), coerce=optional_id, choices=[],
                               validate_choice=False)
    interpreter_needed = BooleanField(_l("An interpreter is needed"))
    things_to_bring = TextAreaField(
        _l("Things to bring"), filters=[strip],
        description=_l("One thing per line. Left empty, the usual list for this type of "
                       "errand is used."),
        validators=[Optional(), Length(max=TEXT_MAX)], render_kw={"rows": 6})
    questions = TextAreaField(
        _l("Questions the client wants to ask"), filters=[strip],
        description=_l("One question per line, in the client's own words."),
        validators=[Optional(), Length(max=TEXT_MAX)], render_kw={"rows": 4})
    activity_id = activity_field()
    version = version_field()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, companions=(), editing=False, activity=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_activities(self, keep=activity, blank=AS_THE_CLIENT)
        if not editing:
            del self.version
        else:  # the usual list fills only a new errand
            self.things_to_bring.description = _l("One thing per line.")
        self.type.choices = choices("errand_type", blank=_l("Choose…"))
        self.companion_id.choices = _user_choices(companions, _l("Nobody, or not decided yet"))

    def values(self) -> dict:
        """The errand fields as plain values (the activity only when there was one to choose)."""
        names = ["about", "type", "on", "starts_at", "place", "address", "meet_whom",
                 "companion_id", "interpreter_needed", "things_to_bring", "questions"]
        if self.activity_id is not None:
            names.append("activity_id")
        return {name: self[name].data for name in names}


class StepForm(RowForm):
    """One next step: what, who does it (a user or an outside party) and by when."""

    what = StringField(_l("What"), filters=[strip], validators=[Optional(), Length(max=300)])
    owner_id = SelectField(_l("Who does it"), coerce=optional_id, choices=[],
                           validate_choice=False)
    owner_party = StringField(_l("…or an outside party"), filters=[strip],
                              description=_l("For example: the client, or the social worker."),
                              validators=[Optional(), Length(max=200)])
    due_date = CheckedDateField(_l("By when"), validators=[Optional(), sensible_date])

    @property
    def used(self) -> bool:
        """Tell whether anything was written on this row."""
        return bool(self.what.data or self.owner_id.data is not None or self.owner_party.data
                    or self.due_date.data or self.due_date.raw_data and self.due_date.raw_data[0])


class OutcomeForm(AppForm):
    """Afterwards: what was agreed, and the next steps that become follow-up tasks."""

    agreed = TextAreaField(_l("What was agreed"), filters=[strip],
                           validators=[Optional(), Length(max=TEXT_MAX)], render_kw={"rows": 5})
    steps = FieldList(FormField(StepForm), min_entries=3, max_entries=10)
    version = version_field()
    submit = SubmitField(_l("Save what was agreed"))

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._owner_choices = _user_choices(owners, _l("An outside party"))
        for entry in self.steps:
            entry.form.owner_id.choices = self._owner_choices

    def validate(self, extra_validators=None):
        """Check the fields, then each next step that has anything written on it."""
        ok = super().validate(extra_validators)
        for entry in self.steps:
            step = entry.form
            if not step.used:
                continue
            if not step.what.data and not step.what.errors:
                step.what.errors.append(_l("Write what is to be done."))
                ok = False
            if step.owner_id.data is not None and step.owner_id.data not in {
                    value for value, _ in self._owner_choices}:
                step.owner_id.errors.append(_l("Choose someone from the list."))
                ok = False
            elif step.owner_id.data is not None and step.owner_party.data:
                step.owner_party.errors.append(
                    _l("Give either a user or an outside party, not both."))
                ok = False
            elif step.owner_id.data is None and not step.owner_party.data:
                step.owner_id.errors.append(_l("Choose who does this: a user or an outside party."))
                ok = False
        return ok

    def used_steps(self) -> list[dict]:
        """The filled-in next steps as plain values."""
        return [{"what": e.form.what.data, "owner_id": e.form.owner_id.data,
                 "owner_party": e.form.owner_party.data or None, "due_date": e.form.due_date.data}
                for e in self.steps if e.form.used]


class PrintForm(AppForm):
    """The checklist's language and print size (read from the query string)."""

    class Meta:
        csrf = False

    lang = SelectField(_l("Language of the checklist"), choices=[], validate_choice=False)
    large_print = BooleanField(_l("Large print"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lang.choices = language_choices()
