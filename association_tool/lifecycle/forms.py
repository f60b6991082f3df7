"""Forms of the retention policy and the review of what is due."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from ..forms import AppForm

MAX_MONTHS = 1200  # a hundred years: anything longer is a typing mistake


class PolicyForm(AppForm):
    """How long data is kept, in months, and what the client's own copy includes."""

    client_months = IntegerField(
        _l("A client's data after the relationship ended (months)"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_MONTHS)],
        description=_l("After this the client is listed for anonymisation below."))
    anonymous_months = IntegerField(
        _l("Notes of anonymous contacts (months)"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_MONTHS)],
        description=_l("After this the note is emptied; the contact is still counted."))
    log_months = IntegerField(
        _l("The access log (months)"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_MONTHS)],
        description=_l("Kept longer than clients' data, so that it can be shown who handled "
                       "the data."))
    include_staff_only = BooleanField(
        _l("The client's own copy includes staff-only notes and social services notifications"))
    submit = SubmitField(_l("Save"))

    def validate_log_months(self, field):
        """The access log is kept at least as long as the data it tells about."""
        if field.data is not None and self.client_months.data is not None \
                and field.data < self.client_months.data:
            raise ValidationError(_l("Keep the access log at least as long as clients' data."))


def _ids(value: str) -> list[int]:
    return [int(part) for part in (value or "").split(",") if part.strip().isdigit()]


class AnonymiseForm(AppForm):
    """The clients chosen for anonymisation, and how many the confirmation named."""

    client_ids = HiddenField()
    count = HiddenField()
    confirm = SubmitField(_l("Anonymise"))

    @property
    def ids(self) -> list[int]:
        """The chosen clients' ids, each once."""
        return list(dict.fromkeys(_ids(self.client_ids.data)))


class ActionForm(AppForm):
    """An empty form that carries only the CSRF token, for one-click actions."""


class EraseForm(AppForm):
    """Erase a client on their request: the administrator confirms there is no reason to keep."""

    confirmed = BooleanField(
        _l("The client asked to be erased, and the association has no legal reason to keep "
           "the data"),
        validators=[InputRequired(message=_l("Tick this to confirm."))])
    submit = SubmitField(_l("Erase the client's data"))


DELETION_REASON_LABELS = {"duplicate": _l("A duplicate of another client"),
                          "test_record": _l("A test record, not a real client")}


class DeletionRequestForm(AppForm):
    """Ask to remove a record entered by mistake; another administrator approves."""

    reason = SelectField(_l("Why remove the record"),
                         choices=list(DELETION_REASON_LABELS.items()),
                         validators=[InputRequired()])
    submit = SubmitField(_l("Ask another administrator to approve"))
