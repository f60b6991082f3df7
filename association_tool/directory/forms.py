"""Forms for organisations and their contact persons."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from ..forms import AppForm, strip, version_field
from ..labels import choices


class OrganisationForm(AppForm):
    """An organisation or a unit of one."""

    type = SelectField(_l("Type"), choices=[])
    name = StringField(_l("Organisation"), filters=[strip], validators=[DataRequired(), Length(max=200)],
                       description=_l("For example: Pohjois-Savon hyvinvointialue, Kela."))
    unit = StringField(_l("Unit"), filters=[strip], validators=[Optional(), Length(max=200)],
                       description=_l("For example: Aikuissosiaalityö, Kuopion palvelupiste."))
    address = StringField(_l("Address"), filters=[strip], validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[Optional(), Length(max=40)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), filters=[strip],
                        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
                        render_kw={"inputmode": "email", "autocapitalize": "none", "autocomplete": "off"})
    website = StringField(_l("Website"), filters=[strip],
                          validators=[Optional(), Length(max=300), URL(require_tld=True)])
    opening_hours = StringField(_l("Opening hours"), filters=[strip], validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Optional(), Length(max=2000)])
    version = version_field()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.version
        self.type.choices = choices("organisation_type")

    def values(self) -> dict:
        """The organisation fields as plain values."""
        return {name: self[name].data for name in ("type", "name", "unit", "address", "phone",
                                                    "email", "website", "opening_hours", "notes")}


class PersonForm(AppForm):
    """A contact person at an organisation."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Title"), filters=[strip], validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[Optional(), Length(max=40)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), filters=[strip],
                        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
                        render_kw={"inputmode": "email", "autocapitalize": "none", "autocomplete": "off"})
    is_liaison = BooleanField(_l("Named liaison of the two-way model"))
    version = version_field()
    submit = SubmitField(_l("Save contact person"))

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.version

    def values(self) -> dict:
        """The person fields as plain values."""
        return {name: self[name].data for name in ("name", "title", "phone", "email", "is_liaison")}


class DirectorySearchForm(AppForm):
    """Search of the directory (from the query string)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search by name, unit or contact person"), filters=[strip],
                    validators=[Optional(), Length(max=100)])
    type = SelectField(_l("Type"), choices=[], validators=[Optional()])
    archived = BooleanField(_l("Show archived too"))
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = choices("organisation_type", blank=_l("All types"))
