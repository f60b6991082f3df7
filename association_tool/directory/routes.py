"""Directory screens: search, organisations and their contact persons."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import SIGNED_IN, STAFF, allow, owned_or_404, record_or_404
from ..extensions import db
from ..forms import save_versioned
from ..htmx import targets
from ..models import ContactPerson, Organisation
from . import bp, services
from .forms import DirectorySearchForm, OrganisationForm, PersonForm


def _stale_entry() -> str:
    """The message for a save over someone else's newer save of a directory entry."""
    return _("Someone else changed this entry while you were editing. "
             "Your text is still here: check it and save again.")


def _error_message(error: services.DirectoryError) -> str:
    return {"duplicate": _("This is already in the directory."),
            "type": _("Choose a type from the list.")}.get(error.code, error.code)


def _show_error(form, error: services.DirectoryError) -> None:
    """Put a rule violation next to its field."""
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = list(field.errors) + [_error_message(error)]
    else:
        form.form_errors.append(_error_message(error))


@bp.route("/")
@allow(SIGNED_IN)
def index():
    """Search the directory as you type."""
    form = DirectorySearchForm(request.args)
    valid = form.validate()
    page = services.search(q=form.q.data if valid else "", type_=form.type.data or "",
                           include_archived=bool(form.archived.data),
                           page=form.page.data if valid and form.page.data else 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    if targets("directory-results"):
        return render_template("directory/_results.html", page=page, args=args)
    return render_template("directory/index.html", form=form, page=page, args=args)


@bp.route("/new", methods=["GET", "POST"])
@allow(STAFF)
def new():
    """Add an organisation or unit."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(form.values())
        except services.DirectoryError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Added to the directory."), "success")
            return redirect(url_for("directory.show", organisation_id=organisation.id), 303)
    return render_template("directory/organisation_form.html", form=form, organisation=None), \
        422 if form.is_submitted() else 200


def _show(organisation, form=None, person_form=None, status=200):
    if form is None:
        form = OrganisationForm(obj=organisation, editing=True)
        form.version.data = str(organisation.version)
    return render_template("directory/organisation.html", organisation=organisation, form=form,
                           person_form=person_form or PersonForm()), status


@bp.route("/<int:organisation_id>")
@allow(SIGNED_IN)
def show(organisation_id: int):
    """Show an organisation with its contact persons (and, for staff, the edit forms)."""
    return _show(record_or_404(Organisation, organisation_id))


@bp.route("/<int:organisation_id>", methods=["POST"])
@allow(STAFF)
def edit(organisation_id: int):
    """Change an organisation's details."""
    organisation = record_or_404(Organisation, organisation_id)
    form = OrganisationForm(editing=True)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_organisation(organisation, form.values(),
                                                               version=version),
            errors=services.DirectoryError, on_error=_show_error,
            stale_message=_stale_entry(),
            current_version=lambda: record_or_404(Organisation, organisation_id).version):
        flash(_("Changes saved."), "success")
        return redirect(url_for("directory.show", organisation_id=organisation.id), 303)
    return _show(record_or_404(Organisation, organisation_id), form=form, status=422)


@bp.route("/<int:organisation_id>/archive", methods=["POST"])
@allow(STAFF)
def archive(organisation_id: int):
    """Archive an organisation, or restore it."""
    organisation = record_or_404(Organisation, organisation_id)
    try:
        services.set_organisation_archived(organisation, request.form.get("archived") == "1")
    except services.DirectoryError as error:
        db.session.rollback()
        flash(_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("Changes saved."), "success")
    return redirect(url_for("directory.show", organisation_id=organisation_id), 303)


@bp.route("/<int:organisation_id>/people", methods=["POST"])
@allow(STAFF)
def add_person(organisation_id: int):
    """Add a contact person to an organisation."""
    organisation = record_or_404(Organisation, organisation_id)
    form = PersonForm()
    if form.validate_on_submit():
        try:
            services.create_person(organisation, form.values())
        except services.DirectoryError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Contact person added."), "success")
            return redirect(url_for("directory.show", organisation_id=organisation.id), 303)
    return _show(record_or_404(Organisation, organisation_id), person_form=form, status=422)


@bp.route("/<int:organisation_id>/people/<int:person_id>", methods=["GET", "POST"])
@allow(STAFF)
def edit_person(organisation_id: int, person_id: int):
    """Change a contact person's details."""
    organisation = record_or_404(Organisation, organisation_id)
    person = owned_or_404(ContactPerson, person_id, organisation)
    form = PersonForm(obj=person, editing=True)
    if request.method == "GET":
        form.version.data = str(person.version)
    elif form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_person(person, form.values(), version=version),
            stale_message=_stale_entry(),
            current_version=lambda: owned_or_404(ContactPerson, person_id, organisation).version):
        flash(_("Changes saved."), "success")
        return redirect(url_for("directory.show", organisation_id=organisation_id), 303)
    person = owned_or_404(ContactPerson, person_id, organisation)
    return render_template("directory/person_form.html", form=form, person=person,
                           organisation=person.organisation), 422 if form.is_submitted() else 200


@bp.route("/<int:organisation_id>/people/<int:person_id>/archive", methods=["POST"])
@allow(STAFF)
def archive_person(organisation_id: int, person_id: int):
    """Archive a contact person who has left, or restore them."""
    person = owned_or_404(ContactPerson, person_id, record_or_404(Organisation, organisation_id))
    services.set_person_archived(person, request.form.get("archived") == "1")
    db.session.commit()
    flash(_("Changes saved."), "success")
    return redirect(url_for("directory.show", organisation_id=organisation_id), 303)
