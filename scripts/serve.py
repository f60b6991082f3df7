"""Serve the app with gunicorn, as `make run` does: threads, so that idle or slow connections
hold no worker, and a worker count that fits the machine.

    python scripts/serve.py [--host 127.0.0.1] [--port 5000] [--workers N] [--threads 4]

Refuses plainly, before starting anything, when the address is taken: another copy of the app
(started twice) or another program on the port. Extra arguments after `--` go to gunicorn.
"""
from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_workers() -> int:
    """One worker per core, at least two (one may be busy with a PDF), at most four."""
    return max(2, min(4, os.cpu_count() or 1))


def address_taken(host: str, port: int) -> str | None:
    """Why (host, port) cannot be served, or None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (f"Port {port} on {host} is already in use: the app may be running "
                        f"already (open http://{host}:{port}), or another program uses the port. "
                        f"Stop it, or choose another port: make run PORT={port + 1}")
            if error.errno == errno.EACCES:
                return f"Not allowed to serve on port {port}: choose a port above 1023."
            return f"Cannot serve on {host}:{port}: {error.strerror}"
    return None


def gunicorn_arguments(host: str, port: int, workers: int, threads: int,
                       extra: list[str]) -> list[str]:
    return ["gunicorn", "--worker-class", "gthread", "--workers", str(workers),
            "--threads", str(threads), "--bind", f"{host}:{port}",
            "--access-logfile", "-", "--graceful-timeout", "20", *extra, "app:app"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=4)
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    problem = address_taken(args.host, args.port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = gunicorn_arguments(args.host, args.port, args.workers, args.threads, extra)
    print(f"Serving on http://{args.host}:{args.port} with {args.workers} workers × "
          f"{args.threads} threads (gunicorn). Stop with Ctrl+C.", flush=True)
    os.chdir(ROOT)
    os.execv(str(gunicorn), [str(gunicorn), *command[1:]])  # nosec B606 # our own venv's gunicorn
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
