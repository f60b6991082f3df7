"""Groups, sessions, participants, helper hours and funded activities: staff keep them, the
statistics count them, peer supporters cannot reach them."""
from datetime import date

import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.models import AuditEvent
from association_tool.models.groups import (FundedActivity, Group, GroupSession, HelperHours,
                                            SessionParticipant)
from association_tool.stats import figures

from .factories import login, make_client, make_user


@pytest.fixture
def polku(app):
    activity = FundedActivity(name="Polku-hanke")
    db.session.add(activity)
    db.session.commit()
    return activity


def _group(client, **overrides):
    data = {"name": "Kohtaamisten pöytä", "kind": "drop_in_table", "activity_id": ""}
    data.update(overrides)
    return client.post("/groups/new", data=data)


def test_staff_start_a_group_and_record_a_session_with_participants_and_hours(client, staff, peer, polku):
    ruusu = make_client(display_name="Ruusu")
    login(client, staff)
    response = _group(client, activity_id=str(polku.id))
    group = db.session.scalars(select(Group)).one()
    assert response.status_code == 303 and group.activity_id == polku.id
    response = client.post(f"/groups/{group.id}/sessions/new",
                           data={"on": "2025-03-04", "anonymous_count": "7", "count_basis": "estimate"})
    session = db.session.scalars(select(GroupSession)).one()
    assert response.status_code == 303 and session.anonymous_count == 7
    page = client.get(f"/groups/{group.id}/sessions/{session.id}?q=ruu").get_data(as_text=True)
    assert "Ruusu" in page
    assert client.post(f"/groups/{group.id}/sessions/{session.id}/participants",
                       data={"client_id": str(ruusu.id)}).status_code == 303
    assert db.session.scalars(select(SessionParticipant)).one().client_id == ruusu.id
    response = client.post(f"/groups/{group.id}/sessions/{session.id}/hours", data={
        "user_id": str(peer.id), "kind": "peer", "on": "2025-03-04", "hours": "2.5", "activity_id": ""})
    assert response.status_code == 303
    hours = db.session.scalars(select(HelperHours)).one()
    assert (hours.minutes, hours.session_id, hours.activity_id) == (150, session.id, polku.id)
    # The session's page names the participant: that view is logged.
    page = client.get(f"/groups/{group.id}/sessions/{session.id}").get_data(as_text=True)
    assert "Ruusu" in page and "2.50 h" in page
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.object_type == "group session",
        AuditEvent.client_id == ruusu.id)).first() is not None


def test_bad_input_comes_back_with_messages_and_the_text_kept(client, staff, peer):
    login(client, staff)
    response = _group(client, name="", kind="nonsense", activity_id="99999999999")
    assert response.status_code == 422
    assert db.session.scalars(select(Group)).first() is None
    assert _group(client).status_code == 303
    group = db.session.scalars(select(Group)).one()
    response = client.post(f"/groups/{group.id}/sessions/new",
                           data={"on": "1899-01-01", "anonymous_count": "-3", "count_basis": "recorded"})
    assert response.status_code == 422 and 'value="-3"' in response.get_data(as_text=True)
    response = client.post("/hours", data={"user_id": str(staff.id), "kind": "peer",
                                           "on": "2025-03-04", "hours": "kolme", "activity_id": ""})
    assert response.status_code == 422 and 'value="kolme"' in response.get_data(as_text=True)
    response = client.post("/hours", data={"user_id": str(staff.id), "kind": "peer",
                                           "on": "2025-03-04", "hours": "3", "activity_id": ""})
    assert response.status_code == 422  # staff are paid: their hours are not volunteer hours
    assert db.session.scalars(select(HelperHours)).first() is None


def test_a_stale_edit_of_a_group_is_refused_with_the_text_kept(client, staff):
    login(client, staff)
    _group(client)
    group = db.session.scalars(select(Group)).one()
    data = {"name": "Uusi nimi", "kind": "peer_group", "activity_id": "", "version": str(group.version)}
    assert client.post(f"/groups/{group.id}/edit", data=data).status_code == 303
    response = client.post(f"/groups/{group.id}/edit", data=dict(data, name="Toinen nimi"))
    assert response.status_code == 422 and "Toinen nimi" in response.get_data(as_text=True)
    assert db.session.get(Group, group.id).name == "Uusi nimi"


