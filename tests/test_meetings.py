"""Network meetings: plan, record, approve (then locked), addenda, actions → tasks, access."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.meetings import services
from association_tool.models import AuditEvent, FollowUpTask, NetworkMember
from association_tool.models.meetings import (MeetingAction, MeetingAddendum, MeetingLocked,
                                              MeetingParticipant, NetworkMeeting)
from association_tool.network import services as network
from association_tool.timeutil import local_today

from .factories import login, make_client, make_user, pair

TODAY = local_today()


# --- helpers (also used by test_meeting_pdf.py) -------------------------------------------------


def add_member(client, name, relation="sisko", **fields) -> NetworkMember:
    """Put a private person on the client's network map."""
    member = network.add_member(client, dict(
        kind="private", contact_person_id=None, organisation_id=None, name=name,
        relation=relation, phone=None, sector=fields.get("sector", "family"),
        ring=fields.get("ring", "inner"), role_note=None, involved=True))
    db.session.commit()
    return member


def plan_data(members=(), users=(), **overrides) -> dict:
    data = {"meeting_date": TODAY.isoformat(), "start_time": "14:30",
            "place": "Yhdistyksen olohuone", "remote_link": "", "method": "open_dialogue",
            "convener_id": "", "support_person_wanted": "y", "support_person": "Ystävä Ville",
            "client_topics": "Haluan puhua asunnosta ja rahasta.",
            "invite_members": [str(m.id) for m in members],
            "invite_users": [str(u.id) for u in users]}
    data.update(overrides)
    return data


def newest_meeting() -> NetworkMeeting:
    db.session.rollback()
    return db.session.scalars(select(NetworkMeeting).order_by(NetworkMeeting.id.desc())).first()


