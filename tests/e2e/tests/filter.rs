//! Filtering 10,000 and 100,000 keys per keystroke, measured inside the real app's web view under
//! Xvfb.
//!
//! Ignored by default (benchmarks, not tests); `make bench` runs them on the release app
//! (scripts/bench/desktop.sh sets `KEYSHELF_APP_BINARY`). BENCHMARKS.md describes the method:
//!
//! - The keys are written to the store only (the key list reads no secret, so no keychain item
//!   is needed), with names of the suggested convention `<env>-<app>-<purpose>-<YYYY-MM>`.
//! - In the web view, each keystroke sets the search box's value and dispatches an `input` event,
//!   as typing does. The time runs from just before the event to the moment the list is updated
//!   and laid out: Svelte applies the new state to the DOM in a microtask after the handler, so
//!   the script awaits microtasks until the count shows the expected number of matches (computed
//!   here, independently, which also checks the filter is right), then forces style and layout
//!   of the list. Painting is not included. Before each keystroke the script waits for a frame,
//!   so one keystroke's rendering does not fall into the next one's time, as with a typist.
//! - The typing goes to the web view one query at a time (typed, then deleted), so no script call
//!   comes near the WebDriver client's 60 s limit on a loaded machine.
//! - The peer, in the same web view and the same run: plain JavaScript filtering the same search
//!   texts with the same query (no sort, no framework, no DOM): the floor of the work.
//! - The two sizes never overlap: one's seeding would fall into the other's timings.

use keyshelf_core::store::{KeyStatus, NewKeyRecord, Origin, RemoteState, Store};
use keyshelf_e2e::app::App;
use keyshelf_e2e::require_test_session;
use keyshelf_e2e::webdriver::Session;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// Held for a whole run: the test harness runs tests in parallel, and the machine has 2 cores.
static ONE_RUN: Mutex<()> = Mutex::new(());
const ENVS: [&str; 3] = ["dev", "staging", "prod"];
const PROVIDERS: [&str; 4] = ["acme", "globex", "initech", "hooli"];
const APPS: [&str; 12] = [
    "api-server",
    "billing",
    "web",
    "mobile",
    "search",
    "mailer",
    "analytics",
    "auth",
    "payments",
    "reports",
    "gateway",
    "worker",
];
const PURPOSES: [&str; 6] = ["main", "ci", "webhook", "backup", "readonly", "admin"];
/// What a person might type: two queries typed one character at a time, then deleted.
const QUERIES: [&str; 3] = ["prod billing", "webhook 2026-0", "staging auth ci"];
/// Two rounds: 164 keystrokes, enough for a p95.
const ROUNDS: usize = 2;

struct Seeded {
    name: String,
    provider: &'static str,
    env: &'static str,
}

fn keys(n: usize) -> Vec<Seeded> {
    (0..n)
        .map(|i| {
            let env = ENVS[i % 3];
            let app = APPS[(i / 3) % APPS.len()];
            let purpose = PURPOSES[(i / 7) % PURPOSES.len()];
            let month = 1 + i % 12;
            Seeded {
                // The index keeps names unique; real stores have one key per purpose and month.
                name: format!("{env}-{app}-{purpose}-2026-{month:02}-{i:05}"),
                provider: PROVIDERS[i % 4],
                env,
            }
        })
        .collect()
}

/// The text the UI searches in (ui/src/lib/keys.ts `haystack`): name, provider, env, tags, notes.
fn haystack(k: &Seeded) -> String {
    format!("{} {} {}  ", k.name, k.provider, k.env).to_lowercase()
}

/// How many keys the UI must show for `query`: every word found in the search text.
fn expected(hay: &[String], query: &str) -> usize {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    hay.iter()
        .filter(|h| words.iter().all(|w| h.contains(w.as_str())))
        .count()
}

/// `expected` for every step, each distinct query counted once (100,000 keys × 164 steps is
/// slow in the test's debug build, and each query comes back four times).
fn expected_counts(hay: &[String], steps: &[String]) -> Vec<usize> {
    let mut known: HashMap<&str, usize> = HashMap::new();
    steps
        .iter()
        .map(|q| *known.entry(q).or_insert_with(|| expected(hay, q)))
        .collect()
}

