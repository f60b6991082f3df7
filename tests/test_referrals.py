"""Referrals both ways: the path and its refusals, the follow-up call, consent gating, peers."""
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from association_tool.consents import services as consents
from association_tool.extensions import db
from association_tool.forms import StaleEdit
from association_tool.models import AuditEvent, FollowUpTask
from association_tool.models.referrals import Referral, SharedObservation
from association_tool.referrals import services
from association_tool.timeutil import local_today

from .factories import login, make_client, make_organisation, make_user, pair

TODAY = local_today()


def finnish(text) -> str:
    """A message as a Finnish-speaking worker reads it (the test users' language)."""
    from flask_babel import force_locale, gettext

    with force_locale("fi"):
        return gettext(str(text)) if isinstance(text, str) else str(text)


def message(code) -> str:
    from association_tool.referrals.texts import MESSAGES

    return finnish(MESSAGES[code])


def out_data(organisation, **overrides):
    data = {"target_kind": "public_service", "organisation_id": str(organisation.id),
            "contact_person_id": "", "reason": "Haluan päästä päihdepalveluun juttelemaan.",
            "hopes": "Että joku kuuntelee.", "handover": "accompanied_meeting",
            "handover_note": "Mennään yhdessä ensikäynnille", "sent_on": TODAY.isoformat(),
            "follow_up_on": (TODAY + timedelta(days=14)).isoformat(), "worker_id": ""}
    data.update(overrides)
    return data


def in_data(organisation, **overrides):
    data = {"organisation_id": str(organisation.id), "contact_person_id": "",
            "told_by": "Sosiaaliohjaaja Leena, 044 123 4567",
            "reason": "Kaipaa vertaistukea ja tekemistä.", "hopes": "",
            "first_contact_on": (TODAY + timedelta(days=3)).isoformat(),
            "first_contact_note": "Leena soittaa asiakkaan kanssa", "sent_on": TODAY.isoformat(),
            "worker_id": ""}
    data.update(overrides)
    return data


def send(browser, target, organisation, **overrides):
    response = browser.post(f"/clients/{target.id}/referrals/out", data=out_data(organisation, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return db.session.scalars(select(Referral).order_by(Referral.id.desc())).first()


def step(browser, target, referral, state, **overrides):
    db.session.refresh(referral)
    data = {"state": state, "on": TODAY.isoformat(), "told_by": "Ohjaaja Pekka puhelimessa",
            "reason": "", "elsewhere": "", "note": "", "first_meeting_on": "",
            "version": str(referral.version)}
    data.update(overrides)
    return browser.post(f"/clients/{target.id}/referrals/{referral.id}/step", data=data)


def referral_tasks(referral):
    return db.session.scalars(select(FollowUpTask).where(
        FollowUpTask.source == "referral", FollowUpTask.source_id == referral.id)
        .order_by(FollowUpTask.id)).all()


@pytest.fixture
def kela(app):
    return make_organisation(name="Päihdepalvelut", unit="Matalan kynnyksen vastaanotto",
                             phone="017 123 456", people=[("Pekka Ohjaaja", "sosiaaliohjaaja", True)])


# --- out: the path ------------------------------------------------------------------------------

def test_a_referral_out_is_sent_with_its_follow_up_task(client, staff, kela):
    target = make_client(display_name="Ruusu")
    login(client, staff)
    referral = send(client, target, kela)
    assert referral.state == "sent" and referral.direction == "out"
    assert referral.handover == "accompanied_meeting" and referral.worker_id == staff.id
    assert [s.state for s in referral.steps] == ["sent"]
    (task,) = referral_tasks(referral)
    assert task.kind == "referral_follow_up" and task.owner_id == staff.id
    assert task.due_date == TODAY + timedelta(days=14) and task.status == "open"
    page = client.get(f"/clients/{target.id}/referrals/{referral.id}").get_data(as_text=True)
    assert "Haluan päästä päihdepalveluun juttelemaan." in page and "Päihdepalvelut" in page
    section = client.get(f"/clients/{target.id}/referrals").get_data(as_text=True)
    assert 'id="section-referrals"' in section and "timeline" in section
    assert ("create", "referral") in {(e.action, e.object_type) for e in
                                      db.session.scalars(select(AuditEvent))}


@pytest.mark.parametrize("path", [
    ("received", "accepted", "started", "ended"),
    ("accepted", "started", "ended"),
    ("received", "declined"),
    ("declined",),
    ("revoked",),
    ("received", "revoked"),
    ("accepted", "revoked"),
])
def test_every_allowed_step_of_a_referral_out(client, staff, kela, path):
    target = make_client()
    login(client, staff)
    referral = send(client, target, kela)
    for state in path:
        response = step(client, target, referral, state, reason="Ei vapaita aikoja" if state == "declined" else "")
        assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    db.session.refresh(referral)
    assert referral.state == path[-1]
    assert [s.state for s in referral.steps] == ["sent", *path]
    assert all(s.recorded_by_id == staff.id for s in referral.steps)
    tasks = referral_tasks(referral)
    if path[-1] == "revoked":
        assert [t.status for t in tasks] == ["cancelled"]
    else:
        assert [t.status for t in tasks] == ["open"]
    updates = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "referral",
                                                         AuditEvent.action == "update")).all()
    assert len(updates) == len(path)


