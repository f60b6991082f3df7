"""The service directory: organisations, contact persons, search, archive."""
import re

import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.models import AuditEvent, ContactPerson, Organisation

from .factories import login, make_organisation


ORG = {"type": "sote", "name": "Pohjois-Savon hyvinvointialue", "unit": "Aikuissosiaalityö",
       "address": "Tulliportinkatu 1, Kuopio", "phone": "017 123 4567",
       "email": "sosiaalityo@example.org", "website": "https://example.org/sote",
       "opening_hours": "ma–pe 8–16", "notes": ""}


def test_staff_add_an_organisation_and_a_liaison(client, staff):
    login(client, staff)
    response = client.post("/directory/new", data=ORG)
    assert response.status_code == 303
    organisation = db.session.scalars(select(Organisation)).one()
    response = client.post(f"/directory/{organisation.id}/people", data={
        "name": "Liisa Linkki", "title": "Sosiaalityöntekijä", "phone": "", "email": "",
        "is_liaison": "y"})
    assert response.status_code == 303
    person = db.session.scalars(select(ContactPerson)).one()
    assert person.is_liaison and person.organisation_id == organisation.id
    page = client.get(f"/directory/{organisation.id}").get_data(as_text=True)
    assert "Liisa Linkki" in page and "Tulliportinkatu 1" in page


def test_duplicates_and_bad_input_are_refused_with_text_kept(client, staff):
    login(client, staff)
    make_organisation(name="Kela", unit="Kuopion palvelupiste", type="kela")
    duplicate = client.post("/directory/new", data=dict(ORG, type="kela", name="KELA",
                                                        unit="kuopion palvelupiste"))
    assert duplicate.status_code == 422 and 'id="name-error"' in duplicate.get_data(as_text=True)
    for bad in ({"email": "ei-sähköposti"}, {"website": "javascript:alert(1)"}, {"type": "pankki"},
                {"name": ""}, {"name": "x" * 201}):
        response = client.post("/directory/new", data=dict(ORG, **bad))
        assert response.status_code == 422, bad
        assert "Tulliportinkatu 1, Kuopio" in response.get_data(as_text=True)
    assert db.session.query(Organisation).count() == 1