fn seed(home: &std::path::Path, keys: &[Seeded]) {
    let mut store = Store::open(&home.join("keyshelf.db")).expect("store opens");
    let now = chrono::Utc::now();
    store
        .write(|tx| {
            for (i, k) in keys.iter().enumerate() {
                let created = now - chrono::Duration::days((i % 200) as i64);
                tx.insert_key(&NewKeyRecord {
                    name: k.name.clone(),
                    provider: k.provider.into(),
                    provider_key_id: Some(i.to_string()),
                    env: k.env.into(),
                    status: KeyStatus::Active,
                    has_secret: true,
                    remote_state: Some(RemoteState::Present),
                    user: None,
                    var_name: None,
                    origin: Origin::Provider,
                    created_at: created,
                    last_rotated_at: None,
                    tags: vec![],
                    notes: String::new(),
                })?;
            }
            Ok(())
        })
        .expect("seeding the store");
}

/// Every state of the search box while `query` is typed one character at a time, then deleted.
fn typing(query: &str) -> Vec<String> {
    let chars: Vec<char> = query.chars().collect();
    (1..=chars.len())
        .chain((0..chars.len()).rev())
        .map(|n| chars[..n].iter().collect())
        .collect()
}

/// The typing in parts, one query each (typed, then deleted), all queries in each round: each
/// part is one script call, well under the WebDriver client's 60 s even on a loaded machine.
fn keystrokes() -> Vec<Vec<String>> {
    (0..ROUNDS).flat_map(|_| QUERIES.map(typing)).collect()
}

/// Keeps the search texts in the web view for the peer, sent once rather than with each part.
const STASH: &str = "window.__filterHay = arguments[0];";

/// The script run in the web view: for each step, [ms for the app, ms for the plain-JS peer,
/// ms in the input handler, ms until Svelte's flush showed the count, ms of style alone or -1].
const SCRIPT: &str = r#"
const [steps, counts, total, splitStyle, settle] = arguments;
const hay = window.__filterHay;
const done = arguments[arguments.length - 1];
const input = document.querySelector('[data-testid="search"]');
const list = document.querySelector('[data-testid="key-list"]');
const count = document.querySelector('[data-testid="count"]');
// `settle` frames, then a task: the page has been rendered and the typing may go on.
const frame = async () => {
  for (let f = 0; f < settle; f++) await new Promise((r) => requestAnimationFrame(r));
  await new Promise((r) => setTimeout(r, 0));
};
const task = () => new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
// Style alone (diagnostics only): a computed style is brought up to date without layout, but
// only when its element is dirty, so the count is made dirty by a custom property nothing reads.
const style = (i) => { count.style.setProperty('--probe', String(i)); getComputedStyle(count).color; };
(async () => {
  const out = [];
  for (let i = 0; i < steps.length; i++) {
    const want = `${counts[i]} of ${total}`;
    await frame();
    const t0 = performance.now();
    input.value = steps[i];
    input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
    const t1 = performance.now();
    // Svelte flushes in a microtask; a later task is the fallback if it ever defers further.
    for (let n = 0; n < 50 && count.textContent !== want; n++) await Promise.resolve();
    for (let n = 0; n < 200 && count.textContent !== want; n++) await task();
    if (count.textContent !== want) return done({ error: `step ${i} "${steps[i]}": count ${count.textContent}, expected ${want}` });
    const t2 = performance.now();
    if (splitStyle) style(i);
    const t3 = performance.now();
    list.getBoundingClientRect();
    void document.body.offsetHeight;
    const app = performance.now() - t0;
    // The peer: the same query over the same search texts, plain JavaScript.
    const p0 = performance.now();
    const words = steps[i].toLowerCase().split(/\s+/).filter(Boolean);
    const n = hay.filter((h) => words.every((w) => h.includes(w))).length;
    const peer = performance.now() - p0;
    if (n !== counts[i]) return done({ error: `peer step ${i}: ${n} matches, expected ${counts[i]}` });
    out.push([app, peer, t1 - t0, t2 - t1, splitStyle ? t3 - t2 : -1]);
  }
  done({ times: out, rows: document.querySelectorAll('[data-testid="key-row"]').length, nodes: document.getElementsByTagName('*').length });
})().catch((e) => done({ error: String(e) }));
"#;

#[test]
#[ignore = "benchmark: run explicitly or through `make bench` (see BENCHMARKS.md)"]
fn filtering_10000_keys_per_keystroke() {
    filtering_per_keystroke(10_000);
}

#[test]
#[ignore = "benchmark: run explicitly or through `make bench` (see BENCHMARKS.md)"]
fn filtering_100000_keys_per_keystroke() {
    filtering_per_keystroke(100_000);
}

