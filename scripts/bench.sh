#!/usr/bin/env bash
# `make bench`: release builds, then every benchmark beside its peer inside a private keyring
# session. Results: .bench/results.md (copy the table into BENCHMARKS.md when it changes).
# BENCH_SMOKE=1 runs a small, quick version that only checks the benchmarks still work.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench
rm -f .bench/extra-rows.json
# The machine is shared: the table says how loaded it was (measure.py adds the load at the end).
BENCH_LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
export BENCH_LOAD_START

if [[ -n "${BENCH_SMOKE:-}" ]]; then
  # The smoke run only checks that the benchmarks still work: the debug build will do. The
  # workspace's members (bar the two desktop binaries) resolve features as `cargo test
  # --workspace` did in `make test`, so this reuses its build; naming only the three crates
  # resolved them differently and rebuilt half the dependencies (8 minutes on 2 cores).
  echo "== debug build (smoke run)" >&2
  cargo build --locked -q --workspace --exclude keyshelf-desktop --exclude keyshelf-empty-window \
    --bins --examples
  export BENCH_PROFILE_DIR=debug
else
  echo "== release build" >&2
  cargo build --release --locked -q -p keyshelf-cli -p keyshelf-core -p keyshelf-provider-sim \
    --example seed_store --example bare_lookup --bin keyshelf --bin keyshelf-provider-sim
fi

if [[ -z "${BENCH_SMOKE:-}" && -f src-tauri/Cargo.toml ]]; then
  # The desktop app, its .deb and an empty Tauri window as its peer (release builds through the
  # Tauri CLI from npm), then startup, idle memory and filtering on the release app. A failure
  # here leaves a row saying so; it never stops the run.
  scripts/bench/desktop.sh || echo "bench: the desktop stage failed; see above" >&2
fi

echo "== whole-process timings (lookup, listing, sync, sizes)" >&2
WITH_KEYRING_NO_X=1 scripts/with-keyring.sh python3 scripts/bench/measure.py \
  2> >(grep -v -E 'dbus-daemon\[[0-9]+\]' >&2)

if [[ -z "${BENCH_SMOKE:-}" ]]; then
  echo "== in-process (Criterion)" >&2
  cargo bench -q -p keyshelf-core --bench core -- --noplot 2>&1 | grep -E '^[a-z].*|time:' | tee .bench/criterion.txt
fi
