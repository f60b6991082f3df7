"""Forms for administering users, settings and browsing the access log."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import (email_field, locale_field, name_field, new_password_fields, phone_field,
                     role_choices, strip, version_field)


class UserCreateForm(FlaskForm):
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


class UserEditForm(FlaskForm):
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


class PasswordResetForm(FlaskForm):
    """Set a new password for a user who has forgotten theirs."""

    password, password_confirm = new_password_fields()
    submit = SubmitField(_l("Set new password"))


class ActionForm(FlaskForm):
    """An empty form that carries only the CSRF token, for one-click actions."""


class SettingsForm(FlaskForm):
    """The association's own details."""

    association_name = StringField(_l("Name of the association"), filters=[strip],
                                   validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Save"))


class AuditFilterForm(FlaskForm):
    """Filters for browsing the access log (read from the query string)."""

    class Meta:
        csrf = False

    user = SelectField(_l("User"), choices=[], validators=[Optional()], validate_choice=False)
    action = SelectField(_l("Action"), choices=[], validators=[Optional()], validate_choice=False)
    client = IntegerField(_l("Client number"), validators=[Optional(), NumberRange(min=1, max=2**31)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    q = StringField(_l("Text"), filters=[strip], validators=[Optional(), Length(max=100)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])
