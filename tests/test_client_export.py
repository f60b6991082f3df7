"""A client's data exported for a request to see one's own data (SECURITY.md #24)."""
import json

import pytest
from sqlalchemy import func, select

from association_tool.demo import DEMO_PASSWORD, load_demo
from association_tool.extensions import db
from association_tool.models import AuditEvent, Client, User

from .factories import PASSWORD, make_client, pair


def sign_in(client, email, password=PASSWORD):
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302


@pytest.fixture
def demo(app):
    load_demo()
    db.session.commit()


def _busiest_client() -> int:
    """The demo client with the most rows about them in the client-owned tables."""
    counts = {}
    for table in db.metadata.sorted_tables:
        if "client_id" in table.c and table.name != "audit_event":
            for client_id, n in db.session.execute(
                    select(table.c.client_id, func.count()).group_by(table.c.client_id)):
                counts[client_id] = counts.get(client_id, 0) + n
    return max(counts, key=counts.get)


def _export(http, client_id):
    response = http.post(f"/clients/{client_id}/export")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename="client-{client_id}-')
    return json.loads(response.get_data(as_text=True))


def test_the_export_holds_every_record_of_the_client_and_nothing_of_others(client, demo):
    sign_in(client, "ohjaaja@demo.example.org", DEMO_PASSWORD)
    target = _busiest_client()
    client.get(f"/clients/{target}")  # a view, which the access log records
    data = _export(client, target)
    records = data["records"]

    assert data["client_id"] == target and [r["id"] for r in records["client"]] == [target]
    # Every row of every table that names the client is there...
    for table in db.metadata.sorted_tables:
        if "client_id" in table.c and table.name != "audit_event":
            expected = set(db.session.scalars(
                select(table.c.id).where(table.c.client_id == target)))
            assert {r["id"] for r in records.get(table.name, [])} == expected, table.name
    # ...and the rows hanging off those (a goal's progress, an agreement's lines, a meeting's
    # participants), which name the client only through their parent.
    assert records["goal_progress"] and records["agreement_line"] and records["meeting_participant"]
    goal_ids = {g["id"] for g in records["goal"]}
    assert all(p["goal_id"] in goal_ids for p in records["goal_progress"])
    # Nothing of another client.
    for name, rows in records.items():
        for row in rows:
            assert row.get("client_id", target) == target, (name, row)
    # The users named in the records are listed by name; no password hashes or addresses.
    assert {u["name"] for u in data["users"]} >= {"Sanna Palveluohjaaja"}
    text = json.dumps(data)
    assert "password" not in text and "argon2" not in text and "@demo.example.org" not in text
    # The access log's entries about the client, without the log's chaining or IP addresses.
    assert any(e["action"] == "view" for e in data["access_log"])
    assert all({"hash", "prev_hash", "ip"}.isdisjoint(e) for e in data["access_log"])

    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.client_id, event.object_type) == ("export", target, "client")


def test_the_client_page_offers_the_export_to_staff_only(client, staff, peer):
    person = make_client(display_name="Ruusu")
    pair(peer, person)
    sign_in(client, staff.email)
    assert f'action="/clients/{person.id}/export"' in client.get(f"/clients/{person.id}").get_data(as_text=True)
    client.post("/logout")
    sign_in(client, peer.email)
    page = client.get(f"/clients/{person.id}")
    assert page.status_code == 200 and "/export" not in page.get_data(as_text=True)
    refused = client.post(f"/clients/{person.id}/export")
    assert refused.status_code == 403 and b"Ruusu" not in refused.get_data()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export")) == 0


def test_an_unknown_client_gives_404(client, staff):
    sign_in(client, staff.email)
    assert client.post("/clients/999999/export").status_code == 404
    assert client.post("/clients/0/export").status_code == 404


def test_an_ended_client_can_be_exported_too(client, staff):
    person = make_client(display_name="Päättynyt")
    person.status = "ended"
    db.session.commit()
    sign_in(client, staff.email)
    assert _export(client, person.id)["records"]["client"][0]["display_name"] == "Päättynyt"


@pytest.mark.csrf
def test_the_export_needs_the_form_token(client, staff):
    from .conftest import extract_csrf

    person = make_client(display_name="Ruusu")
    token = extract_csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"/clients/{person.id}/export")
    assert response.status_code == 400 and b"Ruusu" not in response.get_data()
    assert db.session.get(User, staff.id) is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export")) == 0
    assert db.session.get(Client, person.id) is not None


def test_a_corrected_contact_is_exported_with_its_earlier_wording(client, staff):
    from association_tool.contacts import services as contacts
    from association_tool.timeutil import local_today

    person, other = make_client(display_name="Ruusu"), make_client(display_name="Kalle")
    for target in (person, other):
        contact = contacts.create_contact(target, on=local_today(), channel="phone",
                                          note=f"Alkuperäinen {target.display_name}.")
        contacts.update_contact(contact, on=contact.on, channel="phone", minutes=None,
                                worker_id=None, peer_id=None, topics=[], version=1, by=staff,
                                note=f"Korjattu {target.display_name}.")
    db.session.commit()
    sign_in(client, staff.email)
    records = _export(client, person.id)["records"]
    assert [c["note"] for c in records["contact"]] == ["Korjattu Ruusu."]
    assert [v["note"] for v in records["contact_version"]] == ["Alkuperäinen Ruusu."]
