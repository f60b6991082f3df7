"""Profile one page in-process: time it per request and show where the time goes (pyinstrument).

    python -m bench.profile --seed 10000 --keep /tmp/bench.db          # seed a database once
    python -m bench.profile --database-url sqlite:////tmp/bench.db /clients/ "/clients/?q=ain"
    python -m bench.profile --database-url ... --hx client-results --profile "/clients/?q=ain"

No server and no network: the Flask test client calls the app directly, signed in as the same
staff member as the benchmark, so the numbers are the app's own cost per request on one core.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path


def build(database_url: str):
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="assoc-profile-"))
    os.environ["DATABASE_URL"] = database_url
    from association_tool import create_app

    return create_app()


def sign_in(client, email: str, password: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"sign-in failed: {answer.status_code}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, metavar="CLIENTS",
                        help="migrate and seed a new SQLite database with this many clients")
    parser.add_argument("--keep", type=Path, help="with --seed: the SQLite file to create")
    parser.add_argument("--hx", default="", help="send HX-Request (and HX-Target unless '-')")
    parser.add_argument("-n", type=int, default=200, help="requests per path")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    parser.add_argument("--heavy", action="store_true",
                        help="sign in as the worker with the largest caseload (the home page's "
                             "extreme case) instead of the benchmark's staff member")
    args = parser.parse_args(argv)

    from .seed import HEAVY_EMAIL, LOGIN_EMAIL, PASSWORD, Scale, seed

    url = args.database_url
    if args.seed:
        path = args.keep or Path(tempfile.mkdtemp(prefix="assoc-profile-")) / "bench.db"
        url = f"sqlite:///{path}"
        from .run import app_env, migrate

        migrate(app_env(url, path.parent))
        done = seed(url, Scale(clients=args.seed))
        print(f"seeded {url} in {done.seconds:.1f} s; clients to open: {done.client_ids[:5]}")
    if not url:
        parser.error("give --database-url or --seed")
    if not args.paths:
        return 0
    app = build(url)
    client = app.test_client()
    sign_in(client, HEAVY_EMAIL if args.heavy else LOGIN_EMAIL, PASSWORD)
    headers = {}
    if args.hx:
        headers["HX-Request"] = "true"
        if args.hx != "-":
            headers["HX-Target"] = args.hx
    for path in args.paths:
        for _ in range(5):
            answer = client.get(path, headers=headers)
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}")
        times, cpu = [], []
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        for _ in range(args.n):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        if profiler:
            profiler.stop()
        times.sort()
        print(f"{path}: wall mean {statistics.mean(times):.2f} ms, p50 {times[len(times) // 2]:.2f} ms, "
              f"p95 {times[int(len(times) * 0.95)]:.2f} ms; CPU mean {statistics.mean(cpu):.2f} ms "
              f"(median {statistics.median(cpu):.2f}) over {args.n}")
        if profiler:
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
