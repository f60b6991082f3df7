"""Consents: recorded, never edited, withdrawn or replaced; the one service that says what may go where.

Also social services notifications, and that peer supporters never receive either.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from association_tool.consents import services
from association_tool.extensions import db
from association_tool.models import AuditEvent, ClientEnding, ContactPerson, NetworkMember
from association_tool.models.consents import Consent, SocialServicesNotification
from association_tool.network import services as network
from association_tool.timeutil import local_today

from .factories import login, make_client, make_organisation, make_user, pair

TODAY = local_today()


def add_member(target, **fields):
    data = dict(kind="private", name="Sisko Sisar", relation="sisko", sector="family", ring="inner",
                involved=True)
    data.update(fields)
    member = network.add_member(target, data)
    db.session.commit()
    return member


def form_data(member=None, **overrides):
    data = {"kind": "share", "consent_to": f"member:{member.id}" if member else "",
            "channel": "", "information": ["general", "progress"], "purpose": "Asumisen tuen suunnittelu",
            "form": "written", "matter": "", "given_on": TODAY.isoformat(),
            "valid_until": (TODAY + timedelta(days=180)).isoformat(),
            "wording": "Annan luvan kertoa tilanteestani sosiaalityöntekijälle."}
    data.update(overrides)
    return data


def give(target, member=None, by=None, **overrides):
    """Record a consent through the service, as the form would; commit."""
    data = dict(kind="share", member_id=member.id if member else None, organisation_id=None,
                information=["general", "progress"], purpose="Yhteistyö", form="written",
                given_on=TODAY - timedelta(days=10), valid_until=TODAY + timedelta(days=100),
                wording="Annan luvan.", until_relationship_ends=False)
    data.update(overrides)
    consent = services.record_consent(target, data, by=by or _first_user())
    db.session.commit()
    return consent


def _first_user():
    from association_tool.models import User

    return db.session.scalars(select(User).order_by(User.id)).first()


# --- recording ----------------------------------------------------------------------------------

def test_staff_record_a_consent_and_it_is_listed_and_logged(client, staff):
    target = make_client(display_name="Ruusu")
    sister = add_member(target)
    login(client, staff)
    response = client.post(f"/clients/{target.id}/consents", data=form_data(sister, health="y"))
    assert response.status_code == 303
    consent = db.session.scalars(select(Consent)).one()
    assert consent.scopes == ["general", "progress", "health"]
    assert consent.recipient_label.startswith("Sisko Sisar")
    assert consent.recorded_by_id == staff.id
    page = client.get(f"/clients/{target.id}/consents").get_data(as_text=True)
    assert "Sisko Sisar" in page and "Asumisen tuen suunnittelu" not in page  # purpose on the detail page
    detail = client.get(f"/clients/{target.id}/consents/{consent.id}").get_data(as_text=True)
    assert "Annan luvan kertoa tilanteestani sosiaalityöntekijälle." in detail
    actions = db.session.execute(select(AuditEvent.action, AuditEvent.object_type)
                                 .where(AuditEvent.client_id == target.id)).all()
    assert ("create", "consent") in actions and ("view", "consent") in actions


@pytest.mark.parametrize("overrides, field_text", [
    ({"wording": ""}, None),
    ({"purpose": ""}, None),
    ({"information": []}, None),
    ({"form": "oral", "matter": ""}, None),
    ({"form": "oral", "matter": "Kela-asia", "valid_until": "", "until_relationship_ends": "y"}, None),
    ({"valid_until": ""}, None),
    ({"valid_until": (TODAY - timedelta(days=30)).isoformat()}, None),
    ({"given_on": (TODAY + timedelta(days=1)).isoformat()}, None),
    ({"given_on": "32.13.2026"}, None),
    ({"kind": "teleport"}, None),
    ({"consent_to": "member:999999"}, None),
    ({"consent_to": "abc"}, None),
    ({"consent_to": "person:abc"}, None),
    ({"kind": "client_channel", "channel": ""}, None),
])
def test_bad_consent_input_is_refused_and_the_text_is_kept(client, staff, overrides, field_text):
    target = make_client()
    sister = add_member(target)
    login(client, staff)
    data = form_data(sister, **overrides)
    if overrides.get("purpose") != "":
        data["purpose"] = "Tämä teksti säilyy"
    response = client.post(f"/clients/{target.id}/consents", data=data)
    assert response.status_code == 422, overrides
    page = response.get_data(as_text=True)
    assert "field-error" in page or "notice-error" in page
    if overrides.get("purpose") != "":
        assert "Tämä teksti säilyy" in page
    assert db.session.query(Consent).count() == 0


def test_a_member_of_another_clients_network_is_not_a_recipient(client, staff):
    target, other = make_client(), make_client()
    strangers_sister = add_member(other, name="Vieras Veli")
    login(client, staff)
    response = client.post(f"/clients/{target.id}/consents", data=form_data(strangers_sister))
    assert response.status_code == 422
    assert db.session.query(Consent).count() == 0


# --- never edited -------------------------------------------------------------------------------

def test_no_request_changes_a_given_consent(client, staff):
    target = make_client()
    sister = add_member(target)
    consent = give(target, sister)
    before = {c.key: getattr(consent, c.key) for c in Consent.__table__.columns}
    login(client, staff)
    base = f"/clients/{target.id}/consents/{consent.id}"
    edit = form_data(sister, purpose="MUUTETTU", wording="MUUTETTU", information=["health"])
    for method, url in [("post", base), ("put", base), ("patch", base), ("delete", base),
                        ("post", base + "/edit"), ("post", base + "/update"),
                        ("post", f"/clients/{target.id}/consents?id={consent.id}")]:
        response = getattr(client, method)(url, data=dict(edit, id=str(consent.id)))
        assert response.status_code in (303, 404, 405, 422), (method, url, response.status_code)
    # The withdrawal form accepts only withdrawal fields, whatever else is posted.
    client.post(base + "/withdraw", data=dict(edit, withdrawn_on=TODAY.isoformat(), how="phone",
                                               heard_by_id=str(staff.id)))
    db.session.expire_all()
    consent = db.session.get(Consent, consent.id)
    after = {c.key: getattr(consent, c.key) for c in Consent.__table__.columns}
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= {"withdrawn_on", "withdrawn_how", "withdrawn_heard_by_id",
                       "withdrawal_recorded_at", "withdrawal_note"}
    assert consent.purpose == "Yhteistyö" and consent.wording == "Annan luvan."
    assert consent.withdrawn_on == TODAY
    # The POST to the list made a new consent (id ignored); the given one is untouched.
    assert all(c.purpose != "MUUTETTU" or c.id != consent.id for c in db.session.scalars(select(Consent)))


def test_the_model_refuses_edits_even_from_code(app):
    make_user(role="staff")
    target = make_client()
    consent = give(target, add_member(target))
    consent.purpose = "Muutettu salaa"
    with pytest.raises(ValueError, match="cannot be changed"):
        db.session.flush()
    db.session.rollback()
    consent = db.session.get(Consent, consent.id)
    services.withdraw(consent, on=TODAY, how="phone", heard_by=_first_user())
    db.session.commit()
    consent.withdrawn_on = TODAY - timedelta(days=1)
    with pytest.raises(ValueError, match="written once"):
        db.session.flush()
    db.session.rollback()


def test_withdrawal_and_replacement_happen_once(client, staff):
    target = make_client()
    sister = add_member(target)
    consent = give(target, sister)
    login(client, staff)
    url = f"/clients/{target.id}/consents/{consent.id}/withdraw"
    data = {"withdrawn_on": TODAY.isoformat(), "how": "in_person", "heard_by_id": str(staff.id),
            "note": "Sanoi tapaamisessa"}
    assert client.post(url, data=data).status_code == 303
    again = client.post(url, data=dict(data, note="toinen kerta"))
    assert again.status_code == 422 and "toinen kerta" in again.get_data(as_text=True)
    replace = client.post(f"/clients/{target.id}/consents/{consent.id}/replace", data=form_data(sister))
    assert replace.status_code == 422
    assert db.session.query(Consent).count() == 1


def test_withdrawal_date_cannot_be_before_given_or_in_the_future(client, staff):
    target = make_client()
    consent = give(target, add_member(target))
    login(client, staff)
    url = f"/clients/{target.id}/consents/{consent.id}/withdraw"
    for day in (consent.given_on - timedelta(days=1), TODAY + timedelta(days=1)):
        response = client.post(url, data={"withdrawn_on": day.isoformat(), "how": "phone",
                                          "heard_by_id": str(staff.id), "note": "säilyy"})
        assert response.status_code == 422 and "säilyy" in response.get_data(as_text=True)
    assert db.session.get(Consent, consent.id).withdrawn_on is None


def test_replacing_keeps_the_old_consent_readable_with_its_history(client, staff):
    target = make_client()
    sister = add_member(target)
    old = give(target, sister, given_on=TODAY - timedelta(days=40))
    login(client, staff)
    form = client.get(f"/clients/{target.id}/consents/{old.id}/replace").get_data(as_text=True)
    assert "Yhteistyö" in form  # the replacement starts from the old consent
    response = client.post(f"/clients/{target.id}/consents/{old.id}/replace",
                           data=form_data(sister, information=["general"], purpose="Uusi tarkoitus"))
    assert response.status_code == 303
    db.session.expire_all()
    old = db.session.get(Consent, old.id)
    new = db.session.scalars(select(Consent).where(Consent.id != old.id)).one()
    assert old.superseded_by_id == new.id and old.superseded_on == new.given_on == TODAY
    assert services.status(old) == "superseded" and services.status(new) in ("active", "expiring")
    assert services.status(old, TODAY - timedelta(days=1)) in ("active", "expiring")
    page = client.get(f"/clients/{target.id}/consents/{new.id}").get_data(as_text=True)
    assert f"/consents/{old.id}" in page  # the history links the older consent
    assert client.get(f"/clients/{target.id}/consents/{old.id}").status_code == 200


# --- in force on the exact dates --------------------------------------------------------------

def test_withdrawal_takes_effect_on_its_date(app):
    make_user(role="staff")
    target = make_client()
    sister = add_member(target)
    consent = give(target, sister, given_on=TODAY - timedelta(days=20))
    services.withdraw(consent, on=TODAY - timedelta(days=5), how="phone", heard_by=_first_user())
    db.session.commit()
    assert services.active_consent(target, sister, "general", on=TODAY - timedelta(days=6)) == consent
    assert services.active_consent(target, sister, "general", on=TODAY - timedelta(days=5)) is None
    assert services.active_consent(target, sister, "general") is None
    assert services.status(consent) == "withdrawn"


def test_expiry_takes_effect_the_day_after_valid_until(app):
    make_user(role="staff")
    target = make_client()
    sister = add_member(target)
    last = TODAY + timedelta(days=10)
    consent = give(target, sister, valid_until=last)
    assert services.active_consent(target, sister, ["general"], on=last) == consent
    assert services.active_consent(target, sister, ["general"], on=last + timedelta(days=1)) is None
    assert services.status(consent, last + timedelta(days=1)) == "expired"
    assert services.status(consent) == "expiring"
    assert services.active_consent(target, sister, "general", on=consent.given_on - timedelta(days=1)) is None


def test_until_the_relationship_ends_means_the_end_date(app):
    from association_tool.clients import services as clients

    make_user(role="staff")
    target = make_client()
    sister = add_member(target)
    consent = give(target, sister, valid_until=None, until_relationship_ends=True)
    assert services.status(consent) == "active"
    end = TODAY
    clients.end_client(target, dict(end_date=end, reason="goals_reached"), actor=_first_user())
    db.session.commit()
    assert services.active_consent(target, sister, "general", on=end) == consent
    assert services.active_consent(target, sister, "general", on=end + timedelta(days=1)) is None


def test_the_count_in_force_follows_each_consents_status_on_every_day(app):
    from association_tool.clients import services as clients

    make_user(role="staff")
    target = make_client()
    sister = add_member(target)
    give(target, sister, given_on=TODAY - timedelta(days=30), valid_until=TODAY + timedelta(days=5))
    withdrawn = give(target, sister, given_on=TODAY - timedelta(days=20))
    services.withdraw(withdrawn, on=TODAY - timedelta(days=2), how="phone", heard_by=_first_user())
    give(target, sister, given_on=TODAY - timedelta(days=40), valid_until=None,
         until_relationship_ends=True)
    # The relationship ended once before (the consent above was given after it) and ends today.
    db.session.add(ClientEnding(client_id=target.id, end_date=TODAY - timedelta(days=50),
                                reason="other", recorded_by_id=_first_user().id))
    clients.end_client(target, dict(end_date=TODAY, reason="goals_reached"), actor=_first_user())
    db.session.commit()
    counted = []
    for days in range(-45, 12):  # before a consent was given, it is pending
        on = TODAY + timedelta(days=days)
        expected = sum(1 for consent in services.client_consents(target)
                       if services.is_active(consent, on))
        assert services.count_in_force(target, on) == expected, on
        counted.append(expected)
    assert len(set(counted)) >= 3  # the days tried saw the count change
    assert services.count_in_force(make_client()) == 0


def test_scope_kind_oral_and_party_rules(app):
    make_user(role="staff")
    target = make_client()
    kela = make_organisation(name="Kela", unit="Kuopio", type="kela", people=[("Olli Etuus", "Etuuskäsittelijä", True)])
    person = db.session.scalars(select(ContactPerson)).one()
    olli = add_member(target, kind="person", contact_person_id=person.id, name=None, sector="services")
    kela_member = add_member(target, kind="organisation", organisation_id=kela.id, name=None, sector="services")
    sister = add_member(target)
    give(target, organisation_id=kela.id, information=["general"])
    # A consent to the organisation covers its people on the network…
    assert services.active_consent(target, olli, "general") is not None
    assert services.active_consent(target, kela_member, "general") is not None
    # …but not more than it says, nor other kinds, nor other parties.
    assert services.active_consent(target, olli, ["general", "health"]) is None
    assert services.active_consent(target, olli, "general", kind="they_contact") is None
    assert services.active_consent(target, sister, "general") is None
    assert services.why_not(target, olli, ["health"])[0] == "scope"
    assert services.why_not(target, sister, ["general"])[0] == "none"
    # A consent to one person does not cover the rest of the organisation.
    other_target = make_client()
    other_olli = add_member(other_target, kind="person", contact_person_id=person.id, name=None, sector="services")
    give(other_target, other_olli, information=["general"])
    assert services.active_consent(other_target, kela, "general") is None
    # Oral consents cover their one matter, and are left out where a lasting consent is needed.
    oral = give(target, sister, form="oral", matter="Kela-hakemus", valid_until=TODAY)
    assert services.active_consent(target, sister, "general", disclosure="one_matter") == oral
    assert services.active_consent(target, sister, "general", disclosure="agreement_line") is None
    assert services.why_not(target, sister, ["general"], disclosure="agreement_line")[0] == "oral"
    with pytest.raises(ValueError):
        services.active_consent(target, sister, "everything")
    with pytest.raises(ValueError):
        services.active_consent(target, sister, "general", disclosure="gossip")


# Which form of consent covers which kind of disclosure: the one table, asked by every feature.
COVERS = {
    ("written", "document"): True, ("written", "agreement_line"): True,
    ("written", "one_matter"): True, ("written", "ending_notice"): True,
    ("electronic", "document"): True, ("electronic", "agreement_line"): True,
    ("electronic", "one_matter"): True, ("electronic", "ending_notice"): True,
    ("oral", "document"): False, ("oral", "agreement_line"): False,
    ("oral", "one_matter"): True, ("oral", "ending_notice"): True,
    ("written", "observation"): True, ("electronic", "observation"): True,
    ("oral", "observation"): False,
}


def test_the_table_names_every_form_and_every_kind_of_disclosure():
    from association_tool.models.consents import CONSENT_FORMS

    assert set(services.DISCLOSURES) == {"document", "agreement_line", "one_matter", "ending_notice",
                                         "observation"}
    assert set(services.FORMS_COVERING) == set(services.DISCLOSURES)
    assert {(form, kind) for form in CONSENT_FORMS for kind in services.DISCLOSURES} == set(COVERS)
    for kind, forms in services.FORMS_COVERING.items():
        assert forms == {form for (form, k), ok in COVERS.items() if k == kind and ok}, kind


@pytest.mark.parametrize("form, disclosure", sorted(COVERS))
def test_each_form_of_consent_against_each_kind_of_disclosure(app, form, disclosure):
    make_user(role="staff")
    target = make_client()
    sister = add_member(target)
    extra = {"matter": "Yksi puhelu Kelaan", "valid_until": TODAY} if form == "oral" else {}
    consent = give(target, sister, form=form, **extra)
    covered = COVERS[(form, disclosure)]
    found = services.active_consent(target, sister, ["general"], on=TODAY, disclosure=disclosure)
    assert (found == consent) if covered else (found is None)
    assert services.covers(consent, ["general"], disclosure=disclosure, on=TODAY) is covered
    if not covered:
        assert services.why_not(target, sister, ["general"], on=TODAY,
                                disclosure=disclosure) == (form, consent)
    # Whatever the form, it covers no more information than it says, and only while in force.
    assert services.active_consent(target, sister, ["health"], disclosure=disclosure) is None
    assert services.active_consent(target, sister, ["general"], on=TODAY + timedelta(days=365),
                                   disclosure=disclosure) is None


def test_left_unsaid_the_kind_of_disclosure_is_a_document(app):
    make_user(role="staff")
    target = make_client()
    sister = add_member(target)
    oral = give(target, sister, form="oral", matter="Yksi puhelu", valid_until=TODAY)
    assert services.active_consent(target, sister, ["general"], on=TODAY) is None
    assert services.why_not(target, sister, ["general"], on=TODAY) == ("oral", oral)
    written = give(target, sister, given_on=TODAY - timedelta(days=20))
    assert services.active_consent(target, sister, ["general"], on=TODAY) == written


def test_removing_a_member_from_the_map_keeps_the_consent_as_history(app):
    make_user(role="staff")
    target = make_client()
    sister = add_member(target)
    consent = give(target, sister)
    network.remove_member(db.session.get(NetworkMember, sister.id))
    db.session.commit()
    db.session.expire_all()
    consent = db.session.get(Consent, consent.id)
    assert consent.member_id is None and consent.recipient_label.startswith("Sisko Sisar")


def test_the_home_page_lists_consents_ending_within_30_days(client, staff):
    mine = make_client(display_name="Oma Asiakas", responsible_id=staff.id)
    other = make_client(display_name="Muu Asiakas")
    soon = give(mine, add_member(mine, name="Pian Päättyvä"), valid_until=TODAY + timedelta(days=30))
    give(mine, add_member(mine, name="Myöhemmin Päättyvä"), valid_until=TODAY + timedelta(days=31))
    give(other, add_member(other, name="Toisen Asiakkaan"), valid_until=TODAY + timedelta(days=3))
    gone = give(mine, add_member(mine, name="Peruttu Lupa"), valid_until=TODAY + timedelta(days=3))
    services.withdraw(gone, on=TODAY, how="phone", heard_by=staff)
    db.session.commit()
    login(client, staff)
    page = client.get("/").get_data(as_text=True)
    assert "Pian Päättyvä" in page and f"/consents#consent-{soon.id}" in page
    for absent in ("Myöhemmin Päättyvä", "Toisen Asiakkaan", "Peruttu Lupa"):
        assert absent not in page


# --- social services notifications ------------------------------------------------------------

def notification(**overrides):
    data = {"path": "guided", "concern": "Huoli asumisesta", "recipient": "", "consent_id": "",
            "reason_without_consent": "", "made_on": TODAY.isoformat(), "note": ""}
    data.update(overrides)
    return data


def test_notification_paths_and_their_rules(client, staff):
    target = make_client()
    social = add_member(target, name="Sosiaalipäivystys", sector="services")
    consent = give(target, social)
    login(client, staff)
    url = f"/clients/{target.id}/notifications"
    assert client.post(url, data=notification()).status_code == 303
    refused = client.post(url, data=notification(path="without_consent", recipient="Sosiaalipäivystys",
                                                 concern="Lapsen hyvinvointi huolettaa"))
    assert refused.status_code == 422 and "Lapsen hyvinvointi huolettaa" in refused.get_data(as_text=True)
    assert client.post(url, data=notification(path="without_consent", recipient="Sosiaalipäivystys",
                                              reason_without_consent="Välitön avun tarve")).status_code == 303
    no_consent = client.post(url, data=notification(path="with_consent", recipient="Sosiaalitoimisto"))
    assert no_consent.status_code == 422
    assert client.post(url, data=notification(path="with_consent", recipient="Sosiaalitoimisto",
                                              consent_id=str(consent.id))).status_code == 303
    rows = db.session.scalars(select(SocialServicesNotification).order_by(SocialServicesNotification.id)).all()
    assert [r.path for r in rows] == ["guided", "without_consent", "with_consent"]
    assert rows[2].consent_id == consent.id
    logged = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "notification").order_by(AuditEvent.id)).all()
    assert logged == ["create", "disclosure", "disclosure"]


def test_a_withdrawn_consent_cannot_carry_a_notification(client, staff):
    target = make_client()
    social = add_member(target, name="Sosiaalipäivystys", sector="services")
    consent = give(target, social)
    services.withdraw(consent, on=TODAY, how="phone", heard_by=staff)
    db.session.commit()
    login(client, staff)
    response = client.post(f"/clients/{target.id}/notifications", data=notification(
        path="with_consent", recipient="Sosiaalitoimisto", consent_id=str(consent.id)))
    assert response.status_code == 422
    assert db.session.query(SocialServicesNotification).count() == 0


# --- peer supporters never receive consents or notifications ------------------------------------

def test_peers_never_receive_consents_or_notifications(client, staff, peer):
    target = make_client(display_name="Ruusu")
    sister = add_member(target)
    consent = give(target, sister, purpose="SALAINEN-TARKOITUS", wording="SALAINEN-SANAMUOTO")
    services.record_notification(target, dict(path="guided", concern="SALAINEN-HUOLI", made_on=TODAY),
                                 by=staff)
    db.session.commit()
    everything = ["goals", "contacts", "tasks", "errands", "network", "meetings", "agreement",
                  "contact_details", "consents", "notifications"]
    pair(peer, target, sections=everything)
    login(client, peer)
    base = f"/clients/{target.id}"
    for url in (f"{base}/consents", f"{base}/consents/{consent.id}", f"{base}/notifications",
                f"{base}/consents/{consent.id}/withdraw", f"{base}/consents/{consent.id}/replace"):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code in (403, 404), url
            assert "SALAINEN" not in response.get_data(as_text=True)
    assert client.post(f"{base}/consents", data=form_data(sister)).status_code in (403, 404)
    assert client.post(f"{base}/notifications", data=notification()).status_code in (403, 404)
    pages = [base, "/", f"{base}/network", f"{base}/agreement", f"{base}/goals", f"{base}/tasks"]
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            body = client.get(url, headers=headers).get_data(as_text=True)
            assert "SALAINEN" not in body, url
            assert f"/consents" not in body and "/notifications" not in body, url
    assert db.session.query(Consent).count() == 1


def test_consent_ids_of_another_client_are_not_found(client, staff):
    target, other = make_client(), make_client()
    foreign = give(other, add_member(other))
    login(client, staff)
    for suffix in ("", "/withdraw", "/replace"):
        assert client.get(f"/clients/{target.id}/consents/{foreign.id}{suffix}").status_code == 404
    assert client.post(f"/clients/{target.id}/consents/{foreign.id}/withdraw", data={
        "withdrawn_on": TODAY.isoformat(), "how": "phone", "heard_by_id": str(staff.id)}).status_code == 404
    assert db.session.get(Consent, foreign.id).withdrawn_on is None
