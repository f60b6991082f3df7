"""CSV import of the directory: read the file, check every row, plan the changes, then make them.

The import reads the whole file first, checks every row, and only then changes anything: in one
transaction, through the directory services, so that every change is in the access log. Each row
is checked with the same forms as the directory's screens, so the field limits are theirs.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale, format_number
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from wtforms import Field, Form
from wtforms.validators import Length, ValidationError

from .. import audit
from ..extensions import db
from ..forms import strip
from ..labels import label
from ..models import ORGANISATION_TYPES, ContactPerson, Organisation
from . import services
from .csv_export import COLUMNS, ORG_FIELDS, unprotect
from .forms import OrganisationForm, PersonForm

# CSV column -> ContactPerson attribute (and PersonForm field)
PERSON_FIELDS = {"person_name": "name", "person_title": "title", "person_phone": "phone",
                 "person_email": "email", "person_liaison": "is_liaison"}
_PERSON_COLUMNS = {attr: column for column, attr in PERSON_FIELDS.items()}
REQUIRED_COLUMNS = ("type", "name")
FLAG_COLUMNS = ("archived", "person_liaison", "person_archived")
TRUE_WORDS = frozenset({"yes", "true", "1", "kyllä", "kylla", "ja"})
FALSE_WORDS = frozenset({"no", "false", "0", "ei", "nej", ""})

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_SHOWN_ERRORS = 500

# --- reading a file -------------------------------------------------------------------------------

class ImportProblem(Exception):
    """The file as a whole cannot be imported; `message` tells the user why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ParsedFile:
    """The columns of an uploaded file and its data rows, numbered as in the spreadsheet."""

    columns: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str


