"""Forms for the client's details, peer pairings and the ending of the relationship."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import (AnyOf, DataRequired, Email, Length, NumberRange, Optional,
                                ValidationError)

from ..forms import (AppForm, MultiCheckboxField, Select, activity_choices, optional_id, strip,
                     version_field)
from ..i18n import once_per_locale
from ..labels import LABELS, choices
from ..models.clients import PAIRING_CHOICES, STAFF_ONLY_SECTIONS
from ..timeutil import local_today
from .services import ENDING_FIELDS, TASK_CHOICES, ending_parties


class ClientForm(AppForm):
    """A client's details; a nickname alone is enough."""

    display_name = StringField(_l("Name or nickname"), filters=[strip],
                               description=_l("The name the client wants to be called by. A nickname is fine."),
                               validators=[DataRequired(), Length(max=120)])
    full_name = StringField(_l("Full name"), filters=[strip], validators=[Optional(), Length(max=200)])
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional()],
                              description=_l("Only for age-group statistics."))
    municipality = SelectField(_l("Municipality"), choices=[],
                               description=_l("Where the client lives, for the statistics."))
    phone = StringField(_l("Phone"), filters=[strip], validators=[Optional(), Length(max=40)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), filters=[strip],
                        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
                        render_kw={"inputmode": "email", "autocapitalize": "none", "autocomplete": "off"})
    language = SelectField(_l("Preferred language"), choices=[])
    language_other = StringField(_l("Other language"), filters=[strip],
                                 validators=[Optional(), Length(max=60)])
    interpreter_needed = BooleanField(_l("Needs an interpreter"))
    plain_language = BooleanField(_l("Prefers plain language (selkokieli)"))
    contact_channel = SelectField(_l("Preferred way to keep in touch"), choices=[],
                                  validators=[Optional()])
    contact_notes = TextAreaField(_l("Notes on keeping in touch"), filters=[strip],
                                  validators=[Optional(), Length(max=1000)])
    level = SelectField(_l("Level of service guidance"), choices=[])
    status = SelectField(_l("Status"), choices=[])
    start_date = DateField(_l("Start date"), default=local_today, validators=[DataRequired()])
    referral_source = SelectField(_l("How they came to us"), choices=[])
    referral_note = StringField(_l("Who referred them"), filters=[strip],
                                validators=[Optional(), Length(max=300)])
    activity_id = SelectField(_l("Funded activity"), coerce=optional_id, choices=[],
                              description=_l("For the funder's figures, e.g. a project the "
                                             "client takes part in."))
    responsible_id = SelectField(_l("Responsible worker"), coerce=optional_id, choices=[],
                                 validate_choice=True)
    backup_id = SelectField(_l("Backup worker"), coerce=optional_id, choices=[])
    staff_notes = TextAreaField(_l("Staff notes"), filters=[strip],
                                description=_l("Seen only by staff, never by peer supporters."),
                                validators=[Optional(), Length(max=5000)])
    confirm_over_cap = BooleanField(_l("Yes, the worker takes on more than 40 intensive clients"))
    confirm_same_name = BooleanField(_l("Yes, this is another person: add a new client"))
    # A new client's form carries a one-time key: the same form sent again adds nobody twice.
    form_key = HiddenField(filters=[lambda v: v if isinstance(v, str) and len(v) <= 64 else None])
    version = version_field()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, workers=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.version
        else:
            del self.form_key
            del self.confirm_same_name
        self.language.choices = choices("language")
        self.contact_channel.choices = choices("contact_channel_pref", blank=_l("Not decided"))
        self.level.choices = choices("level")
        self.status.choices = [c for c in choices("client_status") if c[0] != "ended" or
                               (kwargs.get("obj") is not None and kwargs["obj"].status == "ended")]
        self.referral_source.choices = choices("referral")
        self.activity_id.choices = [(None, _l("None"))] + activity_choices(
            getattr(kwargs.get("obj"), "activity_id", None))
        places = municipality_choices(getattr(kwargs.get("obj"), "municipality", None))
        if places:
            self.municipality.choices = [("", _l("Not recorded"))] + [(p, p) for p in places]
        else:  # the association keeps no list: nothing to ask
            del self.municipality
        people = [(None, _l("Nobody yet"))] + [(w.id, w.name) for w in workers]
        self.responsible_id.choices = people
        self.backup_id.choices = people

    def validate_birth_year(self, field):
        if field.data is not None and not 1900 <= field.data <= local_today().year:
            raise ValidationError(_l("Give a year between 1900 and this year."))

    def validate_backup_id(self, field):
        if field.data and field.data == self.responsible_id.data:
            raise ValidationError(_l("The backup must be someone other than the responsible worker."))

    def values(self) -> dict:
        """The client fields as plain values for the services."""
        skip = {"submit", "csrf_token", "confirm_over_cap", "confirm_same_name", "form_key",
                "version"}
        return {name: field.data for name, field in self._fields.items() if name not in skip}


