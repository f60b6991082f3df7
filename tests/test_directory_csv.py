"""The directory as a spreadsheet: export, and an import that checks every row before saving."""
import csv
import io
import re
import time

import pytest
from sqlalchemy import delete, func, select

from association_tool.directory import csv_export, csv_import, services, upload_store
from association_tool.extensions import db
from association_tool.models import AuditEvent, ContactPerson, NetworkMember, Organisation

from .factories import PASSWORD, login, make_user

HEADER = ";".join(csv_export.COLUMNS)


@pytest.fixture
def staff(app, admin):
    """A staff member who reads English, so the messages below are matched in English."""
    return make_user(role="staff", name="Sanna Ohjaaja", email="sanna@yhdistys.example.org",
                     locale="en")


def upload(client, content, filename="hakemisto.csv"):
    """Send a file to the import page; `content` is text (sent as UTF-8) or bytes."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post("/directory/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def token_of(response) -> str:
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the preview offers no import"
    return match.group(1)


def confirm(client, token, mode="all"):
    return client.post("/directory/import/confirm", data={"token": token, "mode": mode})


def check(app, content):
    """Check a file as the import page does, without saving anything."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with app.test_request_context():
        return csv_import.check(csv_import.parse(data))


def counts():
    return (db.session.scalar(select(func.count(Organisation.id))),
            db.session.scalar(select(func.count(ContactPerson.id))))


def snapshot():
    """The directory as comparable values: every organisation with its contact persons."""
    result = set()
    for o in db.session.scalars(select(Organisation)).all():
        people = frozenset((p.name, p.title, p.phone, p.email, p.is_liaison, p.archived) for p in o.people)
        result.add((o.type, o.name, o.unit, o.address, o.phone, o.email, o.website, o.opening_hours,
                    o.notes, o.archived, people))
    return result


def row(**values) -> str:
    """One CSV line with the given columns filled (no quoting needed for the values used)."""
    return ";".join(values.get(c, "") for c in csv_export.COLUMNS)


def seed_directory():
    """A directory with the awkward cases a real one has."""
    kela = services.create_organisation({
        "type": "kela", "name": "Kela", "unit": "Kuopion palvelupiste", "address": "Puijonkatu 8, 70100 Kuopio",
        "phone": "+358 20 692 204", "email": "kuopio@kela.example.fi", "website": "https://www.kela.fi",
        "opening_hours": "ma–pe 9–16", "notes": "Ajanvaraus; \"aina\" ensin\nToinen rivi"})
    services.create_person(kela, {"name": "Päivi Äijälä", "title": "Etuuskäsittelijä",
                                  "phone": "020 634 1234", "email": "paivi@kela.example.fi", "is_liaison": True})
    left = services.create_person(kela, {"name": "Örjan Åkerlund", "title": "Asiantuntija"})
    services.set_person_archived(left, True)
    services.create_person(kela, {"name": "Dupe Name"})
    archived_dupe = services.create_person(kela, {"name": "Zed Lähtenyt"})
    services.set_person_archived(archived_dupe, True)
    services.create_person(kela, {"name": "Zed Lähtenyt", "title": "palasi"})
    services.create_organisation({"type": "association", "name": "=HYPERLINK(\"http://evil\")",
                                  "unit": "-2+3", "notes": "@SUM(A1)"})
    sote = services.create_organisation({"type": "sote", "name": "Pohjois-Savon hyvinvointialue",
                                         "unit": "Aikuissosiaalityö"})
    services.create_person(sote, {"name": "Sanna Sosiaalityöntekijä", "phone": "+358 44 123 4567"})
    old = services.create_organisation({"type": "parish", "name": "Kuopion seurakunta", "unit": None})
    services.set_organisation_archived(old, True)
    services.create_organisation({"type": "parish", "name": "Kuopion seurakunta", "notes": "'=quoted already"})
    db.session.commit()


def wipe():
    db.session.execute(delete(NetworkMember))
    db.session.execute(delete(ContactPerson))
    db.session.execute(delete(Organisation))
    db.session.commit()


# --- export ---------------------------------------------------------------------------------------

def test_export_is_excel_friendly_and_logged(client, staff):
    seed_directory()
    login(client, staff)
    response = client.get("/directory/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert re.match(r'attachment; filename="hakemisto-\d{4}-\d{2}-\d{2}\.csv"',
                    response.headers["Content-Disposition"])
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    # one row per person (6 at Kela, 1 at sote) and one per organisation without persons (3)
    assert len(rows) == 1 + 5 + 1 + 3
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.object_type == "directory" and event.user_id == staff.id


