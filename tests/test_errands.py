"""Errands: staff add, change and remove them; paired peers see them and record what they witnessed."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from association_tool.errands import services
from association_tool.extensions import db
from association_tool.models import AuditEvent, FollowUpTask
from association_tool.models.errands import Errand
from association_tool.timeutil import local_today

from .factories import login, make_client, make_user, pair


def logout(client):
    client.post("/logout")


def errand_data(**overrides):
    data = {"about": "Asumistuen hakeminen", "type": "kela",
            "on": (local_today() + timedelta(days=5)).isoformat(), "starts_at": "13:30",
            "place": "Kelan palvelupiste", "address": "Esimerkkitie 5, Kuopio",
            "meet_whom": "Palveluneuvoja Pekka", "companion_id": "", "interpreter_needed": "",
            "things_to_bring": "Henkilöllisyystodistus\nVuokrasopimus",
            "questions": "Kauanko päätös kestää?\nVoiko liitteet lähettää netissä?"}
    data.update(overrides)
    return data


def add_errand(client, target, **overrides):
    response = client.post(f"/clients/{target.id}/errands", data=errand_data(**overrides))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return db.session.scalars(select(Errand).order_by(Errand.id.desc())).first()


def events(client_id=None, action=None):
    query = select(AuditEvent)
    if client_id is not None:
        query = query.where(AuditEvent.client_id == client_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


# --- staff: add, change, remove -----------------------------------------------------------------

def test_staff_add_an_errand_and_see_it_on_its_page(client, staff):
    target = make_client(display_name="Ruusu")
    login(client, staff)
    response = client.post(f"/clients/{target.id}/errands", data=errand_data(companion_id=str(staff.id)))
    errand = db.session.scalars(select(Errand)).one()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/clients/{target.id}/errands/{errand.id}")
    assert errand.type == "kela" and errand.starts_at.strftime("%H:%M") == "13:30"
    assert errand.bring_list == ["Henkilöllisyystodistus", "Vuokrasopimus"]
    assert errand.companion_id == staff.id and errand.created_by_id == staff.id
    page = client.get(f"/clients/{target.id}/errands/{errand.id}").get_data(as_text=True)
    for text in ("Asumistuen hakeminen", "Kelan palvelupiste", "Palveluneuvoja Pekka",
                 "Kauanko päätös kestää?", "Vuokrasopimus", staff.name, "Ruusu"):
        assert text in page
    assert f'href="/clients/{target.id}"' in page  # the way back to the client page
    assert f"/clients/{target.id}/errands/{errand.id}/checklist.pdf" in page
    assert ("create", "errand") in {(e.action, e.object_type) for e in events(target.id)}


def test_the_section_answers_htmx_with_a_fragment_and_plain_requests_with_a_page(client, staff):
    target = make_client()
    login(client, staff)
    fragment = client.post(f"/clients/{target.id}/errands", data=errand_data(),
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and 'id="section-errands"' in body
    assert "Asumistuen hakeminen" in body and "<html" not in body
    page = client.get(f"/clients/{target.id}/errands").get_data(as_text=True)
    assert "<html" in page and 'id="section-errands"' in page
    assert f'href="/clients/{target.id}"' in page
    show = client.get(f"/clients/{target.id}").get_data(as_text=True)
    assert f'hx-get="/clients/{target.id}/errands"' in show  # the client page loads the section


def test_empty_things_to_bring_get_the_usual_list_for_the_type(client, staff, admin):
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target, type="health_centre", things_to_bring="")
    with force_locale("fi"):
        expected = services.default_things_to_bring("health_centre").splitlines()
    assert errand.bring_list == expected and len(expected) == 4
    logout(client)
    login(client, admin)
    client.post("/admin/settings/errands", data={
        f"bring_{t}": "Henkilökortti\nOmat lääkkeet" if t == "health_centre" else "Henkilökortti"
        for t in services.ERRAND_TYPES})
    logout(client)
    login(client, staff)
    errand = add_errand(client, target, type="health_centre", things_to_bring="  ")
    assert errand.bring_list == ["Henkilökortti", "Omat lääkkeet"]


def test_errands_are_listed_upcoming_first_then_past_with_dates(client, staff):
    target = make_client()
    login(client, staff)
    today = local_today()
    for days, about in ((-30, "Kauan sitten"), (9, "Myöhemmin"), (-2, "Äskettäin"), (2, "Pian"),
                        (0, "Tänään")):
        add_errand(client, target, about=about, on=(today + timedelta(days=days)).isoformat())
    page = client.get(f"/clients/{target.id}/errands").get_data(as_text=True)
    order = [page.index(text) for text in ("Tänään", "Pian", "Myöhemmin", "Äskettäin", "Kauan sitten")]
    assert order == sorted(order)
    upcoming = page[:page.index("Äskettäin")]
    assert (today + timedelta(days=2)).strftime("%-d.%-m.%Y") in upcoming
    upcoming_list, past_list = services.errands_of(target, today)
    assert [e.about for e in upcoming_list] == ["Tänään", "Pian", "Myöhemmin"]
    assert [e.about for e in past_list] == ["Äskettäin", "Kauan sitten"]


def test_edit_saves_and_a_stale_edit_is_refused_with_the_text_kept(client, staff):
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target)
    old_version = errand.version
    form = client.get(f"/clients/{target.id}/errands/{errand.id}/edit").get_data(as_text=True)
    assert 'name="version"' in form and "Asumistuen hakeminen" in form
    response = client.post(f"/clients/{target.id}/errands/{errand.id}/edit",
                           data=errand_data(about="Uusi asia", version=str(old_version)))
    assert response.status_code == 303
    assert db.session.get(Errand, errand.id).about == "Uusi asia"
    stale = client.post(f"/clients/{target.id}/errands/{errand.id}/edit",
                        data=errand_data(about="Vanhan lomakkeen teksti", version=str(old_version)))
    assert stale.status_code == 422
    body = stale.get_data(as_text=True)
    assert "Vanhan lomakkeen teksti" in body and "notice-error" in body
    assert db.session.get(Errand, errand.id).about == "Uusi asia"


def test_remove_an_errand(client, staff):
    target = make_client()
    login(client, staff)
    errand_id = add_errand(client, target).id
    response = client.post(f"/clients/{target.id}/errands/{errand_id}/delete")
    assert response.status_code == 303
    assert db.session.get(Errand, errand_id) is None
    assert ("delete", "errand") in {(e.action, e.object_type) for e in events(target.id)}


@pytest.mark.parametrize("overrides", [
    {"about": ""}, {"type": ""}, {"type": "moon"}, {"on": ""}, {"on": "2026-02-30"},
    {"on": "1899-01-01"}, {"starts_at": "25:99"}, {"companion_id": "999999"},
    {"companion_id": "junk"}, {"things_to_bring": "x" * 5000},
    {"things_to_bring": "\n".join(f"Asia {i}" for i in range(41))},
    {"questions": "k" * 201}, {"place": "p" * 201}, {"about": "a" * 301},
])
def test_bad_input_is_refused_with_the_text_kept(client, staff, overrides):
    target = make_client()
    login(client, staff)
    data = errand_data(meet_whom="Naapurin kissa", **overrides)
    response = client.post(f"/clients/{target.id}/errands", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Naapurin kissa" in body and "field-error" in body
    assert db.session.query(Errand).count() == 0


def test_messages_are_clear_in_the_users_language(client, admin):
    english = make_user(role="staff", locale="en")
    target = make_client()
    login(client, english)
    body = client.post(f"/clients/{target.id}/errands", data=errand_data(
        about="", type="", on="2026-02-30", starts_at="xx")).get_data(as_text=True)
    for message in ("Write what the errand is about.", "Choose the type of errand.",
                    "Write the date as day.month.year, for example 7.12.2026.",
                    "Write the time as hours and minutes, for example 14:30."):
        assert message in body


def test_a_peer_companion_must_be_paired_for_errands(client, staff, peer):
    target = make_client()
    login(client, staff)
    response = client.post(f"/clients/{target.id}/errands", data=errand_data(companion_id=str(peer.id)))
    assert response.status_code == 422 and db.session.query(Errand).count() == 0
    pair(peer, target, sections=("goals",))
    assert client.post(f"/clients/{target.id}/errands",
                       data=errand_data(companion_id=str(peer.id))).status_code == 422
    pair(peer, target, sections=("goals", "errands"))
    errand = add_errand(client, target, companion_id=str(peer.id))
    assert errand.companion_id == peer.id


# --- access -------------------------------------------------------------------------------------

def test_an_errand_of_another_client_gives_404_everywhere(client, staff):
    first, second = make_client(), make_client()
    login(client, staff)
    errand = add_errand(client, first, about="Toisen asiakkaan asia")
    base = f"/clients/{second.id}/errands/{errand.id}"
    for method, url in (("GET", base), ("GET", base + "/edit"), ("POST", base + "/edit"),
                        ("POST", base + "/delete"), ("POST", base + "/outcome"),
                        ("GET", base + "/checklist.pdf")):
        response = client.open(url, method=method, data=errand_data(agreed="x"))
        assert response.status_code == 404, (method, url)
        assert "Toisen asiakkaan asia" not in response.get_data(as_text=True)
    assert db.session.get(Errand, errand.id).about == "Toisen asiakkaan asia"
    assert len(events(second.id, "denied")) == 6


def test_a_paired_peer_sees_and_prints_but_does_not_manage(client, staff, peer):
    target = make_client()
    pair(peer, target)
    login(client, staff)
    errand = add_errand(client, target, about="Vertaisen nähtävä asia")
    logout(client)
    login(client, peer)
    assert "Vertaisen nähtävä asia" in client.get(f"/clients/{target.id}/errands").get_data(as_text=True)
    assert "Vertaisen nähtävä asia" in client.get(
        f"/clients/{target.id}/errands/{errand.id}").get_data(as_text=True)
    assert client.get(f"/clients/{target.id}/errands/{errand.id}/checklist.pdf").status_code == 200
    assert client.post(f"/clients/{target.id}/errands", data=errand_data()).status_code == 403
    assert client.post(f"/clients/{target.id}/errands/{errand.id}/edit",
                       data=errand_data(version=str(errand.version))).status_code == 403
    assert client.post(f"/clients/{target.id}/errands/{errand.id}/delete").status_code == 403
    assert client.get(f"/clients/{target.id}/errands/{errand.id}/edit").status_code == 403
    # Not the companion of this errand: may not write its outcome.
    response = client.post(f"/clients/{target.id}/errands/{errand.id}/outcome",
                           data={"agreed": "Vertainen kirjasi", "version": str(errand.version)})
    assert response.status_code == 403
    assert db.session.get(Errand, errand.id).agreed is None
    assert db.session.get(Errand, errand.id).about == "Vertaisen nähtävä asia"


@pytest.mark.parametrize("sections", [None, ("goals", "contacts", "tasks")])
def test_an_unpaired_peer_or_one_without_the_section_gets_404(client, staff, peer, sections):
    target = make_client()
    if sections:
        pair(peer, target, sections=sections)
    login(client, staff)
    errand = add_errand(client, target, about="Salainen asiointi")
    logout(client)
    login(client, peer)
    base = f"/clients/{target.id}/errands"
    for method, url in (("GET", base), ("GET", f"{base}/{errand.id}"),
                        ("GET", f"{base}/{errand.id}/checklist.pdf"),
                        ("POST", f"{base}/{errand.id}/outcome")):
        response = client.open(url, method=method, data={"agreed": "x", "version": "1"})
        assert response.status_code == 404, url
        assert "Salainen asiointi" not in response.get_data(as_text=True)
    assert db.session.get(Errand, errand.id).agreed is None
    assert len(events(target.id, "denied")) == 4
    assert not [e for e in events(target.id, "print")]


def test_a_peer_whose_pairing_ended_is_refused(client, staff, peer):
    target = make_client()
    pair(peer, target, ends_on=local_today() - timedelta(days=1))
    login(client, staff)
    errand = add_errand(client, target)
    logout(client)
    login(client, peer)
    assert client.get(f"/clients/{target.id}/errands/{errand.id}").status_code == 404


# --- afterwards: what was agreed and the next steps ---------------------------------------------

def test_next_steps_become_follow_up_tasks(client, staff, peer):
    target = make_client()
    pair(peer, target)
    login(client, staff)
    errand = add_errand(client, target, on=local_today().isoformat())
    due = (local_today() + timedelta(days=7)).isoformat()
    response = client.post(f"/clients/{target.id}/errands/{errand.id}/outcome", data={
        "agreed": "Hakemus jätettiin.\nKela pyytää tiliotteet.", "version": str(errand.version),
        "steps-0-what": "Toimita tiliotteet Kelaan", "steps-0-owner_id": "",
        "steps-0-owner_party": "Asiakas itse", "steps-0-due_date": due,
        "steps-1-what": "Soita ja kysy päätöksestä", "steps-1-owner_id": str(peer.id),
        "steps-1-owner_party": "", "steps-1-due_date": "",
        "steps-2-what": "", "steps-2-owner_id": "", "steps-2-owner_party": "", "steps-2-due_date": ""})
    assert response.status_code == 303
    saved = db.session.get(Errand, errand.id)
    assert saved.agreed.startswith("Hakemus jätettiin.") and saved.outcome_by_id == staff.id
    tasks = db.session.scalars(select(FollowUpTask).order_by(FollowUpTask.id)).all()
    assert [(t.title, t.owner_id, t.owner_party, t.source, t.source_id) for t in tasks] == [
        ("Toimita tiliotteet Kelaan", None, "Asiakas itse", "errand", errand.id),
        ("Soita ja kysy päätöksestä", peer.id, None, "errand", errand.id)]
    assert tasks[0].due_date.isoformat() == due and tasks[1].due_date is None
    page = client.get(f"/clients/{target.id}/errands/{errand.id}").get_data(as_text=True)
    assert "Kela pyytää tiliotteet." in page and "Toimita tiliotteet Kelaan" in page
    tasks_page = client.get(f"/clients/{target.id}/tasks").get_data(as_text=True)
    assert "Soita ja kysy päätöksestä" in tasks_page
    kinds = {(e.action, e.object_type) for e in events(target.id)}
    assert ("update", "errand") in kinds and ("create", "task") in kinds


def test_the_accompanying_peer_records_the_outcome_for_themselves_only(client, staff, peer):
    target = make_client()
    pair(peer, target)
    login(client, staff)
    errand = add_errand(client, target, companion_id=str(peer.id))
    logout(client)
    login(client, peer)
    page = client.get(f"/clients/{target.id}/errands/{errand.id}").get_data(as_text=True)
    assert "steps-0-what" in page and staff.name not in page.split("steps-0-owner_id", 1)[1][:2000]
    # A staff member is not among the peer's choices.
    refused = client.post(f"/clients/{target.id}/errands/{errand.id}/outcome", data={
        "agreed": "Sovittiin asioista", "version": str(errand.version),
        "steps-0-what": "Ohjaaja soittaa", "steps-0-owner_id": str(staff.id)})
    assert refused.status_code == 422 and "Sovittiin asioista" in refused.get_data(as_text=True)
    assert db.session.query(FollowUpTask).count() == 0
    response = client.post(f"/clients/{target.id}/errands/{errand.id}/outcome", data={
        "agreed": "Sovittiin asioista", "version": str(errand.version),
        "steps-0-what": "Käyn uudestaan mukana", "steps-0-owner_id": str(peer.id),
        "steps-1-what": "Sosiaalityöntekijä lähettää päätöksen", "steps-1-owner_party": "Sosiaalitoimisto"},
        headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and 'id="errand-outcome"' in body
    tasks = db.session.scalars(select(FollowUpTask).order_by(FollowUpTask.id)).all()
    assert [(t.owner_id, t.owner_party, t.created_by_id) for t in tasks] == [
        (peer.id, None, peer.id), (None, "Sosiaalitoimisto", peer.id)]
    assert db.session.get(Errand, errand.id).outcome_by_id == peer.id


@pytest.mark.parametrize("step", [
    {"steps-0-owner_party": "Asiakas"},                                         # no "what"
    {"steps-0-what": "Tehtävä"},                                                # nobody does it
    {"steps-0-what": "Tehtävä", "steps-0-owner_id": "USER", "steps-0-owner_party": "Asiakas"},
    {"steps-0-what": "Tehtävä", "steps-0-owner_party": "Asiakas", "steps-0-due_date": "2026-13-01"},
    {"steps-0-what": "t" * 301, "steps-0-owner_party": "Asiakas"},
    {"steps-0-what": "Tehtävä", "steps-0-owner_id": "999999"},
])
def test_bad_next_steps_are_refused_with_the_text_kept(client, staff, step):
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target)
    data = {"agreed": "Tärkeä muistiinpano", "version": str(errand.version)}
    data.update({k: v.replace("USER", str(staff.id)) for k, v in step.items()})
    response = client.post(f"/clients/{target.id}/errands/{errand.id}/outcome", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Tärkeä muistiinpano" in body and "field-error" in body
    assert db.session.query(FollowUpTask).count() == 0
    assert db.session.get(Errand, errand.id).agreed is None


def test_a_stale_outcome_is_refused_with_the_text_kept(client, staff):
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target)
    version = errand.version
    client.post(f"/clients/{target.id}/errands/{errand.id}/edit",
                data=errand_data(about="Muutettu", version=str(version)))
    response = client.post(f"/clients/{target.id}/errands/{errand.id}/outcome", data={
        "agreed": "Kirjoitin tämän vanhaan lomakkeeseen", "version": str(version),
        "steps-0-what": "Ei saa syntyä", "steps-0-owner_party": "Asiakas"})
    assert response.status_code == 422
    assert "Kirjoitin tämän vanhaan lomakkeeseen" in response.get_data(as_text=True)
    assert db.session.query(FollowUpTask).count() == 0


# --- logging, printing, the things-to-bring helper ------------------------------------------

def test_views_and_prints_are_logged(client, staff):
    target = make_client(language="sv")
    login(client, staff)
    errand = add_errand(client, target)
    client.get(f"/clients/{target.id}/errands")
    client.get(f"/clients/{target.id}/errands/{errand.id}")
    response = client.get(f"/clients/{target.id}/errands/{errand.id}/checklist.pdf?large_print=y")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    kinds = {(e.action, e.object_type) for e in events(target.id)}
    assert {("view", "errands"), ("view", "errand"), ("print", "errand_checklist")} <= kinds
    printed = events(target.id, "print")
    assert len(printed) == 1 and printed[0].user_id == staff.id
    assert printed[0].object_id == str(errand.id) and printed[0].detail == "lang=sv large_print=1"


def test_the_things_to_bring_field_follows_the_type_unless_changed(client, staff):
    login(client, staff)
    with force_locale("fi"):
        kela, bank = services.default_things_to_bring("kela"), services.default_things_to_bring("bank")
    first = client.get("/errands/things-to-bring", query_string={"type": "kela", "things_to_bring": ""})
    assert first.status_code == 200 and kela.splitlines()[-1] in first.get_data(as_text=True)
    switched = client.get("/errands/things-to-bring", query_string={"type": "bank", "things_to_bring": kela})
    body = switched.get_data(as_text=True)
    assert bank.splitlines()[-1] in body and "Lease" not in body and "Vuokrasopimus" not in body
    kept = client.get("/errands/things-to-bring",
                      query_string={"type": "bank", "things_to_bring": "Oma juttu\n<b>x</b>"})
    assert "Oma juttu" in kept.get_data(as_text=True) and "<b>x</b>" not in kept.get_data(as_text=True)