def municipality_choices(keep: str | None = None) -> list[str]:
    """The association's municipalities, and the client's own even if taken off the list."""
    from ..settings import municipalities

    places = municipalities()
    if keep and keep not in places:
        places.append(keep)
    return places


def peer_section_choices():
    """The sections a client may open to a peer supporter."""
    return [(k, v) for k, v in LABELS["section"].items() if k not in STAFF_ONLY_SECTIONS
            and k not in ("consents", "notifications", "staff_notes")]


class PairingForm(AppForm):
    """Pair a peer supporter with the client, with what the client allows them to see."""

    peer_id = SelectField(_l("Peer supporter"), coerce=optional_id, choices=[])
    sections = MultiCheckboxField(_l("What the peer supporter may see"), choices=[])
    agreed_on = DateField(_l("The client agreed on"), default=local_today, validators=[DataRequired()])
    agreed_how = StringField(_l("How the client agreed"), filters=[strip],
                             description=_l("For example: orally at the drop-in centre, in writing."),
                             validators=[DataRequired(), Length(max=300)])
    ends_on = DateField(_l("Valid until"), validators=[Optional()],
                        description=_l("Leave empty if there is no end date."))
    submit = SubmitField(_l("Save pairing"))

    def __init__(self, *args, peers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.peer_id.choices = [(p.id, p.name) for p in peers]
        self.sections.choices = peer_section_choices()

    def fill_from(self, pairing) -> None:
        """Show a pairing as it is (its sections are kept as one comma-separated text)."""
        self.peer_id.data, self.sections.data = pairing.peer_id, pairing.section_list
        self.agreed_on.data, self.agreed_how.data, self.ends_on.data = (
            pairing.agreed_on, pairing.agreed_how, pairing.ends_on)

    def validate_ends_on(self, field):
        if field.data and self.agreed_on.data and field.data < self.agreed_on.data:
            raise ValidationError(_l("The end date cannot be before the date of agreement."))


class EndingForm(AppForm):
    """End the client relationship: evaluation, continuation plan, whom to contact, and what
    becomes of the work around it (open tasks, peer pairings, the parties told of the ending).

    Build it with `ending_form`, which adds a choice for each open task and peer pairing.
    """

    end_date = DateField(_l("End date"), default=local_today, validators=[DataRequired()])
    reason = SelectField(_l("Reason"), choices=[])
    final_evaluation = TextAreaField(_l("Final evaluation together with the client"), filters=[strip],
                                     validators=[Optional(), Length(max=5000)])
    continuation_plan = TextAreaField(_l("Continuation plan"), filters=[strip],
                                      validators=[Optional(), Length(max=5000)])
    contact_if_difficulties = TextAreaField(_l("Whom to contact if difficulties return"),
                                            filters=[strip], validators=[Optional(), Length(max=2000)])
    follow_up_date = DateField(_l("Follow-up date"), validators=[Optional()],
                               description=_l("A follow-up task is created for this date."))
    informed = MultiCheckboxField(
        _l("Partners informed"), coerce=int, choices=[], validate_choice=False,
        description=_l("Only a party with a consent in force to share the client's general "
                       "situation can be told. Each telling is recorded in the access log."))
    warm_handover = TextAreaField(_l("Warm handover to another service"), filters=[strip],
                                  validators=[Optional(), Length(max=2000)])
    tasks_all = RadioField(_l("Open follow-up tasks"), choices=[], validate_choice=False)
    # The client's own answer at the ending, besides the worker's evaluation (all optional).
    client_got_help = RadioField(_l("Did you get help? (the client's own answer)"), choices=[],
                                 validate_choice=False, validators=[Optional(), AnyOf(
                                     ["1", "2", "3", "4", "5"],
                                     message=_l("Choose one of the faces."))])
    client_words = TextAreaField(_l("What should we do differently? (the client's own words)"),
                                 filters=[strip], validators=[Optional(), Length(max=1000)])
    client_feedback_linked = BooleanField(
        _l("The client wants their answer linked to them (otherwise it is saved without a name)"))
    submit = SubmitField(_l("End the client relationship"))

    task_ids: tuple = ()
    pairing_ids: tuple = ()

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.reason.choices = choices("end_reason")
        self.tasks_all.choices = [("each", _l("Choose for each task")),
                                  ("close", _l("Close them all")), ("keep", _l("Keep them all open"))]
        from ..feedback.forms import face_choices

        self.client_got_help.choices = face_choices()

    def validate_follow_up_date(self, field):
        if field.data and self.end_date.data and field.data < self.end_date.data:
            raise ValidationError(_l("The follow-up date cannot be before the end date."))

    def validate_tasks_all(self, field):
        if self.task_ids and field.data not in ("each",) + TASK_CHOICES:
            raise ValidationError(_l("Choose what becomes of the open tasks."))

    def validate_informed(self, field):
        """Refuse a party that has no consent in force on the end date, saying why."""
        if not field.data or self.client is None:
            return
        on = self.end_date.data or local_today()
        checks = {check.member.id: check for check in ending_parties(self.client, on)}
        problems = []
        for member_id in field.data:
            check = checks.get(member_id)
            if check is None:
                problems.append(_l("Choose parties on the client's network map."))
            elif not check.ok:
                problems.append(_l("%(party)s cannot be told: %(reason)s", party=check.label,
                                   reason=consent_reason(check.reason, check.when)))
        if problems:
            raise ValidationError(" ".join(str(p) for p in dict.fromkeys(problems)))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.tasks_all.data == "each":
            for task_id in self.task_ids:
                field = self[f"task_{task_id}"]
                if field.data not in TASK_CHOICES:
                    field.errors = list(field.errors) + [_l("Close the task or keep it open.")]
                    ok = False
        for pairing_id in self.pairing_ids:
            field = self[f"pairing_{pairing_id}"]
            if field.data not in PAIRING_CHOICES:
                field.errors = list(field.errors) + [
                    _l("Choose whether the pairing ends or continues.")]
                ok = False
        return ok

    def task_choices(self) -> dict[int, str]:
        """Each open task's fate, from the choice for all of them or for each."""
        every = self.tasks_all.data
        return {task_id: every if every in TASK_CHOICES else self[f"task_{task_id}"].data
                for task_id in self.task_ids}

    def pairing_choices(self) -> dict[int, str]:
        return {pairing_id: self[f"pairing_{pairing_id}"].data for pairing_id in self.pairing_ids}

    def values(self) -> dict:
        """The ending's own fields as plain values for the services."""
        return {name: self[name].data for name in ENDING_FIELDS}

    def client_feedback(self) -> dict | None:
        """The client's own answer as plain values, or None when they gave none."""
        got_help = (self.client_got_help.data or "").strip()
        words = self.client_words.data or ""
        if not got_help and not words:
            return None
        return {"first": got_help or None, "words": words,
                "linked": bool(self.client_feedback_linked.data)}


def consent_reason(reason: str | None, when=None) -> str:
    """Say on screen why a party may not be told (the codes of consents.services.why_not)."""
    from flask_babel import gettext as _

    from ..i18n import date_filter

    day = date_filter(when)
    texts = {
        "none": _("No consent to share information with them."),
        "withdrawn": _("The consent was withdrawn on %(date)s.", date=day),
        "expired": _("The consent ended on %(date)s.", date=day),
        "superseded": _("The consent was replaced on %(date)s.", date=day),
        "pending": _("The consent is in force only from %(date)s.", date=day),
        "oral": _("There is only an oral consent, for one matter."),
        "scope": _("The consent does not cover their general situation."),
    }
    return texts.get(reason, texts["none"])


def ending_form(client, tasks=(), pairings=(), **kwargs) -> EndingForm:
    """The ending form with a close-or-keep choice for each open task and an end-or-continue
    choice for each peer pairing that would go on (neither chosen beforehand)."""

    class Form(EndingForm):
        pass

    for task in tasks:
        setattr(Form, f"task_{task.id}", RadioField(
            task.title, choices=[("close", _l("Close the task")), ("keep", _l("Keep it open"))],
            validate_choice=False, validators=[Optional()]))
    for pairing in pairings:
        setattr(Form, f"pairing_{pairing.id}", RadioField(
            pairing.peer.name, validate_choice=False, validators=[Optional()],
            choices=[("end", _l("The pairing ends on the end date")),
                     ("continue", _l("The pairing continues"))]))
    Form.task_ids = tuple(task.id for task in tasks)
    Form.pairing_ids = tuple(pairing.id for pairing in pairings)
    form = Form(client=client, **kwargs)
    form.tasks = list(tasks)
    form.pairings = list(pairings)
    return form


class ClientSearchForm(AppForm):
    """Search, filters and sorting of the client list (from the query string)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search by name"), filters=[strip], validators=[Optional(), Length(max=100)])
    mine = BooleanField(_l("Only my clients"))
    level = SelectField(_l("Level"), choices=[], validators=[Optional()], widget=Select())
    status = SelectField(_l("Status"), choices=[], validators=[Optional()], widget=Select())
    worker = SelectField(_l("Worker"), choices=[], validators=[Optional()], widget=Select())
    worker_name = StringField(_l("Worker"), filters=[strip],
                              validators=[Optional(), Length(max=120)],
                              description=_l("Part of the worker's name."))
    sort = SelectField(_l("Sort by"), choices=[], validators=[Optional()], widget=Select())
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        fixed = _filter_choices()
        self.level.choices, self.status.choices, self.sort.choices = (
            fixed["level"], fixed["status"], fixed["sort"])
        if workers is None:  # too many workers to list: a part of the name is typed instead
            del self.worker
        else:
            del self.worker_name
            self.worker.choices = fixed["worker"] + [(str(w.id), w.name) for w in workers]


@once_per_locale(maxsize=8)
def _filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The client list's fixed filter choices, translated once per language (the list is the
    most visited page, and each translation looked up anew costs as much as a row)."""
    def translate(pairs):
        return [(value, str(text)) for value, text in pairs]

    return {
        "level": translate(choices("level", blank=_l("All levels"))),
        "status": translate([("", _l("Active and paused")), ("active", _l("Active")),
                             ("paused", _l("Paused")), ("ended", _l("Ended")), ("all", _l("All"))]),
        "worker": translate([("", _l("All workers"))]),
        "sort": translate([("name", _l("Name")), ("-start", _l("Newest first")),
                           ("start", _l("Oldest first")), ("level", _l("Level"))]),
    }