@pytest.mark.parametrize("path, refused", [
    ((), "started"), ((), "ended"), ((), "sent"), (("accepted",), "received"),
    (("accepted",), "declined"), (("declined",), "accepted"), (("revoked",), "accepted"),
    (("accepted", "started", "ended"), "started"), (("accepted", "started"), "revoked"),
    ((), "nonsense"),
])
def test_every_refused_step_is_a_message_not_an_error(client, staff, kela, path, refused):
    target = make_client()
    login(client, staff)
    referral = send(client, target, kela)
    for state in path:
        assert step(client, target, referral, state, reason="x").status_code == 303
    response = step(client, target, referral, refused)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "field-error" in body
    db.session.refresh(referral)
    assert referral.state == (path[-1] if path else "sent")
    with pytest.raises(services.ReferralError) as caught:
        services.record_step(referral, refused, on=TODAY, told_by="x", reason="x",
                             version=referral.version, actor=staff)
    assert caught.value.code == "transition"


def test_declining_needs_a_reason_and_who_told_us(client, staff, kela):
    target = make_client()
    login(client, staff)
    referral = send(client, target, kela)
    response = step(client, target, referral, "declined", reason="")
    assert response.status_code == 422 and message("decline_reason") in response.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.state == "sent"
    assert step(client, target, referral, "accepted", told_by="").status_code == 422
    assert step(client, target, referral, "accepted",
                on=(TODAY + timedelta(days=1)).isoformat()).status_code == 422
    assert step(client, target, referral, "accepted", on="2026-02-30").status_code == 422
    db.session.refresh(referral)
    assert referral.state == "sent" and len(referral.steps) == 1


def test_a_stale_step_is_refused(client, staff, kela):
    target = make_client()
    login(client, staff)
    referral = send(client, target, kela)
    old_version = referral.version
    assert step(client, target, referral, "received").status_code == 303
    response = step(client, target, referral, "accepted", version=str(old_version))
    assert response.status_code == 422
    assert finnish("Someone else changed this referral while you were writing. Your text is "
                   "still here: check it and save again.") in response.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.state == "received"
    with pytest.raises(StaleEdit):
        services.record_step(referral, "accepted", on=TODAY, told_by="x", version=old_version,
                             actor=staff)


# --- in -----------------------------------------------------------------------------------------

def test_a_referral_in_accepted_makes_the_first_meeting_a_task(client, staff, kela):
    target = make_client()
    login(client, staff)
    response = client.post(f"/clients/{target.id}/referrals/in", data=in_data(kela))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    referral = db.session.scalars(select(Referral)).one()
    assert referral.direction == "in" and referral.state == "received"
    assert referral.steps[0].told_by == "Sosiaaliohjaaja Leena, 044 123 4567"
    assert referral_tasks(referral) == []
    assert step(client, target, referral, "accepted", told_by="").status_code == 303
    (task,) = referral_tasks(referral)
    assert task.kind == "referral_first_meeting" and task.due_date == TODAY + timedelta(days=3)
    assert step(client, target, referral, "started", told_by="").status_code == 303
    db.session.refresh(task)
    assert task.status == "done"