def decode(data: bytes) -> str:
    """Return the file's text, refusing anything that is not UTF-8."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportProblem(_("This is an Excel workbook, not a CSV file. In Excel, choose File › "
                              "Save As, pick the file type \"CSV UTF-8 (Comma delimited) (*.csv)\", "
                              "save, and upload that file."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ImportProblem(_not_utf8())
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblem(_not_utf8()) from None


def _not_utf8() -> str:
    return _("The file is not in UTF-8, so letters such as ä and ö would be garbled. In Excel, "
             "choose File › Save As, pick the file type \"CSV UTF-8 (Comma delimited) (*.csv)\", "
             "save, and upload that file.")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",")}
    if not any(counts.values()):
        if "\t" in first_line:
            raise ImportProblem(_("The columns are separated by tabs. Save the file as CSV, with "
                                  "the columns separated by semicolons (;) or commas (,)."))
        raise ImportProblem(_("The first row should name the columns, separated by semicolons (;) "
                              "or commas (,). It names at most one column: check the separator "
                              "and that the first row is the heading row."))
    return ";" if counts[";"] >= counts[","] else ","


def parse(data: bytes) -> ParsedFile:
    """Read an uploaded file: size, encoding, separator, columns and the number of rows."""
    if len(data) > MAX_BYTES:
        raise ImportProblem(_("The file is larger than %(size)s MB. Split it into smaller files "
                              "and import them one at a time.", size=MAX_BYTES // (1024 * 1024)))
    text = decode(data)
    if not text.strip():
        raise ImportProblem(_("The file is empty."))
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader)
        columns = _columns(header)
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets often leave empty rows at the end
            if len(rows) >= MAX_ROWS:
                raise ImportProblem(_("The file has more than %(max)s rows. Split it into smaller "
                                      "files and import them one at a time.",
                                      max=format_number(MAX_ROWS)))
            rows.append((number, cells))
    except csv.Error:
        raise ImportProblem(_("The file could not be read as CSV near line %(line)s: check the "
                              "quotation marks there.", line=reader.line_num)) from None
    if not rows:
        raise ImportProblem(_("The file has a heading row but no rows to import."))
    return ParsedFile(columns, rows, delimiter)


def _columns(header: list[str]) -> list[str]:
    """Check the heading row and return the column keys ('' for an unnamed column)."""
    columns = [strip(cell).lstrip("\ufeff").lower() for cell in header]
    unknown = [c for c in columns if c and c not in COLUMNS]
    named = [c for c in columns if c]
    if unknown:
        raise ImportProblem(_("Unknown columns: %(unknown)s. The columns can be: %(known)s.",
                              unknown=", ".join(unknown), known=", ".join(COLUMNS)))
    doubled = sorted({c for c in named if named.count(c) > 1})
    if doubled:
        raise ImportProblem(_("These columns appear twice: %(columns)s.", columns=", ".join(doubled)))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportProblem(_("Required columns are missing: %(columns)s. The first row must name "
                              "the columns; these can be: %(known)s.",
                              columns=", ".join(missing), known=", ".join(COLUMNS)))
    if "person_name" not in columns and any(c.startswith("person_") for c in columns):
        raise ImportProblem(_("The column person_name is needed when the file has other contact "
                              "person columns."))
    return columns


# --- checking every row ---------------------------------------------------------------------------

@dataclass
class RowError:
    """A problem in one row of the file, numbered as the spreadsheet numbers it."""

    row: int
    column: str | None
    message: str


@dataclass
class _Row:
    number: int
    org: dict
    archived: bool | None
    person: dict | None = None
    person_archived: bool | None = None


@dataclass
class _PersonEntry:
    row: _Row
    target: ContactPerson | None = None


@dataclass
class _Group:
    """The rows of one organisation (same name, unit and archived state)."""

    key: tuple[str, str, bool]
    rows: list[_Row]
    people: dict = field(default_factory=dict)
    target: Organisation | None = None
    org_only_row: _Row | None = None

    @property
    def first(self) -> _Row:
        return self.rows[0]


@dataclass
class Preview:
    """What the import would do, and what is wrong with the file."""

    rows: int
    errors: list[RowError]
    org_create: int = 0
    org_update: int = 0
    org_same: int = 0
    person_create: int = 0
    person_update: int = 0
    person_same: int = 0
    org_ops: list = field(default_factory=list)
    person_ops: list = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        """The number of rows with at least one problem."""
        return len({e.row for e in self.errors})

    @property
    def valid_rows(self) -> int:
        """The number of rows that can be imported."""
        return self.rows - self.error_rows

    @property
    def shown_errors(self) -> list[RowError]:
        """The problems listed on the page (a long list is cut)."""
        return self.errors[:MAX_SHOWN_ERRORS]

    @property
    def changes(self) -> int:
        """The number of records the import would add or change."""
        return self.org_create + self.org_update + self.person_create + self.person_update


def _type_codes() -> dict[str, str]:
    """Map type codes and their labels in every interface language to the code."""
    codes = {code: code for code in ORGANISATION_TYPES}
    for locale in current_app.config.get("LANGUAGES", ("fi", "sv", "en")):
        with force_locale(locale):
            for code in ORGANISATION_TYPES:
                codes.setdefault(str(label("organisation_type", code)).strip().lower(), code)
    return codes


def _http_or_https(form: Form, field: Field) -> None:
    """The import asks one thing more of a web address than the screen: http or https."""
    if field.data and not field.data.lower().startswith(("http://", "https://")):
        raise ValidationError("not http or https")  # worded by _refusal


_ROW_FORM_META = {"csrf": False}


def _max_length(field: Field) -> int | None:
    """The field's length limit, as its form declares it."""
    return next((v.max for v in field.validators if isinstance(v, Length) and v.max >= 0), None)


def _refusal(column: str, field: Field) -> str:
    """Say in the importer's words why a form refused a column's value (other than its length)."""
    if column == "type":
        types = ", ".join(ORGANISATION_TYPES)
        if not field.data:
            return _("The type is required. Use one of: %(types)s.", types=types)
        return _("Unknown type. Use one of: %(types)s.", types=types)
    if column == "name":
        return _("The organisation's name is required.")
    if column == "person_name":
        return _("The contact person's name is required when other contact person columns are filled.")
    if column in ("email", "person_email"):
        return _("This is not a valid e-mail address.")
    if column == "website":
        return _("Write the whole web address, starting with https://.")
    return field.errors[-1]


