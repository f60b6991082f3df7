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

    data = json.loads(reports[0].with_suffix(".json").read_text(encoding="utf-8"))
    scale = data["scales"][0]
    assert scale["clients"] == 200
    assert set(scale["app"]) == {"home", "list", "search", "client", "goals"}
    assert set(scale["baseline"]) == {"list", "search"}
    for name, numbers in [*scale["app"].items(), *(("baseline " + k, v) for k, v in scale["baseline"].items())]:
        assert numbers["requests"] > 0, name
        assert numbers["non200"] == 0, f"{name}: answers other than 200: {numbers['codes']}"
        assert numbers["socket_errors"] == 0, name
    assert scale["app_cold_start_s"] > 0
    assert len(scale["app_memory"]) == 2 and all(w["rss_mb"] > 0 for w in scale["app_memory"])
