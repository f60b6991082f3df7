"""The client's own copy as a readable PDF (SECURITY.md #24): everything recorded, in the
client's language, with who has handled the data; staff-only parts by the association's policy;
logged as an export; never for peers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.models import AuditEvent, Client, Contact, Goal
from association_tool.models.consents import SocialServicesNotification
from association_tool.settings import COPY_INCLUDES_STAFF_ONLY, store_setting

from .factories import login, make_client, pair
from .test_pdf_engine import text_of


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def person(app, staff):
    target = make_client(display_name="Ruusu", full_name="Rosa Virtanen", phone="040 765 4321",
                         staff_notes="Vain työntekijöille: jännittää puheluita.", actor=staff)
    db.session.add(Goal(client_id=target.id, text="Haluan oman vuokra-asunnon.",
                        life_area="housing", created_by_id=staff.id))
    db.session.add(Contact(client_id=target.id, on=target.start_date, channel="drop_in",
                           note="Puhuttiin asunnosta ja rahasta.", created_by_id=staff.id))
    db.session.add(SocialServicesNotification(
        client_id=target.id, path="guided", concern="Huoli toimeentulosta.",
        made_on=target.start_date, made_by_id=staff.id))
    db.session.commit()
    return target


def _copy(client, target):
    response = client.post(f"/clients/{target.id}/own-copy.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return flat(text_of(response.data))


def test_the_copy_holds_the_record_and_who_handled_it(client, staff, person):
    login(client, staff)
    client.get(f"/clients/{person.id}")  # a view, which the copy's log extract shows
    text = _copy(client, person)
    for words in ("Rosa Virtanen", "040 765 4321", "Haluan oman vuokra-asunnon.",
                  "Puhuttiin asunnosta ja rahasta.", "Vain työntekijöille", "Huoli toimeentulosta.",
                  # Finnish, the client's language, in plain words.
                  "Mitä sinusta on kirjattu", "Kuka on käsitellyt tietojasi", staff.name):
        assert flat(words) in text, words
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.client_id, event.detail) == (
        "export", person.id, "the client's own copy (PDF, fi)")


def test_the_copy_is_in_the_clients_language(client, staff, person):
    db.session.get(Client, person.id).language = "sv"
    db.session.commit()
    login(client, staff)
    text = _copy(client, person)
    assert flat("Vem har behandlat dina uppgifter") in text


def test_staff_only_parts_follow_the_associations_policy(client, staff, person):
    store_setting(COPY_INCLUDES_STAFF_ONLY, "0")
    db.session.commit()
    login(client, staff)
    text = _copy(client, person)
    assert flat("Haluan oman vuokra-asunnon.") in text
    assert flat("Vain työntekijöille") not in text and flat("Huoli toimeentulosta.") not in text


def test_a_peer_cannot_get_the_copy(client, peer, person):
    pair(peer, person)
    login(client, peer)
    response = client.post(f"/clients/{person.id}/own-copy.pdf")
    assert response.status_code == 403 and b"Ruusu" not in response.get_data()
    assert client.post("/clients/999999/own-copy.pdf").status_code == 403
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()


def test_an_unknown_client_gives_404(client, staff):
    login(client, staff)
    assert client.post("/clients/999999/own-copy.pdf").status_code == 404