def plan(http, client, members=(), users=(), **overrides) -> NetworkMeeting:
    """Plan a meeting through the screen; return it."""
    response = http.post(f"/clients/{client.id}/meetings/new",
                         data=plan_data(members, users, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    return newest_meeting()


def minutes_data(meeting, actions=(), extra_people=(), **overrides) -> dict:
    """The minutes form as the browser sends it: every invited participant present."""
    data = {"version": str(meeting.version), "client_present": "y", "chair": "Sanna Ohjaaja",
            "note_taker": "Matti Vertainen",
            "why_gathered": "Kokoonnuimme, koska haluan oman asunnon ennen kesää.",
            "client_view": "Minua huolettaa vuokrarästi, mutta olen jaksanut paremmin.",
            "responsible_person": "Sanna Ohjaaja", "backup_person": "Jussi Työntekijä",
            "next_date": (TODAY + timedelta(days=30)).isoformat(),
            "next_note": "Seurantapalaveri yhdistyksellä", "feedback": "Palaveri tuntui turvalliselta.",
            "contents": ["opening", "discussion", "plan", "feedback"]}
    index = -1
    for index, participant in enumerate(meeting.participants):
        data.update({f"participants-{index}-id": str(participant.id),
                     f"participants-{index}-role": participant.role or "",
                     f"participants-{index}-organisation": participant.organisation or "",
                     f"participants-{index}-presence": "present",
                     f"participants-{index}-concerns": f"Huoli {participant.name}",
                     f"participants-{index}-resources": f"Voimavara {participant.name}"})
    for extra in extra_people:
        index += 1
        data.update({f"participants-{index}-{k}": v for k, v in extra.items()})
    for j, action in enumerate(actions):
        data.update({f"actions-{j}-{k}": v for k, v in action.items()})
    data.update(overrides)
    return data


def action(what="Haetaan asumistukea", owner_id="", owner_party="", with_whom="Kela",
           due=None) -> dict:
    return {"owner_id": str(owner_id), "owner_party": owner_party, "what": what,
            "with_whom": with_whom, "due_date": (due or TODAY + timedelta(days=14)).isoformat()}


def record(http, meeting, **kwargs):
    return http.post(f"/clients/{meeting.client_id}/meetings/{meeting.id}/record",
                     data=minutes_data(meeting, **kwargs))


def approve(http, meeting):
    db.session.rollback()
    meeting = db.session.get(NetworkMeeting, meeting.id)
    return http.post(f"/clients/{meeting.client_id}/meetings/{meeting.id}/approve",
                     data={"version": str(meeting.version), "confirmed": "yes"})


def approved_meeting(http, client, staff, members=(), actions=None):
    """Plan, record and approve a meeting with the given network members; return it."""
    meeting = plan(http, client, members, [staff])
    actions = actions if actions is not None else [action(owner_id=staff.id)]
    assert record(http, meeting, actions=actions).status_code == 303
    assert approve(http, meeting).status_code == 303
    return newest_meeting()


def page(http, meeting) -> str:
    response = http.get(f"/clients/{meeting.client_id}/meetings/{meeting.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- plan, record, approve ----------------------------------------------------------------------

def test_plan_record_and_approve(client, staff):
    ruusu = make_client(display_name="Ruusu", responsible_id=staff.id)
    sister = add_member(ruusu, "Sisko Sisar")
    neighbour = add_member(ruusu, "Naapurin Sirpa", relation="naapuri", sector="friends")
    login(client, staff)
    assert f"/clients/{ruusu.id}/meetings/new" in client.get(f"/clients/{ruusu.id}/meetings").get_data(as_text=True)
    meeting = plan(client, ruusu, [sister, neighbour], [staff])
    assert meeting.status == "planned" and meeting.method == "open_dialogue"
    assert [p.name for p in meeting.participants] == ["Sisko Sisar", "Naapurin Sirpa", staff.name]
    assert meeting.participants[0].role == "sisko"
    body = page(client, meeting)
    for text in ("Sisko Sisar", "Naapurin Sirpa", "Haluan puhua asunnosta ja rahasta.", "Ystävä Ville"):
        assert text in body

    form = client.get(f"/clients/{ruusu.id}/meetings/{meeting.id}/record").get_data(as_text=True)
    assert "Sisko Sisar" in form and 'name="participants-0-id"' in form
    response = record(client, meeting, actions=[
        action("Haetaan asumistukea yhdessä", owner_id=staff.id),
        action("Selvitetään vuokrarästi", owner_party="Liisa Linkki, aikuissosiaalityö",
               with_whom="Ruusu")],
        extra_people=[{"name": "Tulkki Tiina", "role": "tulkki", "presence": "present"}])
    assert response.status_code == 303, response.get_data(as_text=True)
    meeting = newest_meeting()
    assert meeting.status == "recorded"
    assert meeting.why_gathered.startswith("Kokoonnuimme")
    assert [p.presence for p in meeting.participants] == ["present"] * 4
    assert meeting.participants[-1].kind == "other" and meeting.participants[-1].name == "Tulkki Tiina"
    assert [a.what for a in meeting.actions] == ["Haetaan asumistukea yhdessä", "Selvitetään vuokrarästi"]
    assert db.session.scalars(select(FollowUpTask).where(FollowUpTask.source == "meeting")).all() == []

    assert approve(client, meeting).status_code == 303
    meeting = newest_meeting()
    assert meeting.approved and meeting.approved_by_id == staff.id
    tasks = db.session.scalars(select(FollowUpTask).where(FollowUpTask.source == "meeting")
                               .order_by(FollowUpTask.id)).all()
    assert [(t.title, t.owner_id, t.owner_party, t.source_id) for t in tasks[:2]] == [
        ("Haetaan asumistukea yhdessä", staff.id, None, meeting.id),
        ("Selvitetään vuokrarästi", None, "Liisa Linkki, aikuissosiaalityö", meeting.id)]
    assert tasks[0].due_date == TODAY + timedelta(days=14)
    assert len(tasks) == 3 and tasks[2].due_date == meeting.next_date  # the follow-up itself
    assert [a.task_id for a in meeting.actions] == [tasks[0].id, tasks[1].id]
    tasks_page = client.get(f"/clients/{ruusu.id}/tasks").get_data(as_text=True)
    assert "Selvitetään vuokrarästi" in tasks_page and "Liisa Linkki" in tasks_page
    body = page(client, meeting)
    for text in ("Minua huolettaa vuokrarästi", "Huoli Sisko Sisar", "Voimavara Naapurin Sirpa",
                 "Tulkki Tiina", "Palaveri tuntui turvalliselta."):
        assert text in body
    assert f"/meetings/{meeting.id}/record" not in body  # no way to edit approved minutes


def test_client_page_lists_meetings(client, staff):
    ruusu = make_client(display_name="Ruusu")
    login(client, staff)
    meeting = plan(client, ruusu)
    show = client.get(f"/clients/{ruusu.id}").get_data(as_text=True)
    assert f'hx-get="/clients/{ruusu.id}/meetings"' in show
    fragment = client.get(f"/clients/{ruusu.id}/meetings", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert f"/clients/{ruusu.id}/meetings/{meeting.id}" in body
    full = client.get(f"/clients/{ruusu.id}/meetings").get_data(as_text=True)
    assert "<html" in full and f'href="/clients/{ruusu.id}"' in full  # a way back


@pytest.mark.parametrize("overrides, field", [
    ({"meeting_date": ""}, "meeting_date"),
    ({"meeting_date": "31.02.2026"}, "meeting_date"),
    ({"meeting_date": "1999-12-31"}, "meeting_date"),
    ({"place": "", "remote_link": ""}, "place"),
    ({"remote_link": "javascript:alert(1)"}, "remote_link"),
    ({"method": "hypnosis"}, "method"),
    ({"start_time": "25:99"}, "start_time"),
    ({"convener_id": "999"}, "convener_id"),
    ({"convener_id": "abc"}, "convener_id"),
    ({"invite_members": ["999"]}, "invite_members"),
    ({"invite_users": ["x"]}, "invite_users"),
    ({"place": "x" * 301}, "place"),
])
def test_bad_plan_input_is_refused_with_text_kept(client, staff, overrides, field):
    ruusu = make_client()
    login(client, staff)
    response = client.post(f"/clients/{ruusu.id}/meetings/new",
                           data=plan_data(client_topics="Haluan puhua <naapurin kissasta>", **overrides))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Haluan puhua &lt;naapurin kissasta&gt;" in body
    assert f'id="{field}-error"' in body
    assert db.session.query(NetworkMeeting).count() == 0


def test_another_clients_member_cannot_be_invited(client, staff):
    first, second = make_client(), make_client()
    stranger = add_member(second, "Vieras Veli")
    login(client, staff)
    response = client.post(f"/clients/{first.id}/meetings/new", data=plan_data([stranger]))
    assert response.status_code == 422
    assert db.session.query(NetworkMeeting).count() == 0


def test_htmx_form_errors_come_back_as_a_fragment(client, staff):
    ruusu = make_client()
    login(client, staff)
    response = client.post(f"/clients/{ruusu.id}/meetings/new", data=plan_data(meeting_date=""),
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in body and 'id="section-meetings"' in body
    ok = client.post(f"/clients/{ruusu.id}/meetings/new", data=plan_data(),
                     headers={"HX-Request": "true"})
    assert ok.status_code == 204 and "/meetings/" in ok.headers["HX-Redirect"]


def test_change_the_plan_and_invitations(client, staff, peer):
    ruusu = make_client()
    sister, brother = add_member(ruusu, "Sisko"), add_member(ruusu, "Veli")
    login(client, staff)
    meeting = plan(client, ruusu, [sister], [staff])
    form = client.get(f"/clients/{ruusu.id}/meetings/{meeting.id}/plan").get_data(as_text=True)
    assert "Sisko" in form and 'name="version"' in form
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/plan", data=dict(
        plan_data([brother], [staff, peer], place="Kirjasto"), version=str(meeting.version)))
    assert response.status_code == 303
    meeting = newest_meeting()
    assert meeting.place == "Kirjasto"
    assert [p.name for p in meeting.participants] == [staff.name, "Veli", peer.name]


def test_minutes_with_bad_rows_keep_what_was_typed(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu, [add_member(ruusu, "Sisko")])
    cases = [
        ([action(owner_id="", owner_party="")], "actions-0-owner_id"),
        ([action(owner_id=staff.id, owner_party="Kela")], "actions-0-owner_party"),
        ([action(what="")], "actions-0-what"),
        ([dict(action(owner_party="Kela"), due_date="32.13.2026")], "actions-0-due_date"),
        ([dict(action(owner_party="Kela"), due_date="")], "actions-0-due_date"),
        ([action(owner_id="987654")], "actions-0-owner_id"),
        ([dict(action(owner_party="Kela"), id="99999")], "actions-0-what"),
    ]
    for actions, field in cases:
        response = record(client, meeting, actions=actions, client_view="Oma näkemys <b>säilyy</b>")
        body = response.get_data(as_text=True)
        assert response.status_code == 422, (field, body)
        assert "Oma näkemys &lt;b&gt;säilyy&lt;/b&gt;" in body
        assert f'id="{field}-error"' in body, field
    nameless = record(client, meeting, extra_people=[{"role": "tulkki", "presence": "present"}])
    assert nameless.status_code == 422 and 'id="participants-1-name-error"' in nameless.get_data(as_text=True)
    too_many = record(client, meeting, **{"participants-0-presence": "maybe"})
    assert too_many.status_code == 422
    assert newest_meeting().status == "planned" and db.session.query(MeetingAction).count() == 0


def test_junk_rows_never_give_a_500(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu, [add_member(ruusu, "Sisko")])
    junk = [{"participants-0-id": "abc"}, {"participants-0-id": "-5"},
            {"participants-0-id": "99999999999999999999"},
            {"participants-77-name": "", "participants-77-role": "tulkki",
             "participants-77-presence": "present"},
            {"actions-123456789-what": "Jotain", "actions-123456789-owner_id": "x",
             "actions-123456789-due_date": "eilen"},
            {"add_row": "../../etc"}, {"version": "abc"}, {"client_present": "\x00"}]
    for extra in junk:
        data = minutes_data(meeting)
        data.update(extra)
        response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record", data=data)
        assert response.status_code in (303, 422), (extra, response.status_code)
        db.session.rollback()
        meeting = newest_meeting()
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record",
                           data=dict(minutes_data(meeting), **{"actions-123456789-what": "Jotain",
                                                               "actions-123456789-due_date": ""}))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="actions-123456789-owner_id-error"' in body


def test_add_row_keeps_typed_data_and_saves_nothing(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu)
    data = minutes_data(meeting, actions=[action("Ensimmäinen tehtävä", owner_party="Kela")],
                        why_gathered="Kirjoitettu teksti ei katoa")
    data["add_row"] = "actions"
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kirjoitettu teksti ei katoa" in body and "Ensimmäinen tehtävä" in body
    assert 'name="actions-1-what"' in body
    data["add_row"] = "participants"
    body = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record", data=data).get_data(as_text=True)
    assert 'name="participants-0-name"' in body
    assert newest_meeting().status == "planned"


def test_a_stale_edit_is_refused_and_the_text_kept(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu)
    old = minutes_data(meeting, why_gathered="Vanhan lomakkeen teksti")
    assert record(client, meeting, why_gathered="Toinen tallensi ensin").status_code == 303
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record", data=old)
    assert response.status_code == 422
    assert "Vanhan lomakkeen teksti" in response.get_data(as_text=True)
    assert newest_meeting().why_gathered == "Toinen tallensi ensin"


def _snapshot(meeting_id):
    db.session.rollback()
    db.session.expire_all()
    meeting = db.session.get(NetworkMeeting, meeting_id)
    columns = {c.key: getattr(meeting, c.key) for c in NetworkMeeting.__table__.columns}
    people = [(p.id, p.name, p.role, p.organisation, p.presence, p.concerns, p.resources)
              for p in meeting.participants]
    actions = [(a.id, a.what, a.owner_id, a.owner_party, a.with_whom, a.due_date, a.task_id)
               for a in meeting.actions]
    return columns, people, actions


def test_approved_minutes_refuse_every_edit(client, staff):
    ruusu = make_client()
    sister = add_member(ruusu, "Sisko")
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [sister])
    before = _snapshot(meeting.id)
    tasks_before = db.session.query(FollowUpTask).count()
    url = f"/clients/{ruusu.id}/meetings/{meeting.id}"
    edits = [
        (f"{url}/record", minutes_data(meeting, why_gathered="Muutettu jälkikäteen",
                                       actions=[action("Uusi tehtävä", owner_party="Kela")],
                                       **{"participants-0-concerns": "muutettu"})),
        (f"{url}/record", dict(minutes_data(meeting), add_row="actions")),
        (f"{url}/plan", dict(plan_data(place="Muualla"), version=str(meeting.version))),
        (f"{url}/approve", {"version": str(meeting.version)}),
    ]
    for target, data in edits:
        response = client.post(target, data=data)
        assert response.status_code == 409, target
        assert 'class="notice notice-error"' in response.get_data(as_text=True)
    for target in (f"{url}/record", f"{url}/plan"):
        assert client.get(target).status_code == 409
    assert _snapshot(meeting.id) == before
    assert db.session.query(FollowUpTask).count() == tasks_before


def test_the_lock_holds_below_the_routes(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [add_member(ruusu, "Sisko")])
    with pytest.raises(MeetingLocked):
        services.record_minutes(meeting, {}, participants=[], actions=[], version=meeting.version)
    db.session.rollback()
    with pytest.raises(MeetingLocked):
        services.update_plan(meeting, plan_data(), version=meeting.version)
    db.session.rollback()
    for change in (lambda m: setattr(m, "why_gathered", "ORM-muutos"),
                   lambda m: setattr(m, "status", "recorded"),
                   lambda m: setattr(m.participants[0], "concerns", "ORM-muutos"),
                   lambda m: setattr(m.actions[0], "what", "ORM-muutos"),
                   lambda m: m.participants.append(MeetingParticipant(kind="other", name="Uusi")),
                   lambda m: m.actions.append(MeetingAction(what="Uusi"))):
        meeting = db.session.get(NetworkMeeting, meeting.id)
        change(meeting)
        with pytest.raises(MeetingLocked):
            db.session.flush()
        db.session.rollback()


def test_approval_needs_written_minutes_and_the_current_version(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu)
    assert approve(client, meeting).status_code == 422  # nothing written yet
    assert record(client, meeting).status_code == 303
    meeting = newest_meeting()
    stale = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/approve",
                        data={"version": str(meeting.version - 1)})
    assert stale.status_code == 409 and not newest_meeting().approved
    assert approve(client, meeting).status_code == 303 and newest_meeting().approved