def _refusals(form: Form, values: dict, column_of: dict[str, str],
              extra_validators: dict | None = None) -> list[tuple[str, str]]:
    """Check values with a form; return what it refuses as (column, message) in the importer's words."""
    form.process(MultiDict({name: value for name, value in values.items() if value is not None}))
    form.validate(extra_validators=extra_validators)
    problems = []
    for form_field in form:
        if not form_field.errors:
            continue
        column = column_of.get(form_field.name, form_field.name)
        limit = _max_length(form_field)
        too_long = limit is not None and len(form_field.data or "") > limit
        if too_long:
            problems.append((column, _("Too long: at most %(max)s characters, this has %(length)s.",
                                       max=limit, length=len(form_field.data))))
        if len(form_field.errors) > int(too_long):
            problems.append((column, _refusal(column, form_field)))
    return problems


class _RowChecker:
    """Turns one row's cells into clean values, noting every problem."""

    def __init__(self, columns: list[str], delimiter: str):
        self.columns = columns
        self.other_delimiter = "," if delimiter == ";" else ";"
        self.present = {c for c in columns if c}
        self.types = _type_codes()
        # The screens' forms, made once and given each row's values in turn (a file has thousands).
        self.org_form = OrganisationForm(formdata=None, meta=_ROW_FORM_META)
        self.person_form = PersonForm(formdata=None, meta=_ROW_FORM_META)

    def check(self, number: int, cells: list[str], errors: list[RowError]) -> _Row | None:
        before = len(errors)

        def fail(column, message):
            errors.append(RowError(number, column, message))

        if len(cells) > len(self.columns):
            fail(None, _("The row has %(found)s values but the heading row names %(expected)s "
                         "columns. Check the separators and quotation marks.",
                         found=len(cells), expected=len(self.columns)))
            return None
        if len(cells) == 1 and len(self.columns) > 1 and self.other_delimiter in cells[0]:
            fail(None, _("The row has only one column: it seems to use a different separator "
                         "than the heading row."))
            return None
        values: dict[str, str | None] = {}
        for column, raw in zip(self.columns, cells):
            value = unprotect(strip(raw))
            if not column:
                if value:
                    fail(None, _("There is a value in a column without a heading."))
                continue
            values[column] = value or None
        for column in self.present:
            values.setdefault(column, None)

        flags = {}
        for column in FLAG_COLUMNS:
            if column in self.present:
                word = (values[column] or "").lower()
                if word in TRUE_WORDS:
                    flags[column] = True
                elif word in FALSE_WORDS:
                    flags[column] = False
                else:
                    fail(column, _("Write yes or no (also accepted: kyllä/ei, ja/nej, true/false, 1/0)."))

        org = {name: values[name] for name in ORG_FIELDS if name in self.present}
        org["type"] = self.types.get((org["type"] or "").lower(), org["type"])
        for column, message in _refusals(self.org_form, org, {}, {"website": [_http_or_https]}):
            fail(column, message)

        person = None
        if "person_name" in self.present:
            person = {attr: values.get(column) for column, attr in PERSON_FIELDS.items()
                      if column in self.present and column != "person_liaison"}
            if "person_liaison" in self.present:
                person["is_liaison"] = flags.get("person_liaison", False)
            filled = any(v for k, v in person.items()) or flags.get("person_archived")
            if not filled:
                person = None
            else:
                texts = {attr: value for attr, value in person.items() if attr != "is_liaison"}
                for column, message in _refusals(self.person_form, texts, _PERSON_COLUMNS):
                    fail(column, message)
        if len(errors) > before:
            return None
        return _Row(number, org, flags.get("archived"), person,
                    flags.get("person_archived") if person is not None else None)


def _key(name: str | None, unit: str | None) -> tuple[str, str]:
    return (name or "").strip().lower(), (unit or "").strip().lower()


