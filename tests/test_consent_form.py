"""The consent form helps: every problem at once, the valid-until rule said up front and kept
exactly, one recipient list of every kind of party; and the one consent rule for organisations
and their people, tried from every side."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from association_tool.consents import services
from association_tool.extensions import db
from association_tool.models import ContactPerson, User
from association_tool.models.consents import Consent
from association_tool.timeutil import local_today

from .factories import login, make_client, make_organisation
from .test_consents import add_member, form_data, give

TODAY = local_today()


def _people(org):
    return db.session.scalars(select(ContactPerson).where(
        ContactPerson.organisation_id == org.id).order_by(ContactPerson.name)).all()


def errors_of(page: str) -> dict[str, str]:
    """The error text shown next to each field, by the field's id."""
    return {m.group(1): m.group(2) for m in re.finditer(
        r'<small class="field-error" id="([\w-]+)-error">([^<]*)</small>', page)}


def post(client, target, **overrides):
    return client.post(f"/clients/{target.id}/consents", data=form_data(None, **overrides))


# --- every problem at once ------------------------------------------------------------------------

def test_every_problem_is_shown_at_once_next_to_its_field(client, staff):
    target = make_client()
    login(client, staff)
    response = post(client, target, consent_to="", information=[], purpose="", wording="",
                    valid_until="", matter="")
    assert response.status_code == 422
    errors = errors_of(response.get_data(as_text=True))
    # One submit names every field that needs attention, each with its own message.
    assert {"consent_to", "information", "purpose", "wording", "valid_until"} <= set(errors), errors
    assert "verkosto" in errors["consent_to"].lower()
    assert "asiakkuuden päättymiseen" in errors["valid_until"]
    assert db.session.query(Consent).count() == 0


def test_oral_consent_problems_come_together_with_the_rest(client, staff):
    target = make_client()
    sister = add_member(target)
    login(client, staff)
    response = post(client, target, consent_to=f"member:{sister.id}", form="oral", matter="",
                    valid_until="", until_relationship_ends="y", wording="")
    assert response.status_code == 422
    errors = errors_of(response.get_data(as_text=True))
    assert {"matter", "until_relationship_ends", "valid_until", "wording"} <= set(errors), errors


def test_a_field_the_form_already_marked_gets_one_message(client, staff):
    target = make_client()
    login(client, staff)
    page = post(client, target, purpose="", given_on="32.13.2026").get_data(as_text=True)
    errors = errors_of(page)
    assert "purpose" in errors and "given_on" in errors
    # The service's own "write the purpose" is not stacked on the form's message.
    assert errors["purpose"].count(".") <= 1, errors["purpose"]


# --- valid until: optional exactly when the rule says so -----------------------------------------

def test_the_form_says_up_front_when_valid_until_is_needed(client, staff):
    target = make_client()
    login(client, staff)
    page = client.get(f"/clients/{target.id}/consents/new").get_data(as_text=True)
    help_text = re.search(r'<small id="valid_until-help">([^<]*)</small>', page).group(1)
    assert "Valinnainen" not in help_text  # never called optional: it depends on the tick
    assert "asiakkuuden päättymiseen" in help_text and "Suullinen" in help_text


@pytest.mark.parametrize("consent_form", ["written", "electronic", "oral"])
@pytest.mark.parametrize("until_end", [False, True])
@pytest.mark.parametrize("with_date", [False, True])
def test_valid_until_is_checked_by_the_one_rule(client, staff, consent_form, until_end, with_date):
    target = make_client()
    sister = add_member(target)
    login(client, staff)
    last_day = TODAY + timedelta(days=30)
    data = form_data(sister, form=consent_form, matter="Kela-hakemus",
                     valid_until=last_day.isoformat() if with_date else "")
    if until_end:
        data["until_relationship_ends"] = "y"
    response = client.post(f"/clients/{target.id}/consents", data=data)
    needed = services.valid_until_needed(consent_form, until_end)
    # Allowed exactly when: a date is given where one is needed, or none where none is; an oral
    # consent is never open-ended; a date and "until the relationship ends" together are unclear.
    allowed = (with_date if needed else not with_date) and not (consent_form == "oral" and until_end)
    assert response.status_code == (303 if allowed else 422)
    consent = db.session.scalars(select(Consent)).first()
    if allowed:
        assert consent.valid_until == (last_day if with_date else None)
        assert consent.until_relationship_ends is until_end
    else:
        assert consent is None
        assert "valid_until" in errors_of(response.get_data(as_text=True)) or \
            "until_relationship_ends" in errors_of(response.get_data(as_text=True))


# --- the recipient: one list, every kind of party -------------------------------------------------