def test_minutes_of_a_future_meeting_cannot_be_approved(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu, meeting_date=(TODAY + timedelta(days=3)).isoformat())
    assert record(client, meeting).status_code == 303
    assert approve(client, meeting).status_code == 422
    assert newest_meeting().status == "recorded"


def test_addenda_come_after_approval_and_are_shown(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu)
    url = f"/clients/{ruusu.id}/meetings/{meeting.id}/addenda"
    assert client.post(url, data={"on": TODAY.isoformat(), "text": "Liian aikaisin"}).status_code == 409
    assert record(client, meeting).status_code == 303
    assert approve(client, meeting).status_code == 303
    for data in ({"on": TODAY.isoformat(), "text": ""},
                 {"on": (TODAY + timedelta(days=1)).isoformat(), "text": "Tulevaisuudesta"},
                 {"on": "huomenna", "text": "Väärä päivä"},
                 {"on": (TODAY - timedelta(days=400)).isoformat(), "text": "Ennen palaveria"}):
        response = client.post(url, data=data)
        assert response.status_code == 422, data
        assert data["text"] in response.get_data(as_text=True)
    response = client.post(url, data={"on": TODAY.isoformat(),
                                      "text": "Korjaus: Kelan hakemus jätetään jo ensi viikolla."})
    assert response.status_code == 303
    addendum = db.session.scalars(select(MeetingAddendum)).one()
    assert addendum.author_id == staff.id and addendum.on == TODAY
    body = page(client, meeting)
    assert body.index("Palaveri tuntui turvalliselta.") < body.index("Korjaus: Kelan hakemus")
    addendum.text = "Muokattu"
    with pytest.raises(MeetingLocked):
        db.session.flush()
    db.session.rollback()


