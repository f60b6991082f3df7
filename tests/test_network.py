"""The client's network: members from the directory or private, the map as SVG, access."""
import re
import xml.etree.ElementTree as ET

from sqlalchemy import select

from association_tool.extensions import db
from association_tool.models import AuditEvent, ContactPerson, NetworkMember

from .factories import login, make_client, make_organisation, pair

SVG = "{http://www.w3.org/2000/svg}"


def member(**overrides):
    data = {"kind": "private", "contact_person_id": "", "organisation_id": "", "name": "Sisko Sisar",
            "relation": "sisko", "phone": "040 555", "sector": "family", "ring": "inner",
            "role_note": "Tukee arjessa", "involved": "y"}
    data.update(overrides)
    return data


def test_add_private_person_directory_person_and_organisation(client, staff):
    organisation = make_organisation(people=[("Liisa Linkki", "Sosiaalityöntekijä", True)])
    person = db.session.scalars(select(ContactPerson)).one()
    person_name = client_name = "Ruusu"
    target = make_client(display_name=client_name)
    login(client, staff)
    assert client.post(f"/clients/{target.id}/network", data=member()).status_code == 303
    assert client.post(f"/clients/{target.id}/network", data=member(
        kind="person", contact_person_id=str(person.id), name="", sector="services",
        ring="middle")).status_code == 303
    assert client.post(f"/clients/{target.id}/network", data=member(
        kind="organisation", organisation_id=str(organisation.id), name="", sector="services",
        ring="outer", involved="")).status_code == 303
    members = db.session.scalars(select(NetworkMember).order_by(NetworkMember.id)).all()
    assert [m.kind for m in members] == ["private", "person", "organisation"]
    assert members[1].name is None and members[2].involved is False
    page = client.get(f"/clients/{target.id}/network").get_data(as_text=True)
    for text in ("Sisko Sisar", "Liisa Linkki", "Aikuissosiaalityö", person_name):
        assert text in page


def test_bad_member_input_is_refused_with_text_kept(client, staff):
    target = make_client()
    login(client, staff)
    cases = [member(name=""), member(kind="person", contact_person_id=""),
             member(kind="organisation", organisation_id="999"), member(sector="moon"),
             member(ring="far"), member(kind="robot"), member(role_note="x" * 301)]
    for data in cases:
        data.setdefault("relation", "sisko")
        response = client.post(f"/clients/{target.id}/network", data=dict(data, relation="naapurin kissa"))
        assert response.status_code == 422, data
        assert "naapurin kissa" in response.get_data(as_text=True)
    assert db.session.query(NetworkMember).count() == 0


def _svg(client, target):
    response = client.get(f"/clients/{target.id}/network.svg")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    return response.get_data(as_text=True)


def test_the_map_is_well_formed_and_names_everyone(client, staff):
    target = make_client(display_name="Ruusu")
    login(client, staff)
    names = [("Äiti Aino", "family", "inner"), ("Naapuri Niilo", "friends", "middle"),
             ("Ryhmän Riikka", "associations", "outer"), ("Muu Matti", "other", "inner")]
    names += [(f"Ystävä {i}", "friends", "outer") for i in range(6)]
    for name, sector, ring in names:
        client.post(f"/clients/{target.id}/network", data=member(name=name, sector=sector, ring=ring))
    root = ET.fromstring(_svg(client, target).encode())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for name, _, _ in names:
        assert name in texts
    assert "Ruusu" in texts
    assert root.find(f"{SVG}title") is not None


def test_names_are_escaped_in_the_map_and_the_page(client, staff):
    target = make_client(display_name="<b>Ruusu</b>")
    login(client, staff)
    evil = "</text><script>x</script>&"  # 26 characters: shown whole on the map
    client.post(f"/clients/{target.id}/network", data=member(name=evil, relation="<img src=x onerror=1>"))
    svg = _svg(client, target)
    root = ET.fromstring(svg.encode())  # still well-formed
    assert evil in [t.text for t in root.iter(f"{SVG}text")]
    assert "<script>" not in svg and "<img" not in svg
    page = client.get(f"/clients/{target.id}/network").get_data(as_text=True)
    assert "<script>x" not in page and "&lt;script&gt;" in page