def check(parsed: ParsedFile) -> Preview:
    """Check every row of a parsed file against the rules and the directory, changing nothing."""
    errors: list[RowError] = []
    checker = _RowChecker(parsed.columns, parsed.delimiter)
    good = [row for row in (checker.check(n, cells, errors) for n, cells in parsed.rows) if row]

    groups = _group(good, errors)
    preview = Preview(rows=len(parsed.rows), errors=errors)
    _plan(groups, parsed.columns, preview)
    preview.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    return preview


def _group(rows: list[_Row], errors: list[RowError]) -> list[_Group]:
    """Gather the rows of each organisation; spot rows that repeat or contradict earlier ones."""
    groups: dict[tuple, _Group] = {}
    for row in rows:
        key = _key(row.org["name"], row.org.get("unit")) + (bool(row.archived),)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(key, [])
        else:
            differing = [name for name in ORG_FIELDS if row.org.get(name) != group.first.org.get(name)]
            if differing:
                errors.append(RowError(row.number, differing[0], _(
                    "The organisation's details differ from row %(row)s. Write the same details "
                    "on every row of the same organisation.", row=group.first.number)))
                continue
        if row.person is None:
            if group.org_only_row is not None:
                errors.append(RowError(row.number, None, _(
                    "This organisation is already on row %(row)s.", row=group.org_only_row.number)))
                continue
            group.org_only_row = row
        else:
            person_key = (row.person["name"].lower(), bool(row.person_archived))
            earlier = group.people.get(person_key)
            if earlier is not None:
                errors.append(RowError(row.number, "person_name", _(
                    "This contact person is already on row %(row)s.", row=earlier.row.number)))
                continue
            group.people[person_key] = _PersonEntry(row)
        group.rows.append(row)
    return list(groups.values())


def _match(items, candidates_of, same_state, use_other_state: bool) -> None:
    """Pair each item with an existing record: same archived state first, then (if allowed) any."""
    claimed = set()
    for passes_other in (False, True):
        if passes_other and not use_other_state:
            break
        for item in items:
            if item.target is not None:
                continue
            for candidate in candidates_of(item):
                if candidate.id not in claimed and (passes_other or same_state(item, candidate)):
                    item.target = candidate
                    claimed.add(candidate.id)
                    break


@dataclass
class _OrgOp:
    group: _Group
    target: Organisation | None
    data: dict
    changed: bool
    archived: bool | None  # the state to set afterwards, or None to leave it


@dataclass
class _PersonOp:
    group: _Group
    target: ContactPerson | None
    data: dict
    changed: bool
    archived: bool | None


def _fail_rows(preview: Preview, rows, column, message) -> None:
    for row in rows:
        preview.errors.append(RowError(row.number, column, message))


def _plan(groups: list[_Group], columns: list[str], preview: Preview) -> None:
    """Decide what each group does, applying the services' rules in the order the import will."""
    archived_column = "archived" in columns
    person_archived_column = "person_archived" in columns
    existing = db.session.scalars(select(Organisation).options(selectinload(Organisation.people))
                                  .order_by(Organisation.archived, Organisation.id)).all()
    by_key = defaultdict(list)
    active: dict[tuple, set] = defaultdict(set)
    for organisation in existing:
        by_key[_key(organisation.name, organisation.unit)].append(organisation)
        if not organisation.archived:
            active[_key(organisation.name, organisation.unit)].add(organisation.id)

    _match(groups, lambda g: [o for o in by_key[g.key[:2]] if archived_column or not o.archived],
           lambda g, o: o.archived == g.key[2], archived_column)

    def final_archived(group):
        if archived_column:
            return group.key[2]
        return group.target.archived if group.target is not None else False

    ordered = sorted(groups, key=lambda g: (not final_archived(g), g.first.number))
    surviving = []
    for index, group in enumerate(ordered):
        key, data, target, archived = group.key[:2], dict(group.first.org), group.target, final_archived(group)
        others = active[key] - ({target.id} if target is not None else set())
        if target is None:
            if others:
                _fail_rows(preview, group.rows, "name", _(
                    "An active organisation with this name and unit is already in the directory; "
                    "an archived copy of it cannot be added."))
                continue
            op = _OrgOp(group, None, data, True, True if archived else None)
            preview.org_create += 1
        else:
            changed = any(getattr(target, name) != data[name] for name in data)
            if others and (changed or (target.archived and not archived)):
                _fail_rows(preview, group.rows, "name", _(
                    "Another active organisation has the same name and unit, so this archived one "
                    "cannot be changed or restored."))
                continue
            state_change = archived if archived != target.archived else None
            op = _OrgOp(group, target, data, changed, state_change)
            if changed or state_change is not None:
                preview.org_update += 1
            else:
                preview.org_same += 1
        active[key].discard(target.id if target is not None else ("new", index))
        if not archived:
            active[key].add(target.id if target is not None else ("new", index))
        preview.org_ops.append(op)
        surviving.append(group)

    for group in surviving:
        _plan_people(group, person_archived_column, preview)