def test_an_addendum_cannot_be_dated_before_the_approval(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu, meeting_date=(TODAY - timedelta(days=10)).isoformat())
    assert record(client, meeting).status_code == 303
    assert approve(client, meeting).status_code == 303  # approved today, ten days after the meeting
    url = f"/clients/{ruusu.id}/meetings/{meeting.id}/addenda"
    text = "Jälkikäteen: Kelan asiointi siirtyi."
    response = client.post(url, data={"on": (TODAY - timedelta(days=3)).isoformat(), "text": text})
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert text in body
    message = in_fi("An addendum is written after the minutes were approved: it cannot be dated "
                    "before the approval.")
    assert message in body
    # The message sits next to the date field, not only at the top of the form.
    date_field = body[body.index('name="on"'):]
    assert message in date_field[:date_field.index('name="text"')]
    assert db.session.scalars(select(MeetingAddendum)).all() == []
    response = client.post(url, data={"on": TODAY.isoformat(), "text": text})
    assert response.status_code == 303
    assert db.session.scalars(select(MeetingAddendum)).one().on == TODAY


def test_the_approval_day_is_the_day_in_finland(app):
    from datetime import datetime

    meeting = NetworkMeeting(approved_at=datetime(2026, 6, 30, 22, 30))  # UTC: 1.30 on 1 July
    assert meeting.approved_on.isoformat() == "2026-07-01"
    assert NetworkMeeting().approved_on is None


