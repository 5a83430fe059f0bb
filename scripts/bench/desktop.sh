#!/usr/bin/env bash
# The desktop stage of `make bench` (scripts/bench.sh, full runs only), all on release builds:
#  1. the app, its .deb, and the peer (tests/empty-window, an empty Tauri window) in one Tauri
#     CLI build, so both binaries get the same flags, features and environment;
#  2. start with 10,000 keys beside the empty window's first paint (tests/e2e/tests/startup.rs);
#  3. idle memory of the whole process tree with 1,000 and 10,000 keys, app beside the empty
#     window (memory.py);
#  4. filtering 10,000 and 100,000 keys per keystroke in the web view (tests/e2e/tests/filter.rs).
# Figures go as rows to .bench/extra-rows.json for scripts/bench/measure.py's table; logs to
# .bench/. A failed step leaves a row saying so and the next steps still run.
set -uo pipefail
cd "$(dirname "$0")/../.."
rows=.bench/extra-rows.json
app=target/release/keyshelf-desktop
peer=target/release/keyshelf-empty-window
add_row() { # area figure value peer ratio target verdict
  python3 - "$rows" "$@" <<'PY'
import json, os, sys
path, row = sys.argv[1], sys.argv[2:]
rows = json.load(open(path)) if os.path.exists(path) else []
rows.append(row)
json.dump(rows, open(path, "w"))
PY
}
# The bus log fills with portal, PipeWire and accessibility chatter under Xvfb: noise. A pipe,
# not a process substitution: the caller reads the log right after, so the filter must be done.
in_session() {
  scripts/with-keyring.sh "$@" 2>&1 | grep -v -E 'xdg-desktop-portal|dbus-daemon\[[0-9]+\]|pw\.conf|SpiRegistry|X11'
  return "${PIPESTATUS[0]}"
}

echo "== desktop: release build of the app, its .deb and the empty-window peer (Tauri CLI)" >&2
rm -rf target/release/bundle/deb
# Arguments after `--` go to cargo: building the peer in the same invocation unifies features,
# so it reuses the app's compiled Tauri and differs only by Keyshelf's own code and plugins.
if ! (cd src-tauri && npx --yes @tauri-apps/cli@2 build --bundles deb --ci \
        --config '{"bundle":{"active":true}}' -- --locked -p keyshelf-desktop -p keyshelf-empty-window >&2); then
  add_row size "desktop \`.deb\`" "not built" - - - "the Tauri build failed (see the run's log)"
fi
if [[ ! -x $app || ! -x $peer ]]; then
  add_row desktop "every desktop figure" "not measured" - - - "the release app or the peer is missing"
  exit 1
fi

# The end-to-end benchmarks are test binaries of tests/e2e (a debug harness; the app is release).
e2e() { KEYSHELF_APP_BINARY=$PWD/$app in_session cargo test -q -p keyshelf-e2e --locked --test "$1" -- --ignored --nocapture; }

echo "== desktop: start with 10,000 keys beside the empty window's first paint (release builds)" >&2
KEYSHELF_PEER_BINARY=$PWD/$peer e2e startup >.bench/startup.log 2>&1
result=$(grep -oE '^STARTUP_RESULT .*' .bench/startup.log | head -1 | cut -d' ' -f2-)
if [[ -n $result ]]; then
  python3 - "$rows" "$result" <<'PY'
import json, os, sys
path, r = sys.argv[1], json.loads(sys.argv[2])
rows = json.load(open(path)) if os.path.exists(path) else []
ratio = r["app_ms"] / r["empty_ms"]
rows.append(["desktop", f"start, {r['keys']:,} keys: exec → Overview painted with its data (release, Xvfb, {r['runs']} alternating runs; page part {r['page_ms']:.0f} ms)",
             f"{r['app_ms']:.0f} ms", f"empty Tauri window exec → first paint {r['empty_ms']:.0f} ms", f"{ratio:.2f}×",
             "≤ 1.3× empty window", "met" if ratio <= 1.3 else "**missed**"])
json.dump(rows, open(path, "w"))
PY
else
  add_row desktop "start with 10,000 keys" "not measured" - - "≤ 1.3× empty window" "the startup test failed: .bench/startup.log"
fi

