"""Follow-up tasks: the client's open and closed tasks, adding one, marking it done."""
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from association_tool.extensions import db
from association_tool.labels import label
from association_tool.models import AuditEvent, FollowUpTask
from association_tool.tasks.services import create_task
from association_tool.timeutil import local_today

from .factories import PASSWORD, make_client, pair

HTMX = {"HX-Request": "true"}


def login(client, user):
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def finnish(app, kind, value):
    """The label a Finnish-speaking user sees."""
    with app.test_request_context(), force_locale("fi"):
        return label(kind, value)


def task_count():
    return db.session.scalar(select(func.count(FollowUpTask.id)))


def events(**where):
    query = select(AuditEvent)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return db.session.scalars(query).all()


def reload(task_id):
    db.session.expire_all()
    return db.session.get(FollowUpTask, task_id)


def make_task(person, title, **kwargs):
    task = create_task(person, title=title, **kwargs)
    db.session.commit()
    return task


# --- the section -------------------------------------------------------------------------------

def test_staff_sees_open_tasks_by_due_date_with_overdue_marked(app, client, staff):
    person = make_client()
    today = local_today()
    make_task(person, "Ei päivää", owner_party="Kela")
    make_task(person, "Myöhässä oleva", owner_id=staff.id, due_date=today - timedelta(days=2))
    make_task(person, "Ensi viikolla", owner_id=staff.id, due_date=today + timedelta(days=7))
    done = make_task(person, "Jo tehty", owner_id=staff.id, source="meeting")
    login(client, staff)
    client.post(f"/clients/{person.id}/tasks/{done.id}/status", data={"status": "done"})
    response = client.get(f"/clients/{person.id}/tasks")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="section-tasks"' in body
    assert body.index("Myöhässä oleva") < body.index("Ensi viikolla") < body.index("Ei päivää") \
        < body.index("Jo tehty")
    assert '<span class="overdue">' in body and body.count('<span class="overdue">') == 1
    assert "Kela" in body and staff.name in body
    assert finnish(app, "task_source", "manual") in body
    assert finnish(app, "task_source", "meeting") in body
    assert events(action="view", object_type="tasks", client_id=person.id, user_id=staff.id)


def test_htmx_gets_the_section_alone(client, staff):
    person = make_client()
    login(client, staff)
    body = client.get(f"/clients/{person.id}/tasks", headers=HTMX).get_data(as_text=True)
    assert body.lstrip().startswith('<section id="section-tasks"') and "<html" not in body