# --- who receives the minutes -------------------------------------------------------------------

def in_fi(msgid: str, **kwargs) -> str:
    """A string as the pages show it to a Finnish user."""
    from flask_babel import force_locale, gettext

    with force_locale("fi"):
        return gettext(msgid, **kwargs)


def give_consent(client, member, by, **fields):
    """Record a share consent covering the minutes to a network member; commit."""
    from association_tool.consents.services import record_consent

    data = dict(kind="share", member_id=member.id, organisation_id=None, channel=None,
                information=["general", "progress"], purpose="Verkostopalaverin muistio",
                form="written", matter=None, given_on=TODAY - timedelta(days=5),
                valid_until=TODAY + timedelta(days=100), until_relationship_ends=False,
                wording="Annan luvan.")
    data.update(fields)
    consent = record_consent(client, data, by=by)
    db.session.commit()
    return consent


def left_out_item(body: str, name: str) -> str:
    """The text of one entry of the page's "left out of the distribution" list."""
    part = body[body.index('class="distribution-left-out"'):]
    part = html.unescape(re.sub(r"\s+", " ", part[:part.index("</ul>")]))
    assert name in part, part
    item = part[part.index(name):]
    return item[:item.index("</li>")]


def listed_names(meeting) -> list[str]:
    db.session.expire_all()
    return [r.name for r in services.distribution(db.session.get(NetworkMeeting, meeting.id))[0]]


