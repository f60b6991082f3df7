#!/bin/sh
# Install the Debian packages the app, its tests, the benchmark and the self-hosting tests need, when missing and when we can.
# Without root (a newcomer's laptop) it only says what is missing; browser tests then skip.
set -u
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need="$need fonts-dejavu-core"
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need="$need libpango-1.0-0 libpangoft2-1.0-0"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
command -v wrk >/dev/null 2>&1 || need="$need wrk"
# Self-hosting: the HTTPS proxy `make install` sets up, and encryption of the backups.
command -v caddy >/dev/null 2>&1 || need="$need caddy"
command -v age >/dev/null 2>&1 || need="$need age"
command -v rsync >/dev/null 2>&1 || need="$need rsync"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages:$need"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null || {
    echo "Could not install:$need" >&2; exit 0; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq >/dev/null 2>&1 || true
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null || true
else
  echo "Missing Debian packages:$need (install them as root; browser tests skip without Chromium)" >&2
fi
exit 0
