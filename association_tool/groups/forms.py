"""Forms of the groups, their sessions, helper hours and funded activities."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import AppForm, optional_id, sensible_date, strip, version_field
from ..models.groups import MAX_HEAD_COUNT
from .labels import BASIS_LABELS, HELPER_KIND_LABELS, KIND_LABELS



class ActivityForm(AppForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)],
                       description=_l("As the funder knows it, e.g. Polku-hanke."))


class ActivityEditForm(ActivityForm):
    archived = BooleanField(_l("No longer in use"))
    version = version_field()

    def values(self) -> dict:
        return {"name": self.name.data, "archived": bool(self.archived.data)}


class GroupForm(AppForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[(k, v) for k, v in KIND_LABELS.items()])
    activity_id = SelectField(_l("Funded activity"), choices=[], coerce=optional_id,
                              validate_choice=False, validators=[Optional()])
    archived = BooleanField(_l("No longer meets"))
    version = version_field()

    def __init__(self, *args, activity_choices=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity_id.choices = list(activity_choices)
        if not editing:
            del self.archived
            del self.version

    def values(self) -> dict:
        values = {"name": self.name.data, "kind": self.kind.data,
                  "activity_id": self.activity_id.data}
        if self.archived is not None:
            values["archived"] = bool(self.archived.data)
        return values


class SessionForm(AppForm):
    on = DateField(_l("Date"), validators=[InputRequired(), sensible_date])
    anonymous_count = IntegerField(
        _l("Others present, not named"), default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_HEAD_COUNT)],
        description=_l("A head count of those who took part without being named."))
    count_basis = SelectField(_l("The head count is"),
                              choices=[(k, v) for k, v in BASIS_LABELS.items()])
    version = version_field()

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.version

    def values(self) -> dict:
        return {"on": self.on.data, "anonymous_count": self.anonymous_count.data,
                "count_basis": self.count_basis.data}


class HoursForm(AppForm):
    user_id = SelectField(_l("Who"), choices=[], coerce=optional_id, validate_choice=False,
                          validators=[DataRequired()])
    kind = SelectField(_l("As"), choices=[(k, v) for k, v in HELPER_KIND_LABELS.items()],
                       description=_l("Unpaid work without an employment contract."))
    on = DateField(_l("Date"), validators=[InputRequired(), sensible_date])
    hours = DecimalField(_l("Hours"), places=2,
                         validators=[InputRequired(), NumberRange(min=Decimal("0.25"), max=24)],
                         description=_l("For example 2 or 1.5."))
    activity_id = SelectField(_l("Funded activity"), choices=[], coerce=optional_id,
                              validate_choice=False, validators=[Optional()])

    def __init__(self, *args, helper_choices=(), activity_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = list(helper_choices)
        self.activity_id.choices = list(activity_choices)

    def values(self) -> dict:
        return {"user_id": self.user_id.data, "kind": self.kind.data, "on": self.on.data,
                "minutes": int(round(self.hours.data * 60)), "activity_id": self.activity_id.data}
