#!/usr/bin/env bash
# Installs what Kassa needs and is missing: Debian packages, the UI's npm packages, tauri-driver,
# and the PostgreSQL server the server's tests use.
# Sourced by scripts/run and scripts/test; safe to run again (it only installs what is absent).
set -euo pipefail

KASSA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KASSA_ROOT

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev build-essential
  libssl-dev libayatana-appindicator3-dev librsvg2-dev pkg-config libdbus-1-dev
  xvfb xauth imagemagick x11-apps xdotool webkit2gtk-driver dbus-x11
  gnome-keyring libsecret-tools libxdo-dev keyutils sqlite3 curl poppler-utils
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs those of the given Debian packages that are missing.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_apt_packages() {
  apt_install "${APT_PACKAGES[@]}"
}

# The server's PostgreSQL backend is tested against a real server on 127.0.0.1:5432 that lets
# the `postgres` user in without a password; each test run makes and drops its own database.
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  local installed=0
  if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    log "installing PostgreSQL"
    apt_install postgresql
    installed=1
  fi
  local version hba
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if [ "$installed" = 1 ] && ! as_root grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    # A server installed here for the tests: loopback connections as `postgres` need no password.
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  local tries=0
  until pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then
      log "PostgreSQL did not start on 127.0.0.1:5432"
      return 1
    fi
    sleep 1
  done
}

# The email tests run a real SMTP server, aiosmtpd (PyPI), from its own virtual environment in
# $KASSA_SMTP_VENV (default ~/.cache/kassa/smtp-venv); the tests find its Python there.
KASSA_SMTP_VENV="${KASSA_SMTP_VENV:-$HOME/.cache/kassa/smtp-venv}"
export KASSA_SMTP_VENV
ensure_aiosmtpd() {
  if "$KASSA_SMTP_VENV/bin/python" -c 'import aiosmtpd' >/dev/null 2>&1; then return; fi
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt_install python3-venv
  fi
  log "installing aiosmtpd into $KASSA_SMTP_VENV"
  rm -rf "$KASSA_SMTP_VENV"
  python3 -m venv "$KASSA_SMTP_VENV"
  "$KASSA_SMTP_VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'aiosmtpd>=1.4,<2'
}

ensure_node_modules() {
  local ui="$KASSA_ROOT/ui"
  if [ ! -d "$ui/node_modules" ] || [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
    log "installing the UI's npm packages"
    # `npm ci` installs exactly the committed lock and never rewrites it.
    (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
    log "installing tauri-driver"
    cargo install tauri-driver --locked --version "^2" --quiet
  fi
}

build_ui() {
  log "building the UI"
  (cd "$KASSA_ROOT/ui" && npx vite build --logLevel warn)
}

# Runs "$@" with an X display, a D-Bus session and an unlocked Secret Service keyring,
# starting whichever of them is missing. The keyring lives in $KASSA_KEYRING_HOME.
# With KASSA_ISOLATED=1 it always starts its own (tests never touch a person's keyring or screen).
with_desktop_session() {
  local keyring_home="$1"; shift
  mkdir -p "$keyring_home"
  local inner
  inner=$(cat <<'INNER'
set -euo pipefail
if [ -z "${KASSA_KEYRING_READY:-}" ]; then
  export XDG_DATA_HOME="$KASSA_KEYRING_HOME"
  eval "$(printf '%s' "${KASSA_KEYRING_PASSWORD:-kassa}" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  export KASSA_KEYRING_READY=1
fi
exec "$@"
INNER
)
  export KASSA_KEYRING_HOME="$keyring_home"
  if [ -z "${DISPLAY:-}" ] || [ "${KASSA_ISOLATED:-}" = 1 ]; then
    xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c "$inner" bash "$@"
  elif [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    # A display but no session bus: a private one, with a keyring of its own.
    dbus-run-session -- bash -c "$inner" bash "$@"
  else
    # A desktop session with its own keyring: use it as it is.
    "$@"
  fi
}

# localstripe (PyPI), a stateful local stand-in for Stripe's API: the card provider the server's
# payment tests talk to. It lives in its own virtualenv, never system-wide; the tests find it
# through KASSA_LOCALSTRIPE or at this path.
LOCALSTRIPE_VENV="${KASSA_LOCALSTRIPE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kassa/localstripe-venv}"
ensure_localstripe() {
  if [ -x "$LOCALSTRIPE_VENV/bin/localstripe" ]; then
    export KASSA_LOCALSTRIPE="$LOCALSTRIPE_VENV/bin/localstripe"
    return
  fi
  log "installing localstripe into $LOCALSTRIPE_VENV"
  if ! python3 -m venv --help >/dev/null 2>&1; then apt_install python3-venv; fi
  python3 -m venv "$LOCALSTRIPE_VENV" || { apt_install python3-venv; python3 -m venv "$LOCALSTRIPE_VENV"; }
  "$LOCALSTRIPE_VENV/bin/pip" install --quiet --disable-pip-version-check "localstripe==1.15.10"
  export KASSA_LOCALSTRIPE="$LOCALSTRIPE_VENV/bin/localstripe"
}
