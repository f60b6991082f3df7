"""Lines of the contact agreement name any party: a network member, a worker, or a directory
organisation or contact person, who is put on the client's network map in the right sector."""
import re

import pytest
from sqlalchemy import select

from association_tool.agreements import services as agreements
from association_tool.extensions import db
from association_tool.models import ORGANISATION_TYPES, SECTORS, ContactPerson, NetworkMember
from association_tool.models.consents import AgreementLine, ContactAgreement
from association_tool.network.services import SECTOR_BY_ORGANISATION_TYPE

from .factories import login, make_client, make_organisation, make_user
from .test_agreements import activate, line_data, start
from .test_consents import add_member, give

EXPECTED_SECTOR = {"sote": "services", "kela": "services", "employment": "services",
                   "municipality": "services", "association": "associations",
                   "parish": "associations", "other": "other"}


def party_line(value, **overrides):
    data = {"party": value, "direction": "both", "when": ["regular"], "every_weeks": "4",
            "not_heard_days": "", "how": ["phone"], "shares": ["general"], "note": ""}
    data.update(overrides)
    return data


def errors_of(page: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(
        r'<small class="field-error" id="([\w-]+)-error">([^<]*)</small>', page)}


def network_of(target):
    return db.session.scalars(select(NetworkMember).where(
        NetworkMember.client_id == target.id).order_by(NetworkMember.id)).all()


def lines_of(agreement):
    db.session.expire_all()
    return db.session.get(ContactAgreement, agreement.id).lines


def test_every_organisation_type_has_a_sector_and_none_is_family_or_friends():
    assert set(SECTOR_BY_ORGANISATION_TYPE) == set(ORGANISATION_TYPES)
    assert set(SECTOR_BY_ORGANISATION_TYPE.values()) <= set(SECTORS) - {"family", "friends"}


