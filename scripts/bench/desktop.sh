#!/usr/bin/env bash
# The desktop stage of `make bench` (scripts/bench.sh, full runs only), all on release builds:
#  1. the app, its .deb, and the peer (tests/empty-window, an empty Tauri window) in one Tauri
#     CLI build, so both binaries get the same flags, features and environment;
#  2. startup to an interactive list with 1,000 keys (tests/e2e/tests/startup.rs);
#  3. idle memory of the whole process tree, app beside the empty window (memory.py);
#  4. filtering 10,000 keys per keystroke in the web view (tests/e2e/tests/filter.rs).
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

echo "== desktop: startup to an interactive list with 1,000 keys (release app)" >&2
e2e startup >.bench/startup.log 2>&1
ms=$(grep -oE 'exec to interactive list median [0-9]+ ms' .bench/startup.log | grep -oE '[0-9]+' | head -1)
if [[ -n $ms ]]; then
  verdict=met; ((ms < 1000)) || verdict="**missed**"
  add_row desktop "exec → interactive list, 1,000 keys (release, Xvfb, 5 runs)" "$ms ms" \
    "no peer (an empty window has no list)" - "< 1 s" "$verdict"
else
  add_row desktop "exec → interactive list, 1,000 keys" "not measured" - - "< 1 s" "the startup test failed: .bench/startup.log"
fi

echo "== desktop: idle memory of the process tree after 10 s, beside an empty Tauri window" >&2
home=$(mktemp -d -t ks-bench-mem.XXXXXX)
target/release/examples/seed_store "$home" 1000
if in_session python3 scripts/bench/memory.py "$app" "$peer" "$home" "${BENCH_MEMORY_RUNS:-7}" .bench/memory.json >&2; then
  python3 - "$rows" .bench/memory.json "${BENCH_MEMORY_RUNS:-7}" <<'PY'
import json, sys
path, m, runs = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
rows = json.load(open(path)) if __import__("os").path.exists(path) else []
for kind in ("pss", "rss"):
    a, p = m["app"][f"{kind}_median"], m["peer"][f"{kind}_median"]
    rows.append(["desktop", f"idle memory, process tree 10 s after start, {kind.upper()} (1,000 keys; {runs} interleaved runs)",
                 f"{a:.0f} MB", f"empty Tauri window {p:.0f} MB", f"{a / p:.2f}× (+{a - p:.0f} MB)", "-", "-"])
json.dump(rows, open(path, "w"))
PY
else
  add_row desktop "idle memory of the process tree" "not measured" - - - "memory.py failed (see the run's log)"
fi
rm -rf "$home"

echo "== desktop: filtering 10,000 keys per keystroke in the web view (release app)" >&2
e2e filter >.bench/filter.log 2>&1
result=$(grep -oE '^FILTER_RESULT .*' .bench/filter.log | head -1 | cut -d' ' -f2-)
if [[ -n $result ]]; then
  python3 - "$rows" "$result" <<'PY'
import json, os, sys
path, r = sys.argv[1], json.loads(sys.argv[2])
rows = json.load(open(path)) if os.path.exists(path) else []
# performance.now() is coarse in WebKit: a peer under its resolution gives no ratio.
ratio = f"{r['median'] / r['peer_median']:.1f}×" if r["peer_median"] > 0 else "-"
verdict = "met" if r["p95"] < 16 else "**missed** (p95)"
rows.append(["desktop", f"filter 10,000 keys: input event → list updated and laid out, median / p95 of {r['keystrokes']} keystrokes",
             f"{r['median']:.1f} / {r['p95']:.1f} ms", f"plain-JS filter of the same texts {r['peer_median']:.1f} / {r['peer_p95']:.1f} ms",
             ratio, "< 16 ms", verdict])
json.dump(rows, open(path, "w"))
PY
else
  add_row desktop "filter 10,000 keys per keystroke" "not measured" - - "< 16 ms" "the filter test failed: .bench/filter.log"
fi