def test_a_referral_in_not_suitable_needs_where_else_to_go(client, staff, kela):
    target = make_client()
    login(client, staff)
    client.post(f"/clients/{target.id}/referrals/in", data=in_data(kela))
    referral = db.session.scalars(select(Referral)).one()
    assert step(client, target, referral, "declined", reason="Tarvitsee hoitoa", told_by="").status_code == 422
    assert step(client, target, referral, "declined", reason="Tarvitsee hoitoa", told_by="",
                elsewhere="Terveysaseman päihdehoitaja").status_code == 303
    db.session.refresh(referral)
    assert referral.state == "declined" and referral.elsewhere == "Terveysaseman päihdehoitaja"


# --- the follow-up call -------------------------------------------------------------------------

def answer(browser, target, referral, **overrides):
    db.session.refresh(referral)
    data = {"got_service": "partly", "rating": "4", "client_words": "Hyvä kun pääsin.",
            "obstacles": ["waiting_time"], "obstacle_note": "", "next_step": "end",
            "next_follow_up_on": "", "answered_on": TODAY.isoformat(),
            "version": str(referral.version)}
    data.update(overrides)
    return browser.post(f"/clients/{target.id}/referrals/{referral.id}/follow-up", data=data)


def test_the_follow_up_task_appears_moves_and_is_done_by_the_answer(client, staff, kela):
    target = make_client()
    login(client, staff)
    referral = send(client, target, kela, follow_up_on="")
    assert referral_tasks(referral) == []
    db.session.refresh(referral)
    edit = out_data(kela, follow_up_on=(TODAY + timedelta(days=7)).isoformat(),
                    version=str(referral.version))
    assert client.post(f"/clients/{target.id}/referrals/{referral.id}/edit", data=edit).status_code == 303
    (task,) = referral_tasks(referral)
    assert task.due_date == TODAY + timedelta(days=7)
    db.session.refresh(referral)
    edit.update(follow_up_on=(TODAY + timedelta(days=9)).isoformat(), version=str(referral.version))
    assert client.post(f"/clients/{target.id}/referrals/{referral.id}/edit", data=edit).status_code == 303
    (task,) = referral_tasks(referral)
    assert task.due_date == TODAY + timedelta(days=9) and task.status == "open"
    # "Continue" asks again on a new date: the old task is done, a new one is open.
    response = answer(client, target, referral, next_step="continue",
                      next_follow_up_on=(TODAY + timedelta(days=30)).isoformat())
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    first, second = referral_tasks(referral)
    assert first.status == "done" and second.status == "open"
    assert second.due_date == TODAY + timedelta(days=30)
    db.session.refresh(referral)
    (follow_up,) = referral.follow_ups
    assert follow_up.got_service == "partly" and follow_up.rating == 4
    assert follow_up.obstacle_list == ["waiting_time"]
    assert answer(client, target, referral).status_code == 303
    assert [t.status for t in referral_tasks(referral)] == ["done", "done"]
    db.session.refresh(referral)
    assert referral.follow_up_on is None


@pytest.mark.parametrize("overrides", [
    {"got_service": "maybe"}, {"got_service": ""}, {"rating": "7"}, {"rating": "x"},
    {"obstacles": ["aliens"]}, {"next_step": "later"}, {"next_step": "continue"},
    {"next_step": "continue", "next_follow_up_on": TODAY.isoformat()},
    {"answered_on": (TODAY + timedelta(days=2)).isoformat()}, {"version": "0"},
])
def test_a_bad_follow_up_answer_is_refused_with_the_text_kept(client, staff, kela, overrides):
    target = make_client()
    login(client, staff)
    referral = send(client, target, kela)
    response = answer(client, target, referral, client_words="Omat sanani tässä", **overrides)
    assert response.status_code == 422
    assert "Omat sanani tässä" in response.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.follow_ups == []
    assert [t.status for t in referral_tasks(referral)] == ["open"]


