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

from .factories import login, make_client, pair

HTMX = {"HX-Request": "true"}


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
        # A body that is not UTF-8 is refused before the form is read.
        assert client.post(url, data=b"\xff\xfe", content_type="application/x-www-form-urlencoded"
                           ).status_code == 400
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


# --- the app's own tasks read in the reader's language ------------------------------------------

from association_tool.clients import services as clients  # noqa: E402
from association_tool.models import PeerPairing  # noqa: E402

from .factories import make_user  # noqa: E402

WORKER_CHANGE = {"fi": "Kerro asiakkaalle, kuka on hänen uusi vastuuhenkilönsä",
                 "sv": "Berätta för klienten vem som är hens nya ansvariga medarbetare",
                 "en": "Tell the client who their new responsible worker is"}
ENDING = {"fi": "Seurantapuhelu asiakkuuden päättymisen jälkeen",
          "sv": "Uppföljningssamtal efter att klientrelationen avslutats",
          "en": "Follow-up call after the client relationship ended"}
NEXT_MEETING = {"fi": "Seuraava verkostopalaveri tai seuranta",
                "sv": "Nästa nätverksmöte eller uppföljning",
                "en": "Next network meeting or follow-up"}
WITH = {"fi": "Kenen kanssa: ", "sv": "Med: ", "en": "With: "}


def readers():
    """One staff member for each language."""
    return {lang: make_user(role="staff", locale=lang, name=f"Lukija {lang}") for lang in WITH}


def page_of(http, user, url):
    http.post("/logout")
    login(http, user)
    response = http.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_worker_change_and_ending_tasks_read_in_each_readers_language(client, staff):
    people = readers()
    swede = make_user(role="staff", locale="sv", name="Svensk Arbetare")
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    clients.update_client(person, {"responsible_id": people["fi"].id}, version=person.version,
                          actor=swede)
    db.session.commit()
    kept = {task.id: "keep" for task in db.session.scalars(select(FollowUpTask))}
    clients.end_client(person, {"end_date": local_today(), "reason": "goals_reached",
                                "follow_up_date": local_today() + timedelta(days=3)}, actor=swede,
                       task_choices=kept)
    db.session.commit()
    tasks = db.session.scalars(select(FollowUpTask).order_by(FollowUpTask.id)).all()
    assert [(t.source, t.kind, t.title) for t in tasks] == [
        ("worker_change", "worker_change", ""), ("ending", "ending_follow_up", "")]
    for lang, reader in people.items():
        section = page_of(client, reader, f"/clients/{person.id}/tasks")
        assert WORKER_CHANGE[lang] in section and ENDING[lang] in section
        assert all(WORKER_CHANGE[other] not in section for other in WITH if other != lang)
    # The new worker's home page, in their own language (Finnish), whoever made the change.
    home = page_of(client, people["fi"], "/")
    assert WORKER_CHANGE["fi"] in home and ENDING["fi"] in home
    assert WORKER_CHANGE["sv"] not in home


def test_meeting_tasks_keep_the_typed_words_and_read_the_rest_in_the_readers_language(client, staff):
    from .test_meetings import action, approve, newest_meeting, plan, record

    people = readers()
    swede = make_user(role="staff", locale="sv", name="Svensk Sammankallare")
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, swede)
    meeting = plan(client, person, (), [staff])
    assert record(client, meeting, actions=[
        action("Soitetaan viikoittain", owner_id=staff.id, with_whom="Liisa Linkki")],
        next_note="").status_code == 303
    assert approve(client, meeting).status_code == 303
    assert newest_meeting().approved
    action_task, follow_up = db.session.scalars(
        select(FollowUpTask).where(FollowUpTask.source == "meeting").order_by(FollowUpTask.id)).all()
    assert (action_task.title, action_task.kind, action_task.details, action_task.params) == (
        "Soitetaan viikoittain", None, None, {"with_whom": "Liisa Linkki"})
    assert (follow_up.title, follow_up.kind) == ("", "next_meeting")
    for lang, reader in people.items():
        section = page_of(client, reader, f"/clients/{person.id}/tasks")
        assert "Soitetaan viikoittain" in section  # the convener's words, as typed
        assert WITH[lang] + "Liisa Linkki" in section and NEXT_MEETING[lang] in section
        others = [other for other in WITH if other != lang]
        assert all(NEXT_MEETING[other] not in section for other in others)


def test_the_next_due_column_reads_the_task_in_the_readers_language(client, staff):
    people = readers()
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    make_task(person, None, kind="next_meeting", owner_id=staff.id, source="meeting",
              due_date=local_today() + timedelta(days=1))
    for lang in ("fi", "sv"):
        assert NEXT_MEETING[lang] in page_of(client, people[lang], "/clients/")
        assert NEXT_MEETING[lang] in page_of(client, people[lang], f"/clients/{person.id}")


def test_a_task_needs_a_known_kind_or_a_title(app, staff):
    person = make_client()
    with pytest.raises(ValueError):
        create_task(person, kind="something_else", source="meeting")
    with pytest.raises(ValueError):
        create_task(person, title="  ")
    db.session.rollback()
    assert task_count() == 0


