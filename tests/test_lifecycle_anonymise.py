"""Anonymising a client on the demo association (SECURITY.md #24, #31): a dump of the whole
database holds none of the client's names, contact details or free texts afterwards, the
statistics figures stay as they were, the access log verifies and other clients are untouched.
"""
from __future__ import annotations

import sqlite3
import subprocess
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from association_tool.backup import _search_path
from association_tool.demo import load_demo
from association_tool.extensions import db
from association_tool.lifecycle.anonymise import (AnonymiseError, anonymise_client,
                                                  client_rows)
from association_tool.lifecycle.fates import BLANK, CLIENT_TABLES, NOT_CLIENT_DATA
from association_tool.models import AuditEvent, Client
from association_tool.models import errands as errand_models
from association_tool.models import meetings as meeting_models
from association_tool.models.clients import (ClientEnding, Contact, FollowUpTask, Goal,
                                             GoalReview)
from association_tool.models.consents import Consent

from .factories import make_client


@pytest.fixture
def demo(app):
    load_demo()
    db.session.commit()


def _busiest_client() -> int:
    counts = Counter()
    for table in db.metadata.sorted_tables:
        if "client_id" in table.c and table.name != "audit_event":
            for client_id, n in db.session.execute(
                    select(table.c.client_id, func.count()).group_by(table.c.client_id)):
                if client_id is not None:
                    counts[client_id] += n
    return counts.most_common(1)[0][0]


def _dump(app) -> str:
    """The whole database as SQL text, as a dump tool writes it."""
    db.session.commit()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database)
        try:
            return "\n".join(connection.iterdump())
        finally:
            connection.close()
    command = ["pg_dump", "--format=plain", "--dbname",
               url.set(drivername="postgresql").render_as_string(hide_password=False)]
    for schema in _search_path(url):
        command += ["--schema", schema]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # nosec


def _texts_of(rows: dict[str, list[dict]]) -> set[str]:
    """Every name, contact detail and free text in a client's rows (the columns emptied)."""
    texts = set()
    for name, table_rows in rows.items():
        blanked = [c for c, fate in CLIENT_TABLES[name].fates().items() if fate == BLANK]
        for row in table_rows:
            for column in blanked:
                value = row[column]
                if isinstance(value, str):  # line by line: a dump may write line ends as \n
                    texts |= {line.strip() for line in value.splitlines()
                              if len(line.strip()) >= 4}
    return texts


def _everyone_elses_texts(target: int) -> set[str]:
    """Texts that other clients' rows or the shared tables hold too (the demo repeats a few)."""
    texts = set()
    for other in db.session.scalars(select(Client.id).where(Client.id != target)):
        for rows in client_rows(other).values():
            texts |= {v for row in rows for v in row.values() if isinstance(v, str)}
    for name in NOT_CLIENT_DATA:
        if name == "audit_event":
            continue
        for row in db.session.execute(select(db.metadata.tables[name])):
            texts |= {v for v in row if isinstance(v, str)}
    return texts


def _age_band(birth_year, start: date) -> str:
    if birth_year is None:
        return "unknown"
    age = start.year - birth_year
    return next(band for limit, band in ((18, "under_18"), (30, "18_29"), (45, "30_44"),
                                         (65, "45_64"), (200, "65_plus")) if age < limit)


def _figures() -> dict:
    """The statistics: counts by month, level, age band, kind and outcome; no names."""
    db.session.expire_all()
    clients = db.session.scalars(select(Client)).all()
    month = lambda day: (day.year, day.month) if day else None  # noqa: E731
    return {
        "clients": Counter((c.level, c.status, c.language, c.referral_source,
                            _age_band(c.birth_year, c.start_date), month(c.start_date))
                           for c in clients),
        "contacts": Counter((month(c.on), c.channel, c.minutes, c.topics, c.age_group,
                             c.client_id is None) for c in db.session.scalars(select(Contact))),
        "goals": Counter((g.life_area, g.term, g.status) for g in db.session.scalars(select(Goal))),
        "reviews": Counter((r.sufficient, r.matched_needs, r.matched_goals, month(r.on))
                           for r in db.session.scalars(select(GoalReview))),
        "errands": Counter((e.type, month(e.on), e.outcome_recorded_at is not None)
                           for e in db.session.scalars(select(errand_models.Errand))),
        "meetings": Counter((m.status, m.method, month(m.meeting_date))
                            for m in db.session.scalars(select(meeting_models.NetworkMeeting))),
        "consents": Counter((c.kind, c.form, c.withdrawn_on is not None)
                            for c in db.session.scalars(select(Consent))),
        "tasks": Counter((t.status, t.source) for t in db.session.scalars(select(FollowUpTask))),
        "endings": Counter((e.reason, month(e.end_date))
                           for e in db.session.scalars(select(ClientEnding))),
    }


def test_after_anonymising_the_dump_holds_nothing_of_the_client(app, demo, runner):
    target = _busiest_client()
    before = client_rows(target)
    person = before["client"][0]
    names = {v for v in (person["display_name"], person["full_name"], person["phone"],
                         person["email"]) if v}
    shared = " | ".join(_everyone_elses_texts(target))
    texts = {t for t in _texts_of(before) | names if t not in shared}
    assert len(texts) >= 8, texts  # the demo client has much of their own to lose
    assert {person["display_name"], person["full_name"]} <= texts
    dump = _dump(app)
    assert all(t in dump for t in texts), [t for t in texts if t not in dump]
    figures = _figures()
    others = {c: client_rows(c) for c in db.session.scalars(
        select(Client.id).where(Client.id != target))}

    changed = anonymise_client(target, reason="retention")
    db.session.commit()

    assert changed["client"] == 1 and changed["goal"] >= 1
    dump = _dump(app)
    left = sorted(t for t in texts if t in dump)
    assert not left, f"still in the database: {left}"
    assert _figures() == figures
    for client_id, rows in others.items():
        assert client_rows(client_id) == rows, client_id
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "chain intact" in result.output, result.output
    anonymised = db.session.get(Client, target)
    assert anonymised.anonymised_at is not None and anonymised.display_name == ""
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.client_id, event.object_type, event.detail) == (
        target, "anonymise", "anonymised: retention")
    # The access log never held the name: its entries about the client lead to the empty row.
    log = " ".join(str(v) for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.client_id == target)) for v in (e.detail, e.object_id, e.object_type))
    assert not any(name in log for name in names)


def test_dates_are_cut_to_the_month_and_the_age_band_kept(app, admin):
    person = make_client(display_name="Kuukausi", full_name="Kaisa Kuukausi", birth_year=1990,
                         phone="040 123 4567", email="kaisa@example.org",
                         start_date=date(2024, 3, 17))
    db.session.commit()
    anonymise_client(person.id, reason="retention")
    db.session.commit()
    row = db.session.get(Client, person.id)
    assert row.start_date == date(2024, 3, 1)
    assert (row.full_name, row.phone, row.email, row.display_name) == (None, None, None, "")
    assert _age_band(row.birth_year, row.start_date) == _age_band(1990, date(2024, 3, 17))
    assert row.birth_year != 1990  # the year itself is gone


def test_a_client_is_anonymised_once(app, admin):
    person = make_client(display_name="Kerran")
    db.session.commit()
    anonymise_client(person.id, reason="retention")
    db.session.commit()
    with pytest.raises(AnonymiseError):
        anonymise_client(person.id, reason="retention")
    with pytest.raises(AnonymiseError):
        anonymise_client(999999, reason="retention")
