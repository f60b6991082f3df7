"""The period of the statistics: any two dates, or a year or a quarter picked from a link."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ..forms import AppForm, optional_id, sensible_date
from .suppression import MAX_THRESHOLD, MIN_THRESHOLD

MAX_DAYS = 5 * 366
LANGUAGES = (("fi", "suomi"), ("sv", "svenska"), ("en", "English"))


class StatsFilterForm(AppForm):
    """Read from the address (GET): changes nothing, so no CSRF token."""

    class Meta(AppForm.Meta):
        csrf = False

    start = DateField(_l("From"), validators=[Optional(), sensible_date],
                      render_kw={"required": True})
    end = DateField(_l("To"), validators=[Optional(), sensible_date],
                    render_kw={"required": True})
    activity = SelectField(_l("Funded activity"), choices=[], coerce=optional_id,
                           validate_choice=False, validators=[Optional()])
    lang = SelectField(_l("Language of the PDF"), choices=LANGUAGES, validators=[Optional()],
                       validate_choice=False)

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end cannot be before the start."))
            if (field.data - self.start.data).days > MAX_DAYS:
                raise ValidationError(_l("Choose a period of at most five years."))

    def __init__(self, *args, activity_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.activity.choices = list(activity_choices)

    def validate_activity(self, field):
        if field.data is not None and str(field.data) not in {c[0] for c in self.activity.choices}:
            raise ValidationError(_l("Choose an activity from the list."))

    def chosen_activity(self) -> int | None:
        return None if self.activity.errors else self.activity.data

    def validate_lang(self, field):
        if field.data and field.data not in dict(LANGUAGES):
            raise ValidationError(_l("Choose a language from the list."))

    def period_or_default(self, today: date) -> tuple[date, date]:
        """The chosen period, or this calendar year when nothing valid was chosen."""
        if self.start.data and self.end.data and not (self.start.errors or self.end.errors):
            return self.start.data, self.end.data
        return date(today.year, 1, 1), date(today.year, 12, 31)


class ThresholdForm(AppForm):
    """The smallest number of people a report shows as a number."""

    threshold = IntegerField(
        _l("Smallest number shown"),
        validators=[InputRequired(), NumberRange(min=MIN_THRESHOLD, max=MAX_THRESHOLD)],
        description=_l("Smaller numbers of people show as <N in statistics, and a further number "
                       "is hidden where a small one could be worked out. 5 is usual."))
