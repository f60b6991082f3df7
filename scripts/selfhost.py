"""Run a checkout as a service on one Debian/Ubuntu machine: `make install` and `make upgrade`.

    python scripts/selfhost.py install [--name asiakastyo.example.org]
    python scripts/selfhost.py upgrade
    python scripts/selfhost.py render --out DIR [--name NAME]   (the files only, to look at)

What `install` does, step by step (each step says so as it runs; running it again is safe):
 1. installs the Debian packages: caddy (HTTPS proxy), age (encrypted backups), rsync;
 2. makes the system user `asiakastyo`, and /var/lib/asiakastyo (the database, keys and
    backups) readable by that user only;
 3. writes /etc/asiakastyo/env (settings; kept if it exists), the systemd units of the app and of
    the daily backup, and /etc/caddy/Caddyfile (an earlier one is kept as Caddyfile.before-asiakastyo);
 4. migrates the database, starts the app and the backup timer at boot, reloads Caddy;
 5. prints the address to open and how to trust the office network's certificate.

`upgrade` takes a backup, updates the code (git pull --ff-only) and the packages, migrates and
restarts; if the migration fails it puts back the code and the database as they were.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess  # nosec B404 # the installer runs system tools with fixed argument lists
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "asiakastyo"
DATA = Path("/var/lib") / APP
ETC = Path("/etc") / APP
APP_PORT = 8000
CA_ROOT = Path("/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt")


@dataclass
class Layout:
    """Where everything goes; tests point it at a temporary folder."""

    checkout: Path = ROOT
    data: Path = DATA
    etc: Path = ETC
    systemd: Path = Path("/etc/systemd/system")
    caddy: Path = Path("/etc/caddy")
    user: str = APP
    port: int = APP_PORT

    @property
    def venv(self) -> Path:
        return self.checkout / ".venv" / "bin"


def workers() -> int:
    return max(2, min(4, os.cpu_count() or 1))


def environment_file(layout: Layout) -> str:
    return f"""# Settings of the association case tool (see README.md, Configuration). Owner-only.
INSTANCE_PATH={layout.data}/instance
SESSION_COOKIE_SECURE=1
PROXY_FIX=1
BACKUP_DIR={layout.data}/backups
BACKUP_KEEP_DAILY=7
BACKUP_KEEP_MONTHLY=12
# age public keys (age1...) to encrypt the backups with; the private key stays off this machine.
BACKUP_AGE_RECIPIENTS=
# A second place for each backup: a mounted disk's folder, or user@host:folder (rsync over ssh).
BACKUP_COPY_TO=
# PostgreSQL instead of the SQLite file in INSTANCE_PATH:
# DATABASE_URL=postgresql://asiakastyo@localhost/asiakastyo
"""


def app_unit(layout: Layout) -> str:
    venv = layout.venv
    return f"""[Unit]
Description=Association case tool (gunicorn)
Documentation=file://{layout.checkout}/docs/SELF-HOSTING.md
After=network.target postgresql.service

[Service]
Type=simple
User={layout.user}
Group={layout.user}
WorkingDirectory={layout.checkout}
EnvironmentFile={layout.etc}/env
ExecStartPre={venv}/flask --app app db upgrade
ExecStart={venv}/gunicorn --worker-class gthread --workers {workers()} --threads 4 --bind 127.0.0.1:{layout.port} --graceful-timeout 20 app:app
Restart=on-failure
RestartSec=5
UMask=0077
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=yes
ReadWritePaths={layout.data}

[Install]
WantedBy=multi-user.target
"""


def backup_unit(layout: Layout) -> str:
    return f"""[Unit]
Description=Association case tool: daily backup
After=network.target postgresql.service

[Service]
Type=oneshot
User={layout.user}
Group={layout.user}
WorkingDirectory={layout.checkout}
EnvironmentFile={layout.etc}/env
ExecStart={layout.venv}/flask --app app scheduled-backup
UMask=0077
NoNewPrivileges=yes
PrivateTmp=yes
"""


def backup_timer() -> str:
    return f"""[Unit]
Description=Association case tool: daily backup at night

[Timer]
OnCalendar=*-*-* 02:30:00
RandomizedDelaySec=15m
Persistent=true
Unit={APP}-backup.service

