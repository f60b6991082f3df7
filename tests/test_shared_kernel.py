"""The shared kernel: htmx, access, forms and the users module serve every feature from one home.

Features ask these modules instead of repeating their work (reading `HX-…` headers, loading a
client's record or 404, checking a stale version), and the kernel imports no feature package.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from flask import Flask

from association_tool import htmx

PACKAGE = Path(__file__).resolve().parent.parent / "association_tool"
FEATURES = ("admin", "agreements", "auth", "clients", "consents", "contacts", "directory",
            "errands", "goals", "main", "meetings", "network", "tasks")


def _feature_sources():
    for feature in FEATURES:
        for path in sorted((PACKAGE / feature).rglob("*.py")):
            yield path, path.read_text(encoding="utf-8")


def _strings(source: str):
    return [node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


# --- htmx ---------------------------------------------------------------------------------------

def test_no_feature_reads_or_writes_htmx_headers_itself():
    found = [f"{path.relative_to(PACKAGE)}: {value}" for path, source in _feature_sources()
             for value in _strings(source) if value.startswith("HX-")]
    assert found == []


def test_the_client_package_lends_no_htmx_helpers():
    assert not (PACKAGE / "clients" / "sections.py").exists()


def _request(headers):
    return Flask(__name__).test_request_context("/", headers=headers)


def test_fragment_boosted_and_target():
    with _request({}):
        assert (htmx.is_htmx(), htmx.is_boosted(), htmx.is_fragment()) == (False, False, False)
    with _request({"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "rows"}):
        assert (htmx.is_htmx(), htmx.is_boosted(), htmx.is_fragment()) == (True, True, False)
        assert not htmx.targets("rows")  # a boosted request swaps a whole page
    with _request({"HX-Request": "true", "HX-Target": "rows",
                   "HX-Current-URL": "http://localhost/clients/"}):
        assert (htmx.is_htmx(), htmx.is_boosted(), htmx.is_fragment()) == (True, False, True)
        assert htmx.targets("rows") and not htmx.targets("other")
        assert htmx.current_url() == "http://localhost/clients/"


def test_redirects_and_triggers():
    with _request({"HX-Request": "true"}):
        answer = htmx.see_other("/clients/1")
        assert (answer.status_code, answer.headers["HX-Redirect"]) == (204, "/clients/1")
        assert htmx.full_redirect("/login", 401).status_code == 401
        response = htmx.trigger(htmx.trigger(Flask(__name__).response_class(), "a"), "b")
        assert response.headers["HX-Trigger"] == "a, b"
    with _request({}):
        answer = htmx.see_other("/clients/1")
        assert (answer.status_code, answer.headers["Location"]) == (303, "/clients/1")


# --- one home for each mechanism ----------------------------------------------------------------

# What the kernel offers every feature; a feature uses it rather than a copy of its own.
KERNEL_NAMES = {"MultiCheckboxField", "sensible_date", "workers", "worker_names",
                "conveners", "active_users", "render_section", "wants_fragment", "is_fragment",
                "see_other"}


def test_no_feature_defines_what_the_kernel_offers():
    found = [f"{path.relative_to(PACKAGE)}: {node.name}" for path, source in _feature_sources()
             for node in ast.parse(source).body
             if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name in KERNEL_NAMES]
    assert found == []


def test_no_feature_borrows_what_the_kernel_offers_from_another():
    found = []
    for path, source in _feature_sources():
        feature = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                other = node.module.partition(".")[0]
                if (other in FEATURES and other != feature
                        and {alias.name for alias in node.names} & KERNEL_NAMES):
                    found.append(f"{path.relative_to(PACKAGE)}: {node.module}")
    assert found == []


# --- the kernel imports no feature --------------------------------------------------------------

KERNEL = ("access", "audit", "forms", "htmx", "users")


def test_the_kernel_imports_no_feature_package():
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys\n"
         f"for name in {KERNEL!r}: __import__('association_tool.' + name)\n"
         "print(' '.join(sorted(m for m in sys.modules if m.startswith('association_tool.'))))"],
        capture_output=True, text=True, check=True, cwd=PACKAGE.parent).stdout.split()
    assert [m for m in loaded if m.split(".")[1] in FEATURES] == []