def test_the_migration_turns_known_texts_into_kinds_and_leaves_the_rest(app, staff):
    """Migration 0012: the app's own texts in any language become kinds; typed text stays."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    person = make_client()
    person_id = person.id
    db.session.commit()
    db.session.close()
    downgrade(revision="0011")
    rows = [  # title, details, source
        (WORKER_CHANGE["fi"], "previous=3", "worker_change"),
        (WORKER_CHANGE["sv"], None, "worker_change"),
        (ENDING["en"], None, "ending"),
        (NEXT_MEETING["sv"], None, "meeting"),
        ("Käy yhteydenpitosopimus läpi yhdessä asiakkaan kanssa", None, "agreement"),
        ("Soitetaan viikoittain", "Kenen kanssa: Liisa Linkki, aikuissosiaalityö", "meeting"),
        ("Haetaan asumistukea", "Med: Kela", "meeting"),
        (NEXT_MEETING["fi"], None, "manual"),  # typed by someone: stays their words
        ("Seurantapalaveri yhdistyksellä", None, "meeting"),  # a convener's own note
        ("Oma tehtävä", "Kenen kanssa: Kela", "manual"),
    ]
    for title, details, source in rows:
        db.session.execute(text(
            "INSERT INTO follow_up_task (client_id, title, details, status, source, created_at)"
            " VALUES (:client, :title, :details, 'open', :source, CURRENT_TIMESTAMP)"),
            {"client": person_id, "title": title, "details": details, "source": source})
    db.session.commit()
    db.session.close()
    upgrade()
    got = [(t.kind, t.title, t.details, t.params) for t in
           db.session.scalars(select(FollowUpTask).order_by(FollowUpTask.id))]
    assert got == [
        ("worker_change", "", "previous=3", None),
        ("worker_change", "", None, None),
        ("ending_follow_up", "", None, None),
        ("next_meeting", "", None, None),
        ("agreement_review", "", None, None),
        (None, "Soitetaan viikoittain", None, {"with_whom": "Liisa Linkki, aikuissosiaalityö"}),
        (None, "Haetaan asumistukea", None, {"with_whom": "Kela"}),
        (None, NEXT_MEETING["fi"], None, None),
        (None, "Seurantapalaveri yhdistyksellä", None, None),
        (None, "Oma tehtävä", "Kenen kanssa: Kela", None),
    ]
    db.session.close()
    downgrade(revision="0011")  # and back: the texts return, in Finnish
    titles = db.session.execute(text("SELECT title, details FROM follow_up_task ORDER BY id")).all()
    assert [tuple(r) for r in titles][:6] == [
        (WORKER_CHANGE["fi"], "previous=3"), (WORKER_CHANGE["fi"], None), (ENDING["fi"], None),
        (NEXT_MEETING["fi"], None), ("Käy yhteydenpitosopimus läpi yhdessä asiakkaan kanssa", None),
        ("Soitetaan viikoittain", "Kenen kanssa: Liisa Linkki, aikuissosiaalityö")]
    db.session.close()
    upgrade()


# --- what a peer supporter sees of tasks ----------------------------------------------------------

PARTY = "Liisa Linkki, aikuissosiaalityö"
MEETING_TASK = "Soitetaan viikoittain"


@pytest.fixture
def tasks_of_every_kind(staff, peer):
    """A client whose tasks come from everywhere; the peer does some of them."""
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    soon = local_today() + timedelta(days=2)
    made = {
        "manual": make_task(person, "Tuodaan kahvia", owner_id=peer.id, due_date=soon),
        "meeting": make_task(person, MEETING_TASK, owner_id=peer.id, due_date=soon,
                             params={"with_whom": PARTY}, source="meeting", source_id=1),
        "meeting_party": make_task(person, "Selvitetään vuokrarästi", owner_party=PARTY,
                                   due_date=soon, source="meeting", source_id=1),
        "errand": make_task(person, "Viedään hakemus Kelaan", owner_id=peer.id, due_date=soon,
                            source="errand", source_id=1),
        "worker_change": make_task(person, None, kind="worker_change", owner_id=peer.id,
                                   due_date=soon, source="worker_change"),
        "ending": make_task(person, None, kind="ending_follow_up", owner_id=peer.id,
                            due_date=soon, source="ending"),
    }
    return person, made


def peer_pages(http, peer, person):
    """The home page and the tasks section as the peer gets them (the section may be refused)."""
    http.post("/logout")
    login(http, peer)
    home = http.get("/")
    section = http.get(f"/clients/{person.id}/tasks")
    assert home.status_code == 200
    return home.get_data(as_text=True), section


def test_a_peer_allowed_only_contacts_and_tasks_sees_no_meeting_task(
        client, peer, tasks_of_every_kind):
    person, made = tasks_of_every_kind
    pair(peer, person, sections=("contacts", "tasks"))
    home, section = peer_pages(client, peer, person)
    assert section.status_code == 200
    for body in (home, section.get_data(as_text=True),
                 client.get(f"/clients/{person.id}").get_data(as_text=True),
                 client.get("/clients/").get_data(as_text=True)):
        assert PARTY not in body and "Liisa Linkki" not in body
        for hidden in (MEETING_TASK, "Selvitetään vuokrarästi", "Viedään hakemus Kelaan",
                       WORKER_CHANGE["fi"], ENDING["fi"]):
            assert hidden not in body
    assert "Tuodaan kahvia" in home and "Tuodaan kahvia" in section.get_data(as_text=True)
    # Nor can the peer reach a hidden task by its id.
    url = f"/clients/{person.id}/tasks/{made['meeting'].id}/status"
    response = client.post(url, data={"status": "done"}, headers=HTMX)
    assert response.status_code == 404 and MEETING_TASK not in response.get_data(as_text=True)
    assert reload(made["meeting"].id).status == "open"
    assert events(action="denied", client_id=person.id, user_id=peer.id)


def test_a_peer_allowed_only_contacts_sees_no_task_at_all(client, peer, tasks_of_every_kind):
    person, _made = tasks_of_every_kind
    pair(peer, person, sections=("contacts",))
    home, section = peer_pages(client, peer, person)
    assert section.status_code == 404
    for body in (home, section.get_data(as_text=True)):
        assert PARTY not in body and MEETING_TASK not in body and "Tuodaan kahvia" not in body


def test_a_peer_allowed_the_meetings_sees_the_meeting_tasks(client, peer, tasks_of_every_kind):
    person, made = tasks_of_every_kind
    pair(peer, person, sections=("contacts", "tasks", "meetings"))
    home, section = peer_pages(client, peer, person)
    section = section.get_data(as_text=True)
    assert MEETING_TASK in home and MEETING_TASK in section
    assert "Kenen kanssa: " + PARTY in section and "Selvitetään vuokrarästi" in section
    assert "Viedään hakemus Kelaan" not in section + home  # the errands are not allowed
    # The staff-only sources stay staff-only, whatever the client allows.
    assert WORKER_CHANGE["fi"] not in section + home and ENDING["fi"] not in section + home
    response = client.post(f"/clients/{person.id}/tasks/{made['meeting'].id}/status",
                           data={"status": "done"}, headers=HTMX)
    assert response.status_code == 200 and reload(made["meeting"].id).status == "done"


def test_staff_see_every_task(client, staff, tasks_of_every_kind):
    person, _made = tasks_of_every_kind
    login(client, staff)
    section = client.get(f"/clients/{person.id}/tasks").get_data(as_text=True)
    for shown in (MEETING_TASK, PARTY, "Viedään hakemus Kelaan", WORKER_CHANGE["fi"], ENDING["fi"],
                  "Tuodaan kahvia"):
        assert shown in section


def test_an_ended_pairing_shows_no_task_even_the_peers_own(client, peer, tasks_of_every_kind):
    person, _made = tasks_of_every_kind
    pair(peer, person, sections=("contacts", "tasks", "meetings", "errands"),
         ends_on=local_today() - timedelta(days=1))
    home, section = peer_pages(client, peer, person)
    assert section.status_code == 404
    for body in (home, section.get_data(as_text=True)):
        for hidden in (MEETING_TASK, PARTY, "Tuodaan kahvia", "Viedään hakemus Kelaan", "Ruusu"):
            assert hidden not in body


def test_a_pairing_ending_today_still_shows_the_tasks(client, peer, tasks_of_every_kind):
    person, _made = tasks_of_every_kind
    pair(peer, person, sections=("tasks",), ends_on=local_today())
    home, section = peer_pages(client, peer, person)
    assert section.status_code == 200 and "Tuodaan kahvia" in home


def test_the_home_page_logs_a_view_of_each_clients_tasks(client, staff, peer, tasks_of_every_kind):
    person, _made = tasks_of_every_kind
    other = make_client(display_name="Toinen")
    make_task(other, "Toisen tehtävä", owner_id=peer.id, due_date=local_today())
    pair(peer, person, sections=("tasks",))
    pair(peer, other, sections=("tasks",))
    hidden = make_client(display_name="Ei paria")
    make_task(hidden, "Ei näy", owner_id=peer.id, due_date=local_today())
    home, _section = peer_pages(client, peer, person)
    assert "Toisen tehtävä" in home and "Tuodaan kahvia" in home and "Ei näy" not in home
    logged = {e.client_id for e in events(action="view", object_type="tasks", user_id=peer.id)}
    assert {person.id, other.id} <= logged and hidden.id not in logged
    from association_tool.audit import verify_chain

    assert verify_chain().ok  # the views written together still chain one after another


def test_the_access_rule_covers_every_task_source():
    """A source missing from access.TASK_SOURCE_SECTIONS would be staff-only by accident."""
    from association_tool.access import TASK_SOURCE_SECTIONS
    from association_tool.labels import LABELS

    assert set(TASK_SOURCE_SECTIONS) == set(LABELS["task_source"])
