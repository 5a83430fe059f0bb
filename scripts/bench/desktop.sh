#!/usr/bin/env bash
# The desktop stage of `make bench` (scripts/bench.sh, full runs only): builds the release app and
# its .deb with the Tauri CLI, runs the startup benchmark of tests/e2e, and leaves its figures as
# rows in .bench/extra-rows.json for scripts/bench/measure.py's table.
set -uo pipefail
cd "$(dirname "$0")/../.."
rows=.bench/extra-rows.json
add_row() { # area figure value peer ratio target verdict
  python3 - "$rows" "$@" <<'PY'
import json, os, sys
path, row = sys.argv[1], sys.argv[2:]
rows = json.load(open(path)) if os.path.exists(path) else []
rows.append(row)
json.dump(rows, open(path, "w"))
PY
}

echo "== desktop: release build and .deb (npx @tauri-apps/cli build --bundles deb)" >&2
rm -rf target/release/bundle/deb
if ! (cd src-tauri && npx --yes @tauri-apps/cli@2 build --bundles deb --ci \
        --config '{"bundle":{"active":true}}' >&2); then
  add_row size "desktop \`.deb\`" "not built" - - - "the Tauri build failed (see the run's log)"
fi

startup=tests/e2e/tests/startup.rs
if [[ -f $startup ]]; then
  echo "== desktop: startup to an interactive list with 1,000 keys (tests/e2e, debug build)" >&2
  cargo build -q -p keyshelf-desktop --locked
  log=.bench/startup.log
  scripts/with-keyring.sh cargo test -q -p keyshelf-e2e --locked --test startup -- --ignored --nocapture \
    >"$log" 2>&1 || true
  ms=$(grep -oE 'exec to interactive list median [0-9]+ ms' "$log" | grep -oE '[0-9]+' | head -1)
  if [[ -n $ms ]]; then
    verdict=met; ((ms < 1000)) || verdict="**missed**"
    add_row desktop "exec → interactive list, 1,000 keys (debug build, Xvfb)" "$ms ms" \
      "no empty-window peer yet" - "< 1 s" "$verdict"
  else
    add_row desktop "exec → interactive list, 1,000 keys" "not measured" - - "< 1 s" "the startup test failed: .bench/startup.log"
  fi
fi