def test_an_overdue_follow_up_shows_on_the_home_page_with_a_way_to_answer(client, staff, kela):
    target = make_client(display_name="Ruusu")
    login(client, staff)
    referral = send(client, target, kela, sent_on=(TODAY - timedelta(days=20)).isoformat(),
                    follow_up_on=(TODAY - timedelta(days=2)).isoformat())
    home = client.get("/").get_data(as_text=True)
    assert "Päihdepalvelut" in home and "Ruusu" in home
    assert f"/clients/{target.id}/referrals/{referral.id}#follow-up" in home
    assert services.attention(referral) == ["follow_up_overdue", "no_word"]


# --- peers --------------------------------------------------------------------------------------

def test_peers_see_referrals_only_when_allowed_and_never_consents(client, staff, peer, kela):
    target = make_client()
    login(client, staff)
    referral = send(client, target, kela)
    pair(peer, target, sections=("goals", "tasks"))
    login(client, peer)
    assert client.get(f"/clients/{target.id}/referrals").status_code == 404
    assert client.get(f"/clients/{target.id}/referrals/{referral.id}").status_code == 404
    tasks = client.get(f"/clients/{target.id}/tasks").get_data(as_text=True)
    assert "Päihdepalvelut" not in tasks
    pair(peer, target, sections=("goals", "tasks", "referrals"))
    page = client.get(f"/clients/{target.id}/referrals/{referral.id}").get_data(as_text=True)
    assert "Haluan päästä päihdepalveluun juttelemaan." in page
    assert "letter.pdf" not in page and 'id="step-form"' not in page and "letter-parts" not in page
    section = client.get(f"/clients/{target.id}/referrals").get_data(as_text=True)
    assert "observation-form" not in section and "referral-form-out" not in section
    assert client.get(f"/clients/{target.id}/referrals/observations").status_code in (403, 404)
    tasks = client.get(f"/clients/{target.id}/tasks").get_data(as_text=True)
    assert "Päihdepalvelut" in tasks
    assert step(client, target, referral, "accepted").status_code == 403
    assert client.get(f"/clients/{target.id}/referrals/{referral.id}/letter.pdf").status_code == 403
    assert client.post(f"/clients/{target.id}/referrals/out", data=out_data(kela)).status_code == 403