def _plan_people(group: _Group, archived_column: bool, preview: Preview) -> None:
    """Decide what each contact person row of one organisation does."""
    entries = list(group.people.values())
    current = sorted(group.target.people, key=lambda p: (p.archived, p.id)) if group.target else []
    by_name = defaultdict(list)
    active = defaultdict(set)
    for person in current:
        by_name[person.name.lower()].append(person)
        if not person.archived:
            active[person.name.lower()].add(person.id)
    _match(entries, lambda e: [p for p in by_name[e.row.person["name"].lower()]
                               if archived_column or not p.archived],
           lambda e, p: p.archived == bool(e.row.person_archived), archived_column)

    def final_archived(entry):
        if archived_column:
            return bool(entry.row.person_archived)
        return entry.target.archived if entry.target is not None else False

    for index, entry in enumerate(sorted(entries, key=lambda e: (not final_archived(e), e.row.number))):
        name, target, archived = entry.row.person["name"].lower(), entry.target, final_archived(entry)
        data = dict(entry.row.person)
        if target is None:
            if active[name]:
                preview.errors.append(RowError(entry.row.number, "person_name", _(
                    "This organisation already has an active contact person with this name; an "
                    "archived copy cannot be added.")))
                continue
            preview.person_ops.append(_PersonOp(group, None, data, True, True if archived else None))
            preview.person_create += 1
            if not archived:
                active[name].add(("new", index))
            continue
        if "is_liaison" not in data:
            data["is_liaison"] = target.is_liaison  # update_person always sets the flag
        changed = any(getattr(target, attr) != value for attr, value in data.items())
        state_change = archived if archived != target.archived else None
        preview.person_ops.append(_PersonOp(group, target, data, changed, state_change))
        if changed or state_change is not None:
            preview.person_update += 1
        else:
            preview.person_same += 1
        active[name].discard(target.id)
        if not archived:
            active[name].add(target.id)


# --- importing ------------------------------------------------------------------------------------

@dataclass
class Summary:
    """What an import did."""

    org_create: int
    org_update: int
    person_create: int
    person_update: int


def _carry_out(op: _OrgOp | _PersonOp, create, update, set_archived):
    """Make one planned change with the services given; return the record."""
    if op.target is None:
        record = create(op.data)
    else:
        record = op.target
        if op.changed:
            update(record, op.data, version=record.version)
    if op.archived is not None:
        set_archived(record, op.archived)
    return record


def run(preview: Preview) -> Summary:
    """Carry out a checked import through the services (they flush and log); the caller commits."""
    organisation_of = {}
    for op in preview.org_ops:
        organisation_of[id(op.group)] = _carry_out(op, services.create_organisation,
                                                   services.update_organisation,
                                                   services.set_organisation_archived)
    for op in preview.person_ops:
        organisation = organisation_of[id(op.group)]
        _carry_out(op, lambda data: services.create_person(organisation, data),
                   services.update_person, services.set_person_archived)
    summary = Summary(preview.org_create, preview.org_update, preview.person_create, preview.person_update)
    audit.record(audit.Action.UPDATE, object_type="directory",
                 detail=(f"csv import: organisations created={summary.org_create} "
                         f"updated={summary.org_update}, contact persons created="
                         f"{summary.person_create} updated={summary.person_update}"))
    return summary
