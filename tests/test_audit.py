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


def _cut_tail(n: int) -> None:
    """Delete the newest `n` entries, as someone with direct database access could."""
    newest = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(n)).all()
    db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.id.in_(newest)))
    db.session.commit()


def test_a_cut_tail_passes_the_chain_but_fails_the_anchor(app, runner, drop_guards):
    _entries(5)
    anchor = runner.invoke(args=["audit", "anchor"]).output.strip()
    assert anchor == str(audit.head()) and anchor.startswith("6:")
    drop_guards()
    _cut_tail(2)
    plain = runner.invoke(args=["audit", "verify"])
    assert plain.exit_code == 0 and "OK: 4 entries" in plain.output  # the chain alone cannot tell
    anchored = runner.invoke(args=["audit", "verify", "--expect", anchor])
    assert anchored.exit_code == 1
    assert "fewer than the 6 of the anchor" in anchored.output and "removed" in anchored.output
    assert audit.verify_chain(expect=audit.Anchor.parse(anchor)).reason == "missing"


def test_a_cut_tail_replaced_by_new_entries_fails_the_anchor(app, runner, drop_guards):
    _entries(5)
    anchor = str(audit.head())
    drop_guards()
    _cut_tail(2)
    for i in range(3):  # the log grows past the anchor again, with other entries
        audit.record(audit.Action.VIEW, object_type="client", object_id=i, detail="uusi")
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    anchored = runner.invoke(args=["audit", "verify", "--expect", anchor])
    assert anchored.exit_code == 1 and "entry 6" in anchored.output
    assert "is not the one the anchor" in anchored.output


def test_an_untouched_log_passes_its_anchor_and_older_ones(app, runner):
    _entries(2)
    older = str(audit.head())
    _entries(2)
    for anchor in (older, str(audit.head()), f"0:{audit.GENESIS}"):
        result = runner.invoke(args=["audit", "verify", "--expect", anchor])
        assert result.exit_code == 0 and "chain intact" in result.output, anchor
    assert f"The anchor {older} matches entry {older.split(':')[0]}." in runner.invoke(
        args=["audit", "verify", "--expect", older.upper()]).output


@pytest.mark.parametrize("value", ["", "abc", "5", "5:", ":" + "a" * 64, "-1:" + "a" * 64,
                                   "5:" + "a" * 63, "5:" + "g" * 64, "0:" + "a" * 64,
                                   "5:" + "a" * 64 + ":x"])
def test_a_malformed_anchor_is_a_usage_error(app, runner, value):
    _entries(1)
    result = runner.invoke(args=["audit", "verify", "--expect", value])
    assert result.exit_code == 2 and "--expect" in result.output, result.output


def test_a_wrong_anchor_of_an_intact_log_fails(app, runner):
    _entries(2)
    count = audit.head().count
    for anchor in (f"{count}:{'a' * 64}", f"{count + 1}:{audit.head().hash}"):
        assert runner.invoke(args=["audit", "verify", "--expect", anchor]).exit_code == 1