def test_a_one_matter_oral_consent_does_not_put_anyone_on_the_distribution(client, staff):
    ruusu = make_client(display_name="Ruusu")
    sister, nurse = add_member(ruusu, "Sisko Sisar"), add_member(ruusu, "Hoitaja Helmi")
    give_consent(ruusu, sister, staff, form="oral", matter="Yksi puhelu asunnosta",
                 valid_until=TODAY + timedelta(days=3))
    give_consent(ruusu, nurse, staff)
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [sister, nurse])
    names = listed_names(meeting)
    assert "Hoitaja Helmi" in names and "Sisko Sisar" not in names
    item = left_out_item(page(client, meeting), "Sisko Sisar")
    assert in_fi("There is only an oral consent, for one matter.") in item
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/minutes.pdf",
                           data={"lang": "fi", "purpose": "distribution"})
    assert response.status_code == 200
    disclosure = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "disclosure", AuditEvent.object_type == "meeting_minutes")).one()
    assert "Hoitaja Helmi" in disclosure.detail and "Sisko Sisar" not in disclosure.detail


@pytest.mark.parametrize("setup, receives", [
    ("meetings", True), ("other_sections", False), ("ended", False), ("unpaired", False),
    ("ends_today", True)])
def test_an_invited_peer_receives_the_minutes_only_if_they_may_see_the_meetings(
        client, staff, peer, setup, receives):
    ruusu = make_client(display_name="Ruusu")
    if setup == "meetings":
        pair(peer, ruusu, sections=("goals", "meetings"))
    elif setup == "other_sections":
        pair(peer, ruusu, sections=("goals", "contacts", "tasks", "errands", "network"))
    elif setup == "ended":
        pair(peer, ruusu, sections=("meetings",), ends_on=TODAY - timedelta(days=1))
    elif setup == "ends_today":
        pair(peer, ruusu, sections=("meetings",), ends_on=TODAY)
    login(client, staff)
    meeting = plan(client, ruusu, users=[staff, peer])
    assert record(client, meeting).status_code == 303
    assert approve(client, meeting).status_code == 303
    names = listed_names(meeting)
    assert staff.name in names
    assert (peer.name in names) is receives
    body = page(client, meeting)
    if receives:
        assert 'class="distribution-left-out"' in body and peer.name not in \
            body[body.index('class="distribution-left-out"'):]
    else:
        assert in_fi("The client has not let this peer supporter see the meetings, or their "
                     "pairing has ended.") in left_out_item(body, peer.name)
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/minutes.pdf",
                           data={"lang": "fi", "purpose": "distribution"})
    assert response.status_code == 200
    disclosure = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "disclosure", AuditEvent.object_type == "meeting_minutes")).one()
    assert (peer.name in disclosure.detail) is receives


