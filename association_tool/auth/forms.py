"""Forms for signing in, first-run setup and one's own account."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..forms import email_field, locale_field, name_field, new_password_fields, strip
from ..passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    """Sign in with e-mail and password."""

    email = StringField(_l("E-mail"), filters=[strip], validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class SetupForm(FlaskForm):
    """Name the association and create its first administrator."""

    association_name = StringField(_l("Name of the association"), filters=[strip],
                                   validators=[DataRequired(), Length(max=200)])
    name = name_field(_l("Your name"))
    email = email_field()
    password, password_confirm = new_password_fields()
    locale = locale_field()
    submit = SubmitField(_l("Create the administrator and start"))


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
    password, password_confirm = new_password_fields()
    submit = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    """Choose the interface language."""

    locale = locale_field()
    submit = SubmitField(_l("Save language"))