def test_export_neutralises_formulas(client, staff):
    seed_directory()
    login(client, staff)
    text = client.get("/directory/export.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    cells = [value for r in rows for value in r.values()]
    assert "'=HYPERLINK(\"http://evil\")" in cells
    assert "'-2+3" in cells and "'@SUM(A1)" in cells and "'+358 20 692 204" in cells
    assert "''=quoted already" in cells  # an apostrophe of its own survives the round trip
    assert not any(c and c[0] in "=+-@\t\r" for c in cells)


def test_protect_and_unprotect_are_inverse():
    for value in ["=1+1", "+358", "-", "@x", "'=x", "''+y", "'plain", "plain", "", "\t=x"]:
        assert csv_export.unprotect(csv_export.protect(value)) == value
    assert csv_export.unprotect("'=SUM(A1)") == "=SUM(A1)"
    assert csv_export.unprotect("'Rock'n'roll") == "'Rock'n'roll"


# --- round trip -----------------------------------------------------------------------------------

def test_round_trip_gives_the_same_directory(app, client, staff):
    seed_directory()
    before = snapshot()
    login(client, staff)
    exported = client.get("/directory/export.csv").data
    wipe()
    assert counts() == (0, 0)
    response = upload(client, exported)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert counts() == (0, 0)  # the check saves nothing
    response = confirm(client, token_of(response))
    assert response.status_code == 303
    assert snapshot() == before
    # importing the same file again changes nothing
    response = upload(client, exported)
    preview = check(app, exported)
    assert preview.errors == [] and preview.changes == 0
    assert confirm(client, token_of(response)).status_code == 303
    assert snapshot() == before


def test_import_logs_every_change(client, staff):
    login(client, staff)
    content = "\n".join([HEADER, row(type="kela", name="Kela", person_name="Päivi"),
                         row(type="kela", name="Kela", person_name="Pekka")])
    response = confirm(client, token_of(upload(client, content)))
    assert response.status_code == 303
    creates = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "create", AuditEvent.object_type != "user")).all()
    assert sorted(e.object_type for e in creates) == ["contact_person", "contact_person", "organisation"]
    assert all(e.user_id == staff.id for e in creates)


def test_import_updates_existing_entries_by_name_and_unit(app, client, staff):
    kela = services.create_organisation({"type": "kela", "name": "Kela", "unit": "Kuopio", "phone": "1"})
    services.create_person(kela, {"name": "Päivi Äijälä", "title": "vanha"})
    db.session.commit()
    login(client, staff)
    content = "\n".join([HEADER, row(type="kela", name="KELA", unit="kuopio", phone="2",
                                     person_name="päivi äijälä", person_title="uusi", person_liaison="kyllä"),
                         row(type="Association", name="Uusi ry")])
    response = upload(client, content)
    preview = check(app, content)
    assert (preview.org_create, preview.org_update, preview.person_update) == (1, 1, 1)
    assert confirm(client, token_of(response)).status_code == 303
    assert counts() == (2, 1)
    kela = db.session.get(Organisation, kela.id)
    assert kela.phone == "2" and kela.people[0].title == "uusi" and kela.people[0].is_liaison
    assert db.session.scalars(select(Organisation).where(Organisation.name == "Uusi ry")).one().type == "association"


# --- bad files ------------------------------------------------------------------------------------

def test_wrong_encoding_gets_a_clear_message(client, staff):
    login(client, staff)
    content = "\n".join([HEADER, row(type="kela", name="Kela Hämeenlinna")]).encode("cp1252")
    response = upload(client, content)
    assert response.status_code == 422
    assert "CSV UTF-8" in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_utf16_gets_the_same_message(client, staff):
    login(client, staff)
    response = upload(client, "\n".join([HEADER, row(type="kela", name="Kela")]).encode("utf-16"))
    assert response.status_code == 422 and "CSV UTF-8" in response.get_data(as_text=True)


def test_an_excel_workbook_gets_a_clear_message(client, staff):
    login(client, staff)
    response = upload(client, b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, filename="hakemisto.xlsx")
    assert response.status_code == 422 and "CSV UTF-8" in response.get_data(as_text=True)


