"""The access log: appended by every feature, append-only, tamper-evident, browsable."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from association_tool import audit
from association_tool.extensions import db
from association_tool.models import AuditEvent

from .factories import make_user


def _entries(n=3):
    make_user(role="admin")
    for i in range(n):
        audit.record(audit.Action.VIEW, object_type="client", object_id=i, client_id=i + 1,
                     detail=f"katsottu {i}")
    db.session.commit()


def test_record_links_each_entry_to_the_previous(app):
    _entries()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[0].prev_hash == audit.GENESIS
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
    assert audit.verify_chain().ok and audit.verify_chain().checked == len(events)


def test_database_refuses_updates_and_deletes(app):
    _entries()
    for statement in ("UPDATE audit_event SET detail = 'muutettu'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()
    assert db.session.query(AuditEvent).count() == 4


@pytest.fixture
def drop_guards(app):
    """Remove the append-only triggers, as someone with direct database access could."""

    def drop():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("DROP TRIGGER audit_event_no_update"))
            db.session.execute(text("DROP TRIGGER audit_event_no_delete"))
        else:
            db.session.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        db.session.commit()

    yield drop
    if db.engine.dialect.name == "postgresql":  # the PostgreSQL schema is shared by tests
        db.session.rollback()
        db.session.execute(text(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"))
        db.session.commit()


def test_verify_detects_an_edited_entry(app, runner, drop_guards):
    _entries()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    drop_guards()
    victim = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(2)).first()
    db.session.execute(text("UPDATE audit_event SET detail = 'peitelty' WHERE id = :id"),
                       {"id": victim.id})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {victim.id}" in result.output
    report = audit.verify_chain()
    assert report.broken_id == victim.id and report.reason == "content"


def test_verify_detects_a_removed_entry(app, drop_guards):
    _entries()
    drop_guards()
    second = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id).offset(1)).first()
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": second})
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.reason == "link"


def test_admin_browses_and_filters_the_log(client, auth, admin, staff):
    auth.login(staff)
    client.post("/logout")
    auth.login(admin)
    page = client.get(f"/admin/audit?user={staff.id}").get_data(as_text=True)
    assert "login" in page and "logout" in page and staff.email in page
    only_logouts = client.get(f"/admin/audit?action=logout&user={staff.id}").get_data(as_text=True)
    assert "<td>login</td>" not in only_logouts and "<td>logout</td>" in only_logouts
    verify = client.get("/admin/audit/verify", follow_redirects=True)
    assert verify.status_code == 200 and "notice-success" in verify.get_data(as_text=True)


@pytest.mark.parametrize("query", ["client=abc", "date_from=2026-13-45", "page=-1", "user=x",
                                   "action=<script>", "q=" + "x" * 500, "page=99999"])
def test_bad_filters_never_break_the_page(client, auth, admin, query):
    auth.login(admin)
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main")[1]
