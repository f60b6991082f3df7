"""The write benchmark (bench/write_bench.py) measures what it says, on tiny runs.

No speed is asserted (two cores shared with the rest of the suite say nothing about it): every
page view a measurement reports is stored, the chained ones still verify, the baseline's are
really unchained, and on PostgreSQL (with TEST_DATABASE_URL) the counter triggers stay exact when
on and really are off when switched off.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from association_tool.config import normalise_database_url
from association_tool.extensions import db
from association_tool.models import AuditEvent
from bench import run
from bench import write_bench as wb

DURATION = 0.3


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A migrated SQLite database for the chain and its copy for the bare baseline."""
    folder = tmp_path_factory.mktemp("writes")
    return folder, wb.scratch_databases("sqlite", folder, "")


def test_every_chained_page_view_is_stored_and_the_chain_verifies(scratch):
    folder, urls = scratch
    app = wb.build_app(urls["chain"], folder, connections=2)
    wb.warm_up(app, "chain")
    for entries in (1, 7):
        before = wb.audit_rows(app)
        measured = wb.measure_audit(app, "sqlite", "chain", 2, entries, DURATION)
        # Every connection writes at least once; on a machine busy with the rest of the suite
        # a write may end after the short window, so none need end within it.
        assert measured.ops >= 2 and len(measured.latencies) == measured.ops
        assert 0 <= measured.in_window <= measured.ops
        assert wb.audit_rows(app) - before == measured.ops * entries == measured.rows
    report = wb.verify(app)
    assert report.ok, report
    assert report.checked == wb.audit_rows(app)


def test_the_bare_baseline_stores_as_many_rows_without_a_chain(scratch):
    folder, urls = scratch
    app = wb.build_app(urls["bare"], folder, connections=2)
    before = wb.audit_rows(app)
    measured = wb.measure_audit(app, "sqlite", "bare", 2, 3, DURATION)
    assert measured.ops > 0
    assert wb.audit_rows(app) - before == measured.ops * 3
    with app.app_context():
        hashes = set(db.session.scalars(select(AuditEvent.hash).distinct()))
        assert hashes == {wb.BARE_HASH}  # nothing was hashed
        db.session.remove()
        db.engine.dispose()
    assert wb.verify(app).reason == "link"  # and so nothing was chained


def test_the_report_pairs_chain_and_baseline_and_says_the_chain_is_intact(scratch):
    folder, urls = scratch
    found = wb.bench_audit("sqlite", urls, folder, connections=(2,), sizes=(1,),
                           duration=0.2, processes=2, rounds=1, log=lambda _: None,
                           quiet_wait=0)
    assert found["report"].ok
    assert [m.workload for m in found["found"][(2, 1, "chain")]] == ["chain"]
    assert found["found"][(2, 1, "bare")][0].ops > 0
    text_ = "\n".join(wb.render_audit("sqlite", found, (2,), (1,)))
    assert "**intact**" in text_ and "| 2 | 1 |" in text_


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="PostgreSQL counters: set TEST_DATABASE_URL")
def test_counters_stay_exact_with_triggers_and_fall_behind_without(tmp_path):
    test_url = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    # A database of this run's own (runs may share the server): created and dropped here.
    url = test_url.set(database=f"bench_write_smoke_{os.getpid()}").render_as_string(
        hide_password=False)
    run.prepare_postgresql(url)
    try:
        run.migrate(run.app_env(url, tmp_path))
        found = wb.bench_counters(url, connections=(2,), duration=DURATION, processes=2,
                                  rounds=1, log=lambda _: None, quiet_wait=0)
        assert len(found["checks"]) == 2 and all(ok for _, ok, _, _ in found["checks"])
        created = sum(m.ops for (workload, _, _), ms in found["found"].items()
                      if workload == "create" for m in ms)
        assert created > 0
        assert all(m.drifted for m in found["found"][("create", 2, False)])
        engine = create_engine(normalise_database_url(url))
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(text("client"))).scalar_one() \
                == wb.SEED_CLIENTS + created
            # Switched back on, and the counters recomputed: exact again.
            enabled = conn.execute(text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'client'::regclass "
                "AND tgname LIKE 'client_count%' AND tgenabled = 'O'")).scalar_one()
            assert enabled == 2
        engine.dispose()
        kept, true = wb.counters(url)
        assert kept == true
    finally:
        run.prepare_postgresql(url, create=False)