def test_the_access_log_page_shows_the_head(client, auth, admin):
    auth.login(admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    shown = page.split('id="log-anchor">')[1].split("<")[0]
    assert shown == str(audit.head()) and shown.startswith("2:")  # the setup's and the sign-in
    assert f"flask audit verify --expect {shown}" in page


def test_admin_browses_and_filters_the_log(client, auth, admin, staff):
    auth.login(staff)
    client.post("/logout")
    auth.login(admin)
    admin.locale = "en"
    db.session.commit()
    page = client.get(f"/admin/audit?user={staff.id}").get_data(as_text=True)
    assert "Sanna Ohjaaja</strong> signed in" in page and "Sanna Ohjaaja</strong> signed out" in page
    only_logouts = client.get(f"/admin/audit?action=logout&user={staff.id}").get_data(as_text=True)
    assert "signed in" not in only_logouts and "signed out" in only_logouts
    verify = client.get("/admin/audit/verify", follow_redirects=True)
    assert verify.status_code == 200 and "notice-success" in verify.get_data(as_text=True)


@pytest.mark.parametrize("query", ["client=abc", "date_from=2026-13-45", "page=-1", "user=x",
                                   "action=<script>", "q=" + "x" * 500, "page=99999"])
def test_bad_filters_never_break_the_page(client, auth, admin, query):
    auth.login(admin)
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main")[1]


# --- page views: kept during the request, written once after its response -----------------------

def _views(client_id: int, what: str | None = None) -> list[AuditEvent]:
    db.session.rollback()
    query = select(AuditEvent).where(AuditEvent.client_id == client_id,
                                     AuditEvent.action == "view").order_by(AuditEvent.id)
    if what is not None:
        query = query.where(AuditEvent.object_type == what)
    return db.session.scalars(query).all()


def test_a_page_commits_nothing_while_it_reads_and_logs_its_view_after(app, client, auth, staff):
    import functools

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from .factories import make_client

    person = make_client(display_name="Ruusu")
    auth.login(staff)
    commits, during = [], []
    show = app.view_functions["clients.show"]

    @functools.wraps(show)
    def watched(**kwargs):
        before = len(commits)
        try:
            return show(**kwargs)
        finally:
            during.append(len(commits) - before)

    app.view_functions["clients.show"] = watched
    count = lambda _session: commits.append(1)  # noqa: E731
    event.listen(Session, "after_commit", count)
    try:
        assert client.get(f"/clients/{person.id}").status_code == 200
    finally:
        event.remove(Session, "after_commit", count)
    assert during == [0] and commits  # nothing committed inside the page, the view after it
    [view] = _views(person.id)
    assert (view.object_type, view.user_id) == ("client", staff.id)
    assert audit.verify_chain().ok


@pytest.mark.parametrize("propagate", [False, True])
def test_a_page_that_fails_logs_no_view(app, client, auth, staff, monkeypatch, propagate):
    from association_tool.clients import services as clients

    from .factories import make_client

    person = make_client(display_name="Ruusu")
    auth.login(staff)
    app.config["PROPAGATE_EXCEPTIONS"] = propagate

    def broken(*_args, **_kwargs):
        raise RuntimeError("the overview broke")

    with monkeypatch.context() as patch:
        patch.setattr(clients, "overview", broken)
        if propagate:
            with pytest.raises(RuntimeError):
                client.get(f"/clients/{person.id}")
        else:
            assert client.get(f"/clients/{person.id}").status_code == 500
    assert _views(person.id) == []
    # Nothing of the failed page is left waiting for the next one.
    assert client.get(f"/clients/{person.id}").status_code == 200
    assert len(_views(person.id)) == 1 and audit.verify_chain().ok


def test_a_form_shown_again_with_its_errors_logs_the_view(client, auth, staff):
    from .factories import make_client

    person = make_client(display_name="Ruusu")
    auth.login(staff)
    response = client.post(f"/clients/{person.id}/tasks", data={"title": ""})
    assert response.status_code == 422
    # The section, and the client's summary at the top of its page.
    assert [v.object_type for v in _views(person.id)] == ["tasks", "client_summary"]


def test_views_follow_the_changes_of_their_request_in_the_chain(client, auth, staff):
    from .factories import make_client

    person = make_client(display_name="Ruusu")
    auth.login(staff)
    response = client.post(f"/clients/{person.id}/tasks", headers={"HX-Request": "true"},
                           data={"title": "Soita Kelaan", "due_date": "2030-01-15",
                                 "owner_id": str(staff.id)})
    assert response.status_code == 200
    newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
    assert [(e.action, e.object_type) for e in reversed(newest)] == [
        ("create", "task"), ("view", "tasks")]
    assert audit.verify_chain().ok


def test_views_outside_a_request_are_written_at_once(app, staff):
    from .factories import make_client

    person = make_client(display_name="Ruusu")
    audit.log_view(person.id, "client")
    audit.log_views([person.id, person.id], "goals")
    views = _views(person.id)  # after a rollback: committed
    assert [(v.object_type, v.actor) for v in views] == [("client", "system"), ("goals", "system")]
    assert audit.verify_chain().ok