def test_the_referral_forms_come_when_opened(client, staff, peer, kela):
    """The section carries links to its two forms, not the forms (each with the directory and
    the workers); htmx fetches one when its summary is opened, and a plain link opens the
    section with that form open. Peer supporters get neither."""
    target = make_client()
    login(client, staff)
    section = client.get(f"/clients/{target.id}/referrals").get_data(as_text=True)
    for direction in ("out", "in"):
        address = f"/clients/{target.id}/referrals/{direction}"
        assert f'hx-get="{address}"' in section
        assert f'href="{address}#referral-form-{direction}"' in section
    assert 'name="reason"' not in section and 'name="hopes"' not in section
    fragment = client.get(f"/clients/{target.id}/referrals/out", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and 'id="referral-form-out"' in html
    assert kela.name in html and 'hx-post="/clients/%d/referrals/out"' % target.id in html
    assert "<section" not in html
    page = client.get(f"/clients/{target.id}/referrals/in").get_data(as_text=True)
    assert 'id="referral-form-in"' in page and 'id="referral-form-out"' not in page
    assert "<details open>" in page and "<html" in page
    # What a failed save typed stays in its form, open, and the other form stays a link.
    answer = client.post(f"/clients/{target.id}/referrals/out",
                         data=out_data(kela, reason="", hopes="Rytmiä päiviin."))
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Rytmiä päiviin." in html and 'id="referral-form-in"' not in html
    pair(peer, target, sections=("goals", "referrals"))
    login(client, peer)
    for direction in ("out", "in"):
        assert client.get(f"/clients/{target.id}/referrals/{direction}").status_code == 403


def test_another_clients_referral_is_not_found(client, staff, kela):
    target, other = make_client(), make_client()
    login(client, staff)
    referral = send(client, target, kela)
    assert client.get(f"/clients/{other.id}/referrals/{referral.id}").status_code == 404
    assert step(client, other, referral, "accepted").status_code == 404


def test_bad_referral_input_comes_back_with_messages(client, staff, kela):
    target = make_client()
    login(client, staff)
    for overrides in ({"organisation_id": ""}, {"organisation_id": "999999"}, {"reason": ""},
                      {"handover": "teleport"}, {"sent_on": "2026-13-01"},
                      {"follow_up_on": (TODAY - timedelta(days=3)).isoformat()},
                      {"contact_person_id": "abc"}, {"target_kind": ""}):
        response = client.post(f"/clients/{target.id}/referrals/out",
                               data=out_data(kela, hopes="Tekstini säilyy", **overrides))
        assert response.status_code == 422, overrides
        assert "Tekstini säilyy" in response.get_data(as_text=True)
    assert db.session.scalars(select(Referral)).all() == []


# --- consent gating: observations and the letter --------------------------------------------------

def give(target, organisation, **overrides):
    data = dict(kind="share", member_id=None, organisation_id=organisation.id,
                information=["general", "progress"], purpose="Ohjaus päihdepalveluun",
                form="written", given_on=TODAY - timedelta(days=5),
                valid_until=TODAY + timedelta(days=100), wording="Annan luvan.",
                until_relationship_ends=False)
    data.update(overrides)
    consent = consents.record_consent(target, data, by=db.session.scalars(
        select(__import__("association_tool.models", fromlist=["User"]).User)).first())
    db.session.commit()
    return consent


def observation_data(organisation, **overrides):
    data = {"kind": "observation", "organisation_id": str(organisation.id),
            "what": "Nukkuu paremmin, käy ryhmässä viikoittain.", "information": ["progress"],
            "how": "secure_email", "client_knows": "y", "on": TODAY.isoformat()}
    data.update(overrides)
    return data


def test_an_observation_is_shared_only_under_a_consent_and_logged_as_a_disclosure(client, staff, kela):
    target = make_client()
    login(client, staff)
    response = client.post(f"/clients/{target.id}/referrals/observations", data=observation_data(kela))
    assert response.status_code == 422
    assert message("consent_none") in response.get_data(as_text=True)
    consent = give(target, kela)
    assert client.post(f"/clients/{target.id}/referrals/observations",
                       data=observation_data(kela, client_knows="")).status_code == 422
    assert client.post(f"/clients/{target.id}/referrals/observations",
                       data=observation_data(kela, information=["health"])).status_code == 422
    response = client.post(f"/clients/{target.id}/referrals/observations", data=observation_data(kela))
    assert response.status_code == 303
    (shared,) = db.session.scalars(select(SharedObservation)).all()
    assert shared.consent_id == consent.id and shared.scopes == ["progress"]
    disclosure = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "disclosure", AuditEvent.object_type == "shared_observation")).one()
    assert f"consent={consent.id}" in disclosure.detail
    # Withdrawn after the form was opened: the save is refused.
    page = client.get(f"/clients/{target.id}/referrals/observations",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "observation-form" in page
    consents.withdraw(consent, on=TODAY, how="phone", heard_by=staff, note=None)
    db.session.commit()
    response = client.post(f"/clients/{target.id}/referrals/observations", data=observation_data(kela))
    assert response.status_code == 422
    assert message("consent_withdrawn") in response.get_data(as_text=True)
    assert len(db.session.scalars(select(SharedObservation)).all()) == 1


def test_an_oral_consent_covers_a_call_but_not_an_ongoing_observation(client, staff, kela):
    target = make_client()
    login(client, staff)
    give(target, kela, form="oral", matter="Yksi puhelu ensikäynnistä", valid_until=TODAY)
    assert client.post(f"/clients/{target.id}/referrals/observations",
                       data=observation_data(kela)).status_code == 422
    assert client.post(f"/clients/{target.id}/referrals/observations",
                       data=observation_data(kela, kind="call", how="phone")).status_code == 303


def letter_text(browser, target, referral):
    from pypdf import PdfReader

    response = browser.get(f"/clients/{target.id}/referrals/{referral.id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    return Flat(text)


class Flat(str):
    """The letter's text with the spaces left out (pypdf splits some words at kerning)."""

    def __new__(cls, text):
        return super().__new__(cls, "".join(text.split()))

    def __contains__(self, needle):
        return "".join(needle.split()) in str(self)


def test_the_letter_holds_only_what_the_consent_covers(client, staff, kela):
    target = make_client(display_name="Ruusu", phone="040 765 4321")
    login(client, staff)
    referral = send(client, target, kela, reason="Haluan apua juomiseen", hopes="Toivon ryhmää")
    text = letter_text(client, target, referral)
    assert "Päihdepalvelut" in text
    assert "Haluan apua juomiseen" not in text and "Ruusu" not in text and "040 765 4321" not in text
    page = client.get(f"/clients/{target.id}/referrals/{referral.id}").get_data(as_text=True)
    assert finnish("left out: %(why)s") % {"why": finnish("no consent to this recipient")} in page
    consent = give(target, kela, information=["general"])
    page = client.get(f"/clients/{target.id}/referrals/{referral.id}").get_data(as_text=True)
    text = letter_text(client, target, referral)
    assert "Haluan apua juomiseen" in text and "Toivon ryhmää" in text and "040 765 4321" in text
    assert "Haluan apua juomiseen" in text and "Toivon ryhmää" in text and "040 765 4321" in text
    assert "Mennään yhdessä ensikäynnille" not in text  # appointments are not covered
    printed = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "referral_letter")).all()
    assert [e.action for e in printed] == ["print", "disclosure"]
    # Withdrawn between drafting (the page above) and printing: the letter is empty again.
    consents.withdraw(consent, on=TODAY, how="phone", heard_by=staff, note=None)
    db.session.commit()
    text = letter_text(client, target, referral)
    assert "Haluan apua juomiseen" not in text and "040 765 4321" not in text


