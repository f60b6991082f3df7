"""The home page's tasks, goal reviews and ending consents lead to the very item: the address of
its section and the item's anchor, which the section's page has as an id."""
import re
from datetime import timedelta

from association_tool.consents import services as consents
from association_tool.extensions import db
from association_tool.models import Goal
from association_tool.network import services as network
from association_tool.tasks.services import create_task
from association_tool.timeutil import local_today

from .factories import login, make_client, pair

TODAY = local_today()


def _link(page: str, text: str) -> str:
    """The address of the link whose text starts with `text`."""
    match = re.search(r'<a href="([^"]+)">' + re.escape(text), page)
    assert match, f"no link {text!r}"
    return match.group(1)


def _opens_at_the_item(client, href: str) -> None:
    path, anchor = href.split("#")
    response = client.get(path)
    assert response.status_code == 200, href
    assert f'id="{anchor}"' in response.get_data(as_text=True), href


def test_a_task_links_to_its_row_in_the_tasks_section(client, staff):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    task = create_task(person, title="Soita Kelaan", owner_id=staff.id,
                       due_date=TODAY - timedelta(days=1))
    db.session.commit()
    login(client, staff)
    href = _link(client.get("/").get_data(as_text=True), "Soita Kelaan")
    assert href == f"/clients/{person.id}/tasks#task-{task.id}"
    _opens_at_the_item(client, href)


def test_a_goal_review_links_to_the_goal(client, staff):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    goal = Goal(client_id=person.id, text="Oma asunto", review_date=TODAY + timedelta(days=2))
    db.session.add(goal)
    db.session.commit()
    login(client, staff)
    href = _link(client.get("/").get_data(as_text=True), "Oma asunto")
    assert href == f"/clients/{person.id}/goals#goal-{goal.id}"
    _opens_at_the_item(client, href)


def test_an_ending_consent_links_to_its_row_in_the_consents_section(client, staff):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    member = network.add_member(person, dict(kind="private", name="Sisko Sisar", relation="sisko",
                                             sector="family", ring="inner", involved=True))
    consent = consents.record_consent(person, dict(
        kind="share", member_id=member.id, organisation_id=None, information=["general"],
        purpose="Yhteistyö", form="written", given_on=TODAY - timedelta(days=10),
        valid_until=TODAY + timedelta(days=5), wording="Annan luvan.",
        until_relationship_ends=False), by=staff)
    db.session.commit()
    login(client, staff)
    page = client.get("/").get_data(as_text=True)
    href = _link(page, "Sisko Sisar")
    assert href == f"/clients/{person.id}/consents#consent-{consent.id}"
    _opens_at_the_item(client, href)


def test_a_peer_is_led_to_the_item_too(client, staff, peer):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    task = create_task(person, title="Lähdetään ryhmään", owner_id=peer.id, due_date=TODAY)
    goal = Goal(client_id=person.id, text="Käyn ryhmässä", review_date=TODAY)
    db.session.add(goal)
    db.session.commit()
    pair(peer, person, sections=("goals", "tasks"))
    login(client, peer)
    page = client.get("/").get_data(as_text=True)
    assert _link(page, "Lähdetään ryhmään") == f"/clients/{person.id}/tasks#task-{task.id}"
    assert _link(page, "Käyn ryhmässä") == f"/clients/{person.id}/goals#goal-{goal.id}"
    _opens_at_the_item(client, _link(page, "Lähdetään ryhmään"))
    _opens_at_the_item(client, _link(page, "Käyn ryhmässä"))
