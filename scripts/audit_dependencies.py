"""Check the pinned runtime dependencies for known vulnerabilities with pip-audit.

    python scripts/audit_dependencies.py [--service pypi|osv] [--strict]

Fails (exit 1) on any known vulnerability. A package that could not be checked (the
vulnerability service cannot be reached from this network, or does not know the version) is
never a silent pass: the run lists how many went unchecked and why, in a warning box, and with
--strict (or PIP_AUDIT_STRICT=1) that is a failure too.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess  # nosec B404 # runs pip-audit from this virtual environment, no shell
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def audit(service: str) -> dict:
    """Run pip-audit over requirements.txt and return its JSON report."""
    command = [sys.executable, "-m", "pip_audit", "--requirement", str(ROOT / "requirements.txt"),
               "--format", "json", "--progress-spinner", "off", "--vulnerability-service", service]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603 # fixed argument list
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"audit: pip-audit gave no report (exit {done.returncode}): FAILED")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", default=os.environ.get("PIP_AUDIT_SERVICE", "pypi"))
    parser.add_argument("--strict", action="store_true",
                        default=os.environ.get("PIP_AUDIT_STRICT") == "1")
    args = parser.parse_args(argv)
    report = audit(args.service)
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    checked = len(dependencies) - len(skipped)
    print(f"audit: {len(dependencies)} packages, {checked} checked against {args.service}, "
          f"{len(skipped)} not checked, {len(vulnerable)} with known vulnerabilities")
    if skipped:
        reasons = Counter(d["skip_reason"].split(":")[0] for d in skipped)
        lines = [f"WARNING: {len(skipped)} of {len(dependencies)} packages were NOT checked "
                 f"for known vulnerabilities ({args.service} service):"]
        lines += [f"  {count} × {reason}" for reason, count in reasons.most_common()]
        lines += ["  Run `make security-checks` where the service can be reached, or pass",
                  "  PIP_AUDIT_SERVICE=osv; PIP_AUDIT_STRICT=1 makes this a failure."]
        width = max(len(line) for line in lines) + 2
        print("!" * width, *lines, "!" * width, sep="\n", file=sys.stderr)
    if vulnerable:
        print("audit: FAILED: known vulnerabilities in the pinned dependencies", file=sys.stderr)
        return 1
    if skipped and args.strict:
        print("audit: FAILED: --strict and some packages were not checked", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