def test_a_disabled_user_is_not_a_recipient(client, staff):
    ruusu = make_client()
    leaving = make_user(role="staff", name="Lähtevä Leena")
    login(client, staff)
    meeting = plan(client, ruusu, users=[staff, leaving])
    leaving.active = False
    db.session.commit()
    assert "Lähtevä Leena" not in listed_names(meeting)
    assert in_fi("Their user account is disabled.") in left_out_item(page(client, meeting),
                                                                      "Lähtevä Leena")


# --- access -------------------------------------------------------------------------------------

def _routes(meeting):
    base = f"/clients/{meeting.client_id}/meetings"
    return {
        "get": [base, f"{base}/{meeting.id}"],
        "staff_get": [f"{base}/new", f"{base}/{meeting.id}/plan", f"{base}/{meeting.id}/record"],
        "post": [f"{base}/new", f"{base}/{meeting.id}/plan", f"{base}/{meeting.id}/record",
                 f"{base}/{meeting.id}/approve", f"{base}/{meeting.id}/addenda"],
    }


def test_a_paired_peer_reads_the_meetings_but_changes_nothing(client, staff, peer):
    ruusu = make_client(display_name="Ruusu")
    sister = add_member(ruusu, "Sisko Sisar")
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [sister])
    pair(peer, ruusu, sections=("goals", "meetings"))
    before = _snapshot(meeting.id)
    login(client, peer)
    listing = client.get(f"/clients/{ruusu.id}/meetings").get_data(as_text=True)
    assert f"/meetings/{meeting.id}" in listing and "/meetings/new" not in listing
    body = page(client, meeting)
    assert "Minua huolettaa vuokrarästi" in body
    # Never consent information: no distribution check, no reasons.
    for text in ("distribution", "Distribution", "jakelu", "consent", "suostum", "Who receives"):
        assert text not in body
    assert "/record" not in body and "/approve" not in body and "/addenda" not in body
    routes = _routes(meeting)
    for url in routes["staff_get"]:
        assert client.get(url).status_code == 403, url
    for url in routes["post"]:
        assert client.post(url, data={"text": "x", "on": TODAY.isoformat()}).status_code == 403, url
    assert _snapshot(meeting.id) == before


