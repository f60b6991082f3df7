"""Form pieces shared by several screens."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (DateField, Form, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField,
                     TelField, widgets)
from wtforms.validators import (DataRequired, Email, EqualTo, Length, Optional, StopValidation,
                                ValidationError)

from sqlalchemy import or_, select

from .extensions import db
from .i18n import WTFORMS_TRANSLATIONS
from .models import Role
from .models.groups import FundedActivity
from .passwords import MAX_LENGTH, password_problems


# The dates a date field reads: what a browser's date picker sends, and the Finnish way of
# writing a date (7.12.2026), for a browser without a picker.
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class _KeepsParseError:
    """DataRequired for a date, except that a date that could not be read keeps its own message.

    (DataRequired alone replaces "write the date as 7.12.2026" with "this field is required".)
    """

    def __init__(self, required: DataRequired):
        self.required = required
        self.field_flags = required.field_flags

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()
        self.required(form, field)


class AppMeta:
    """What every form of the app shares, on top of WTForms' own.

    - A field's length limit is rendered as `data-maxlength`, never as `maxlength`: a browser
      cuts text at `maxlength` without a word (a pasted text simply ends). The server refuses
      over-long text with a message and keeps it; static/js/app.js shows a counter.
    - A date field without a format of its own also reads 7.12.2026 (DATE_FORMATS); a wrong
      date says that format (i18n.py) and the typed text stays in the field.
    - WTForms' messages in the user's language (i18n.py).
    """

    def bind_field(self, form, unbound_field, options):
        field_class = unbound_field.field_class
        if (issubclass(field_class, SelectField) and field_class.widget is SelectField.widget
                and "widget" not in unbound_field.kwargs):
            options = dict(options, widget=_SELECT)  # options written in one step (Select)
        if issubclass(unbound_field.field_class, DateField):
            kwargs = unbound_field.kwargs
            if "format" not in kwargs:
                options = dict(options, format=DATE_FORMATS)
            if kwargs.get("validators"):
                options = dict(options, validators=[
                    _KeepsParseError(v) if type(v) is DataRequired else v
                    for v in kwargs["validators"]])
        return super().bind_field(form, unbound_field, options)

    def render_field(self, field, render_kw):
        limit = getattr(field.flags, "maxlength", None)
        if limit:
            render_kw = dict(render_kw, maxlength=False, data_maxlength=limit)
        if isinstance(field, DateField) and field.data is None and any(field.raw_data or ()):
            # A date picker cannot show what it cannot read: the typed text stays visible.
            render_kw = dict(render_kw, type="text")
        return super().render_field(field, render_kw)

    def get_translations(self, form):
        return WTFORMS_TRANSLATIONS


class AppForm(FlaskForm):
    """The base of the app's forms: Flask-WTF's, with WTForms' messages translated from memory
    (i18n.py) and length limits that refuse rather than cut off (AppMeta)."""

    class Meta(AppMeta):
        pass


class RowForm(Form):
    """The base of a form's repeated rows (FieldList of FormField): as AppForm, without CSRF."""

    class Meta(AppMeta):
        pass


class Select(widgets.Select):
    """WTForms' select, writing a plain option in one step: the widget of every SelectField of
    the app's forms (AppMeta), where pickers list dozens of workers or organisations."""

    @classmethod
    def render_option(cls, value, label, selected, **kwargs):
        if kwargs:
            return super().render_option(value, label, selected, **kwargs)
        if value is True:
            value = "True"
        selected = "selected " if selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{escape(label)}</option>')


_SELECT = Select()

_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def strip(value):
    """Trim surrounding white space and drop control characters that no database can store.

    Line breaks are stored as a plain newline: browsers send CRLF, so text saved unchanged
    stays the same whichever way it was first written.
    """
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL).strip()


def optional_id(value):
    """Turn a select's value into a record id, None for the empty choice, -1 for junk."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # refused by the choices check


def role_choices():
    """Return the roles as (value, label) pairs in the user's language."""
    return [
        (Role.STAFF.value, _l("Staff member")),
        (Role.PEER.value, _l("Peer supporter (expert by experience)")),
        (Role.ADMIN.value, _l("Administrator")),
    ]


def role_name(role: str) -> str:
    """Name a role briefly, as the page header does next to the user's name."""
    names = {Role.STAFF.value: _l("Staff member"), Role.PEER.value: _l("Peer supporter"),
             Role.ADMIN.value: _l("Administrator")}
    return str(names.get(role, role))