def test_search_as_you_type_finds_names_units_and_people(client, staff):
    make_organisation(name="Kela", unit="Kuopion palvelupiste", type="kela",
                      people=[("Pekka Palvelu", "Palveluneuvoja", False)])
    make_organisation(name="Kuopion seurakuntayhtymä", unit=None, type="parish")
    login(client, staff)
    assert "Kela" in client.get("/directory/?q=palvelupiste").get_data(as_text=True)
    by_person = client.get("/directory/?q=pekka").get_data(as_text=True)
    assert "Kela" in by_person and "seurakunta" not in by_person
    fragment = client.get("/directory/?q=seura", headers={"HX-Request": "true",
                                                          "HX-Target": "directory-results"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="directory-results"') and "seurakunta" in body
    only_parishes = client.get("/directory/?type=parish").get_data(as_text=True)
    assert "seurakunta" in only_parishes and "palvelupiste" not in only_parishes


@pytest.mark.parametrize("query", ["page=0", "page=x", "type=<b>", "q=%25", "q=" + "k" * 300,
                                   "archived=maybe"])
def test_odd_directory_queries_never_fail(client, staff, query):
    login(client, staff)
    assert client.get(f"/directory/?{query}").status_code == 200


def test_archived_entries_leave_the_list_but_stay_readable(client, staff):
    organisation = make_organisation(name="Vanha yksikkö", unit=None)
    login(client, staff)
    client.post(f"/directory/{organisation.id}/archive", data={"archived": "1"})
    assert "Vanha yksikkö" not in client.get("/directory/").get_data(as_text=True)
    assert "Vanha yksikkö" in client.get("/directory/?archived=y").get_data(as_text=True)
    assert client.get(f"/directory/{organisation.id}").status_code == 200


def test_stale_edit_of_an_organisation_is_refused(client, staff):
    organisation = make_organisation(name="Kela", unit=None, type="kela")
    login(client, staff)
    first = client.post(f"/directory/{organisation.id}", data=dict(ORG, type="kela", name="Kela",
                                                                    unit="", version="1"))
    assert first.status_code == 303
    late = client.post(f"/directory/{organisation.id}", data=dict(
        ORG, type="kela", name="Kela", unit="", notes="Myöhästynyt muutos", version="1"))
    assert late.status_code == 422 and "Myöhästynyt muutos" in late.get_data(as_text=True)


def test_peers_read_but_do_not_change_the_directory(client, peer):
    organisation = make_organisation()
    login(client, peer)
    assert client.get("/directory/").status_code == 200
    assert client.get(f"/directory/{organisation.id}").status_code == 200
    assert client.post("/directory/new", data=ORG).status_code == 403
    assert client.post(f"/directory/{organisation.id}/archive", data={"archived": "1"}).status_code == 403
    assert db.session.get(Organisation, organisation.id).archived is False


def test_person_of_another_organisation_gives_404(client, staff):
    first = make_organisation(name="A", unit=None, people=[("Anna", None, False)])
    second = make_organisation(name="B", unit=None)
    person = db.session.scalars(select(ContactPerson)).one()
    login(client, staff)
    assert client.get(f"/directory/{second.id}/people/{person.id}").status_code == 404
    assert client.get(f"/directory/{first.id}/people/{person.id}").status_code == 200


def test_a_person_under_another_organisations_address_is_logged_as_refused(client, staff):
    make_organisation(name="A", unit=None, people=[("Anna", None, False)])
    second = make_organisation(name="B", unit=None)
    person = db.session.scalars(select(ContactPerson)).one()
    login(client, staff)
    wrong = f"/directory/{second.id}/people/{person.id}"
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, data={"name": "Muutettu"}).status_code == 404
    assert client.post(wrong + "/archive", data={"archived": "1"}).status_code == 404
    assert client.get(f"/directory/{second.id}/people/99999").status_code == 404
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")
                                .order_by(AuditEvent.id)).all()
    assert [e.object_id for e in denied] == [wrong, wrong, wrong + "/archive",
                                             f"/directory/{second.id}/people/99999"]
    assert all(e.user_id == staff.id for e in denied)
    assert denied[0].detail == f"contact person {person.id} of organisation {second.id}"
    assert db.session.get(ContactPerson, person.id).name == "Anna"


def test_changes_are_logged(client, staff):
    login(client, staff)
    client.post("/directory/new", data=ORG)
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "organisation", AuditEvent.action == "create")).one()


def test_stale_edit_of_a_contact_person_is_refused_and_saving_again_works(client, staff):
    organisation = make_organisation(name="A", unit=None, people=[("Anna", None, False)])
    person = db.session.scalars(select(ContactPerson)).one()
    opened = str(person.version)
    url = f"/directory/{organisation.id}/people/{person.id}"
    login(client, staff)
    assert client.post(url, data={"name": "Anna Aalto", "title": "", "phone": "", "email": "",
                                  "version": opened}).status_code == 303
    late = client.post(url, data={"name": "Anna Myöhäinen", "title": "Ohjaaja", "phone": "",
                                  "email": "", "version": opened})
    html = late.get_data(as_text=True)
    assert late.status_code == 422 and "Anna Myöhäinen" in html and 'role="alert"' in html
    assert db.session.get(ContactPerson, person.id).name == "Anna Aalto"
    current = re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)
    assert current != opened
    again = client.post(url, data={"name": "Anna Myöhäinen", "title": "Ohjaaja", "phone": "",
                                   "email": "", "version": current})
    assert again.status_code == 303
    assert db.session.get(ContactPerson, person.id).name == "Anna Myöhäinen"