def test_members_of_another_client_give_404(client, staff):
    first, second = make_client(), make_client()
    login(client, staff)
    client.post(f"/clients/{first.id}/network", data=member())
    member_id = db.session.scalars(select(NetworkMember.id)).one()
    assert client.post(f"/clients/{second.id}/network/{member_id}/remove").status_code == 404
    assert client.get(f"/clients/{second.id}/network/{member_id}/edit").status_code == 404
    assert db.session.query(NetworkMember).count() == 1


def test_edit_keeps_an_archived_directory_person_choosable(client, staff):
    make_organisation(people=[("Liisa Linkki", "Sosiaalityöntekijä", True)])
    person = db.session.scalars(select(ContactPerson)).one()
    target = make_client()
    login(client, staff)
    client.post(f"/clients/{target.id}/network", data=member(
        kind="person", contact_person_id=str(person.id), sector="services"))
    client.post(f"/directory/{person.organisation_id}/people/{person.id}/archive", data={"archived": "1"})
    existing = db.session.scalars(select(NetworkMember)).one()
    response = client.post(f"/clients/{target.id}/network/{existing.id}/edit", data=member(
        kind="person", contact_person_id=str(person.id), sector="services", ring="outer",
        version=str(existing.version)))
    assert response.status_code == 303
    assert db.session.get(NetworkMember, existing.id).ring == "outer"
    assert "Liisa Linkki" in client.get(f"/clients/{target.id}/network").get_data(as_text=True)


def test_peers_see_the_network_only_when_allowed_and_never_change_it(client, staff, peer):
    target = make_client()
    login(client, staff)
    client.post(f"/clients/{target.id}/network", data=member(name="Salainen Sisko"))
    client.post("/logout")
    pair(peer, target, sections=("goals",))
    login(client, peer)
    denied = client.get(f"/clients/{target.id}/network")
    assert denied.status_code == 404 and "Salainen Sisko" not in denied.get_data(as_text=True)
    assert client.get(f"/clients/{target.id}/network.svg").status_code == 404
    client.post("/logout")
    pair(peer, target, sections=("goals", "network"))
    login(client, peer)
    assert "Salainen Sisko" in client.get(f"/clients/{target.id}/network").get_data(as_text=True)
    assert client.post(f"/clients/{target.id}/network", data=member(name="Peer lisäsi")).status_code == 403


def test_views_and_changes_are_logged(client, staff):
    target = make_client()
    login(client, staff)
    client.post(f"/clients/{target.id}/network", data=member())
    client.get(f"/clients/{target.id}/network.svg")
    actions = {(e.action, e.object_type) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.client_id == target.id))}
    assert ("create", "network_member") in actions and ("view", "network_map") in actions


def test_stale_edit_of_a_member_is_refused_and_saving_again_works(client, staff):
    target = make_client()
    login(client, staff)
    client.post(f"/clients/{target.id}/network", data=member())
    existing = db.session.scalars(select(NetworkMember)).one()
    opened, url = str(existing.version), f"/clients/{target.id}/network/{existing.id}/edit"
    assert client.post(url, data=member(ring="middle", version=opened)).status_code == 303
    late = client.post(url, data=member(role_note="Myöhästynyt muutos", version=opened))
    html = late.get_data(as_text=True)
    assert late.status_code == 422 and "Myöhästynyt muutos" in html
    assert db.session.get(NetworkMember, existing.id).ring == "middle"
    current = re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)
    assert current != opened
    again = client.post(url, data=member(role_note="Myöhästynyt muutos", version=current))
    assert again.status_code == 303
    assert db.session.get(NetworkMember, existing.id).role_note == "Myöhästynyt muutos"
