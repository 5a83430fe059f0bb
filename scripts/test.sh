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
  # scripts/build.sh is `make build`'s and `make package`'s build too: they reuse it.
  echo "== scripts/build.sh (the CLI, the app the end-to-end tests drive, the simulator)" >&2
  scripts/build.sh
fi

echo "== cargo test (core, CLI, simulator, desktop shell, end to end)" >&2
# tests/empty-window is the desktop benchmarks' peer, with no tests: building it here would only
# add a Tauri binary to every test run.
# A hung test must fail the run with a message, not stall CI until its own limit: the whole
# suite (compiling included) takes about 15 minutes on 2 cores, so 40 is a hang.
timeout --kill-after=30 2400 \
  scripts/with-keyring.sh cargo test --workspace --exclude keyshelf-empty-window --locked --no-fail-fast 2> >(filter >&2) || {
  rc=$?
  [[ $rc == 124 ]] && echo "test.sh: cargo test did not finish in 40 minutes: a test hangs" >&2
  exit "$rc"
}
echo "== cargo test done after ${SECONDS}s" >&2

if [[ -f src-tauri/tauri.conf.json ]]; then
  # Bundles the build above (no compiling), runs lintian, installs the .deb into a throwaway root.
  echo "== make test-package (.deb and .rpm, lintian, the installed CLI and app)" >&2
  package_start=$SECONDS
  scripts/test-package.sh 2> >(filter >&2)
  echo "== test-package done in $((SECONDS - package_start))s" >&2
fi

if [[ -f ui/package.json ]]; then
  echo "== ui/package-lock.json installs with npm ci on every platform" >&2
  node scripts/check-npm-lock.mjs
  echo "== vitest (UI)" >&2
  (cd ui && npm run --silent test)
fi

# Benchmarks never decide pass or fail: this smoke run only checks they still run (a crash or a
# missing peer fails it; a missed target is a row in .bench/results.md, not a failure).
echo "== benchmark smoke run (make bench-smoke; figures are not checked)" >&2
BENCH_SMOKE=1 scripts/bench.sh
echo "== all tests passed in ${SECONDS}s" >&2
