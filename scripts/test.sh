#!/usr/bin/env bash
# Runs every test inside a private test session (scripts/with-keyring.sh): a throwaway HOME, a
# private D-Bus bus with an unlocked gnome-keyring, Xvfb. Stops at the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# The bus log fills with portal warnings under Xvfb (no GTK portal backend): harmless noise.
# The real window adds PipeWire and accessibility-bus chatter from WebKitGTK: noise too.
filter() { grep -v -E 'xdg-desktop-portal|dbus-daemon\[[0-9]+\]|Failed to set fd limit|pw\.conf|SpiRegistry|^\s*$' || true; }

if [[ -f src-tauri/Cargo.toml ]]; then
  # The end-to-end tests drive the built app binary (ui/dist embedded; `make test` builds the UI).
  echo "== cargo build -p keyshelf-desktop (the app the end-to-end tests drive)" >&2
  cargo build -p keyshelf-desktop --locked
fi

echo "== cargo test (core, CLI, simulator, desktop shell, end to end)" >&2
scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast 2> >(filter >&2)

if [[ -f ui/package.json ]]; then
  echo "== vitest (UI)" >&2
  (cd ui && npm run --silent test)
fi