def test_comma_separated_file_without_bom_is_accepted(client, staff):
    login(client, staff)
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow(["name", "type", "notes", "person_name"])
    writer.writerow(["Kela, Kuopio", "kela", "a;b", "Päivi"])
    writer.writerow(["Kela, Kuopio", "kela", "a;b", "Pekka"])
    response = upload(client, output.getvalue())
    assert response.status_code == 200
    assert confirm(client, token_of(response)).status_code == 303
    assert counts() == (1, 2)
    assert db.session.scalars(select(Organisation)).one().notes == "a;b"


def test_missing_columns_are_named(client, staff):
    login(client, staff)
    response = upload(client, "unit;phone\nKuopio;123\n")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "type, name" in body


def test_unknown_columns_are_named(client, staff):
    login(client, staff)
    response = upload(client, "type;name;fax\nkela;Kela;123\n")
    assert response.status_code == 422 and "fax" in response.get_data(as_text=True)


def test_tab_separated_file_gets_a_clear_message(client, staff):
    login(client, staff)
    response = upload(client, "type\tname\nkela\tKela\n")
    assert response.status_code == 422 and "tabs" in response.get_data(as_text=True)


def test_broken_quotes_and_empty_files(client, staff):
    login(client, staff)
    for content in ['type;name\nkela;"Kela\n', "", "\n\n", "type;name\n", "type;name\n;;\n"]:
        response = upload(client, content)
        assert response.status_code == 422, content
        assert 'class="field-error"' in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_no_file_chosen(client, staff):
    login(client, staff)
    response = client.post("/directory/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_too_many_rows_are_refused_quickly(client, staff):
    login(client, staff)
    for rows in (csv_import.MAX_ROWS + 1, 50_000):
        content = "type;name\n" + "".join(f"other;Yhdistys {n}\n" for n in range(rows))
        started = time.perf_counter()
        response = upload(client, content)
        assert time.perf_counter() - started < 5
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "rows" in body and ("5000" in body or "5 000" in body or "5\u00a0000" in body or "5,000" in body)
    assert counts() == (0, 0)


def test_too_large_file_is_refused(client, staff):
    login(client, staff)
    content = "type;name;notes\n" + "".join(f"other;Yhdistys {n};{'x' * 1900}\n" for n in range(1200))
    assert len(content) > csv_import.MAX_BYTES
    response = upload(client, content)
    assert response.status_code == 422 and "MB" in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_exactly_the_limit_is_accepted(client, staff):
    login(client, staff)
    content = "type;name\n" + "".join(f"other;Yhdistys {n}\n" for n in range(csv_import.MAX_ROWS))
    response = upload(client, content)
    assert response.status_code == 200
    assert f"{csv_import.MAX_ROWS} rows were read" in response.get_data(as_text=True) or "token" in response.get_data(as_text=True)


# --- row errors -----------------------------------------------------------------------------------

BAD_FILE = "\n".join([
    HEADER,
    row(type="kela", name="Kela", unit="Kuopio", person_name="Päivi"),          # 2 ok
    row(type="bank", name="Pankki"),                                             # 3 bad type
    row(type="other", name="", unit="Ei nimeä"),                                 # 4 no name
    row(type="other", name="Posti", email="not-an-email"),                       # 5 bad e-mail
    row(type="other", name="Sivu", website="www.example.org"),                   # 6 bad website
    row(type="other", name="Lippu", archived="maybe"),                           # 7 bad flag
    row(type="other", name="Pitkä", phone="1" * 41),                             # 8 too long
    row(type="kela", name="Kela", unit="Kuopio", person_name="Päivi"),          # 9 duplicate person
    row(type="kela", name="Kela", unit="Kuopio", phone="999", person_name="X"),  # 10 details differ
    row(type="sote", name="Sote", person_title="Ilman nimeä"),                   # 11 person without name
    row(type="association", name="Hyvä ry", person_name="Liisa", person_liaison="ja"),  # 12 ok
    row(type="association", name="Hyvä ry"),                                     # 13 ok (org-only row)
    row(type="association", name="Hyvä ry"),                                     # 14 duplicate org row
])


def test_the_field_limits_are_the_forms_own(app, monkeypatch):
    """The import checks rows with the screens' forms: a limit changed there applies here too."""
    from wtforms.validators import Length

    from association_tool.directory.forms import OrganisationForm, PersonForm

    def length_of(form, name):
        return next(v for v in getattr(form, name).kwargs["validators"] if isinstance(v, Length))

    monkeypatch.setattr(length_of(OrganisationForm, "phone"), "max", 5)
    monkeypatch.setattr(length_of(PersonForm, "title"), "max", 3)
    content = "\n".join([HEADER, row(type="kela", name="Kela", phone="12345", person_name="A", person_title="abc"),
                         row(type="kela", name="Kela 2", phone="123456", person_name="B", person_title="abcd")])
    preview = check(app, content)
    assert [(e.row, e.column) for e in preview.errors] == [(3, "phone"), (3, "person_title")]
    assert "5" in preview.errors[0].message and "3" in preview.errors[1].message


def test_every_row_is_checked_and_errors_are_listed(app, client, staff):
    login(client, staff)
    response = upload(client, BAD_FILE)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    preview = check(app, BAD_FILE)
    assert sorted({e.row for e in preview.errors}) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 14]
    columns = {e.row: e.column for e in preview.errors}
    assert columns[3] == "type" and columns[4] == "name" and columns[5] == "email"
    assert columns[6] == "website" and columns[7] == "archived" and columns[8] == "phone"
    assert columns[9] == "person_name" and columns[10] == "phone" and columns[11] == "person_name"
    assert "already on row 2" in body and "differ from row 2" in body and "already on row 13" in body
    assert preview.valid_rows == 3
    assert "Import the 3 valid rows" in body
    assert counts() == (0, 0)


