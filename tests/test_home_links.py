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


# --- the first few on the home page, all on the page of what is due ------------------------------

def _many_due(staff, count):
    """A client with `count` tasks and `count` goal reviews due, earliest first by number."""
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    for number in range(count):
        create_task(person, title=f"Tehtävä {number:02d}", owner_id=staff.id,
                    due_date=TODAY - timedelta(days=count - number))
        db.session.add(Goal(client_id=person.id, text=f"Tavoite {number:02d}",
                            review_date=TODAY - timedelta(days=count - number)))
    db.session.commit()
    return person


def test_the_home_page_shows_the_first_ten_due_and_leads_to_all_of_them(client, staff):
    from association_tool.models import AuditEvent
    from sqlalchemy import func, select

    _many_due(staff, 12)
    login(client, staff)
    home = client.get("/").get_data(as_text=True)
    assert re.findall(r"Tehtävä (\d\d)<", home) == [f"{n:02d}" for n in range(10)]
    assert re.findall(r"Tavoite (\d\d)<", home) == [f"{n:02d}" for n in range(10)]
    assert 'href="/due#due-tasks"' in home and 'href="/due#due-reviews"' in home
    due = client.get("/due")
    page = due.get_data(as_text=True)
    assert due.status_code == 200
    assert re.findall(r"Tehtävä (\d\d)<", page) == [f"{n:02d}" for n in range(12)]
    assert re.findall(r"Tavoite (\d\d)<", page) == [f"{n:02d}" for n in range(12)]
    assert 'id="due-tasks"' in page and 'id="due-reviews"' in page and 'href="/"' in page
    assert "ensimmäistä näytetään" not in page  # nothing was left out
    # What the page shows of the clients is logged, as on the home page.
    logged = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "view", AuditEvent.object_type.in_(("tasks", "goals"))))
    assert logged == 4  # one client's tasks and goals, on each of the two pages


def test_with_no_more_than_ten_the_home_page_has_no_link_to_the_rest(client, staff):
    _many_due(staff, 10)
    login(client, staff)
    home = client.get("/").get_data(as_text=True)
    assert len(re.findall(r"Tehtävä \d\d<", home)) == 10 and "/due#" not in home


def test_the_page_of_all_that_is_due_says_when_it_shows_only_the_first(client, staff, monkeypatch):
    from association_tool.main import routes

    monkeypatch.setattr(routes, "DUE_ROWS", 5)
    _many_due(staff, 7)
    login(client, staff)
    page = client.get("/due").get_data(as_text=True)
    assert len(re.findall(r"Tehtävä \d\d<", page)) == 5
    assert page.count("Vain 5 ensimmäistä näytetään.") == 2


def test_a_peer_sees_on_the_page_of_all_due_only_what_the_client_shares(client, staff, peer):
    shared = make_client(display_name="Ruusu", responsible_id=staff.id)
    hidden = make_client(display_name="Kielo", responsible_id=staff.id)
    for person in (shared, hidden):
        create_task(person, title=f"Tehtävä {person.display_name}", owner_id=peer.id,
                    due_date=TODAY)
        db.session.add(Goal(client_id=person.id, text=f"Tavoite {person.display_name}",
                            review_date=TODAY))
    db.session.commit()
    pair(peer, shared, sections=("goals", "tasks"))
    login(client, peer)
    page = client.get("/due").get_data(as_text=True)
    assert "Tehtävä Ruusu" in page and "Tavoite Ruusu" in page
    assert "Kielo" not in page
    assert 'id="due-consents"' not in page  # consents are staff work
