"""Archiving the access log's oldest entries (older than its retention period): their chain
head is recorded, what remains still verifies, earlier anchors still match, and the database
still refuses to delete an entry no archive covers."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from association_tool import audit
from association_tool.extensions import db
from association_tool.models import AuditArchive, AuditEvent
from association_tool.timeutil import utcnow


def _entries(n, what):
    for i in range(n):
        audit.record(audit.Action.UPDATE, object_type="settings", detail=f"{what} {i}")
    db.session.commit()


def test_old_entries_are_archived_and_the_rest_still_verifies(app, runner, tmp_path):
    _entries(5, "old")
    anchor_old = audit.head()
    time.sleep(0.01)
    cutoff = utcnow()
    time.sleep(0.01)
    _entries(3, "new")
    anchor_before = audit.head()

    count, new = audit.archive(cutoff, tmp_path / "log-2020.jsonl")
    db.session.commit()
    assert count == 5 and new.total == 5 and new.hash == anchor_old.hash
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 3 + 1
    # The count still includes what left; anchors taken before still match.
    assert audit.head().count == anchor_before.count + 1
    for anchor in (anchor_before, anchor_old):
        assert audit.verify_chain(expect=anchor).ok, anchor
    result = runner.invoke(args=["audit", "verify", "--expect", str(anchor_before)])
    assert result.exit_code == 0 and "chain intact" in result.output, result.output
    # The archive file holds the entries with their hashes: its chain ends at the head.
    lines = [json.loads(line) for line in (tmp_path / "log-2020.jsonl").read_text().splitlines()]
    assert [e["detail"] for e in lines] == [f"old {i}" for i in range(5)]
    assert lines[0]["prev_hash"] == audit.GENESIS and lines[-1]["hash"] == new.hash
    # A wrong anchor at the archived head is still caught.
    assert not audit.verify_chain(expect=audit.Anchor(5, "f" * 64)).ok


def test_an_entry_no_archive_covers_cannot_be_deleted(app, tmp_path):
    _entries(3, "old")
    cutoff = utcnow()
    time.sleep(0.01)
    _entries(2, "new")
    audit.archive(cutoff, tmp_path / "a.jsonl")
    db.session.commit()
    newest = db.session.scalar(select(func.max(AuditEvent.id)))
    with pytest.raises(DBAPIError):
        db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": newest})
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE audit_archive SET total = 0"))
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(text("DELETE FROM audit_archive"))
    db.session.rollback()


def test_the_command_archives_before_a_day_and_refuses_an_existing_file(app, runner, tmp_path):
    _entries(3, "old")
    target = tmp_path / "archive.jsonl"
    result = runner.invoke(args=["audit", "archive", str(target), "--before", "2999-01-01"])
    # The newest entry always stays (the log's ids keep counting up).
    assert result.exit_code == 0 and "Archived 2 entries" in result.output, result.output
    assert db.session.scalars(select(AuditArchive)).one().entries == 2
    # The newest and the archiving's own entry are left, and they verify from the head.
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    again = runner.invoke(args=["audit", "archive", str(target), "--before", "2999-01-01"])
    assert again.exit_code != 0 and "Nothing archived" in again.output, again.output
    # By default: older than the retention period (five years): nothing here is that old.
    default = runner.invoke(args=["audit", "archive", str(tmp_path / "b.jsonl")])
    assert default.exit_code == 0 and "nothing archived" in default.output