def test_file_with_errors_imports_nothing_unless_valid_rows_chosen(client, staff):
    login(client, staff)
    token = token_of(upload(client, BAD_FILE))
    response = confirm(client, token, mode="all")
    assert response.status_code == 422
    assert counts() == (0, 0)
    response = confirm(client, token, mode="valid")
    assert response.status_code == 303
    names = sorted(db.session.scalars(select(Organisation.name)).all())
    assert names == ["Hyvä ry", "Kela"]
    people = {p.name: p.is_liaison for p in db.session.scalars(select(ContactPerson)).all()}
    assert people == {"Päivi": False, "Liisa": True}
    assert confirm(client, token, mode="valid").status_code == 404  # used up


def test_duplicates_within_the_file(app, client, staff):
    login(client, staff)
    content = "\n".join([HEADER, row(type="kela", name="Kela", unit="Kuopio"),
                         row(type="kela", name="Kela", unit="Kuopio"),
                         row(type="kela", name="KELA", unit="kuopio"),
                         row(type="kela", name="Kela", unit="Kuopio", person_name="Päivi"),
                         row(type="kela", name="Kela", unit="Kuopio", person_name="PÄIVI")])
    preview = check(app, content)
    assert [(e.row, e.column) for e in preview.errors] == [(3, None), (4, "name"), (6, "person_name")]
    body = upload(client, content).get_data(as_text=True)
    assert "already on row 2" in body and "differ from row 2" in body and "already on row 5" in body
    assert counts() == (0, 0)


def test_an_active_duplicate_in_the_directory_is_updated_not_doubled(app, client, staff):
    services.create_organisation({"type": "kela", "name": "Kela", "unit": "Kuopio"})
    db.session.commit()
    login(client, staff)
    content = "\n".join([HEADER, row(type="kela", name="Kela", unit="Kuopio", archived="no"),
                         row(type="kela", name="Kela", unit="Kuopio", archived="yes")])
    preview = check(app, content)
    assert [e.row for e in preview.errors] == [3]  # an archived copy beside the active one
    assert preview.org_same == 1


# --- tokens and access ----------------------------------------------------------------------------

def test_a_token_of_another_user_is_refused(app, client, staff):
    login(client, staff)
    token = token_of(upload(client, "\n".join([HEADER, row(type="kela", name="Kela")])))
    other = make_user(role="staff", locale="en")
    client.post("/logout")
    login(client, other)
    response = confirm(client, token)
    assert response.status_code == 404
    assert "no longer available" in response.get_data(as_text=True)
    assert counts() == (0, 0)
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).all()
    assert denied and denied[-1].user_id == other.id
    client.post("/logout")
    login(client, staff)
    assert confirm(client, token).status_code == 303  # the owner still can


