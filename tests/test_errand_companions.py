"""Companions of an errand are offered only from those who may be with the client."""
import re
from datetime import timedelta

from association_tool.extensions import db
from association_tool.models.errands import Errand
from association_tool.timeutil import local_today

from .factories import login, make_client, make_user, pair
from .test_errands import add_errand, errand_data


def offered(page: str) -> set[int]:
    """The user ids in the companion list of the errand form."""
    select = re.search(r'<select[^>]*name="companion_id".*?</select>', page, re.S).group(0)
    return {int(v) for v in re.findall(r'value="(\d+)"', select)}


def test_only_staff_and_peers_let_see_the_errands_are_offered(client, staff):
    colleague = make_user(name="Kaisa Kollega")
    gone = make_user(name="Lähtenyt Lauri", active=False)
    allowed = make_user(role="peer", name="Vertais Veera")
    goals_only = make_user(role="peer", name="Vertais Ville")
    stranger = make_user(role="peer", name="Vertais Vieras")
    ended = make_user(role="peer", name="Vertais Entinen")
    target = make_client(display_name="Ruusu", responsible_id=colleague.id)
    pair(allowed, target, sections=("goals", "errands"))
    pair(goals_only, target, sections=("goals",))
    pair(ended, target, ends_on=local_today() - timedelta(days=1))
    login(client, staff)
    # The add form comes when "Add an errand" is opened (htmx), or open in the section for a
    # plain link: the same people either way.
    section = client.get(f"/clients/{target.id}/errands").get_data(as_text=True)
    assert 'name="companion_id"' not in section
    assert f'hx-get="/clients/{target.id}/errands/new"' in section
    page = client.get(f"/clients/{target.id}/errands/new", headers={"HX-Request": "true"}
                      ).get_data(as_text=True)
    plain = client.get(f"/clients/{target.id}/errands/new").get_data(as_text=True)
    assert "<html" in plain and "<details open>" in plain and "<html" not in page
    assert offered(plain) == offered(page)
    ids = offered(page)
    assert {staff.id, colleague.id, allowed.id} <= ids
    assert not ids & {gone.id, goals_only.id, stranger.id, ended.id}
    # The client's own worker comes first.
    select = re.search(r'<select[^>]*name="companion_id".*?</select>', page, re.S).group(0)
    first = re.findall(r'value="(\d+)"', select)[0]
    assert int(first) == colleague.id


def test_the_server_refuses_someone_who_may_not_be_with_the_client(client, staff):
    stranger = make_user(role="peer", name="Vertais Vieras")
    other = make_client(display_name="Toinen")
    pair(stranger, other)  # paired, but with another client
    target = make_client(display_name="Ruusu")
    login(client, staff)
    response = client.post(f"/clients/{target.id}/errands",
                           data=errand_data(companion_id=str(stranger.id), about="Oma teksti"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="companion_id-error"' in page and "Oma teksti" in page
    assert db.session.query(Errand).count() == 0


def test_a_companion_who_lost_access_stays_on_their_errand_when_saved_unchanged(client, staff):
    peer = make_user(role="peer", name="Vertais Veera")
    target = make_client(display_name="Ruusu")
    pairing = pair(peer, target)
    login(client, staff)
    errand = add_errand(client, target, companion_id=str(peer.id))
    pairing.sections = "goals"
    db.session.commit()
    edit = f"/clients/{target.id}/errands/{errand.id}/edit"
    assert peer.id in offered(client.get(edit).get_data(as_text=True))
    response = client.post(edit, data=errand_data(companion_id=str(peer.id),
                                                  version=str(errand.version)))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Errand, errand.id).companion_id == peer.id


def test_a_peer_supporter_gets_no_add_form(client, staff):
    peer = make_user(role="peer", name="Vertais Veera")
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    pair(peer, target, sections=("goals", "errands"))
    login(client, peer)
    section = client.get(f"/clients/{target.id}/errands").get_data(as_text=True)
    assert "/errands/new" not in section
    assert client.get(f"/clients/{target.id}/errands/new", headers={"HX-Request": "true"}
                      ).status_code == 403
