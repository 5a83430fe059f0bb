//! Filtering 10,000 keys per keystroke, measured inside the real app's web view under Xvfb.
//!
//! Ignored by default (a benchmark, not a test); `make bench` runs it on the release app
//! (scripts/bench/desktop.sh sets `KEYSHELF_APP_BINARY`). BENCHMARKS.md describes the method:
//!
//! - 10,000 keys are written to the store only (the key list reads no secret, so no keychain item
//!   is needed), with names of the suggested convention `<env>-<app>-<purpose>-<YYYY-MM>`.
//! - In the web view, each keystroke sets the search box's value and dispatches an `input` event,
//!   as typing does. The time runs from just before the event to the moment the list is updated
//!   and laid out: Svelte applies the new state to the DOM in a microtask after the handler, so
//!   the script awaits microtasks until the count shows the expected number of matches (computed
//!   here, independently, which also checks the filter is right), then forces style and layout
//!   of the list. Painting is not included. Before each keystroke the script waits for a frame,
//!   so one keystroke's rendering does not fall into the next one's time, as with a typist.
//! - The peer, in the same web view and the same run: plain JavaScript filtering the same 10,000
//!   search texts with the same query (no sort, no framework, no DOM): the floor of the work.

use keyshelf_core::store::{KeyStatus, NewKeyRecord, Origin, RemoteState, Store};
use keyshelf_e2e::app::App;
use keyshelf_e2e::require_test_session;
use serde_json::json;

const KEYS: usize = 10_000;
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
/// Two rounds: 164 keystrokes, enough for a p95, and under a minute on a loaded machine (the
/// HTTP client of the WebDriver session gives up after 60 s).
const ROUNDS: usize = 2;

struct Seeded {
    name: String,
    provider: &'static str,
    env: &'static str,
}

fn keys() -> Vec<Seeded> {
    (0..KEYS)
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

/// Every state of the search box along the typing: each query typed, then deleted.
fn keystrokes() -> Vec<String> {
    let mut steps = Vec::new();
    for _ in 0..ROUNDS {
        for q in QUERIES {
            let chars: Vec<char> = q.chars().collect();
            for n in (1..=chars.len()).chain((0..chars.len()).rev()) {
                steps.push(chars[..n].iter().collect());
            }
        }
    }
    steps
}

/// The script run in the web view: for each step, [ms for the app, ms for the plain-JS peer].
const SCRIPT: &str = r#"
const [steps, counts, total, hay] = arguments;
const done = arguments[arguments.length - 1];
const input = document.querySelector('[data-testid="search"]');
const list = document.querySelector('[data-testid="key-list"]');
const count = document.querySelector('[data-testid="count"]');
const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const task = () => new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
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
    list.getBoundingClientRect();
    void document.body.offsetHeight;
    const app = performance.now() - t0;
    // The peer: the same query over the same search texts, plain JavaScript.
    const p0 = performance.now();
    const words = steps[i].toLowerCase().split(/\s+/).filter(Boolean);
    const n = hay.filter((h) => words.every((w) => h.includes(w))).length;
    const peer = performance.now() - p0;
    if (n !== counts[i]) return done({ error: `peer step ${i}: ${n} matches, expected ${counts[i]}` });
    out.push([app, peer, t1 - t0, t2 - t1]);
  }
  done({ times: out, rows: document.querySelectorAll('[data-testid="key-row"]').length, nodes: document.getElementsByTagName('*').length });
})().catch((e) => done({ error: String(e) }));
"#;

#[test]
#[ignore = "benchmark: run explicitly or through `make bench` (see BENCHMARKS.md)"]
fn filtering_10000_keys_per_keystroke() {
    require_test_session();
    let home = tempfile::tempdir().expect("temp home");
    let keys = keys();
    seed(home.path(), &keys);
    let hay: Vec<String> = keys.iter().map(haystack).collect();
    let steps = keystrokes();
    let counts: Vec<usize> = steps.iter().map(|q| expected(&hay, q)).collect();

    let app = App::start(home.path());
    app.wait_ready();
    let s = app.s();
    s.set_script_timeout(std::time::Duration::from_secs(55))
        .expect("script timeout set");
    let v = s
        .execute_async(SCRIPT, json!([steps, counts, KEYS, hay]))
        .expect("the keystroke script runs");
    assert!(v.get("error").is_none(), "keystroke script: {v}");
    let times = v["times"].as_array().expect("times");
    let column = |c: usize| -> Vec<f64> {
        let mut t: Vec<f64> = times.iter().map(|r| r[c].as_f64().unwrap()).collect();
        t.sort_by(f64::total_cmp);
        t
    };
    let pct = |t: &[f64], p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
    let (ui, peer) = (column(0), column(1));
    // The slowest keystrokes, to see what costs (in the log of `make bench`).
    eprintln!(
        "after typing: {} rows and {} elements in the DOM (the list is virtualised)",
        v["rows"], v["nodes"]
    );
    // Split: the input handler itself, then Svelte's flush (filter, sort, DOM), then layout.
    let mut slow: Vec<(Vec<f64>, &str, usize)> = times
        .iter()
        .zip(&steps)
        .zip(&counts)
        .map(|((t, q), n)| {
            let t: Vec<f64> = (0..4).map(|c| t[c].as_f64().unwrap()).collect();
            (t, q.as_str(), *n)
        })
        .collect();
    slow.sort_by(|a, b| b.0[0].total_cmp(&a.0[0]));
    for (t, q, n) in slow.iter().take(12) {
        eprintln!(
            "slow keystroke: {:.0} ms (handler {:.0}, flush {:.0}, layout {:.0}), query {q:?}, {n} matches",
            t[0],
            t[2],
            t[3],
            t[0] - t[2] - t[3]
        );
    }
    eprintln!(
        "filter {KEYS} keys, {} keystrokes: app input to list updated median {:.2} ms p95 {:.2} ms max {:.2} ms; plain JS filter median {:.2} ms p95 {:.2} ms",
        ui.len(),
        pct(&ui, 0.5),
        pct(&ui, 0.95),
        ui[ui.len() - 1],
        pct(&peer, 0.5),
        pct(&peer, 0.95),
    );
    // The same figures for scripts/bench/desktop.sh.
    println!(
        "FILTER_RESULT {}",
        json!({"keystrokes": ui.len(), "median": pct(&ui, 0.5), "p95": pct(&ui, 0.95),
               "peer_median": pct(&peer, 0.5), "peer_p95": pct(&peer, 0.95)})
    );
}