def test_unknown_malformed_and_expired_tokens(app, client, staff):
    login(client, staff)
    assert confirm(client, "x" * 32).status_code == 404
    assert confirm(client, "../../secret_key").status_code in (400, 404)
    assert confirm(client, "").status_code == 400
    token = token_of(upload(client, "\n".join([HEADER, row(type="kela", name="Kela")])))
    assert confirm(client, token, mode="everything").status_code == 400
    import json
    from pathlib import Path

    meta_path = Path(app.instance_path) / "imports" / f"{token}.json"
    meta = json.loads(meta_path.read_text())
    meta["created"] -= upload_store.TOKEN_LIFETIME_SECONDS + 1
    meta_path.write_text(json.dumps(meta))
    assert confirm(client, token).status_code == 404
    assert counts() == (0, 0)
    assert not list((Path(app.instance_path) / "imports").glob(f"{token}*"))


def test_kept_files_are_deleted_after_import_and_when_old(app, client, staff):
    import os
    from pathlib import Path

    login(client, staff)
    folder = Path(app.instance_path) / "imports"
    token = token_of(upload(client, "\n".join([HEADER, row(type="kela", name="Kela")])))
    assert (folder / f"{token}.csv").exists()
    old = token_of(upload(client, "\n".join([HEADER, row(type="kela", name="Kela 2")])))
    confirm(client, token)
    assert not list(folder.glob(f"{token}*"))
    long_ago = time.time() - 2 * upload_store.TOKEN_LIFETIME_SECONDS
    for path in folder.glob(f"{old}*"):
        os.utime(path, (long_ago, long_ago))
    upload(client, "\n".join([HEADER, row(type="kela", name="Kela 3")]))
    assert not list(folder.glob(f"{old}*"))


@pytest.mark.parametrize("method,url", [("GET", "/directory/export.csv"), ("GET", "/directory/import"),
                                        ("POST", "/directory/import"), ("POST", "/directory/import/confirm")])
def test_peer_supporters_have_no_access(client, peer, method, url):
    login(client, peer)
    assert client.open(url, method=method).status_code == 403


def test_import_page_has_a_labelled_file_input(client, staff):
    login(client, staff)
    body = client.get("/directory/import").get_data(as_text=True)
    assert re.search(r'<label for="file">', body) and 'type="file"' in body
    assert 'enctype="multipart/form-data"' in body


@pytest.mark.csrf
def test_confirm_needs_the_csrf_token(client, staff):
    from .conftest import extract_csrf

    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": staff.email, "password": PASSWORD,
                                "csrf_token": extract_csrf(login_page)})
    page = client.get("/directory/import").get_data(as_text=True)
    csrf_token = extract_csrf(page)
    data = "\n".join([HEADER, row(type="kela", name="Kela")]).encode()
    response = client.post("/directory/import", data={"file": (io.BytesIO(data), "a.csv"), "csrf_token": csrf_token},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    token = token_of(response)
    assert client.post("/directory/import/confirm", data={"token": token, "mode": "all"}).status_code == 400
    assert counts() == (0, 0)
    body = response.get_data(as_text=True)
    confirm_token = re.search(r'<form method="post" action="/directory/import/confirm".*?name="csrf_token" type="hidden" value="([^"]+)"',
                              body, re.S).group(1)
    response = client.post("/directory/import/confirm",
                           data={"token": token, "mode": "all", "csrf_token": confirm_token})
    assert response.status_code == 303 and counts() == (1, 0)


def test_a_failure_during_the_import_leaves_nothing_behind(client, staff, monkeypatch):
    login(client, staff)
    content = "\n".join([HEADER, row(type="kela", name="Kela", person_name="A"),
                         row(type="kela", name="Kela", person_name="B")])
    token = token_of(upload(client, content))
    calls = []

    def failing_create_person(organisation, data):
        calls.append(data)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(organisation, data)

    original = services.create_person
    monkeypatch.setattr(services, "create_person", failing_create_person)
    response = confirm(client, token)
    assert response.status_code == 422
    assert "nothing was imported" in response.get_data(as_text=True)
    assert counts() == (0, 0)
    monkeypatch.undo()
    assert confirm(client, token).status_code == 303  # the file is still there to retry
    assert counts() == (1, 2)


def test_a_boosted_export_link_makes_the_browser_download(client, staff):
    login(client, staff)
    response = client.get("/directory/export.csv", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/directory/export.csv"
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all() == []
