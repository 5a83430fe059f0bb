#!/usr/bin/env bash
# `make bench-soak`: the desktop app's memory over an hour of idle use (issue 17: "flat: < 5 MB
# growth over 1 hour idle with the reminder timer at 1 minute and 100 list refreshes"). Not part
# of `make test` or `make bench`: it takes an hour. On the release app, the binary the .deb ships:
#  1. the release app, built as scripts/bench/desktop.sh builds it when it is missing;
#  2. tests/e2e/tests/soak.rs inside the private keyring session, which seeds 1,000 keys, sets
#     the reminder interval to 1 minute, reloads the key list 100 times and samples the PSS, RSS
#     and anonymous memory of the app's whole process tree 61 times;
#  3. .bench/soak.json (every figure and sample) and .bench/soak.md (a summary to read); the log
#     is .bench/soak.log;
#  4. the JavaScript heap: the app runs with JavaScriptCore's GC log on (JSC_logGC=1, inherited
#     by its web process), written to .bench/soak-gc.log; the summary gives the live heap after
#     the full collections at the start and at the end of the run. That tells objects the page
#     keeps (a leak in our code: it grows) from an engine holding on to memory it freed (flat).
# KEYSHELF_SOAK_SECS shortens the run (e.g. 300 to check the set-up); SOAK_BUILD=1 rebuilds the
# app even when it exists. The growth is reported, never judged by the exit status.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .bench
# SOAK_APP runs another build of the app (a debug one, say) and skips the release build.
app=${SOAK_APP:-target/release/keyshelf-desktop}

# The same Tauri CLI invocation as desktop.sh (the peer included): the same features and
# embedded configuration, so this is the binary `make bench` measures and neither run makes the
# other rebuild.
build_app() {
  (cd src-tauri && npx --yes @tauri-apps/cli@2 build --bundles deb --ci \
    --config '{"bundle":{"active":true}}' -- --locked -p keyshelf-desktop -p keyshelf-empty-window >&2)
}

if [[ -n "${SOAK_APP:-}" ]]; then
  echo "== soak: the app at $app (SOAK_APP)" >&2
elif [[ ! -x $app || -n "${SOAK_BUILD:-}" ]]; then
  echo "== soak: release build of the app (Tauri CLI, as make bench does)" >&2
  build_app || { echo "bench-soak: the release build failed" >&2; exit 1; }
else
  # An hour spent on an old binary would measure old code: say so when sources are newer.
  newer=$(find src-tauri/src src-tauri/tauri.conf.json crates/keyshelf-core/src ui/dist Cargo.lock \
    -newer "$app" -type f 2>/dev/null | head -3)
  echo "== soak: reusing $app (built $(date -r "$app" '+%F %T'))" >&2
  [[ -z $newer ]] || echo "bench-soak: newer sources than the app (e.g. ${newer//$'\n'/, }); SOAK_BUILD=1 rebuilds it" >&2
fi

# The machine is shared: the summary says how loaded it was at each end of the run.
load_start=$(cut -d' ' -f1 /proc/loadavg)
started=$(date -u '+%F %H:%M UTC')
echo "== soak: ${KEYSHELF_SOAK_SECS:-3600} s from $started (log: .bench/soak.log)" >&2
# The harness is a debug test binary; the app it drives is the release build. The grep drops the
# bus's portal and accessibility chatter under Xvfb, as desktop.sh does; tee keeps the progress
# lines on the terminal for an hour-long run.
# The app through a wrapper that turns the GC log on: the test harness starts the app with its
# output discarded, so the wrapper sends it to a file. `exec` keeps the app's own process name,
# by which the test finds it.
rm -f .bench/soak-gc.log
printf '#!/bin/bash\nJSC_logGC=1 exec %q "$@" 2>>%q\n' "$(realpath "$app")" "$PWD/.bench/soak-gc.log" >.bench/soak-app
chmod +x .bench/soak-app
KEYSHELF_APP_BINARY=$PWD/.bench/soak-app scripts/with-keyring.sh \
  cargo test -q -p keyshelf-e2e --locked --test soak -- --ignored --nocapture 2>&1 \
  | grep --line-buffered -v -E 'xdg-desktop-portal|dbus-daemon\[[0-9]+\]|pw\.conf|SpiRegistry|X11' \
  | tee .bench/soak.log >&2
status=${PIPESTATUS[0]}
load_end=$(cut -d' ' -f1 /proc/loadavg)

result=$(grep -oE '^SOAK_RESULT .*' .bench/soak.log | head -1 | cut -d' ' -f2-)
if [[ $status -ne 0 || -z $result ]]; then
  echo "bench-soak: the soak test failed (exit $status); see .bench/soak.log" >&2
  exit 1
fi
printf '%s\n' "$result" >.bench/soak.json

python3 - .bench/soak.json .bench/soak.md "$started" "$load_start" "$load_end" \
  "$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + changes')" .bench/soak-gc.log <<'PY'
