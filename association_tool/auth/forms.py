"""Forms for signing in, first-run setup and one's own account, two-step sign-in included."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..forms import (AppForm, email_field, locale_field, name_field, new_password_fields,
                     phone_field, strip)
from ..passwords import MAX_LENGTH


class LoginForm(AppForm):
    """Sign in with e-mail and password."""

    email = StringField(_l("E-mail"), filters=[strip], validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "inputmode": "email",
                                   "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class SetupForm(AppForm):
    """Name the association and create its first administrator."""

    association_name = StringField(_l("Name of the association"), filters=[strip],
                                   validators=[DataRequired(), Length(max=200)])
    name = name_field(_l("Your name"))
    email = email_field()
    password, password_confirm = new_password_fields()
    locale = locale_field()
    submit = SubmitField(_l("Create the administrator and start"))


class PasswordChangeForm(AppForm):
    """Change one's own password."""

    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
    password, password_confirm = new_password_fields()
    submit = SubmitField(_l("Change password"))


class PhoneForm(AppForm):
    """One's own phone number, and whether documents for clients may show it."""

    phone = phone_field(_l("Your phone number"),
                        _l("The number clients and colleagues can reach you at."))
    phone_on_documents = BooleanField(
        _l("Print my phone number on documents for clients"),
        description=_l("For example in the “Get in touch” box of the errand checklist. When it "
                       "is not printed, the client is given the association’s number."))
    submit = SubmitField(_l("Save phone number"))


class LanguageForm(AppForm):
    """Choose the interface language."""

    locale = locale_field()
    submit = SubmitField(_l("Save language"))


def _code_field(label, description=None):
    """A code from an authenticator app or a recovery code, as typed."""
    return StringField(label, filters=[strip], description=description,
                       validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none",
                                  "spellcheck": "false"})


class SecondStepForm(AppForm):
    """The second step of signing in: a code from the app or a recovery code."""

    code = _code_field(_l("Code"), _l("The 6-digit code shown by your authenticator app, or one "
                                      "of your recovery codes."))
    submit = SubmitField(_l("Continue"))


class TwoFactorStartForm(AppForm):
    """Begin setting up two-step sign-in: a new secret is made."""

    submit = SubmitField(_l("Set up two-step sign-in"))


class TwoFactorConfirmForm(AppForm):
    """Finish setting up two-step sign-in by typing the app's current code."""

    code = StringField(_l("Code from the app"), filters=[strip],
                       validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Turn on two-step sign-in"))


class RecoveryCodesForm(AppForm):
    """Make new recovery codes; the old ones stop working."""

    code = _code_field(_l("Current code"), _l("The 6-digit code shown by your authenticator app."))
    submit = SubmitField(_l("Make new recovery codes"))


class TwoFactorDisableForm(AppForm):
    """Turn off two-step sign-in: both the password and a code are needed."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    code = _code_field(_l("Current code"), _l("The 6-digit code shown by your authenticator "
                                              "app, or one of your recovery codes."))
    submit = SubmitField(_l("Turn off two-step sign-in"))