/// Runs the script on each part of the typing in turn: every keystroke's times (see SCRIPT), and
/// the DOM's size at the end.
fn type_parts(
    s: &Session,
    parts: &[Vec<String>],
    counts: &[usize],
    n: usize,
    diag: &Diagnostics,
) -> (Vec<Value>, Value) {
    s.set_script_timeout(std::time::Duration::from_secs(55))
        .expect("script timeout set");
    let mut times = Vec::new();
    let mut last = Value::Null;
    let mut done = 0;
    for part in parts {
        let part_counts = &counts[done..done + part.len()];
        last = s
            .execute_async(
                SCRIPT,
                json!([part, part_counts, n, diag.split_style, diag.settle_frames]),
            )
            .expect("the keystroke script runs");
        assert!(last.get("error").is_none(), "keystroke script: {last}");
        times.extend(last["times"].as_array().expect("times").iter().cloned());
        done += part.len();
    }
    (times, last)
}

/// Diagnostics, set by environment variables; the benchmark runs without them.
struct Diagnostics {
    /// `KEYSHELF_FILTER_SPLIT_STYLE`: time style apart from layout (adds a style change of its
    /// own to each keystroke).
    split_style: bool,
    /// `KEYSHELF_FILTER_SETTLE_FRAMES` (default 1): frames waited before each keystroke. With
    /// one, the previous keystroke's frame may still be drawn on other threads while the next
    /// is timed; a second one waits until it has been.
    settle_frames: u32,
}

impl Diagnostics {
    fn from_env() -> Diagnostics {
        let settle = std::env::var("KEYSHELF_FILTER_SETTLE_FRAMES").ok();
        Diagnostics {
            split_style: std::env::var_os("KEYSHELF_FILTER_SPLIT_STYLE").is_some(),
            settle_frames: settle.map_or(1, |v| v.parse().expect("a number of frames")),
        }
    }
}

/// One keystroke's times in ms, as the script gives them.
struct Keystroke<'a> {
    query: &'a str,
    matches: usize,
    app: f64,
    peer: f64,
    handler: f64,
    flush: f64,
    /// Style alone, when `KEYSHELF_FILTER_SPLIT_STYLE` is set.
    style: Option<f64>,
}

/// Types the queries into an app showing `n` keys and prints the figures (see the module docs).
fn filtering_per_keystroke(n: usize) {
    require_test_session();
    let _one = ONE_RUN.lock().unwrap_or_else(|p| p.into_inner());
    let home = tempfile::tempdir().expect("temp home");
    let keys = keys(n);
    seed(home.path(), &keys);
    let hay: Vec<String> = keys.iter().map(haystack).collect();
    let parts = keystrokes();
    let steps: Vec<String> = parts.concat();
    let counts = expected_counts(&hay, &steps);
    let diag = Diagnostics::from_env();

    let app = App::start(home.path());
    app.wait_ready();
    let s = app.s();
    s.execute(STASH, json!([hay]))
        .expect("the search texts sent");
    let web = web_process(&app);
    let cpu_before = web.map(thread_cpu).unwrap_or_default();
    let (times, dom) = type_parts(s, &parts, &counts, n, &diag);
    let cpu = web.map(|pid| cpu_spent(&cpu_before, &thread_cpu(pid)));
    eprintln!(
        "after typing: {} rows and {} elements in the DOM (the list is virtualised)",
        dom["rows"], dom["nodes"]
    );
    let strokes: Vec<Keystroke> = times
        .iter()
        .zip(&steps)
        .zip(&counts)
        .map(|((t, q), &matches)| {
            let ms = |c: usize| t[c].as_f64().expect("a time in ms");
            Keystroke {
                query: q,
                matches,
                app: ms(0),
                peer: ms(1),
                handler: ms(2),
                flush: ms(3),
                style: (ms(4) >= 0.0).then(|| ms(4)),
            }
        })
        .collect();
    print_slowest(&strokes);
    print_result(n, &strokes, cpu, diag.settle_frames);
}

/// The app's web process (WebKit's descendant of the app), whose threads do the page's work.
fn web_process(app: &App) -> Option<u32> {
    keyshelf_e2e::app::tree(app.pid()?)
        .into_iter()
        .find(|(_, name)| name.starts_with("WebKitWebProc"))
        .map(|(pid, _)| pid)
}

