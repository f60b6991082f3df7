"""The benchmark still runs: a smoke run on tiny SQLite data, with every URL answering 200.

No target is asserted here (two cores shared with the rest of the suite say nothing about speed);
`make bench` measures. Outside CI the test skips when gunicorn or wrk is missing; in CI it fails.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil

import pytest

from bench import run

# The benchmark serves on fixed ports: its tests share one xdist worker.
pytestmark = pytest.mark.xdist_group("bench")

NEEDED = {"wrk": shutil.which("wrk") is not None,
          "gunicorn": importlib.util.find_spec("gunicorn") is not None}


@pytest.fixture
def tools():
    missing = [name for name, found in NEEDED.items() if not found]
    if missing:
        message = (f"the benchmark needs {' and '.join(missing)} (Debian package 'wrk'; "
                   "gunicorn from requirements.txt)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_smoke_run_measures_every_url_and_writes_the_report(tools, tmp_path):
    assert run.main(["--smoke", "--out", str(tmp_path)]) == 0

    reports = sorted(tmp_path.glob("*-sqlite.md"))
    assert len(reports) == 1, list(tmp_path.iterdir())
    text = reports[0].read_text(encoding="utf-8")
    assert "## Machine" in text and "## Targets" in text and "Smoke run" in text

    assert "Not measured" not in text and "errand checklist" in text and "minutes" in text

    data = json.loads(reports[0].with_suffix(".json").read_text(encoding="utf-8"))
    scale = data["scales"][0]
    assert scale["clients"] == 200
    assert set(scale["app"]) == {"home", "due", "home_heavy", "list", "search", "client", "goals",
                                 "meetings", "meeting", "checklist", "minutes", "stats",
                                 "stats_activity",
                                 *run.SECTIONS}
    # Every page is held to the CPU ratio against the bare baseline's list.
    ratios = {c["target"].split(":")[0] for c in json.loads(
        reports[0].with_suffix(".json").read_text(encoding="utf-8"))["targets"]
        if "server CPU per request" in c["target"]}
    assert ratios == set(scale["app"]) - set(run.NOT_PAGES)
    assert set(scale["baseline"]) == {"list", "search"}
    assert scale["rows"]["network_meetings"] == 100 and scale["rows"]["errands"] == 40
    # The PDFs are measured with one connection per worker, and their answers were PDFs (the
    # Lua script counts an answer of another type as non-200).
    assert scale["app"]["checklist"]["connections"] == scale["app"]["minutes"]["connections"] == 2
    assert scale["app"]["minutes"]["kb_per_response"] > 1
    for name, numbers in [*scale["app"].items(), *(("baseline " + k, v) for k, v in scale["baseline"].items())]:
        assert numbers["requests"] > 0, name
        assert numbers["non200"] == 0, f"{name}: answers other than 200: {numbers['codes']}"
        assert numbers["socket_errors"] == 0, name
    assert scale["app_cold_start_s"] > 0
    assert len(scale["app_memory"]) == 2 and all(w["rss_mb"] > 0 for w in scale["app_memory"])
    assert scale["render_memory"] and all(w["rss_mb"] > 0 for w in scale["render_memory"])


def test_growth_is_measured_side_by_side(tools, tmp_path):
    """With --large the list and the search are measured again on both scales in alternating
    rounds, and the growth target is the median of those rounds' ratios."""
    out = tmp_path / "out"
    assert run.main(["--smoke", "--large", "--only", "list,search", "--clients", "60",
                     "--out", str(out)]) == 0

    report = next(out.glob("*-sqlite-large.md"))
    data = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    growth = data["growth"]
    assert growth["scales"] == [60, 600] and len(growth["rounds"]) == 2
    for measured in growth["rounds"]:
        for name in ("list", "search"):
            for clients in ("60", "600"):
                numbers = measured[name][clients]
                assert numbers["requests"] > 0 and numbers["non200"] == 0, (name, clients)
    for name in ("list", "search"):
        ratios = run.growth_ratios(growth, name)
        target = next(c for c in data["targets"] if c["target"].startswith(f"{name}: p95 growth"))
        assert "side by side" in target["target"]
        assert target["measured"] == round(sorted(ratios)[0] / 2 + sorted(ratios)[1] / 2, 2)
    text = report.read_text(encoding="utf-8")
    assert "## Growth side by side, 60 → 600 clients" in text and "| median |" in text
    # The rerendered file (from the .json) says the same.
    assert run.rerender(report.with_suffix(".json")).read_text(encoding="utf-8") == text