# Idle memory with 1,000 and 10,000 keys, each beside the empty window in its own interleaved
# runs. The app paints without accelerated compositing (src-tauri's main sets
# WEBKIT_DISABLE_COMPOSITING_MODE); the target compares it with the empty window as Tauri makes
# it, and a third run, "same", with the empty window painted the same way (the variable set for
# both), says how much of the difference that choice makes.
for run in 1000 10000 same; do
  keys=${run/same/1000}
  peer_env=()
  peer_note="empty Tauri window"
  if [[ $run == same ]]; then
    peer_env=(env WEBKIT_DISABLE_COMPOSITING_MODE=1)
    peer_note="empty Tauri window, also without compositing"
  fi
  echo "== desktop: idle memory of the process tree after 10 s with $keys keys, beside the $peer_note" >&2
  home=$(mktemp -d -t ks-bench-mem.XXXXXX)
  target/release/examples/seed_store "$home" "$keys"
  out=.bench/memory-$run.json
  if in_session "${peer_env[@]}" python3 scripts/bench/memory.py "$app" "$peer" "$home" "${BENCH_MEMORY_RUNS:-7}" "$out" >&2; then
    python3 - "$rows" "$out" "${BENCH_MEMORY_RUNS:-7}" "$keys" "$run" "$peer_note" <<'PY'
import json, os, sys
path, m, runs, keys, run, peer_note = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
rows = json.load(open(path)) if os.path.exists(path) else []
limit = 20 if keys <= 1000 else 40
for kind in ("pss", "rss"):
    if run == "same" and kind == "rss":
        continue
    a, p = m["app"][f"{kind}_median"], m["peer"][f"{kind}_median"]
    judged = kind == "pss" and run != "same"
    target, verdict = (f"≤ +{limit} MB", "met" if a - p <= limit else "**missed**") if judged else ("-", "-")
    rows.append(["desktop", f"idle memory, process tree 10 s after start, {kind.upper()} ({keys:,} keys; {runs} interleaved runs)",
                 f"{a:.0f} MB", f"{peer_note} {p:.0f} MB", f"{a / p:.2f}× ({a - p:+.0f} MB)".replace("-", "−"), target, verdict])
json.dump(rows, open(path, "w"))
PY
  else
    add_row desktop "idle memory of the process tree, $keys keys ($peer_note)" "not measured" - - - "memory.py failed (see the run's log)"
  fi
  rm -rf "$home"
done

echo "== desktop: filtering 10,000 and 100,000 keys per keystroke in the web view (release app)" >&2
e2e filter >.bench/filter.log 2>&1
# One FILTER_RESULT line per size; not anchored: with `-q` the harness's progress dot for the
# first test can precede the second test's line.
results=$(grep -oE 'FILTER_RESULT .*' .bench/filter.log | cut -d' ' -f2-)
python3 - "$rows" "$results" <<'PY'
import json, os, sys
path, lines = sys.argv[1], sys.argv[2].splitlines()
rows = json.load(open(path)) if os.path.exists(path) else []
found = {r["keys"]: r for r in map(json.loads, filter(None, lines))}
# The issue's target for 10,000 keys; 100,000 is measured, with no target yet.
targets = {10_000: ("p95 ≤ 8 ms", lambda r: r["p95"] <= 8), 100_000: ("measured", lambda r: True)}
for keys, (target, met) in targets.items():
    r = found.get(keys)
    if r is None:
        rows.append(["desktop", f"filter {keys:,} keys per keystroke", "not measured", "-", "-", target,
                     "the filter test failed: .bench/filter.log"])
        continue
    # performance.now() is coarse in WebKit: a peer under its resolution gives no ratio.
    ratio = f"{r['p95'] / r['peer_p95']:.1f}× (p95)" if r["peer_p95"] > 0 else "-"
    rows.append(["desktop",
                 f"filter {keys:,} keys: input event → list updated and laid out, median / p95 of {r['keystrokes']} keystrokes (max {r['max']:.0f} ms)",
                 f"{r['median']:.1f} / {r['p95']:.1f} ms",
                 f"plain-JS filter of the same texts {r['peer_median']:.1f} / {r['peer_p95']:.1f} ms",
                 ratio, target, "met" if met(r) else "**missed** (p95)"])
json.dump(rows, open(path, "w"))
PY