[Install]
WantedBy=timers.target
"""


def caddyfile(layout: Layout, name: str | None, addresses: list[str],
              ports: tuple[int, int] | None = None) -> str:
    """HTTPS in front of the app. A public name gets an automatic certificate; an office network
    gets certificates from Caddy's own authority, whose root staff devices trust once (it can be
    downloaded over plain HTTP at /ca.crt, with its fingerprint to compare)."""
    proxy = f"""	encode gzip
	reverse_proxy 127.0.0.1:{layout.port} {{
		# Read each request whole before passing it on, and take each answer at once:
		# a slow browser holds none of the app's threads.
		buffer_requests
		buffer_responses
		max_buffer_size 17000000
	}}
	request_body {{
		max_size 16MB
	}}"""
    if name:
        return f"""# Made by `make install` for a public name; Caddy obtains and renews the certificate.
{name} {{
{proxy}
}}
"""
    # `ports` (http, https) serve on unprivileged ports without the admin endpoint (tests).
    http_port, https_port = ports or (None, None)
    sites = ", ".join(f"https://{a}" + (f":{https_port}" if ports else "") for a in addresses)
    plain = ", ".join(f"http://{a}" + (f":{http_port}" if ports else "") for a in addresses)
    extra = f"\n\tadmin off\n\thttp_port {http_port}\n\thttps_port {https_port}" if ports else ""
    return f"""# Made by `make install` for an office network: Caddy's own certificate authority.
{{
	skip_install_trust{extra}
}}
{sites} {{
	tls internal
{proxy}
}}
{plain} {{
	handle /ca.crt {{
		root * {layout.data}/ca
		file_server
	}}
	handle {{
		redir https://{{host}}{{uri}} permanent
	}}
}}
"""


def office_addresses() -> list[str]:
    """The machine's name on the office network (name.local) and its IPv4 addresses."""
    found = [f"{socket.gethostname()}.local"]
    try:
        output = subprocess.run(["hostname", "-I"], capture_output=True, text=True,  # nosec
                                check=False).stdout
    except OSError:
        output = ""
    found += [a for a in output.split() if "." in a and not a.startswith("127.")]
    return found or ["localhost"]


def render(layout: Layout, name: str | None, out: Path | None = None) -> dict[Path, str]:
    """Every file `install` writes, by path (under `out` instead of / when given)."""
    files = {
        layout.etc / "env": environment_file(layout),
        layout.systemd / f"{APP}.service": app_unit(layout),
        layout.systemd / f"{APP}-backup.service": backup_unit(layout),
        layout.systemd / f"{APP}-backup.timer": backup_timer(),
        layout.caddy / "Caddyfile": caddyfile(layout, name, office_addresses()),
    }
    if out is not None:
        files = {Path(out) / path.relative_to("/"): text for path, text in files.items()}
    return files


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), check=True, **kwargs)  # nosec B603


def as_app(layout: Layout, *command: str) -> None:
    """Run a command as the app's user with the app's settings."""
    env = dict(os.environ)
    for line in (layout.etc / "env").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            if value:
                env[key] = value
    prefix = [] if layout.user == _current_user() else ["runuser", "-u", layout.user, "--"]
    run(*prefix, *command, cwd=layout.checkout, env=env)


