"""Several processes write the same records at once: no update is lost, every append lands.

Each writer is a process of its own with its own app over the same database (the SQLite file,
or PostgreSQL when TEST_DATABASE_URL is set), as gunicorn workers are. Every edit carries the
version it was opened on: it either commits or is refused as stale. At the end the number of
acknowledged edits equals the version increments, and the saved text holds every acknowledged
edit in the order of its version, so no acknowledged save was overwritten.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from association_tool import audit
from association_tool.extensions import db
from association_tool.goals import services as goals
from association_tool.models import AuditEvent, Client, Contact, Goal

from .factories import PASSWORD, make_client, make_user
from .reliability_helpers import child_env, report_figures, run_together

WRITERS = 4
ROUNDS = 16  # per writer, through the services
HTTP_ROUNDS = 10  # per writer, through the routes (each round is three requests)
TOKEN = re.compile(r"\[[^\]]+\]")


def _check_edits(results: list[dict], text: str, version: int, start_version: int = 1) -> int:
    """Assert that no acknowledged edit was lost or overwritten; return how many there were."""
    acknowledged = sorted((v, token) for r in results for token, v in r["edits"])
    # Every acknowledged edit made exactly one version step, and no two claimed the same one.
    assert [v for v, _ in acknowledged] == list(range(start_version + 1, version + 1))
    # The saved text is the acknowledged edits, in the order of their versions, and nothing else.
    assert TOKEN.findall(text) == [token for _, token in acknowledged]
    return len(acknowledged)


def _check_appends(results: list[dict], client_id: int) -> int:
    """Assert that every acknowledged contact is stored exactly once, and nothing else."""
    db.session.rollback()
    stored = db.session.scalars(select(Contact.note).where(Contact.client_id == client_id)).all()
    acknowledged = [note for r in results for note in r["contacts"]]
    assert sorted(stored) == sorted(acknowledged)
    return len(acknowledged)


def _check_log(object_type: str, object_id: int, edits: int) -> None:
    """One access-log entry per acknowledged edit, and the hash chain is intact."""
    updates = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "update", AuditEvent.object_type == object_type,
        AuditEvent.object_id == str(object_id)))
    assert updates == edits
    report = audit.verify_chain()
    assert report.ok, report
    db.session.rollback()


def test_writer_processes_using_the_services_lose_no_update(app, database_url, tmp_path, staff):
    client = make_client(display_name="Yhteinen asiakas", actor=staff)
    client_id, staff_id = client.id, staff.id
    db.session.commit()  # the test holds no transaction while the writers run
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    results = run_together("service-writer", [
        dict(client_id=client_id, actor_id=staff_id, tag=f"s{n}", rounds=ROUNDS, seed=n,
             barrier=str(barrier), parties=WRITERS) for n in range(WRITERS)],
        child_env(tmp_path, database_url))

    db.session.expire_all()
    saved = db.session.get(Client, client_id)
    edits = _check_edits(results, saved.staff_notes or "", saved.version)
    refused = sum(r["stale_version"] + r["stale_flush"] for r in results)
    assert edits + refused == WRITERS * ROUNDS  # every attempt either committed or was refused
    assert edits >= WRITERS  # the writers did overlap, yet work got done
    appends = _check_appends(results, client_id)
    assert appends == WRITERS * ROUNDS
    _check_log("client", client_id, edits)
    report_figures(f"concurrency-services-{db.engine.dialect.name}", processes=WRITERS,
                   edits_acknowledged=edits,
                   refused_stale_version=sum(r["stale_version"] for r in results),
                   refused_at_save=sum(r["stale_flush"] for r in results), appends=appends)


def test_writer_processes_using_the_routes_lose_no_update(app, database_url, tmp_path, staff):
    client = make_client(display_name="Tavoiteasiakas", actor=staff)
    goal = goals.create_goal(client, text="Oma asunto.", created_by_id=staff.id)
    db.session.commit()
    writers = [make_user(role="staff", name=f"Ohjaaja {n}", email=f"ohjaaja{n}@test.example.org")
               for n in range(WRITERS)]
    client_id, goal_id = client.id, goal.id
    emails = [w.email for w in writers]
    db.session.commit()
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    results = run_together("http-writer", [
        dict(client_id=client_id, goal_id=goal_id, email=emails[n], password=PASSWORD,
             tag=f"h{n}", rounds=HTTP_ROUNDS, seed=n, barrier=str(barrier), parties=WRITERS)
        for n in range(WRITERS)], child_env(tmp_path, database_url))

    assert [r["unexpected"] for r in results] == [[]] * WRITERS
    db.session.expire_all()
    saved = db.session.get(Goal, goal_id)
    edits = _check_edits(results, saved.text, saved.version)
    refused = sum(r["stale"] for r in results)
    assert edits + refused == WRITERS * HTTP_ROUNDS
    assert edits >= WRITERS
    assert saved.text.startswith("Oma asunto.")
    appends = _check_appends(results, client_id)
    assert appends == WRITERS * HTTP_ROUNDS
    _check_log("goal", goal_id, edits)
    report_figures(f"concurrency-routes-{db.engine.dialect.name}", processes=WRITERS,
                   edits_acknowledged=edits, refused_stale=refused, appends=appends)
