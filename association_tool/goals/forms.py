"""Forms for the client's goals: add and edit a goal, note progress, record a review."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import AppForm, sensible_date, strip, version_field
from functools import lru_cache

from ..labels import LABELS, choices
from ..models import ANSWERS
from ..timeutil import local_today

GOAL_TEXT_MAX = 1000
LONG_TEXT_MAX = 4000


def not_in_future(form, field):
    """Refuse a date that has not come yet: progress and reviews are recorded afterwards."""
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("The date cannot be in the future."))


def answer_field(label):
    """A yes / partly / no question of the review, answered by the client."""
    return RadioField(label, choices=choices("answer"), validate_choice=False,
                      validators=[InputRequired(message=_l("Choose one of the answers.")),
                                  AnyOf(ANSWERS, message=_l("Choose one of the answers."))])


def scope_ids(form, key: str):
    """Give the form's fields ids of their own, so that many forms fit on one page."""
    for field in form:
        field.id = f"{key}-{field.name}"
    return form


class GoalForm(AppForm):
    """Add a goal in the client's own words."""

    text = TextAreaField(_l("Goal in the client's own words"), filters=[strip],
                         description=_l("Write it the way the client says it."),
                         validators=[DataRequired(), Length(max=GOAL_TEXT_MAX)])
    term = SelectField(_l("Term"), choices=choices("term"), default="short")
    life_area = SelectField(_l("Life area"), choices=choices("life_area", blank=_l("Not chosen")),
                            default="")
    means = TextAreaField(_l("Means"), filters=[strip],
                          description=_l("How the goal is reached, and who does what."),
                          validators=[Optional(), Length(max=LONG_TEXT_MAX)])
    target_date = DateField(_l("Target date"), validators=[Optional(), sensible_date])
    review_date = DateField(_l("Review date"), validators=[Optional(), sensible_date])
    submit = SubmitField(_l("Add goal"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.term.choices = choices("term")
        self.life_area.choices = choices("life_area", blank=_l("Not chosen"))

    def goal_data(self) -> dict:
        """Return the goal's values as plain data for the services."""
        names = ["text", "term", "life_area", "means", "target_date", "review_date"]
        if "status" in self:
            names.append("status")
        return {name: self[name].data for name in names}


class GoalEditForm(GoalForm):
    """Change a goal, its status and dates; carries the version it was opened on."""

    status = SelectField(_l("Status"), choices=choices("goal_status"))
    version = version_field()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices("goal_status")

    def validate_version(self, field):
        """Refuse a version that is not a number: the form did not come from this page."""
        try:
            int(field.data)
        except (TypeError, ValueError):
            raise ValidationError(_l("The form was incomplete. Reload the page and try again."))


class ProgressForm(AppForm):
    """A step along the way."""

    on = DateField(_l("Date"), default=local_today,
                   validators=[DataRequired(), sensible_date, not_in_future])
    note = TextAreaField(_l("What happened"), filters=[strip],
                         description=_l("Small successes count."),
                         validators=[DataRequired(), Length(max=LONG_TEXT_MAX)])
    submit = SubmitField(_l("Save progress"))


class ReviewForm(AppForm):
    """A joint review of the goal with the client."""

    on = DateField(_l("Date of the review"), default=local_today,
                   validators=[DataRequired(), sensible_date, not_in_future])
    sufficient = answer_field(_l("Was the support sufficient?"))
    matched_needs = answer_field(_l("Did the support match the client's needs?"))
    matched_expectations = answer_field(_l("Did the support match the client's expectations?"))
    matched_goals = answer_field(_l("Did the support match the client's goals?"))
    client_comment = TextAreaField(_l("The client's own comment"), filters=[strip],
                                   validators=[Optional(), Length(max=LONG_TEXT_MAX)])
    next_review_date = DateField(_l("Next review date"),
                                 description=_l("Becomes the goal's review date."),
                                 validators=[Optional(), sensible_date])
    submit = SubmitField(_l("Save review"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sufficient", "matched_needs", "matched_expectations", "matched_goals"):
            self[name].choices = choices("answer")

    def validate_next_review_date(self, field):
        """The next review comes after this one."""
        if field.data is not None and self.on.data is not None and field.data < self.on.data:
            raise ValidationError(_l("The next review cannot be before this review."))

    def wellbeing_fields(self) -> list:
        """The client's own 0–10 ratings of the association's life areas (all optional)."""
        return [f for f in self if f.name.startswith(WELLBEING_PREFIX)]

    def wellbeing_scores(self) -> dict[str, int | None]:
        return {f.name[len(WELLBEING_PREFIX):]: (int(f.data) if f.data not in (None, "") else None)
                for f in self.wellbeing_fields()}


WELLBEING_PREFIX = "wellbeing_"
_WELLBEING_CHOICES = [("", "–")] + [(str(n), str(n)) for n in range(11)]


@lru_cache(maxsize=32)
def _review_form_class(areas: tuple[str, ...]):
    fields = {
        f"{WELLBEING_PREFIX}{area}": SelectField(
            LABELS["life_area"][area], choices=_WELLBEING_CHOICES, default="",
            validate_choice=False, validators=[Optional(), AnyOf(
                [value for value, _text in _WELLBEING_CHOICES],
                message=_l("Choose a number from 0 to 10, or leave it empty."))])
        for area in areas}
    return type("ReviewWithWellbeingForm", (ReviewForm,), fields)


def review_form(areas, **kwargs) -> ReviewForm:
    """The review form with a 0–10 rating for each of the association's wellbeing areas."""
    return _review_form_class(tuple(areas))(**kwargs)