import json, re, statistics, sys
src, out, started, load_start, load_end, commit, gc_log = sys.argv[1:]
r = json.load(open(src))
s, e, dur = r["start"], r["end"], r["duration_secs"]
growth, target = r["growth_pss_mb"], r["target_growth_mb"]
verdict = "met" if growth < target else "**missed**"
verdict_anon = "met" if r["growth_anon_mb"] < target else "**missed**"
mins = lambda secs: f"{secs / 60:.0f} min" if dur >= 600 else f"{secs:.0f} s"
lines = [
    f"# Soak: desktop memory over {mins(dur)}",
    "",
    f"{started}, commit {commit}, app `{r['app']}`, load average {load_start} at the start and {load_end} at the end.",
    f"{r['keys']:,} keys; reminder checks every {r['reminder_interval_minutes']} min "
    f"({r['reminder_checks']} ran, timer fired: {'yes' if r['reminder_timer_fired'] else '**no**'}, "
    f"{r['notifications']} notification sent); {r['refreshes']} list reloads, each showing every key "
    f"(median {r['refresh_ms']['first_ten_median']:.0f} ms for the first ten, {r['refresh_ms']['last_ten_median']:.0f} ms for the last ten).",
    "",
]
if r["elapsed_secs"] > 1.1 * dur:
    # A run too short for its 100 reloads: they ran back to back past the planned end.
    lines += [f"The run took {r['elapsed_secs']:.0f} s, not {dur} s: the reloads could not keep to the schedule.", ""]
lines += [
    "| figure | start | end | growth | target |",
    "|---|---|---|---|---|",
    f"| PSS, process tree | {s['pss_mb']:.1f} MB | {e['pss_mb']:.1f} MB | {growth:+.1f} MB | < {target} MB: {verdict} |",
    f"| RSS, process tree | {s['rss_mb']:.1f} MB | {e['rss_mb']:.1f} MB | {r['growth_rss_mb']:+.1f} MB | - |",
    f"| anonymous memory (heaps, stacks, JIT), process tree | {s['anon_mb']:.1f} MB | {e['anon_mb']:.1f} MB | {r['growth_anon_mb']:+.1f} MB | < {target} MB: {verdict_anon} |",
    "",
    f"Start: median of the {s['samples']} samples from {mins(s['from_secs'])} to {mins(s['to_secs'])} "
    f"(after a warm-up of {r['warm_up_secs']:.0f} s); end: median of the {e['samples']} samples from "
    f"{mins(e['from_secs'])} to {mins(e['to_secs'])}. PSS shares a library's pages among every "
    "process on the machine mapping it, so it moves when other WebKit apps start or stop; "
    "the anonymous memory (heaps, stacks, JIT code) counts no other program's pages and is where "
    "a leak would show.",
    "",
]
# Every sixth of the run (every 10 minutes of an hour): the sample nearest each mark.
samples = r["samples"]
names = sorted({n for x in samples for n in x["anon_by_process_mb"]})
# The kernel keeps 15 characters of a process's name.
label = {"keyshelf-deskto": "app", "WebKitWebProces": "web process", "WebKitNetworkPr": "network process"}
lines += ["| time | PSS | RSS | anon | " + " | ".join(f"anon, {label.get(n, n)}" for n in names) + " |",
          "|---" * (4 + len(names)) + "|"]
for k in range(7):
    x = min(samples, key=lambda x: abs(x["secs"] - dur * k / 6))
    parts = " | ".join(f"{x['anon_by_process_mb'].get(n, 0):.1f}" for n in names)
    lines.append(f"| {mins(x['secs'])} | {x['pss_mb']:.1f} | {x['rss_mb']:.1f} | {x['anon_mb']:.1f} | {parts} |")
lines += ["", "MB. Every sample is in .bench/soak.json."]
# The web process's memory swings by tens of MB with its collections; its lowest sample in each
# window is the floor the swings return to, and a leak raises it.
web = "WebKitWebProces"
floor = lambda w: min((x["anon_by_process_mb"][web] for x in samples
                       if web in x["anon_by_process_mb"] and w["from_secs"] <= x["secs"] <= w["to_secs"]),
                      default=0)
if any(web in x["anon_by_process_mb"] for x in samples):
    lines += ["", f"Lowest anonymous memory of the web process in the start and end windows (the floor "
              f"its collections return to): {floor(s):.1f} MB and {floor(e):.1f} MB ({floor(e) - floor(s):+.1f} MB)."]


def full_collections(path):
    """The live JavaScript heap (MB) after each full collection, in order, from JSC_logGC=1. A
    collection's first line says "START M <size>kb => FullCollection" (or EdenCollection), its
    last "=> <size after>kb, p=... END]". Eden collections are left out: they collect only the
    objects made since the last collection, so their figure still counts older objects that
    died since, and is no measure of what the page keeps."""
    sizes, full = [], False
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return sizes
    for line in text.splitlines():
        start = re.search(r"START M \d+kb => (\w+)Collection", line)
        if start:
            full = start.group(1) == "Full"
            continue
        end = re.search(r"=> (\d+)kb, p=.*END\]", line)
        if end and full:
            sizes.append(int(end.group(1)) / 1024)
            full = False
    return sizes


heap = full_collections(gc_log)
if len(heap) >= 10:
    tenth = len(heap) // 10
    first, last = statistics.median(heap[:tenth]), statistics.median(heap[-tenth:])
    lines += ["", f"JavaScript heap after each of the {len(heap)} full collections (JavaScriptCore's GC "
              f"log, {gc_log}): median {first:.1f} MB over the first tenth of them, {last:.1f} MB over "
              f"the last ({last - first:+.1f} MB); largest {max(heap):.1f} MB. This is what the page's "
              "objects hold; the rest of the web process's anonymous memory is the engine's own (heap "
              "pages kept after collections, caches, JIT code)."]
else:
    lines += ["", f"JavaScript heap: {len(heap)} full collections in {gc_log}, too few to compare the "
              "start with the end (does this WebKit honour JSC_logGC?)."]
open(out, "w").write("\n".join(lines) + "\n")
PY
cat .bench/soak.md >&2