/// CPU time (user + system, ms) of each thread of `pid`, by thread id, with the thread's name.
fn thread_cpu(pid: u32) -> HashMap<u32, (String, f64)> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return HashMap::new();
    };
    tasks
        .flatten()
        .filter_map(|t| {
            let tid: u32 = t.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(t.path().join("stat")).ok()?;
            let name = stat.get(stat.find('(')? + 1..stat.rfind(')')?)?.to_owned();
            let ticks = keyshelf_e2e::app::stat_cpu_ticks(&stat)?;
            // Linux reports CPU time in clock ticks of 100 Hz (USER_HZ) on every mainstream arch.
            Some((tid, (name, ticks as f64 * 10.0)))
        })
        .collect()
}

/// CPU time (ms) the web process spent between two readings: its main thread (script, style,
/// layout, recording the paint) and the threads that draw and composite the frames.
struct WebCpu {
    main: f64,
    drawing: f64,
    other: f64,
}

fn cpu_spent(before: &HashMap<u32, (String, f64)>, after: &HashMap<u32, (String, f64)>) -> WebCpu {
    let mut cpu = WebCpu {
        main: 0.0,
        drawing: 0.0,
        other: 0.0,
    };
    for (tid, (name, ms)) in after {
        let spent = ms - before.get(tid).map_or(0.0, |b| b.1);
        // The main thread is named after the process; llvmpipe is Mesa's software GL.
        if name.starts_with("WebKitWebProc") {
            cpu.main += spent;
        } else if ["llvmpipe", "Skia", "eadedCompositor", "ThreadedCompos"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            cpu.drawing += spent;
        } else {
            cpu.other += spent;
        }
    }
    cpu
}

/// The slowest keystrokes, split into the input handler itself, Svelte's flush (filter, DOM
/// update) and WebKit's style + layout, to see what costs (in the log of `make bench`).
fn print_slowest(strokes: &[Keystroke]) {
    let mut slow: Vec<&Keystroke> = strokes.iter().collect();
    slow.sort_by(|a, b| b.app.total_cmp(&a.app));
    for k in slow.iter().take(12) {
        let rendering = k.app - k.handler - k.flush;
        let split = match k.style {
            Some(style) => format!("style {style:.0}, layout {:.0}", rendering - style),
            None => format!("style + layout {rendering:.0}"),
        };
        eprintln!(
            "slow keystroke: {:.0} ms (handler {:.0}, flush {:.0}, {split}), query {:?}, {} matches",
            k.app, k.handler, k.flush, k.query, k.matches
        );
    }
}

/// Median, p95 and max for the log, and the `FILTER_RESULT` line scripts/bench/desktop.sh reads.
fn print_result(n: usize, strokes: &[Keystroke], cpu: Option<WebCpu>, settle_frames: u32) {
    let sorted = |f: fn(&Keystroke) -> f64| -> Vec<f64> {
        let mut t: Vec<f64> = strokes.iter().map(f).collect();
        t.sort_by(f64::total_cmp);
        t
    };
    let pct = |t: &[f64], p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
    let (ui, peer) = (sorted(|k| k.app), sorted(|k| k.peer));
    eprintln!(
        "filter {n} keys, {} keystrokes: app input to list updated median {:.2} ms p95 {:.2} ms max {:.2} ms; plain JS filter median {:.2} ms p95 {:.2} ms",
        ui.len(),
        pct(&ui, 0.5),
        pct(&ui, 0.95),
        ui[ui.len() - 1],
        pct(&peer, 0.5),
        pct(&peer, 0.95),
    );
    // CPU time is not stretched by other processes as wall time is: the figure to compare on a
    // busy machine. It covers the whole typing: the peer's filtering and each frame's drawing too.
    let per_key = |ms: f64| ms / ui.len() as f64;
    if let Some(c) = &cpu {
        eprintln!(
            "web process CPU while typing, per keystroke: main thread {:.1} ms, drawing frames {:.1} ms, other {:.1} ms",
            per_key(c.main),
            per_key(c.drawing),
            per_key(c.other)
        );
    }
    println!(
        "FILTER_RESULT {}",
        json!({"keys": n, "keystrokes": ui.len(), "median": pct(&ui, 0.5), "p95": pct(&ui, 0.95),
               "max": ui[ui.len() - 1], "peer_median": pct(&peer, 0.5), "peer_p95": pct(&peer, 0.95),
               "cpu_main_per_keystroke": cpu.as_ref().map(|c| per_key(c.main)),
               "cpu_drawing_per_keystroke": cpu.as_ref().map(|c| per_key(c.drawing)),
               "settle_frames": settle_frames})
    );
}