def test_the_recipient_list_groups_every_kind_of_party_once(client, staff):
    target = make_client()
    kela = make_organisation(name="Kela", unit="Kuopio", type="kela",
                             people=[("Olli Etuus", "Etuuskäsittelijä", False)])
    sote = make_organisation(name="Sosiaalitoimisto", unit=None, type="sote",
                             people=[("Liisa Linkki", "Sosiaalityöntekijä", True)])
    liisa = _people(sote)[0]
    add_member(target, kind="person", contact_person_id=liisa.id, name=None, sector="services")
    sister = add_member(target)
    login(client, staff)
    page = client.get(f"/clients/{target.id}/consents/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="consent_to".*?</select>', page, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">', select_html)
    assert groups == ["Asiakkaan verkostossa", "Palveluhakemiston organisaatiot",
                      "Palveluhakemiston yhteyshenkilöt"]
    assert f'value="member:{sister.id}"' in select_html
    assert f'value="organisation:{kela.id}"' in select_html
    assert f'value="person:{_people(kela)[0].id}"' in select_html
    # Liisa is on the map: she is offered once, as a network member.
    assert f'value="person:{liisa.id}"' not in select_html
    assert select_html.count("Liisa Linkki") == 1


@pytest.mark.parametrize("kind", ["member", "organisation", "person"])
def test_a_consent_can_be_given_to_every_kind_of_party(client, staff, kind):
    target = make_client()
    kela = make_organisation(name="Kela", unit="Kuopio", type="kela",
                             people=[("Olli Etuus", "Etuuskäsittelijä", False)])
    olli = _people(kela)[0]
    sister = add_member(target)
    value = {"member": f"member:{sister.id}", "organisation": f"organisation:{kela.id}",
             "person": f"person:{olli.id}"}[kind]
    login(client, staff)
    assert post(client, target, consent_to=value).status_code == 303
    consent = db.session.scalars(select(Consent)).one()
    assert (consent.member_id, consent.organisation_id, consent.contact_person_id) == {
        "member": (sister.id, None, None), "organisation": (None, kela.id, None),
        "person": (None, None, olli.id)}[kind]
    assert consent.recipient_label.startswith({"member": "Sisko Sisar", "organisation": "Kela, Kuopio",
                                               "person": "Olli Etuus"}[kind])
    # Nobody was put on the network map by recording a consent.
    assert len(target_members(target)) == 1
    # For an organisation, the consent says whether its wording covers the staff too.
    shown = client.get(f"/clients/{target.id}/consents/{consent.id}").get_data(as_text=True)
    assert ("Sanamuoto kattaa myös organisaation työntekijät" in shown) is (kind == "organisation")


def target_members(target):
    from association_tool.network.services import members

    return members(target)


def test_a_client_channel_consent_needs_no_recipient(client, staff):
    target = make_client()
    login(client, staff)
    response = post(client, target, kind="client_channel", channel="text", consent_to="",
                    information=[])
    assert response.status_code == 303
    consent = db.session.scalars(select(Consent)).one()
    assert consent.channel == "text" and consent.member_id is None and consent.recipient_label == ""


def test_the_chosen_recipient_is_kept_on_errors_and_when_replacing(client, staff):
    target = make_client()
    kela = make_organisation(name="Kela", unit="Kuopio", type="kela",
                             people=[("Olli Etuus", "Etuuskäsittelijä", False)])
    olli = _people(kela)[0]
    login(client, staff)
    refused = post(client, target, consent_to=f"person:{olli.id}", wording="")
    assert refused.status_code == 422
    assert re.search(rf'<option selected value="person:{olli.id}">',
                     refused.get_data(as_text=True))
    assert post(client, target, consent_to=f"person:{olli.id}").status_code == 303
    consent = db.session.scalars(select(Consent)).one()
    # The directory person is archived meanwhile: the replacement still offers and keeps her.
    olli.archived = True
    db.session.commit()
    page = client.get(f"/clients/{target.id}/consents/{consent.id}/replace").get_data(as_text=True)
    assert re.search(rf'<option selected value="person:{olli.id}">', page)


@pytest.mark.parametrize("value", ["person:0", "person:999999", "organisation:-1", "user:1",
                                   "member:1:2", "person:" + "9" * 40])
def test_malformed_or_unknown_recipients_are_refused_clearly(client, staff, value):
    target = make_client()
    login(client, staff)
    response = post(client, target, consent_to=value)
    assert response.status_code == 422
    assert "consent_to" in errors_of(response.get_data(as_text=True))
    assert db.session.query(Consent).count() == 0


# --- the one rule: an organisation's consent and its people --------------------------------------

@pytest.fixture
def world(app, staff):
    """Two organisations with a person each; a client with both people on the map."""
    target = make_client()
    a = make_organisation(name="Sosiaalitoimisto A", unit=None, type="sote",
                          people=[("Aino A", "Sosiaalityöntekijä", False), ("Arto A", "Ohjaaja", False)])
    b = make_organisation(name="Sosiaalitoimisto B", unit=None, type="sote",
                          people=[("Bea B", "Sosiaalityöntekijä", False)])
    aino, arto = _people(a)
    bea = _people(b)[0]
    aino_on_map = add_member(target, kind="person", contact_person_id=aino.id, name=None,
                             sector="services")
    bea_on_map = add_member(target, kind="person", contact_person_id=bea.id, name=None,
                            sector="services")
    return dict(target=target, a=a, b=b, aino=aino, arto=arto, bea=bea, aino_on_map=aino_on_map,
                bea_on_map=bea_on_map)


def test_a_consent_to_an_organisation_covers_its_people_when_its_wording_does(world, staff):
    w = world
    give(w["target"], organisation_id=w["a"].id, information=["general"], by=staff)
    for party in (w["a"], w["aino"], w["arto"], w["aino_on_map"]):
        assert services.active_consent(w["target"], party, "general") is not None, party
    # Organisation B and its person are never covered by a consent to A.
    for party in (w["b"], w["bea"], w["bea_on_map"]):
        assert services.active_consent(w["target"], party, "general") is None, party
        assert services.why_not(w["target"], party, "general")[0] == "none"


def test_a_consent_naming_only_the_organisation_does_not_cover_its_people(world, staff):
    w = world
    give(w["target"], organisation_id=w["a"].id, information=["general"], covers_people=False,
         by=staff)
    assert services.active_consent(w["target"], w["a"], "general") is not None
    for party in (w["aino"], w["arto"], w["aino_on_map"]):
        assert services.active_consent(w["target"], party, "general") is None, party


def test_a_consent_to_one_person_covers_that_person_only(world, staff):
    w = world
    give(w["target"], contact_person_id=w["aino"].id, information=["general"], by=staff)
    # Aino, whether named from the directory or from the map…
    assert services.active_consent(w["target"], w["aino"], "general") is not None
    assert services.active_consent(w["target"], w["aino_on_map"], "general") is not None
    # …but not her colleague, her organisation, nor anyone at B; and never another client.
    for party in (w["arto"], w["a"], w["b"], w["bea"], w["bea_on_map"]):
        assert services.active_consent(w["target"], party, "general") is None, party
    other = make_client()
    assert services.active_consent(other, w["aino"], "general") is None


def test_a_consent_to_the_organisation_on_the_map_covers_its_people_too(world, staff):
    w = world
    a_on_map = add_member(w["target"], kind="organisation", organisation_id=w["a"].id, name=None,
                          sector="services")
    give(w["target"], a_on_map, information=["general"], by=staff)
    assert services.active_consent(w["target"], w["aino"], "general") is not None
    assert services.active_consent(w["target"], w["a"], "general") is not None
    assert services.active_consent(w["target"], w["bea"], "general") is None


@pytest.mark.parametrize("recipient", ["organisation", "person", "organisation_on_map"])
@pytest.mark.parametrize("ending", ["withdrawn", "expired", "superseded_narrower"])
def test_an_ended_consent_covers_no_one(world, staff, recipient, ending):
    w = world
    target = w["target"]
    fields = {"organisation": dict(organisation_id=w["a"].id),
              "person": dict(contact_person_id=w["aino"].id)}.get(recipient)
    if fields is None:
        member = add_member(target, kind="organisation", organisation_id=w["a"].id, name=None,
                            sector="services")
        fields = dict(member_id=member.id)
    if ending == "expired":
        consent = give(target, information=["general"], given_on=TODAY - timedelta(days=60),
                       valid_until=TODAY - timedelta(days=1), by=staff, **fields)
    else:
        consent = give(target, information=["general"], by=staff, **fields)
    if ending == "withdrawn":
        services.withdraw(consent, on=TODAY, how="phone", heard_by=staff)
        db.session.commit()
    elif ending == "superseded_narrower":
        services.supersede(consent, dict(kind="share", information=["appointments"],
                                         purpose="Vain ajat", form="written", given_on=TODAY,
                                         until_relationship_ends=True, wording="Vain ajat.",
                                         **fields), by=staff)
        db.session.commit()
    for party in (w["a"], w["aino"], w["arto"], w["aino_on_map"], w["b"], w["bea"]):
        assert services.active_consent(target, party, "general") is None, (party, ending)
    reason = services.why_not(target, w["aino"], "general")[0]
    assert reason in {"withdrawn": {"withdrawn"}, "expired": {"expired"},
                      "superseded_narrower": {"scope", "superseded"}}[ending]