def test_staff_adds_a_task_for_a_user(client, staff, peer):
    person = make_client()
    login(client, staff)
    response = client.post(f"/clients/{person.id}/tasks", data={
        "title": "Soita asumisneuvojalle", "details": "Vuokrarästit", "owner_id": str(peer.id),
        "owner_party": "", "due_date": "2026-05-04"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/clients/{person.id}/tasks")
    task = db.session.scalars(select(FollowUpTask)).one()
    assert (task.client_id, task.title, task.details, task.owner_id, task.owner_party) == (
        person.id, "Soita asumisneuvojalle", "Vuokrarästit", peer.id, None)
    assert (task.due_date, task.status, task.source, task.created_by_id) == (
        date(2026, 5, 4), "open", "manual", staff.id)
    assert events(action="create", object_type="task", object_id=str(task.id), client_id=person.id)


def test_staff_adds_a_task_for_an_outside_party_with_htmx(client, staff):
    person = make_client()
    login(client, staff)
    response = client.post(f"/clients/{person.id}/tasks", headers=HTMX, data={
        "title": "Lähettää päätös", "owner_id": "", "owner_party": "Sosiaalitoimisto"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "notice-success" in body and "<html" not in body
    assert "Lähettää päätös" in body and "Sosiaalitoimisto" in body
    task = db.session.scalars(select(FollowUpTask)).one()
    assert task.owner_id is None and task.owner_party == "Sosiaalitoimisto" and task.due_date is None


@pytest.mark.parametrize("changes", [
    {"owner_party": "Kela"},  # both a user and an outside party
    {"owner_id": "", "owner_party": ""},  # neither
    {"owner_id": "", "owner_party": "   "},  # neither, once trimmed
    {"title": ""},
    {"title": "x" * 301},
    {"owner_id": "", "owner_party": "y" * 201},
    {"owner_id": "99999"},
    {"owner_id": "abc"},
    {"due_date": "2026-02-30"},
    {"due_date": "huomenna"},
    {"details": "d" * 5001},
])
def test_bad_task_input_is_refused_and_kept(client, staff, changes):
    person = make_client()
    login(client, staff)
    data = {"title": "Varaa aika terveysasemalle", "details": "Tämä säilyy", "owner_id": str(staff.id),
            "owner_party": "", "due_date": "2026-06-01"}
    data.update(changes)
    for headers in ({}, HTMX):
        response = client.post(f"/clients/{person.id}/tasks", data=data, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert "field-error" in body and 'aria-invalid="true"' in body
        for name, value in data.items():
            if value.strip() and name != "owner_id":
                assert value in body, name  # what was typed is still there
    assert task_count() == 0


def test_garbage_bodies_never_give_a_500(client, staff):
    person = make_client()
    task = make_task(person, "Tehtävä", owner_id=staff.id)
    login(client, staff)
    for url in (f"/clients/{person.id}/tasks", f"/clients/{person.id}/tasks/{task.id}/status"):
        assert client.post(url, data={}).status_code == 422
        assert client.post(url, data={"status": ["done", "open"], "title": ["a", "b"]}).status_code < 500
        assert client.post(url, data=b"\xff\xfe", content_type="application/x-www-form-urlencoded"
                           ).status_code == 422
    assert task_count() == 1


# --- status ------------------------------------------------------------------------------------

def test_staff_marks_a_task_done_with_htmx(client, staff):
    person = make_client()
    task = make_task(person, "Soita Kelaan", owner_party="Kela")
    login(client, staff)
    response = client.post(f"/clients/{person.id}/tasks/{task.id}/status", data={"status": "done"},
                           headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="task-{task.id}">') and "Soita Kelaan" in body
    task = reload(task.id)
    assert task.status == "done" and task.done_at is not None
    assert events(action="update", object_type="task", object_id=str(task.id), client_id=person.id)


@pytest.mark.parametrize("status", ["cancelled", "done"])
def test_staff_closes_and_reopens_without_javascript(client, staff, status):
    person = make_client()
    task = make_task(person, "Hae lomake", owner_id=staff.id)
    login(client, staff)
    url = f"/clients/{person.id}/tasks/{task.id}/status"
    response = client.post(url, data={"status": status})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/clients/{person.id}/tasks")
    assert reload(task.id).status == status
    assert client.post(url, data={"status": "open"}).status_code == 303
    task = reload(task.id)
    assert task.status == "open" and task.done_at is None


def test_unknown_status_is_refused(client, staff):
    person = make_client()
    task = make_task(person, "Hae lomake", owner_id=staff.id)
    login(client, staff)
    url = f"/clients/{person.id}/tasks/{task.id}/status"
    for headers in ({}, HTMX):
        response = client.post(url, data={"status": "finished"}, headers=headers)
        assert response.status_code == 422
        assert "Hae lomake" in response.get_data(as_text=True)
    assert reload(task.id).status == "open"


def test_a_task_of_another_client_is_404(client, staff):
    person, other = make_client(), make_client()
    task = make_task(other, "Toisen asiakkaan tehtävä", owner_id=staff.id)
    login(client, staff)
    response = client.post(f"/clients/{person.id}/tasks/{task.id}/status", data={"status": "done"})
    assert response.status_code == 404
    assert "Toisen asiakkaan tehtävä" not in response.get_data(as_text=True)
    assert client.post(f"/clients/{person.id}/tasks/99999/status",
                       data={"status": "done"}).status_code == 404
    assert client.post(f"/clients/{person.id}/tasks/99999999999/status",
                       data={"status": "done"}).status_code == 404
    assert reload(task.id).status == "open"


def test_unknown_client_is_404(client, staff):
    login(client, staff)
    assert client.get("/clients/999/tasks").status_code == 404
    assert client.post("/clients/999/tasks", data={"title": "x", "owner_party": "y"}).status_code == 404
    assert task_count() == 0


# --- peer supporters ---------------------------------------------------------------------------

def test_peer_allowed_tasks_sees_them_and_marks_their_own_done(client, staff, peer):
    person = make_client()
    pair(peer, person)
    own = make_task(person, "Lähde mukaan Kelaan", owner_id=peer.id)
    others = make_task(person, "Työntekijän tehtävä", owner_id=staff.id)
    login(client, peer)
    body = client.get(f"/clients/{person.id}/tasks").get_data(as_text=True)
    assert "Lähde mukaan Kelaan" in body and "Työntekijän tehtävä" in body
    assert f"/tasks/{own.id}/status" in body and f"/tasks/{others.id}/status" not in body

    response = client.post(f"/clients/{person.id}/tasks/{own.id}/status", data={"status": "done"},
                           headers=HTMX)
    assert response.status_code == 200 and reload(own.id).status == "done"
    assert events(action="update", object_type="task", user_id=peer.id)
    # An undo of their own click is fine; cancelling or touching others' tasks is not.
    url_own = f"/clients/{person.id}/tasks/{own.id}/status"
    assert client.post(url_own, data={"status": "open"}).status_code == 303
    assert client.post(url_own, data={"status": "cancelled"}).status_code == 403
    assert client.post(f"/clients/{person.id}/tasks/{others.id}/status",
                       data={"status": "done"}).status_code == 403
    assert reload(own.id).status == "open" and reload(others.id).status == "open"
    assert events(action="denied", user_id=peer.id, client_id=person.id)


def test_peer_adds_tasks_only_for_themselves(client, staff, peer):
    person = make_client()
    pair(peer, person)
    login(client, peer)
    body = client.get(f"/clients/{person.id}/tasks").get_data(as_text=True)
    assert 'name="owner_party"' not in body and f'value="{staff.id}"' not in body
    response = client.post(f"/clients/{person.id}/tasks", data={
        "title": "Muistuta ajasta", "owner_id": str(staff.id)})
    assert response.status_code == 422 and "Muistuta ajasta" in response.get_data(as_text=True)
    assert task_count() == 0
    response = client.post(f"/clients/{person.id}/tasks", data={
        "title": "Muistuta ajasta", "owner_id": str(peer.id), "owner_party": "Kela"})
    assert response.status_code == 303
    task = db.session.scalars(select(FollowUpTask)).one()
    assert task.owner_id == peer.id and task.owner_party is None and task.created_by_id == peer.id


@pytest.mark.parametrize("sections", [("goals", "contacts"), None])
def test_peer_without_the_section_gets_404_and_sees_nothing(client, staff, peer, sections):
    person = make_client()
    if sections is not None:
        pair(peer, person, sections=sections)
    task = make_task(person, "Salainen tehtävä", owner_id=peer.id)
    login(client, peer)
    for response in (
            client.get(f"/clients/{person.id}/tasks"),
            client.get(f"/clients/{person.id}/tasks", headers=HTMX),
            client.post(f"/clients/{person.id}/tasks", data={"title": "Uusi", "owner_id": str(peer.id)}),
            client.post(f"/clients/{person.id}/tasks/{task.id}/status", data={"status": "done"})):
        assert response.status_code == 404
        assert "Salainen tehtävä" not in response.get_data(as_text=True)
    assert task_count() == 1 and reload(task.id).status == "open"
    assert events(action="denied", user_id=peer.id, client_id=person.id)
