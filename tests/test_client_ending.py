"""Ending a client relationship closes the work around it: the contact agreement in force ends,
open follow-up tasks are closed or kept, peer pairings end or continue, and the partners told of
the ending are chosen under a consent and logged as disclosures. Also the 40-client warning."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from association_tool.agreements import services as agreements
from association_tool.extensions import db
from association_tool.models import (AuditEvent, Client, ClientEnding, EndingNotice,
                                     EndingPairing, FollowUpTask, PeerPairing)
from association_tool.models.consents import ContactAgreement
from association_tool.tasks.services import create_task
from association_tool.timeutil import local_today

from .factories import login, make_client, make_user, pair
from .test_consents import add_member, give

TODAY = local_today()


def ending_data(**overrides):
    data = {"end_date": TODAY.isoformat(), "reason": "goals_reached",
            "continuation_plan": "Käy torstairyhmässä", "contact_if_difficulties": "Soita Sannalle",
            "follow_up_date": "", "warm_handover": ""}
    data.update(overrides)
    return data


def reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def active_agreement_for(target, member, by):
    """A signed agreement in force with one line to `member` (who has a written consent)."""
    give(target, member, information=["general", "progress"])
    draft = agreements.start_draft(target, by=by)
    agreements.add_line(target, draft, {"member_id": member.id, "direction": "both",
                                        "when": ["crisis"], "how": ["phone"],
                                        "shares": ["general"]})
    assert agreements.activate(target, draft, signed_on=TODAY, by=by,
                               version=draft.row_version) == []
    db.session.commit()
    return draft


def test_the_ending_ends_the_agreement_in_force_and_its_history_stays_readable(client, staff):
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    liisa = add_member(target, name="Liisa Linkki", relation="sosiaalityöntekijä", sector="services")
    agreement = active_agreement_for(target, liisa, staff)
    login(client, staff)
    form = client.get(f"/clients/{target.id}/ending").get_data(as_text=True)
    assert "(versio 1)" in form or "version 1" in form  # the form says the agreement ends

    response = client.post(f"/clients/{target.id}/ending", data=ending_data(tasks_all="keep"))
    assert response.status_code == 303
    ended = reload(ContactAgreement, agreement.id)
    assert ended.status == "ended" and ended.ended_on == TODAY
    assert agreements.active_agreement(target) is None
    ending = db.session.scalars(select(ClientEnding)).one()
    assert ending.agreement_version == 1
    # The version stays readable, with its lines, and says it ended.
    page = client.get(f"/clients/{target.id}/agreement/{agreement.id}")
    assert page.status_code == 200 and "Liisa Linkki" in page.get_data(as_text=True)
    section = client.get(f"/clients/{target.id}/agreement").get_data(as_text=True)
    assert f"/agreement/{agreement.id}" in section  # listed among the versions

    # Reopening does not bring the agreement back into force, and the screen says so.
    reopened = client.post(f"/clients/{target.id}/reopen", follow_redirects=True)
    assert reload(Client, target.id).status == "active"
    assert reload(ContactAgreement, agreement.id).status == "ended"
    assert "(versio 1)" in reopened.get_data(as_text=True)
    section = client.get(f"/clients/{target.id}/agreement").get_data(as_text=True)
    assert "Versio 1 päättyi" in section
    # A new version starts from the ended one and must be signed again; while the relationship
    # is ended, no version comes into force.
    client.post(f"/clients/{target.id}/ending", data=ending_data(tasks_all="keep"))
    target = reload(Client, target.id)
    assert target.status == "ended"
    blocked = agreements.start_draft(target, by=staff)
    with pytest.raises(agreements.AgreementError):
        agreements.activate(target, blocked, signed_on=TODAY, by=staff,
                            version=blocked.row_version)
    db.session.rollback()
    client.post(f"/clients/{target.id}/reopen")
    draft = agreements.start_draft(db.session.get(Client, target.id), by=staff)
    assert draft.version_no == 2 and draft.status == "draft" and len(draft.lines) == 1


def test_open_tasks_are_listed_and_closed_or_kept_as_chosen(client, staff):
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    call = create_task(target, title="Soita Kelaan", owner_id=staff.id,
                       due_date=TODAY + timedelta(days=3), created_by_id=staff.id)
    visit = create_task(target, title="Käy asuntotoimistossa", owner_id=staff.id,
                        created_by_id=staff.id)
    db.session.commit()
    login(client, staff)
    form = client.get(f"/clients/{target.id}/ending").get_data(as_text=True)
    assert "Soita Kelaan" in form and "Käy asuntotoimistossa" in form
    assert f'name="task_{call.id}"' in form and 'name="tasks_all"' in form

    # No choice made: refused next to the field, everything typed kept, nothing ended.
    missing = client.post(f"/clients/{target.id}/ending", data=ending_data())
    page = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'id="tasks_all-error"' in page
    assert "Käy torstairyhmässä" in page and "Soita Sannalle" in page
    unchosen = client.post(f"/clients/{target.id}/ending", data=ending_data(
        tasks_all="each", **{f"task_{call.id}": "close"}))
    assert unchosen.status_code == 422
    assert f'id="task_{visit.id}-error"' in unchosen.get_data(as_text=True)
    # The choice made is kept.
    assert re.search(rf'<input checked [^>]*name="task_{call.id}"[^>]*value="close"',
                     unchosen.get_data(as_text=True))
    assert reload(Client, target.id).status == "active"

    response = client.post(f"/clients/{target.id}/ending", data=ending_data(
        tasks_all="each", **{f"task_{call.id}": "close", f"task_{visit.id}": "keep"}))
    assert response.status_code == 303
    assert reload(FollowUpTask, call.id).status == "cancelled"
    assert reload(FollowUpTask, visit.id).status == "open"
    logged = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.object_type == "task", AuditEvent.object_id == str(call.id))).all()
    assert "status=cancelled" in logged
    ended = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.object_type == "client", AuditEvent.detail.like("ended:%"))).one()
    assert f"tasks closed={call.id} kept={visit.id}" in ended


def test_close_all_closes_every_open_task(client, staff):
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    tasks = [create_task(target, title=f"Tehtävä {i}", owner_id=staff.id) for i in range(2)]
    db.session.commit()
    login(client, staff)
    response = client.post(f"/clients/{target.id}/ending", data=ending_data(
        tasks_all="close", follow_up_date=(TODAY + timedelta(days=30)).isoformat()))
    assert response.status_code == 303
    assert {reload(FollowUpTask, t.id).status for t in tasks} == {"cancelled"}
    # The ending's own follow-up task is new and open.
    follow_up = db.session.scalars(select(FollowUpTask).where(FollowUpTask.source == "ending")).one()
    assert follow_up.status == "open"


def test_peer_pairings_end_or_continue_as_chosen_and_recorded(client, staff):
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    first = make_user(role="peer", name="Vertainen Väinö")
    second = make_user(role="peer", name="Vertainen Vilma")
    ending_pairing, going_on = pair(first, target), pair(second, target)
    already_over = pair(make_user(role="peer", name="Vertainen Veli"), target,
                        ends_on=TODAY - timedelta(days=5))
    login(client, staff)
    form = client.get(f"/clients/{target.id}/ending").get_data(as_text=True)
    assert "Vertainen Väinö" in form and "Vertainen Vilma" in form
    assert f'name="pairing_{already_over.id}"' not in form  # it has ended already

    missing = client.post(f"/clients/{target.id}/ending", data=ending_data(
        **{f"pairing_{ending_pairing.id}": "end"}))
    assert missing.status_code == 422
    assert f'id="pairing_{going_on.id}-error"' in missing.get_data(as_text=True)
    assert reload(PeerPairing, ending_pairing.id).ends_on is None

    response = client.post(f"/clients/{target.id}/ending", data=ending_data(
        **{f"pairing_{ending_pairing.id}": "end", f"pairing_{going_on.id}": "continue"}))
    assert response.status_code == 303
    assert reload(PeerPairing, ending_pairing.id).ends_on == TODAY
    assert reload(PeerPairing, going_on.id).ends_on is None
    choices = {c.peer_id: (c.choice, c.ends_on) for c in db.session.scalars(select(EndingPairing))}
    assert choices == {first.id: ("end", TODAY), second.id: ("continue", None)}
    page = client.get(f"/clients/{target.id}/ending").get_data(as_text=True)
    assert "Vertainen Väinö" in page and "Vertainen Vilma" in page


def test_partners_informed_need_a_consent_and_each_telling_is_a_disclosure(client, staff):
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    sister = add_member(target, name="Sisko Sisar")
    friend = add_member(target, name="Kaveri Kalle", relation="ystävä", sector="friends")
    worker = add_member(target, name="Liisa Linkki", relation="sosiaalityöntekijä",
                        sector="services")
    consent = give(target, sister, information=["general"])
    withdrawn = give(target, worker, information=["general"])
    withdrawn.withdrawn_on, withdrawn.withdrawn_how = TODAY - timedelta(days=1), "phone"
    withdrawn.withdrawn_heard_by_id = staff.id
    db.session.commit()
    login(client, staff)

    form = client.get(f"/clients/{target.id}/ending").get_data(as_text=True)
    box = re.search(rf'<input[^>]*id="informed-{friend.id}"[^>]*>', form).group(0)
    assert "disabled" in box
    assert "disabled" not in re.search(rf'<input[^>]*id="informed-{sister.id}"[^>]*>', form).group(0)
    assert "Ei suostumusta tietojen antamiseen hänelle." in form  # the reason, on screen
    assert "Suostumus peruttiin" in form

    refused = client.post(f"/clients/{target.id}/ending", data=ending_data(
        informed=[str(sister.id), str(friend.id)]))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    error = re.search(r'id="informed-error">([^<]*)<', page).group(1)
    assert "Kaveri Kalle" in error and "Ei suostumusta" in error and "Sisko" not in error
    assert "Käy torstairyhmässä" in page
    assert re.search(rf'id="informed-{sister.id}" value="{sister.id}" checked', page)
    assert reload(Client, target.id).status == "active"
    assert db.session.scalars(select(EndingNotice)).all() == []

    response = client.post(f"/clients/{target.id}/ending", data=ending_data(
        informed=[str(sister.id)]))
    assert response.status_code == 303
    notice = db.session.scalars(select(EndingNotice)).one()
    assert notice.member_id == sister.id and notice.consent_id == consent.id
    assert notice.party_label.startswith("Sisko Sisar")
    disclosure = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "disclosure", AuditEvent.client_id == target.id)).one()
    assert disclosure.object_type == "ending_notice" and disclosure.object_id == str(notice.id)
    assert f"consent={consent.id}" in disclosure.detail
    assert "Sisko Sisar" in client.get(f"/clients/{target.id}/ending").get_data(as_text=True)


def test_a_party_without_consent_is_refused_by_the_service_too(app, staff):
    from association_tool.clients import services

    target = make_client()
    friend = add_member(target, name="Kaveri Kalle")
    with pytest.raises(services.EndingError) as refused:
        services.end_client(target, dict(end_date=TODAY, reason="other"), actor=staff,
                            informed=[friend.id])
    assert refused.value.field == "informed" and refused.value.details["reason"] == "none"
    db.session.rollback()
    assert reload(Client, target.id).status == "active"


def test_partners_informed_written_as_text_before_stay_readable(client, staff):
    target = make_client(display_name="Ruusu")
    db.session.add(ClientEnding(client_id=target.id, end_date=TODAY, reason="other",
                                partners_informed="Kerrottu Kelan Ollille puhelimessa"))
    db.session.get(Client, target.id).status = "ended"
    db.session.commit()
    login(client, staff)
    page = client.get(f"/clients/{target.id}/ending").get_data(as_text=True)
    assert "Kerrottu Kelan Ollille puhelimessa" in page


# --- the 40-client warning ----------------------------------------------------------------------

def client_form(person, **overrides):
    data = {"display_name": person.display_name, "full_name": "", "birth_year": "", "phone": "",
            "email": "", "language": "fi", "language_other": "", "contact_channel": "",
            "contact_notes": "", "level": person.level, "status": person.status,
            "start_date": person.start_date.isoformat(), "referral_source": "self",
            "referral_note": "", "responsible_id": str(person.responsible_id or ""),
            "backup_id": "", "staff_notes": "", "version": str(person.version)}
    data.update(overrides)
    return data


def test_the_40_warning_comes_only_when_a_change_adds_to_the_caseload(client, staff):
    login(client, staff)
    caseload = [make_client(display_name=f"Tiivis {i}", level="intensive",
                            responsible_id=staff.id) for i in range(41)]  # already over 40
    # Editing a client already in the caseload, level and worker unchanged: no warning.
    person = caseload[-1]
    saved = client.post(f"/clients/{person.id}/edit",
                        data=client_form(person, contact_notes="Soita iltapäivisin"))
    assert saved.status_code == 303
    assert reload(Client, person.id).contact_notes == "Soita iltapäivisin"

    # Raising a client's level to intensive adds to the caseload: warned.
    other = make_client(display_name="Ohjattava", level="client_guidance", responsible_id=staff.id)
    raised = client.post(f"/clients/{other.id}/edit", data=client_form(other, level="intensive"))
    assert raised.status_code == 422 and 'name="confirm_over_cap"' in raised.get_data(as_text=True)
    assert reload(Client, other.id).level == "client_guidance"

    # Another worker's intensive client moved to this worker: warned.
    colleague = make_user(role="staff", name="Kollega")
    theirs = make_client(display_name="Kollegan", level="intensive", responsible_id=colleague.id)
    moved = client.post(f"/clients/{theirs.id}/edit",
                        data=client_form(theirs, responsible_id=str(staff.id)))
    assert moved.status_code == 422 and 'name="confirm_over_cap"' in moved.get_data(as_text=True)


def test_forged_or_malformed_choices_are_refused_never_a_500(client, staff, peer):
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    task = create_task(target, title="Soita Kelaan", owner_id=staff.id)
    db.session.commit()
    pairing = pair(peer, target)
    other = make_client(display_name="Toinen")
    strangers_sister = add_member(other, name="Vieras Sisko")
    give(other, strangers_sister, information=["general"])
    login(client, staff)
    valid = {"tasks_all": "keep", f"pairing_{pairing.id}": "continue"}
    for forged in ({"informed": "abc"}, {"informed": str(strangers_sister.id)},
                   {"informed": "9" * 40}, {"tasks_all": "bogus"},
                   {"tasks_all": "each", f"task_{task.id}": "bogus"},
                   {f"pairing_{pairing.id}": "maybe"}):
        response = client.post(f"/clients/{target.id}/ending",
                               data=ending_data(**{**valid, **forged}))
        assert response.status_code == 422, forged
        assert "Käy torstairyhmässä" in response.get_data(as_text=True)
    assert reload(Client, target.id).status == "active"
    assert client.post(f"/clients/{target.id}/ending",
                       data=ending_data(**valid)).status_code == 303