def _current_user() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def install(name: str | None, layout: Layout = Layout()) -> int:
    if os.geteuid() != 0:
        print("make install sets up a system service: run it as root (sudo make install).",
              file=sys.stderr)
        return 1
    if str(layout.checkout).startswith(("/root", "/home")):
        print(f"The service cannot read {layout.checkout}: put the checkout under /opt or /srv "
              f"(e.g. git clone ... /opt/{APP}) and run make install there.", file=sys.stderr)
        return 1
    step("Debian packages: caddy, age, rsync")
    run("apt-get", "install", "-y", "-q", "caddy", "age", "rsync",
        env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    step(f"System user {layout.user} and {layout.data} (owner only)")
    if subprocess.run(["id", layout.user], capture_output=True).returncode != 0:  # nosec
        run("adduser", "--system", "--group", "--home", str(layout.data), layout.user)
    for folder in (layout.data, layout.data / "instance", layout.data / "backups",
                   layout.data / "ca"):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(folder, layout.user, layout.user)
        folder.chmod(0o700 if folder.name != "ca" else 0o755)
    step("Settings, systemd units and the Caddy configuration")
    layout.etc.mkdir(parents=True, exist_ok=True)
    for path, text in render(layout, name).items():
        if path.name == "env" and path.exists():
            print(f"   keeping {path}")
            continue
        if path.name == "Caddyfile" and path.exists() and "make install" not in path.read_text():
            shutil.copy2(path, path.with_name("Caddyfile.before-asiakastyo"))
        path.write_text(text)
        print(f"   wrote {path}")
    (layout.etc / "env").chmod(0o640)
    shutil.chown(layout.etc / "env", "root", layout.user)
    step("Database migrations, then start at boot")
    as_app(layout, str(layout.venv / "flask"), "--app", "app", "db", "upgrade")
    run("systemctl", "daemon-reload")
    run("systemctl", "enable", "--now", f"{APP}.service", f"{APP}-backup.timer")
    run("systemctl", "reload-or-restart", "caddy")
    step("Done")
    if name:
        print(f"Open https://{name} (the name must point at this machine, ports 80 and 443 open).")
        return 0
    addresses = office_addresses()
    print("Open one of: " + ", ".join(f"https://{a}" for a in addresses))
    if CA_ROOT.exists():
        shutil.copy2(CA_ROOT, layout.data / "ca" / "ca.crt")
        (layout.data / "ca" / "ca.crt").chmod(0o644)
        fingerprint = subprocess.run(  # nosec
            ["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(CA_ROOT)],
            capture_output=True, text=True, check=False).stdout.strip()
        print(f"On each staff device, once: download http://{addresses[-1]}/ca.crt, check that "
              f"its {fingerprint} matches, and trust it (docs/SELF-HOSTING.md, per device).")
    return 0


def upgrade(layout: Layout = Layout(), systemctl: str = "systemctl") -> int:
    """Backup, update, migrate, restart; roll back code and data if the migration fails."""
    git = ["git", "-C", str(layout.checkout)]
    before = run(*git, "rev-parse", "HEAD", capture_output=True, text=True).stdout.strip()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    env_text = (layout.etc / "env").read_text() if (layout.etc / "env").exists() else ""
    sqlite = "DATABASE_URL=postgres" not in env_text
    backup = layout.data / "backups" / f"before-upgrade-{stamp}.{'db' if sqlite else 'dump'}"
    step(f"Backup before the upgrade: {backup}")
    as_app(layout, str(layout.venv / "flask"), "--app", "app", "backup", str(backup))
    step("Code: git pull --ff-only")
    run(*git, "pull", "--ff-only")
    after = run(*git, "rev-parse", "HEAD", capture_output=True, text=True).stdout.strip()
    step("Packages and translations")
    run(str(layout.venv / "pip"), "install", "--quiet", "-r",
        str(layout.checkout / "requirements.txt"))
    run(str(layout.venv / "pybabel"), "compile", "-d", str(layout.checkout / "translations"))
    step("Migrations (the app is stopped meanwhile)")
    subprocess.run([systemctl, "stop", f"{APP}.service"], check=False)  # nosec
    try:
        as_app(layout, str(layout.venv / "flask"), "--app", "app", "db", "upgrade")
    except subprocess.CalledProcessError:
        step("The migration failed: putting back the code and the database as they were")
        run(*git, "reset", "--hard", before)
        run(str(layout.venv / "pip"), "install", "--quiet", "-r",
            str(layout.checkout / "requirements.txt"))
        as_app(layout, str(layout.venv / "flask"), "--app", "app", "backup", "restore",
               "--force", str(backup))
        subprocess.run([systemctl, "start", f"{APP}.service"], check=False)  # nosec
        print(f"Nothing changed: still at {before[:10]}. The backup stays in {backup}.",
              file=sys.stderr)
        return 1
    subprocess.run([systemctl, "start", f"{APP}.service"], check=False)  # nosec
    step("What changed")
    changes = run(*git, "log", "--no-merges", "--format=- %s", f"{before}..{after}",
                  capture_output=True, text=True).stdout
    print(changes or "Nothing new: already up to date.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for command in ("install", "render"):
        sub = commands.add_parser(command)
        sub.add_argument("--name", help="a public name for an automatic certificate")
        if command == "render":
            sub.add_argument("--out", type=Path, required=True)
    commands.add_parser("upgrade")
    args = parser.parse_args(argv)
    if args.command == "install":
        return install(args.name)
    if args.command == "upgrade":
        return upgrade()
    for path, text in render(Layout(), args.name, args.out).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