def test_admins_name_the_funded_activities_and_tag_clients(client, admin, staff):
    login(client, admin)
    assert client.post("/admin/activities", data={"name": "Polku-hanke"}).status_code == 303
    response = client.post("/admin/activities", data={"name": "polku-hanke"})
    assert response.status_code == 422
    activity = db.session.scalars(select(FundedActivity)).one()
    target = make_client(display_name="Kalle")
    form = client.get(f"/clients/{target.id}/edit").get_data(as_text=True)
    assert "Polku-hanke" in form
    login(client, staff)
    assert client.get("/admin/activities").status_code == 403
    assert activity.name == "Polku-hanke"


def test_peer_supporters_cannot_reach_groups_or_hours(client, peer, staff):
    login(client, staff)
    _group(client)
    group = db.session.scalars(select(Group)).one()
    login(client, peer)
    for url in ("/groups", f"/groups/{group.id}", "/hours", "/groups/new"):
        assert client.get(url).status_code == 403
    assert client.post("/hours", data={"user_id": str(peer.id)}).status_code == 403


def test_the_statistics_count_groups_and_hours_and_filter_by_activity(app, staff, polku):
    helpers = [make_user(role="peer") for _ in range(5)]
    people = [make_client(display_name=f"Osallistuja {i}", start_date=date(2024, 1, 1),
                          activity_id=polku.id if i < 3 else None) for i in range(6)]
    table = Group(name="Pöytä", kind="drop_in_table", activity_id=polku.id)
    peers = Group(name="Vertaiset", kind="peer_group")
    db.session.add_all([table, peers])
    db.session.flush()
    for n in range(4):  # four sessions of the table, everyone named in each
        session = GroupSession(group_id=table.id, on=date(2025, 2, 1 + n), anonymous_count=10,
                               count_basis="estimate" if n == 0 else "recorded")
        db.session.add(session)
        db.session.flush()
        db.session.add_all([SessionParticipant(session_id=session.id, client_id=c.id) for c in people])
        db.session.add_all([HelperHours(user_id=h.id, kind="volunteer", on=session.on, minutes=120,
                                        activity_id=polku.id, session_id=session.id) for h in helpers])
    db.session.add(GroupSession(group_id=peers.id, on=date(2025, 3, 1), anonymous_count=3))
    db.session.add(GroupSession(group_id=peers.id, on=date(2024, 3, 1), anonymous_count=50))
    db.session.add(HelperHours(user_id=helpers[0].id, kind="peer", on=date(2025, 3, 1), minutes=60))
    db.session.commit()
    year = figures.Period(date(2025, 1, 1), date(2025, 12, 31))
    counts = figures.count_figures(year)
    assert counts["groups"] == {"groups_met": 2, "sessions": 5, "visits": 24}
    assert counts["group_people"] == {"named": 6, "anonymous": 43}
    assert counts["group_kind_sessions"] == {"drop_in_table": 4, "peer_group": 1}
    assert counts["helper_minutes"] == {"volunteer": 4 * 5 * 120, "peer": 60}
    assert counts["helper_people"] == {"volunteer": 5, "peer": 1}
    assert counts["people"]["reached"] == 6
    report = figures.build_report(counts, year, 5)
    hours = {r.key: r.text for r in report.table("helper_hours").rows}
    assert hours == {"peer": "×", "volunteer": "40"}  # one peer supporter's hours never show
    assert report.table("group_anonymous").basis == figures.ESTIMATE

    only = figures.count_figures(figures.Period(date(2025, 1, 1), date(2025, 12, 31), polku.id))
    assert only["groups"] == {"groups_met": 1, "sessions": 4, "visits": 24}
    assert only["helper_minutes"] == {"volunteer": 2400}
    # The activity's own three clients, and the three others who came to its group.
    assert only["people"]["reached"] == 6
    assert only["people"]["anonymous_contacts"] == 0


def test_the_statistics_page_filters_by_activity_and_logs_it(client, staff, polku):
    login(client, staff)
    response = client.get(f"/stats?start=2025-01-01&end=2025-12-31&activity={polku.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Polku-hanke" in page
    detail = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.object_type == "statistics")).one()
    assert detail.endswith(f"activity {polku.id}")
    response = client.get("/stats?activity=12345")
    assert response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True)