@pytest.mark.parametrize("org_type", ORGANISATION_TYPES)
def test_a_directory_person_not_on_the_map_is_added_in_the_sector_of_their_organisation(
        client, staff, org_type):
    target = make_client()
    organisation = make_organisation(name=f"Palvelu {org_type}", unit=None, type=org_type,
                                     people=[("Maija Mallikas", "Sosiaalityöntekijä", True)])
    maija = db.session.scalars(select(ContactPerson)).one()
    login(client, staff)
    agreement = start(client, target)
    response = client.post(f"/clients/{target.id}/agreement/{agreement.id}/lines",
                           data=party_line(f"person:{maija.id}"), follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    [member] = network_of(target)
    assert (member.kind, member.contact_person_id) == ("person", maija.id)
    assert member.sector == EXPECTED_SECTOR[org_type] and member.sector not in ("family", "friends")
    assert "verkostokarttaan" in page  # the worker is told
    [line] = lines_of(agreement)
    assert line.member_id == member.id and line.party_label.startswith("Maija Mallikas")
    # Naming the organisation itself puts it on the map too, in the same sector.
    client.post(f"/clients/{target.id}/agreement/{agreement.id}/lines",
                data=party_line(f"organisation:{organisation.id}"))
    org_member = network_of(target)[1]
    assert (org_member.kind, org_member.sector) == ("organisation", EXPECTED_SECTOR[org_type])


def test_a_party_already_on_the_map_is_not_added_twice(client, staff):
    target = make_client()
    make_organisation(name="Kela", unit=None, type="kela", people=[("Olli Etuus", None, False)])
    olli = db.session.scalars(select(ContactPerson)).one()
    on_map = add_member(target, kind="person", contact_person_id=olli.id, name=None,
                        sector="other", ring="outer")
    login(client, staff)
    agreement = start(client, target)
    base = f"/clients/{target.id}/agreement/{agreement.id}"
    assert client.post(f"{base}/lines", data=party_line(f"person:{olli.id}")).status_code == 303
    assert client.post(f"{base}/lines", data=party_line(f"member:{on_map.id}")).status_code == 303
    assert [m.id for m in network_of(target)] == [on_map.id]
    assert on_map.sector == "other"  # the map entry the client chose is left as it is
    assert {line.member_id for line in lines_of(agreement)} == {on_map.id}


def test_a_refused_line_puts_no_one_on_the_map_and_shows_every_problem(client, staff):
    target = make_client()
    make_organisation(name="Kela", unit=None, type="kela", people=[("Olli Etuus", None, False)])
    olli = db.session.scalars(select(ContactPerson)).one()
    login(client, staff)
    agreement = start(client, target)
    response = client.post(f"/clients/{target.id}/agreement/{agreement.id}/lines",
                           data=party_line(f"person:{olli.id}", when=[], how=[],
                                           note="Tämä säilyy"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert {"when", "how"} <= set(errors_of(page)) and "Tämä säilyy" in page
    assert re.search(rf'<option selected value="person:{olli.id}">', page)
    assert network_of(target) == [] and lines_of(agreement) == []
    # Nothing chosen at all: the party is named with the rest, in one go.
    response = client.post(f"/clients/{target.id}/agreement/{agreement.id}/lines",
                           data=party_line("", when=[], how=[]))
    assert {"party", "when", "how"} <= set(errors_of(response.get_data(as_text=True)))


def test_the_party_list_offers_every_kind_once(client, staff):
    target = make_client()
    make_organisation(name="Kela", unit="Kuopio", type="kela", people=[("Olli Etuus", None, False)])
    olli = db.session.scalars(select(ContactPerson)).one()
    add_member(target, kind="person", contact_person_id=olli.id, name=None, sector="services")
    peer = make_user(role="peer", name="Vertti Vertainen")
    login(client, staff)
    agreement = start(client, target)
    page = client.get(f"/clients/{target.id}/agreement/{agreement.id}/edit").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="party".*?</select>', page, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)">', select_html) == [
        "Asiakkaan verkostossa", "Yhdistyksen työntekijät", "Palveluhakemiston organisaatiot"]
    assert f'value="user:{staff.id}"' in select_html
    assert f'value="user:{peer.id}"' not in select_html  # a peer supporter is not a worker here
    assert select_html.count("Olli Etuus") == 1


def test_a_line_for_a_worker_needs_no_consent_and_keeps_its_party(client, staff):
    target = make_client(responsible_id=staff.id)
    peer = make_user(role="peer")
    login(client, staff)
    agreement = start(client, target)
    base = f"/clients/{target.id}/agreement/{agreement.id}"
    assert client.post(f"{base}/lines", data=party_line(f"user:{peer.id}")).status_code == 422
    assert client.post(f"{base}/lines", data=party_line(f"user:{staff.id}")).status_code == 303
    [line] = lines_of(agreement)
    assert line.user_id == staff.id and line.member_id is None and line.party_label == staff.name
    assert network_of(target) == []  # a worker is not put on the client's map
    # Opening the line and saving it unchanged keeps the worker.
    edit = client.get(f"{base}/lines/{line.id}/edit").get_data(as_text=True)
    assert re.search(rf'<option selected value="user:{staff.id}">', edit)
    assert client.post(f"{base}/lines/{line.id}/edit",
                       data=party_line(f"user:{staff.id}")).status_code == 303
    assert lines_of(agreement)[0].user_id == staff.id
    # No consent is asked for, and the agreement comes into force.
    assert agreements.check_line(target, lines_of(agreement)[0]).ok
    assert activate(client, target, agreement).status_code == 303
    assert lines_of(agreement)[0].consent_id is None


@pytest.mark.parametrize("covers_people, in_force", [(True, True), (False, False)])
def test_a_line_for_a_person_rests_on_their_organisations_consent_when_its_wording_allows(
        client, staff, covers_people, in_force):
    target = make_client(responsible_id=staff.id)
    sote = make_organisation(name="Sosiaalitoimisto", unit=None, type="sote",
                             people=[("Liisa Linkki", "Sosiaalityöntekijä", True)])
    make_organisation(name="Toinen toimisto", unit=None, type="sote",
                      people=[("Toivo Toinen", None, False)])
    liisa, toivo = db.session.scalars(select(ContactPerson).order_by(ContactPerson.name)).all()
    give(target, organisation_id=sote.id, information=["general"], covers_people=covers_people,
         by=staff)
    login(client, staff)
    agreement = start(client, target)
    base = f"/clients/{target.id}/agreement/{agreement.id}"
    assert client.post(f"{base}/lines", data=party_line(f"person:{liisa.id}")).status_code == 303
    response = activate(client, target, agreement)
    assert response.status_code == (303 if in_force else 422)
    if in_force:
        # A person of another organisation is never covered by it.
        line = AgreementLine(member_id=None, party_label="", direction="both")
        toivo_member = add_member(target, kind="person", contact_person_id=toivo.id, name=None,
                                  sector="services")
        line.member = toivo_member
        assert not agreements.check_line(target, line).ok


def test_a_line_for_a_directory_party_can_be_set_through_the_service_with_plain_ids(app, staff):
    target = make_client()
    kela = make_organisation(name="Kela", unit=None, type="kela")
    draft = agreements.start_draft(target, by=staff)
    line = agreements.add_line(target, draft, dict(
        organisation_id=kela.id, direction="both", when=["crisis"], how=["phone"],
        shares=["general"]))
    db.session.commit()
    assert line.member.kind == "organisation" and line.member.sector == "services"
    other = make_client()
    with pytest.raises(agreements.AgreementError):
        agreements.add_line(other, draft, dict(member_id=line.member_id, direction="both",
                                               when=["crisis"], how=["phone"]))