def language_choices():
    """Return the interface languages, each named in its own language."""
    return [("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]


def name_field(label=None):
    """A person's name: required, at most 120 characters."""
    return StringField(label or _l("Name"), filters=[strip],
                       validators=[DataRequired(), Length(max=120)])


def email_field():
    """An e-mail address used to sign in."""
    return StringField(_l("E-mail"), filters=[strip],
                       validators=[DataRequired(), Length(max=254),
                                   Email(check_deliverability=False)],
                       render_kw={"autocomplete": "email", "inputmode": "email",
                                  "autocapitalize": "none"})


PHONE_MAX = 40
_PHONE_CHARACTERS = frozenset("0123456789 +-()")


def phone_number(form, field):
    """A phone number as people write it: digits, spaces, +, - and parentheses, a few digits."""
    value = field.data or ""
    if not set(value) <= _PHONE_CHARACTERS or sum(c.isdigit() for c in value) < 3:
        raise ValidationError(_l("Write the number with digits, spaces, +, - and parentheses "
                                 "only, for example 040 123 4567 or +358 40 123 4567."))


def phone_field(label=None, description=None):
    """An optional phone number, checked leniently."""
    return TelField(label or _l("Phone"), filters=[strip], description=description,
                    validators=[Optional(), Length(max=PHONE_MAX), phone_number],
                    render_kw={"autocomplete": "tel"})


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)


def sensible_date(form, field):
    """Refuse dates no record of the association can have, such as a mistyped year."""
    if field.data is not None and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(_l("Check the year of the date."))


class PolicyPassword:
    """Refuse passwords that the password policy does not accept."""

    def __init__(self, email_field_name="email", name_field_name="name"):
        self.email_field_name = email_field_name
        self.name_field_name = name_field_name

    def __call__(self, form, field):
        email = getattr(form, self.email_field_name, None)
        name = getattr(form, self.name_field_name, None)
        problems = password_problems(
            field.data or "",
            email=(email.data if email is not None else getattr(form, "context_email", "")) or "",
            name=(name.data if name is not None else getattr(form, "context_name", "")) or "",
        )
        if problems:
            raise ValidationError(str(problems[0]))


def new_password_fields():
    """A new password and its confirmation."""
    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A few unrelated words are easy to remember."),
        validators=[DataRequired(), Length(max=MAX_LENGTH), PolicyPassword()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(),
                                        EqualTo("password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    return password, confirm


def version_field():
    """The record version the form was opened on, for spotting concurrent edits."""
    return HiddenField(validators=[DataRequired()])


def version_of(form) -> int:
    """The record version a form was opened on; -1 (never a real version) when it is junk."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return -1


class StaleEdit(Exception):
    """The record changed after the form was opened."""


def check_version(record, version: int) -> None:
    """Refuse (StaleEdit) a change made on a form opened on another version of the record.

    The version is the record's SQLAlchemy version counter (`version`, `row_version`…).
    """
    from sqlalchemy import inspect

    mapper = inspect(record).mapper
    if getattr(record, mapper.get_property_by_column(mapper.version_id_col).key) != version:
        raise StaleEdit()


def save_versioned(form, save, *, current_version, stale_message, errors=(),
                   on_error=None) -> bool:
    """Run a save that checks the version the form was opened on, and commit it.

    `save(version)` does the change. When someone else saved first (StaleEdit from the service's
    `check_version`, or SQLAlchemy's StaleDataError) everything is rolled back, `stale_message`
    goes on the form and the record's `current_version()` into it, so that saving again works.
    One of the service's `errors` is rolled back and handed to `on_error(form, error)`. Return
    whether the save went through; the form keeps what the user typed either way.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from .extensions import db

    try:
        save(version_of(form))
        db.session.commit()
    except (StaleEdit, StaleDataError):
        db.session.rollback()
        form.form_errors.append(str(stale_message))
        form.version.data = str(current_version())
        return False
    except errors as error:
        db.session.rollback()
        on_error(form, error)
        return False
    return True


def locale_field():
    """The interface language."""
    return SelectField(_l("Language"), choices=language_choices(), default="fi")


# --- the funded activity a record is tagged to ----------------------------------------------------

def activity_choices(keep=None) -> list[tuple[int, str]]:
    """The funded activities in use, and `keep` (an id) even if no longer in use."""
    rows = db.session.execute(select(FundedActivity.id, FundedActivity.name).where(
        or_(FundedActivity.archived.is_(False), FundedActivity.id == keep))
        .order_by(FundedActivity.name)).all()
    return [(row.id, row.name) for row in rows]


# The empty choice of a client's contact or errand: it then counts under the client's activity.
AS_THE_CLIENT = _l("The client's activity")


def activity_field(**kwargs) -> SelectField:
    """The funded activity of a contact or an errand; without one, the client's counts."""
    return SelectField(_l("Funded activity"), coerce=optional_id, choices=[],
                       description=_l("For the funder's figures."), **kwargs)


def offer_activities(form, keep=None, blank=_l("None")) -> None:
    """Fill the form's activity choices, or take the field away when there is none to choose."""
    rows = activity_choices(keep)
    if rows:
        form.activity_id.choices = [(None, blank)] + rows
    else:
        del form.activity_id