@pytest.mark.parametrize("setup", ["other_client", "no_section", "ended", "unpaired"])
def test_peers_without_access_get_404_and_are_logged(client, staff, peer, setup):
    ruusu, other = make_client(display_name="Ruusu"), make_client(display_name="Kalle")
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff)
    if setup == "other_client":
        pair(peer, other, sections=("meetings",))
    elif setup == "no_section":
        pair(peer, ruusu, sections=("goals", "network", "tasks"))
    elif setup == "ended":
        pair(peer, ruusu, sections=("meetings",), ends_on=TODAY - timedelta(days=1))
    login(client, peer)
    base = f"/clients/{ruusu.id}/meetings"
    for url in (base, f"{base}/{meeting.id}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "vuokrarästi" not in response.get_data(as_text=True)
    assert client.post(f"{base}/{meeting.id}/minutes.pdf", data={"lang": "fi"}).status_code == 404
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied",
                                                         AuditEvent.user_id == peer.id)).all()
    assert len(denied) >= 3


def test_a_meeting_of_another_client_is_404(client, staff):
    first, second = make_client(), make_client()
    login(client, staff)
    meeting = plan(client, first)
    assert record(client, meeting).status_code == 303
    meeting = newest_meeting()
    base = f"/clients/{second.id}/meetings/{meeting.id}"
    for url in (base, f"{base}/plan", f"{base}/record"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/plan", f"{base}/record", f"{base}/approve", f"{base}/addenda",
                f"{base}/minutes.pdf"):
        assert client.post(url, data=minutes_data(meeting)).status_code == 404, url
    assert client.get(f"/clients/{second.id}/meetings/99999999999").status_code == 404
    assert not newest_meeting().approved


def test_views_and_changes_are_logged(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff)
    page(client, meeting)
    events = {(e.action, e.object_type) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.client_id == ruusu.id))}
    for expected in (("create", "network_meeting"), ("update", "network_meeting"),
                     ("view", "network_meeting"), ("create", "task")):
        assert expected in events, expected


def test_a_removed_network_member_keeps_their_name_in_the_minutes(client, staff):
    ruusu = make_client()
    sister = add_member(ruusu, "Sisko Sisar")
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [sister])
    assert client.post(f"/clients/{ruusu.id}/network/{sister.id}/remove").status_code == 303
    db.session.expire_all()
    assert newest_meeting().participants[0].member_id is None
    assert "Sisko Sisar" in page(client, meeting)


def test_inactive_convener_stays_choosable(client, staff, admin):
    ruusu = make_client()
    other = make_user(role="staff", name="Lähtevä Leena")
    login(client, staff)
    meeting = plan(client, ruusu, convener_id=str(other.id))
    other.active = False
    db.session.commit()
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/plan", data=dict(
        plan_data(convener_id=str(other.id), place="Uusi paikka"), version=str(meeting.version)))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert newest_meeting().convener_id == other.id
