"""Forms for administering users, settings and browsing the access log."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..errands.services import LINE_MAX, MAX_LINES
from ..errands.texts import TYPE_LABELS
from ..forms import (AppForm, email_field, locale_field, name_field, new_password_fields,
                     phone_field, role_choices, strip, version_field)
from ..settings import (ASSOCIATION_ADDRESS, ASSOCIATION_HOURS, ASSOCIATION_PHONE,
                        MUNICIPALITIES_MAX, MUNICIPALITY_MAX, clean_municipalities)


class UserCreateForm(AppForm):
    """Add a user with a first password that they change at first sign-in."""

    name = name_field()
    email = email_field()
    phone = phone_field()
    role = SelectField(_l("Role"), choices=role_choices(), default="staff")
    locale = locale_field()
    password, password_confirm = new_password_fields()
    submit = SubmitField(_l("Add user"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class UserEditForm(AppForm):
    """Change a user's name, address, role and language."""

    name = name_field()
    email = email_field()
    phone = phone_field()
    role = SelectField(_l("Role"), choices=role_choices())
    locale = locale_field()
    version = version_field()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class PasswordResetForm(AppForm):
    """Set a new password for a user who has forgotten theirs."""

    password, password_confirm = new_password_fields()
    submit = SubmitField(_l("Set new password"))


class ActionForm(AppForm):
    """An empty form that carries only the CSRF token, for one-click actions."""


ADDRESS_MAX = 200
HOURS_LINES = 7
HOURS_LINE_MAX = 80


def _hours_lines(form, field):
    """At most HOURS_LINES lines of at most HOURS_LINE_MAX characters each."""
    lines = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
    if len(lines) > HOURS_LINES:
        raise ValidationError(_l("At most %(n)d lines.", n=HOURS_LINES))
    if any(len(line) > HOURS_LINE_MAX for line in lines):
        raise ValidationError(_l("A line can have at most %(n)d characters.", n=HOURS_LINE_MAX))


def _municipality_lines(form, field):
    """At most MUNICIPALITIES_MAX names of at most MUNICIPALITY_MAX characters each."""
    names = clean_municipalities(field.data)
    if len(names) > MUNICIPALITIES_MAX:
        raise ValidationError(_l("At most %(n)d lines.", n=MUNICIPALITIES_MAX))
    if any(len(name) > MUNICIPALITY_MAX for name in names):
        raise ValidationError(_l("A line can have at most %(n)d characters.", n=MUNICIPALITY_MAX))


class SettingsForm(AppForm):
    """The association's own details."""

    association_name = StringField(_l("Name of the association"), filters=[strip],
                                   validators=[DataRequired(), Length(max=200)])
    association_phone = phone_field(
        _l("Phone of the association"),
        _l("Printed on the documents for clients, such as the errand checklist, so that the "
           "client always has a number to call."))
    association_address = StringField(_l("Address of the association"), filters=[strip],
                                      validators=[Optional(), Length(max=ADDRESS_MAX)],
                                      render_kw={"autocomplete": "street-address"})
    association_hours = TextAreaField(
        _l("Opening hours"), filters=[strip], render_kw={"rows": 3},
        description=_l("One line for each, for example “Mon–Fri 9–15”. Printed as written."),
        validators=[Optional(), Length(max=HOURS_LINES * (HOURS_LINE_MAX + 2)), _hours_lines])
    municipalities = TextAreaField(
        _l("Municipalities"), filters=[strip], render_kw={"rows": 4},
        description=_l("One per line: the municipalities a client's record can name, for the "
                       "statistics. Left empty, no municipality is asked."),
        validators=[Optional(), Length(max=MUNICIPALITIES_MAX * (MUNICIPALITY_MAX + 2)),
                    _municipality_lines])
    submit = SubmitField(_l("Save"))

    def contact_values(self) -> dict[str, str]:
        """Return the contact details by their setting keys."""
        return {ASSOCIATION_PHONE: self.association_phone.data or "",
                ASSOCIATION_ADDRESS: self.association_address.data or "",
                ASSOCIATION_HOURS: self.association_hours.data or ""}


class TwoFactorPolicyForm(AppForm):
    """Whether staff members and administrators must use two-step sign-in."""

    require_two_factor = BooleanField(
        _l("Require two-step sign-in for staff members and administrators"),
        description=_l("At their next page view, those who have not set it up are sent to set "
                       "it up. Peer supporters may use it but are not required to."))
    submit = SubmitField(_l("Save"))


class LogoForm(AppForm):
    """Upload the association's logo for the PDF documents."""

    logo = FileField(_l("Logo"), description=_l("A PNG, JPEG or SVG picture of at most 200 kB. "
                                                "It is shown at the top of every PDF."))
    submit = SubmitField(_l("Upload the logo"))


def _few_short_lines(form, field):
    """At most MAX_LINES items of at most LINE_MAX characters each."""
    items = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
    if len(items) > MAX_LINES:
        raise ValidationError(_l("At most %(n)d lines.", n=MAX_LINES))
    if any(len(item) > LINE_MAX for item in items):
        raise ValidationError(_l("A line can have at most %(n)d characters.", n=LINE_MAX))


class ErrandDefaultsForm(AppForm):
    """The association's usual things to bring: one list per errand type, one thing per line."""

    submit = SubmitField(_l("Save"))

    def type_fields(self):
        """Return (errand type, its field) in the order of the errand types."""
        return [(errand_type, self[f"bring_{errand_type}"]) for errand_type in TYPE_LABELS]

    def values(self) -> dict[str, str]:
        """Return {errand type: its list as text}."""
        return {errand_type: field.data or "" for errand_type, field in self.type_fields()}


for _type, _label in TYPE_LABELS.items():
    setattr(ErrandDefaultsForm, f"bring_{_type}", TextAreaField(
        _label, filters=[strip], render_kw={"rows": 5},
        validators=[Optional(), Length(max=MAX_LINES * (LINE_MAX + 1)), _few_short_lines]))


class AuditFilterForm(AppForm):
    """Filters for browsing the access log (read from the query string)."""

    class Meta:
        csrf = False

    user = SelectField(_l("User"), choices=[], validators=[Optional()], validate_choice=False)
    action = SelectField(_l("Action"), choices=[], validators=[Optional()], validate_choice=False)
    client_name = StringField(_l("Client"), filters=[strip],
                              validators=[Optional(), Length(max=120)])
    # One client by number (kept for links into the log; the page shows the name field).
    client = IntegerField(_l("Client number"), validators=[Optional(), NumberRange(min=1, max=2**31)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    q = StringField(_l("Text"), filters=[strip], validators=[Optional(), Length(max=100)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])
