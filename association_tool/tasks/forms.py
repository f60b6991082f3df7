"""Forms for adding a follow-up task and changing its status."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import AppForm, optional_id, strip
from ..labels import choices



class TaskForm(AppForm):
    """A follow-up task: what, who does it (a user or an outside party) and by when."""

    title = StringField(_l("Task"), id="task-title", filters=[strip],
                        validators=[DataRequired(), Length(max=300)])
    details = TextAreaField(_l("Details"), id="task-details", filters=[strip],
                            validators=[Optional(), Length(max=5000)])
    owner_id = SelectField(_l("Who does it"), id="task-owner-id", coerce=optional_id, choices=[])
    owner_party = StringField(_l("…or an outside party"), id="task-owner-party", filters=[strip],
                              description=_l("For example: the client's social worker. "
                                             "Give either a user or an outside party."),
                              validators=[Optional(), Length(max=200)])
    due_date = DateField(_l("Due date"), id="task-due-date", validators=[Optional()])
    submit = SubmitField(_l("Add task"))

    def __init__(self, *args, owners=(), own_only=False, **kwargs):
        """`own_only`: the user may only give tasks to themselves (one owner, no outside party)."""
        super().__init__(*args, **kwargs)
        people = [(u.id, u.name) for u in owners]
        self.owner_id.choices = people if own_only else [(None, _l("An outside party"))] + people
        if own_only:
            del self.owner_party

    def validate(self, extra_validators=None):
        """Check the fields, then that exactly one kind of owner is given."""
        ok = super().validate(extra_validators)
        has_user = self.owner_id.data is not None and not self.owner_id.errors
        party = self.owner_party.data if self.owner_party is not None else None
        if has_user and party:
            self.owner_party.errors.append(
                _l("Give either a user or an outside party, not both."))
            return False
        if not has_user and not party and not self.owner_id.errors:
            self.owner_id.errors.append(_l("Choose who does this: a user or an outside party."))
            return False
        return ok


class TaskStatusForm(AppForm):
    """Mark a task done or cancelled, or open it again."""

    status = SelectField(_l("Status"), id="task-status", choices=[], validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices("task_status")