def test_seeded_meetings_and_errands_keep_the_app_rules(tmp_path):
    """The bulk-inserted rows are what the app's services would write (no server needed)."""
    import subprocess
    import sys

    from sqlalchemy import create_engine, text

    from association_tool.timeutil import local_today
    from bench.seed import Scale, seed

    url = f"sqlite:///{tmp_path / 'seed.db'}"
    env = run.app_env(url, tmp_path)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                          cwd=run.ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    seeded = seed(url, Scale(clients=200))
    assert seeded.approved_meetings and seeded.meeting_clients and seeded.errands

    engine = create_engine(url)
    with engine.connect() as conn:
        def count(sql):
            return conn.execute(text(sql)).scalar_one()

        today = local_today().isoformat()
        # Caseloads: one worker has the extreme one (a fifth of the clients at this scale);
        # the others share the rest.
        heavy = count("SELECT id FROM \"user\" WHERE email = 'laaja@bench.example.org'")
        assert count(f"SELECT count(*) FROM client WHERE responsible_id = {heavy}") == 40
        assert count("SELECT count(*) FROM \"user\" WHERE role = 'staff'") == Scale(200).staff + 1
        assert count("SELECT count(*) FROM network_meeting") == 100
        # Approved minutes: approved on or after the meeting day, never in the future; each
        # action is a follow-up task of the meeting's client, made from the meeting.
        assert count("SELECT count(*) FROM network_meeting WHERE status = 'approved' AND "
                     f"(approved_at IS NULL OR meeting_date > '{today}')") == 0
        assert count("SELECT count(*) FROM meeting_action a JOIN network_meeting m "
                     "ON m.id = a.meeting_id WHERE m.status = 'approved'") > 0
        assert count("SELECT count(*) FROM meeting_action a JOIN network_meeting m "
                     "ON m.id = a.meeting_id LEFT JOIN follow_up_task t ON t.id = a.task_id "
                     "WHERE m.status = 'approved' AND (t.id IS NULL OR t.source != 'meeting' "
                     "OR t.source_id != m.id OR t.client_id != m.client_id)") == 0
        # Planned meetings have no minutes or actions; every action has one owner.
        assert count("SELECT count(*) FROM meeting_action a JOIN network_meeting m "
                     "ON m.id = a.meeting_id WHERE m.status = 'planned'") == 0
        assert count("SELECT count(*) FROM meeting_action WHERE "
                     "(owner_id IS NULL) = (owner_party IS NULL)") == 0
        # A member participant is on the meeting client's own network map.
        assert count("SELECT count(*) FROM meeting_participant p JOIN network_meeting m "
                     "ON m.id = p.meeting_id JOIN network_member n ON n.id = p.member_id "
                     "WHERE n.client_id != m.client_id") == 0
        assert count("SELECT count(*) FROM meeting_participant WHERE kind = 'member' "
                     "AND member_id IS NULL") == 0
        # A place or a remote link; addenda only to approved minutes, dated after the meeting.
        assert count("SELECT count(*) FROM network_meeting WHERE place IS NULL "
                     "AND remote_link IS NULL") == 0
        assert count("SELECT count(*) FROM meeting_addendum a JOIN network_meeting m "
                     "ON m.id = a.meeting_id WHERE m.status != 'approved' "
                     f"OR a.[on] < m.meeting_date OR a.[on] > '{today}'") == 0
        # The errands of the checklist scenario have things to bring.
        assert count("SELECT count(*) FROM errand WHERE things_to_bring != ''") > 0
    engine.dispose()