# --- per partner --------------------------------------------------------------------------------

def test_partner_figures_count_what_happened(client, staff, kela):
    target = make_client()
    login(client, staff)
    a = send(client, target, kela)
    b = send(client, target, kela)
    send(client, target, kela)
    for state in ("accepted", "started", "ended"):
        step(client, target, a, state)
    step(client, target, b, "declined", reason="Ei tilaa")
    answer(client, target, a, got_service="yes")
    (figures,) = services.partner_figures()
    assert (figures.sent, figures.accepted, figures.started, figures.declined) == (3, 1, 1, 1)
    assert figures.answers == {"yes": 1, "partly": 0, "no": 0, "not_yet": 0}
    page = client.get("/referrals/partners").get_data(as_text=True)
    assert "Päihdepalvelut" in page and "partner-figures" in page
    login(client, make_user(role="peer"))
    assert client.get("/referrals/partners").status_code == 403


# --- in: every step and refusal -------------------------------------------------------------------

def receive(browser, target, organisation, **overrides):
    response = browser.post(f"/clients/{target.id}/referrals/in", data=in_data(organisation, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return db.session.scalars(select(Referral).order_by(Referral.id.desc())).first()


@pytest.mark.parametrize("path, tasks", [
    (("accepted", "started", "ended"), ["done"]),
    (("accepted", "declined"), None),
    (("declined",), []),
    (("revoked",), []),
    (("accepted", "revoked"), ["cancelled"]),
])
def test_every_step_of_a_referral_in(client, staff, kela, path, tasks):
    target = make_client()
    login(client, staff)
    referral = receive(client, target, kela)
    for state in path:
        response = step(client, target, referral, state, told_by="", reason="Ei sovi meille",
                        elsewhere="Terveysasema")
        if tasks is None and state == path[-1]:
            assert response.status_code == 422  # accepted cannot turn into declined
            return
        assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    db.session.refresh(referral)
    assert [s.state for s in referral.steps] == ["received", *path]
    assert [t.status for t in referral_tasks(referral)] == tasks


@pytest.mark.parametrize("refused", ["sent", "received", "started", "ended"])
def test_a_referral_in_refuses_steps_it_cannot_take(client, staff, kela, refused):
    target = make_client()
    login(client, staff)
    referral = receive(client, target, kela)
    assert step(client, target, referral, refused, told_by="").status_code == 422
    db.session.refresh(referral)
    assert referral.state == "received" and len(referral.steps) == 1
    # A follow-up call belongs to referrals out only.
    with pytest.raises(services.ReferralError):
        services.answer_follow_up(referral, services.FollowUpAnswer("yes", "end"),
                                  version=referral.version, actor=staff)


def test_the_path_picture_shows_a_peer_only_the_sections_they_may_see(client, staff, peer, kela):
    from association_tool.errands import services as errands

    target = make_client()
    login(client, staff)
    send(client, target, kela)
    errands.create_errand(target, dict(
        about="Kelan asiointi yhdessä", type="kela", on=TODAY, starts_at=None, place=None,
        address=None, meet_whom=None, companion_id=None, interpreter_needed=False,
        things_to_bring="", questions=""), actor=staff)
    give(target, kela)
    assert client.post(f"/clients/{target.id}/referrals/observations",
                       data=observation_data(kela, what="Salainen havainto")).status_code == 303
    page = client.get(f"/clients/{target.id}/referrals").get_data(as_text=True)
    assert "Kelan asiointi yhdessä" in page and page.count('class="timeline-') >= 3
    pair(peer, target, sections=("tasks", "referrals"))
    login(client, peer)
    page = client.get(f"/clients/{target.id}/referrals").get_data(as_text=True)
    assert "Päihdepalvelut" in page
    assert "Kelan asiointi yhdessä" not in page and "Salainen havainto" not in page
    assert "timeline-observation" not in page


def test_the_letter_carries_the_contact_agreement_lines_about_the_partner(client, staff, kela):
    from association_tool.agreements import services as agreements
    from association_tool.network import services as network

    target = make_client(display_name="Ruusu")
    other = make_organisation(name="Kela", unit="Kuopion palvelupiste")
    ours = network.add_member(target, dict(kind="organisation", organisation_id=kela.id,
                                           sector="services", ring="middle", involved=True))
    theirs = network.add_member(target, dict(kind="organisation", organisation_id=other.id,
                                             sector="services", ring="outer", involved=True))
    db.session.commit()
    give(target, kela)
    give(target, other)
    draft = agreements.start_draft(target, by=staff)
    agreements.add_line(target, draft, dict(member_id=ours.id, direction="both", when=["regular"],
                                            every_weeks=4, how=["secure_mail"], shares=["general"],
                                            note="Kuukausittain tilannekatsaus"))
    agreements.add_line(target, draft, dict(member_id=theirs.id, direction="we_them",
                                            when=["crisis"], how=["phone"], shares=["general"],
                                            note="Vain kriisissä Kelaan"))
    assert agreements.activate(target, draft, signed_on=TODAY, by=staff,
                               version=draft.row_version) == []
    db.session.commit()
    login(client, staff)
    referral = send(client, target, kela)
    text = letter_text(client, target, referral)
    assert "Kuukausittain tilannekatsaus" in text
    assert "Vain kriisissä Kelaan" not in text


def test_two_answers_from_the_same_page_are_one_answer(client, staff, kela):
    target = make_client()
    login(client, staff)
    referral = send(client, target, kela)
    opened_on = referral.version
    assert answer(client, target, referral, version=str(opened_on)).status_code == 303
    response = client.post(f"/clients/{target.id}/referrals/{referral.id}/follow-up", data={
        "got_service": "no", "next_step": "end", "answered_on": TODAY.isoformat(),
        "client_words": "Toinen vastaus", "version": str(opened_on)})
    assert response.status_code == 422 and "Toinen vastaus" in response.get_data(as_text=True)
    db.session.refresh(referral)
    assert [f.got_service for f in referral.follow_ups] == ["partly"]
