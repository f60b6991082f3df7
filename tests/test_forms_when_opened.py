"""A section's add form is fetched when its <details> is opened, not built on every view of the
section; a plain link opens the section with that form open. The forms are the same either way."""
from __future__ import annotations

import re

import pytest

from association_tool.contacts.services import create_contact
from association_tool.extensions import db
from association_tool.models import Goal
from association_tool.timeutil import local_today

from .factories import login, make_client, make_user, pair

HX = {"HX-Request": "true"}
# section, the form's own field, the address it posts to
FORMS = [("tasks", 'name="title"', "/tasks"), ("network", 'name="relation"', "/network"),
         ("errands", 'name="about"', "/errands"), ("consents", 'name="purpose"', "/consents"),
         ("contacts", 'name="minutes"', "/contacts"), ("goals", 'name="means"', "/goals")]


@pytest.mark.parametrize("section, field, posts_to", FORMS)
def test_the_form_comes_when_opened(client, staff, section, field, posts_to):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    # Without contacts or goals yet, their form is shown open at once.
    if section == "contacts":
        create_contact(person, on=local_today(), channel="phone")
    if section == "goals":
        db.session.add(Goal(client_id=person.id, text="Oma asunto"))
    db.session.commit()
    login(client, staff)
    base = f"/clients/{person.id}"
    page = client.get(f"{base}/{section}", headers=HX).get_data(as_text=True)
    assert f'hx-get="{base}/{section}/new"' in page and field not in page
    assert f'href="{base}/{section}/new#section-{section}"' in page
    fragment = client.get(f"{base}/{section}/new", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and field in html and "<section" not in html
    assert f'hx-post="{base}{posts_to}"' in html
    plain = client.get(f"{base}/{section}/new").get_data(as_text=True)
    assert "<html" in plain and field in plain
    assert re.search(r"<details[^>]* open>\s*<summary", plain)
    # The same choices either way.
    assert re.findall(r'<option[^>]*>[^<]*', html) == re.findall(r'<option[^>]*>[^<]*', plain)


def test_a_peer_supporter_adds_tasks_only_for_themselves(client, staff):
    peer = make_user(role="peer", name="Vertais Veera")
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    pair(peer, person, sections=("goals", "tasks", "errands"))
    login(client, peer)
    html = client.get(f"/clients/{person.id}/tasks/new", headers=HX).get_data(as_text=True)
    owners = re.search(r'<select[^>]*name="owner_id".*?</select>', html, re.S).group(0)
    assert re.findall(r'value="(\d+)"', owners) == [str(peer.id)]
    for section in ("network", "errands", "consents", "goals"):
        assert client.get(f"/clients/{person.id}/{section}/new", headers=HX).status_code in (403, 404)


def test_the_form_of_a_client_one_may_not_see_is_not_given(client, staff):
    peer = make_user(role="peer", name="Vertais Vieras")
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, peer)
    assert client.get(f"/clients/{person.id}/tasks/new", headers=HX).status_code == 404


def test_the_form_for_what_was_shared_with_a_partner_comes_when_opened(client, staff):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, staff)
    base = f"/clients/{person.id}/referrals"
    page = client.get(base, headers=HX).get_data(as_text=True)
    assert f'hx-get="{base}/observations"' in page and 'id="observation-form"' not in page
    fragment = client.get(f"{base}/observations", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith("<form") and 'id="observation-form"' in fragment
    assert f'hx-post="{base}/observations"' in fragment
    plain = client.get(f"{base}/observations").get_data(as_text=True)
    assert "<html" in plain and 'id="observation-form"' in plain
    assert re.search(r"<details open>\s*<summary>", plain)
    # A mistake brings the form back open in the section, with what was typed.
    wrong = client.post(f"{base}/observations", data={"what": "Soitin sosiaalityöntekijälle."},
                        headers=HX)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Soitin sosiaalityöntekijälle." in html
    assert 'id="observation-form"' in html
