"""The retention policy, the review of clients whose period has passed, and `flask retention
due` (SECURITY.md #24): only administrators, nothing without a confirmation that names how many."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.lifecycle import retention
from association_tool.lifecycle.fates import markdown_table
from association_tool.models import AuditEvent, Client, ClientEnding, Contact
from association_tool.settings import RETENTION_CLIENT_MONTHS, retention_policy
from association_tool.timeutil import local_today

from .factories import login, make_client


def _ended(name: str, on: date, **fields) -> Client:
    person = make_client(display_name=name, **fields)
    person.status = "ended"
    db.session.add(ClientEnding(client_id=person.id, end_date=on, reason="goals_met"))
    db.session.commit()
    return person


@pytest.fixture
def people(app, admin):
    today = local_today()
    return dict(
        old=_ended("Vanha Asiakas", today - timedelta(days=800), phone="040 999 8888"),
        older=_ended("Vanhempi", today - timedelta(days=1200)),
        recent=_ended("Tuore", today - timedelta(days=100)),
        active=make_client(display_name="Aktiivinen"))


def test_months_before_keeps_the_day_or_the_last_of_a_shorter_month():
    assert retention.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert retention.months_before(date(2026, 12, 7), 24) == date(2024, 12, 7)
    assert retention.months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_the_defaults_are_two_years_and_five_for_the_log(app):
    assert retention_policy() == {"retention_client_months": 24,
                                  "retention_anonymous_months": 24, "retention_log_months": 60}


def test_due_lists_ended_clients_past_the_period_longest_ended_first(app, people):
    due = retention.due_clients()
    assert [d.id for d in due] == [people["older"].id, people["old"].id]
    assert due[1].ended_on == local_today() - timedelta(days=800)
    # A reopened relationship is not ended.
    ending = db.session.scalars(select(ClientEnding).where(
        ClientEnding.client_id == people["old"].id)).one()
    ending.reopened_at = ending.created_at
    db.session.commit()
    assert [d.id for d in retention.due_clients()] == [people["older"].id]


def test_the_admin_reviews_confirms_and_anonymises(client, admin, people):
    login(client, admin)
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "Vanha Asiakas" in page and "Vanhempi" in page
    assert "Tuore" not in page and "Aktiivinen" not in page
    ids = f"{people['old'].id},{people['older'].id}"
    confirm = client.post("/admin/retention/confirm", data={"client_ids": ids, "count": "2"})
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Anonymisoidaanko 2 henkilöä?" in text  # in Finnish
    assert db.session.get(Client, people["old"].id).anonymised_at is None  # asking changes nothing
    done = client.post("/admin/retention/anonymise", data={"client_ids": ids, "count": "2"})
    assert done.status_code == 303
    for key in ("old", "older"):
        row = db.session.get(Client, people[key].id)
        assert row.anonymised_at is not None and row.display_name == "" and row.phone is None
    assert db.session.get(Client, people["recent"].id).display_name == "Tuore"
    assert "Vanha Asiakas" not in client.get("/admin/retention").get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "anonymise")).all()
    assert sorted(e.client_id for e in events) == sorted([people["old"].id, people["older"].id])


def test_a_client_not_due_cannot_be_anonymised_by_changing_the_form(client, admin, people):
    login(client, admin)
    for ids in (str(people["recent"].id), str(people["active"].id),
                f"{people['old'].id},{people['recent'].id}", "", "abc"):
        for url in ("/admin/retention/confirm", "/admin/retention/anonymise"):
            response = client.post(url, data={"client_ids": ids, "count": "1"})
            assert response.status_code == 303, (url, ids)  # back to the list, with a message
    assert all(db.session.get(Client, p.id).anonymised_at is None for p in people.values())


def test_a_count_that_no_longer_matches_anonymises_no_one(client, admin, people):
    login(client, admin)
    ids = f"{people['old'].id},{people['older'].id}"
    response = client.post("/admin/retention/anonymise", data={"client_ids": ids, "count": "1"})
    assert response.status_code == 303
    assert all(db.session.get(Client, p.id).anonymised_at is None for p in people.values())


@pytest.mark.parametrize("role", ["staff", "peer"])
def test_staff_and_peers_never_reach_the_review(client, people, role, request):
    user = request.getfixturevalue(role)
    login(client, user)
    ids = str(people["old"].id)
    assert client.get("/admin/retention").status_code == 403
    for url in ("/admin/retention/confirm", "/admin/retention/anonymise",
                "/admin/retention/policy", "/admin/retention/anonymous-contacts"):
        response = client.post(url, data={"client_ids": ids, "count": "1", "client_months": "1",
                                          "anonymous_months": "1", "log_months": "1"})
        assert response.status_code == 403 and b"Vanha" not in response.get_data(), url
    assert db.session.get(Client, people["old"].id).anonymised_at is None
    assert retention_policy()[RETENTION_CLIENT_MONTHS] == 24


def test_the_policy_is_saved_checked_and_logged(client, admin, people):
    login(client, admin)
    bad = client.post("/admin/retention/policy", data={
        "client_months": "abc", "anonymous_months": "0", "log_months": "12"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="abc"' in text
    short_log = client.post("/admin/retention/policy", data={
        "client_months": "36", "anonymous_months": "12", "log_months": "12"})
    assert short_log.status_code == 422
    assert retention_policy()[RETENTION_CLIENT_MONTHS] == 24
    ok = client.post("/admin/retention/policy", data={
        "client_months": "30", "anonymous_months": "12", "log_months": "72",
        "include_staff_only": "y"})
    assert ok.status_code == 303
    assert retention_policy() == {"retention_client_months": 30,
                                  "retention_anonymous_months": 12, "retention_log_months": 72}
    # With thirty months, the client who ended 800 days ago is no longer due.
    assert [d.id for d in retention.due_clients()] == [people["older"].id]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.object_type == "settings" and "retention_client_months=30" in event.detail


def test_retention_due_lists_the_same_and_changes_nothing(app, runner, people):
    result = runner.invoke(args=["retention", "due"])
    assert result.exit_code == 0, result.output
    assert f"client {people['older'].id}" in result.output
    assert f"client {people['old'].id}" in result.output
    assert f"client {people['recent'].id}" not in result.output
    assert "Vanha" not in result.output  # names stay out of mail and cron logs
    assert all(db.session.get(Client, p.id).anonymised_at is None for p in people.values())


def test_retention_due_says_when_nothing_is_due(app, runner):
    result = runner.invoke(args=["retention", "due"])
    assert result.exit_code == 0 and "Nothing is due." in result.output


def test_old_anonymous_contacts_lose_their_notes_and_stay_counted(client, admin):
    today = local_today()
    old = Contact(client_id=None, on=today - timedelta(days=900), channel="drop_in",
                  note="Kysyi asumisesta.", age_group="30_44")
    new = Contact(client_id=None, on=today - timedelta(days=10), channel="drop_in",
                  note="Tuore muistiinpano.")
    db.session.add_all([old, new])
    db.session.commit()
    assert retention.due_anonymous_contacts() == 1
    login(client, admin)
    assert client.post("/admin/retention/anonymous-contacts").status_code == 303
    assert db.session.get(Contact, old.id).note is None
    assert db.session.get(Contact, old.id).age_group == "30_44"
    assert db.session.get(Contact, new.id).note == "Tuore muistiinpano."


def test_security_md_shows_the_fates_as_the_code_declares_them(app):
    text = (Path(__file__).resolve().parents[1] / "docs" / "SECURITY.md").read_text("utf-8")
    match = re.search(r"<!-- fates:begin -->\n(.*)\n<!-- fates:end -->", text, re.S)
    assert match, "docs/SECURITY.md has no fates table"
    assert match.group(1) == markdown_table(), (
        "docs/SECURITY.md's fates table differs from lifecycle/fates.py: paste the output of "
        "`flask --app app retention fates` between the fates markers")


def test_the_demo_shows_a_former_client_past_the_period(app):
    from association_tool.demo import load_demo

    load_demo()
    db.session.commit()
    assert [d.display_name for d in retention.due_clients()] == ["Aarne"]
