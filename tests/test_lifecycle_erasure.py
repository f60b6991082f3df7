"""Erasure on the client's request (anonymised, the reason recorded) and removing a record
entered by mistake, which two different administrators decide (four eyes)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from association_tool.extensions import db
from association_tool.models import AuditEvent, Client, Contact, Goal
from association_tool.models.lifecycle import DeletionRequest

from .factories import login, make_client, make_user


@pytest.fixture
def second_admin(app, admin):
    return make_user(role="admin", name="Bertta Toinen", email="bertta@yhdistys.example.org")


@pytest.fixture
def person(app, staff):
    target = make_client(display_name="Poistettava", full_name="Pekka Poistettava",
                         phone="040 111 2222", actor=staff)
    db.session.add(Goal(client_id=target.id, text="Oma tavoite.", created_by_id=staff.id))
    db.session.add(Contact(client_id=target.id, on=date(2026, 5, 12), channel="phone",
                           note="Puhelu.", created_by_id=staff.id))
    db.session.commit()
    return target


def _end(person):
    db.session.get(Client, person.id).status = "ended"
    db.session.commit()


def test_erasure_on_request_anonymises_with_the_reason_logged(client, admin, person):
    _end(person)
    login(client, admin)
    page = client.get(f"/admin/clients/{person.id}/erase")
    assert page.status_code == 200
    refused = client.post(f"/admin/clients/{person.id}/erase", data={})
    assert refused.status_code == 422
    assert db.session.get(Client, person.id).anonymised_at is None
    done = client.post(f"/admin/clients/{person.id}/erase", data={"confirmed": "y"})
    assert done.status_code == 303
    row = db.session.get(Client, person.id)
    assert row.anonymised_at is not None and row.full_name is None and row.phone is None
    goal = db.session.scalars(select(Goal).where(Goal.client_id == person.id)).one()
    assert goal.text == ""  # still counted, without the words
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "anonymise")).one()
    assert event.detail == "anonymised: erased on the client's request"
    assert event.user_id == admin.id
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Anonymisoitu asiakas" in page and "Poistettava" not in page


def test_an_active_client_is_ended_before_erasure(client, admin, person):
    login(client, admin)
    response = client.post(f"/admin/clients/{person.id}/erase", data={"confirmed": "y"})
    assert response.status_code == 303
    assert db.session.get(Client, person.id).anonymised_at is None


def test_a_mistaken_record_is_removed_only_when_a_second_admin_approves(
        client, admin, second_admin, person):
    person_id = person.id
    login(client, admin)
    asked = client.post(f"/admin/clients/{person.id}/deletion-request",
                        data={"reason": "duplicate"})
    assert asked.status_code == 303
    request = db.session.scalars(select(DeletionRequest)).one()
    # The one who asked cannot approve.
    own = client.post(f"/admin/deletion-requests/{request.id}/approve")
    assert own.status_code == 303 and db.session.get(Client, person.id) is not None
    client.post("/logout")
    login(client, second_admin)
    assert "Poistettava" in client.get("/admin/retention").get_data(as_text=True)
    approved = client.post(f"/admin/deletion-requests/{request.id}/approve")
    assert approved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Client, person_id) is None
    for model in (Goal, Contact):
        assert db.session.scalar(select(func.count()).select_from(model).where(
            model.client_id == person_id)) == 0
    request = db.session.get(DeletionRequest, request.id)
    assert (request.outcome, request.decided_by_id) == ("deleted", second_admin.id)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delete")).one()
    assert event.client_id == person_id and "duplicate" in event.detail
    # Deciding again does nothing.
    client.post(f"/admin/deletion-requests/{request.id}/cancel")
    assert db.session.get(DeletionRequest, request.id).outcome == "deleted"


def test_a_request_can_be_cancelled_and_the_record_stays(client, admin, person):
    login(client, admin)
    client.post(f"/admin/clients/{person.id}/deletion-request", data={"reason": "test_record"})
    request = db.session.scalars(select(DeletionRequest)).one()
    assert client.post(f"/admin/deletion-requests/{request.id}/cancel").status_code == 303
    assert db.session.get(DeletionRequest, request.id).outcome == "cancelled"
    assert db.session.get(Client, person.id) is not None


def test_a_bad_reason_is_refused_next_to_the_field(client, admin, person):
    login(client, admin)
    response = client.post(f"/admin/clients/{person.id}/deletion-request",
                           data={"reason": "because"})
    assert response.status_code == 422
    assert db.session.scalars(select(DeletionRequest)).first() is None


@pytest.mark.parametrize("role", ["staff", "peer"])
def test_only_admins_erase_or_remove(client, person, role, request):
    user = request.getfixturevalue(role)
    login(client, user)
    assert client.get(f"/admin/clients/{person.id}/erase").status_code == 403
    for url, data in ((f"/admin/clients/{person.id}/erase", {"confirmed": "y"}),
                      (f"/admin/clients/{person.id}/deletion-request", {"reason": "duplicate"}),
                      ("/admin/deletion-requests/1/approve", {})):
        response = client.post(url, data=data)
        assert response.status_code == 403 and b"Poistettava" not in response.get_data(), url
    assert db.session.get(Client, person.id).anonymised_at is None
    assert db.session.scalars(select(DeletionRequest)).first() is None
