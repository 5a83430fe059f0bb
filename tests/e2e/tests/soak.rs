//! Soak: the desktop app's memory over an hour of idle use, in the real window under Xvfb.
//!
//! Ignored by default (it runs for an hour); `make bench-soak` runs it on the release app
//! (scripts/bench/soak.sh sets `KEYSHELF_APP_BINARY`). A short run on the debug app:
//! `KEYSHELF_SOAK_SECS=180 scripts/with-keyring.sh cargo test -p keyshelf-e2e --test soak -- --ignored --nocapture`.
//!
//! The question (issue 17): does memory stay flat while the app sits open — the reminder timer
//! firing every minute and the key list reloaded now and then? Method:
//!
//! - 1,000 keys are written to the store only (the list and the reminder checks read no secret),
//!   aged 0–199 days so the checks have due keys to compute; the reminder interval is set to
//!   1 minute through the core before the app starts.
//! - A notification server answers on the session bus, as on a desktop: with none, every check's
//!   delivery fails and the core rolls the whole check back, so nothing of it would be recorded.
//! - Over the run (`KEYSHELF_SOAK_SECS`, default 3,600 s) the test reloads the key list 100
//!   times, evenly spread, as a user does (no reload button: Overview, then Keys again, which
//!   mounts the list anew and asks the core for every key), and checks it shows all 1,000 keys.
//! - 61 times, evenly spread (once a minute over an hour), it sums the PSS and RSS of
//!   `/proc/<pid>/smaps_rollup` over the app process and all its descendants (the WebKit web and
//!   network processes), as scripts/bench/memory.py does, and their anonymous memory (heaps,
//!   stacks, JIT code: `Anonymous`). PSS splits a library's pages among every process on the
//!   machine that maps it, so it moves when another WebKit app starts or stops (the machine is
//!   shared: other sessions run their own end-to-end tests), and so do the private pages (a
//!   library page becomes private to us when the other mapper exits); anonymous memory is where
//!   a leak grows, and no other program's pages count in it.
//! - Start figure: the median of the samples in the first tenth of the run after a warm-up (1
//!   minute, or a tenth of a shorter run); end figure: the median of the last tenth. Growth is
//!   end minus start. It is reported, never asserted: a benchmark does not fail on a figure.
//!
//! Prints one line `SOAK_RESULT {json}` for scripts/bench/soak.sh.

use chrono::{DateTime, Utc};
use keyshelf_core::Keyshelf;
use keyshelf_e2e::app::{tree, App};
use keyshelf_e2e::notifications::Monitor;
use keyshelf_e2e::ui::click;
use keyshelf_e2e::webdriver::Session;
use keyshelf_e2e::{require_test_session, seed};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const KEYS: usize = 1_000;
const REFRESHES: usize = 100;
/// Intervals between samples: 60 over the run, so 61 samples counting the one at the start.
const SAMPLE_INTERVALS: u32 = 60;
const DEFAULT_SECS: u64 = 3_600;
const REMIND_MINUTES: u32 = 1;
/// The warm-up before the start figure, at most (a shorter run uses a tenth of itself).
const WARM_UP: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(30);

/// How long to soak: `KEYSHELF_SOAK_SECS`, else an hour.
fn run_length() -> Duration {
    let secs = std::env::var("KEYSHELF_SOAK_SECS")
        .ok()
        .map(|v| {
            v.parse::<u64>()
                .expect("KEYSHELF_SOAK_SECS is whole seconds")
        })
        .unwrap_or(DEFAULT_SECS);
    assert!(secs >= 10, "KEYSHELF_SOAK_SECS: at least 10 seconds");
    Duration::from_secs(secs)
}

/// Sets the app's reminder check interval through the core; the handle stays open to read the
/// store's last check time during the run.
fn remind_every_minute(home: &Path) -> Keyshelf {
    let mut shelf = seed::open(home);
    shelf
        .set_remind_interval_minutes(REMIND_MINUTES)
        .expect("the reminder interval is set");
    assert_eq!(shelf.remind_interval_minutes(), REMIND_MINUTES);
    shelf
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    Sample,
    Refresh,
}

/// When to do what: samples at 0, 1/60, …, 60/60 of the run; refreshes in the middle of each
/// hundredth, so none falls at the very start or end.
fn schedule(total: Duration) -> Vec<(Duration, Event)> {
    let samples = (0..=SAMPLE_INTERVALS).map(|i| (total * i / SAMPLE_INTERVALS, Event::Sample));
    let refreshes = (0..REFRESHES as u32)
        .map(|k| (total * (2 * k + 1) / (2 * REFRESHES as u32), Event::Refresh));
    let mut events: Vec<_> = samples.chain(refreshes).collect();
    events.sort_by_key(|e| e.0);
    events
}

/// One reload of the key list as a user does it: to the Overview, back to Keys; the list must
/// show every key. Returns how long it took, in ms (WebDriver polling included).
fn refresh(s: &Session) -> f64 {
    let t0 = Instant::now();
    click(s, r#"[data-testid="nav-overview"]"#);
    s.wait_for(r#"[data-testid="overview"][data-ready="true"]"#, WAIT)
        .expect("the Overview loads");
    click(s, r#"[data-testid="nav-keys"]"#);
    s.wait_for(r#"[data-testid="key-list"][data-ready="true"]"#, WAIT)
        .expect("the key list loads again");
    let want = format!("{KEYS} of {KEYS}");
    let mut seen = String::new();
    let shown = s.wait_until("the list to show every key", WAIT, |s| {
        seen = s
            .find(r#"[data-testid="count"]"#)
            .and_then(|e| s.text(&e))
            .unwrap_or_default();
        seen == want
    });
    assert!(
        shown.is_ok(),
        "after a reload the list shows {seen:?}, not {want:?}"
    );
    t0.elapsed().as_secs_f64() * 1000.0
}

/// (PSS, RSS, anonymous) in kB of one process, from /proc/<pid>/smaps_rollup; `None` when it
/// is gone.
fn rollup(pid: u32) -> Option<(u64, u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    Some((field("Pss:"), field("Rss:"), field("Anonymous:")))
}

/// One memory sample of the app's process tree, with the store's last reminder check then.
struct Sample {
    secs: f64,
    pss_kb: u64,
    rss_kb: u64,
    anon_kb: u64,
    /// PSS and anonymous memory per process name (the app, WebKitWebProcess, WebKitNetworkProcess), to see
    /// which one grows.
    pss_by_process_kb: BTreeMap<String, u64>,
    anon_by_process_kb: BTreeMap<String, u64>,
    last_check: Option<DateTime<Utc>>,
}

fn sample(app_pid: u32, shelf: &Keyshelf, secs: f64) -> Sample {
    let mut out = Sample {
        secs,
        pss_kb: 0,
        rss_kb: 0,
        anon_kb: 0,
        pss_by_process_kb: BTreeMap::new(),
        anon_by_process_kb: BTreeMap::new(),
        last_check: shelf.last_reminder_check().expect("the store reads"),
    };
    let procs = tree(app_pid);
    assert!(
        procs.first().is_some_and(|p| p.0 == app_pid),
        "the app (pid {app_pid}) is no longer running {secs:.0} s into the soak"
    );
    for (pid, name) in procs {
        if let Some((pss, rss, anon)) = rollup(pid) {
            out.pss_kb += pss;
            out.rss_kb += rss;
            out.anon_kb += anon;
            *out.pss_by_process_kb.entry(name.clone()).or_default() += pss;
            *out.anon_by_process_kb.entry(name).or_default() += anon;
        }
    }
    out
}

fn mb(kb: u64) -> f64 {
    (kb as f64 / 1024.0 * 10.0).round() / 10.0
}

fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty(), "a median of no samples");
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The medians in MB of the samples taken in `[from, to]` seconds into the run.
fn window(samples: &[Sample], from: f64, to: f64) -> Value {
    let inside: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.secs >= from && s.secs <= to)
        .collect();
    let of = |kb: fn(&Sample) -> u64| median(inside.iter().map(|s| mb(kb(s))).collect());
    json!({"from_secs": round(from), "to_secs": round(to), "samples": inside.len(),
           "pss_mb": of(|s| s.pss_kb), "rss_mb": of(|s| s.rss_kb), "anon_mb": of(|s| s.anon_kb)})
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Per process name, in MB.
fn by_process(kb: &BTreeMap<String, u64>) -> serde_json::Map<String, Value> {
    kb.iter().map(|(k, &v)| (k.clone(), json!(mb(v)))).collect()
}

/// The app's own account of its reminder checks (the `reminder_status` command the Settings
/// screen shows): how many ran since it started, and the interval it read.
fn reminder_status(s: &Session) -> Value {
    s.execute_async(
        "const done = arguments[arguments.length - 1];\n\
         window.__TAURI_INTERNALS__.invoke('reminder_status')\n\
           .then((r) => done(r), (e) => done({error: String(e)}));",
        json!([]),
    )
    .expect("reminder_status answers")
}

/// How many times the list was loaded in this page: the UI marks `keyshelf:keys-ready` each
/// time a freshly mounted list gets its keys (see ui/src/screens/Keys.svelte).
fn list_loads(s: &Session) -> u64 {
    s.execute(
        "return performance.getEntriesByName('keyshelf:keys-ready').length;",
        json!([]),
    )
    .expect("the page answers")
    .as_u64()
    .unwrap_or(0)
}

#[test]
#[ignore = "benchmark: runs for an hour; `make bench-soak` (see BENCHMARKS.md)"]
fn memory_stays_flat_over_an_hour_idle_with_reminders_and_list_reloads() {
    require_test_session();
    let total = run_length();
    let home = tempfile::tempdir().expect("temp home");
    seed::store_only(home.path(), KEYS);
    let shelf = remind_every_minute(home.path());
    let mut bus = Monitor::start();

    let app = App::start(home.path());
    app.wait_ready();
    let s = app.s();
    let app_pid = app.pid().expect("the app's process is found");
    eprintln!(
        "soak: {KEYS} keys, {} s, {REFRESHES} list reloads, {} samples, reminders every {REMIND_MINUTES} min; app {}",
        total.as_secs(),
        SAMPLE_INTERVALS + 1,
        keyshelf_e2e::app_binary().display()
    );

    let start = Instant::now();
    let mut samples = Vec::new();
    let mut refresh_ms = Vec::new();
    for (at, event) in schedule(total) {
        if let Some(wait) = at.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
        let secs = start.elapsed().as_secs_f64();
        match event {
            Event::Refresh => refresh_ms.push(refresh(s)),
            Event::Sample => {
                let one = sample(app_pid, &shelf, secs);
                eprintln!(
                    "soak: {secs:>6.0} s  PSS {:>6.1} MB  RSS {:>6.1} MB  anon {:>6.1} MB  reloads {:>3}",
                    mb(one.pss_kb),
                    mb(one.rss_kb),
                    mb(one.anon_kb),
                    refresh_ms.len()
                );
                samples.push(one);
            }
        }
    }
    let status = reminder_status(s);
    let loads = list_loads(s);
    let notifications = bus.notifications("Keyshelf").len();
    let elapsed = start.elapsed().as_secs_f64();
    drop(app);

    // What must hold: every reload happened and showed every key (checked in `refresh`), and
    // the page counted them too (the first load is the one `wait_ready` waited for).
    assert_eq!(refresh_ms.len(), REFRESHES, "every reload ran");
    assert_eq!(
        loads,
        REFRESHES as u64 + 1,
        "the page loaded the list 1 + {REFRESHES} times"
    );

    let result = report(
        &samples,
        total,
        elapsed,
        &refresh_ms,
        loads,
        &status,
        notifications,
    );
    println!("SOAK_RESULT {result}");
}

/// The figures: start and end medians, growth, and what ran (reloads, reminder checks).
fn report(
    samples: &[Sample],
    total: Duration,
    elapsed: f64,
    refresh_ms: &[f64],
    loads: u64,
    status: &Value,
    notifications: usize,
) -> Value {
    let last = samples.last().expect("samples").secs;
    let tenth = total.as_secs_f64() / 10.0;
    let warm_up = WARM_UP.as_secs_f64().min(tenth);
    let start = window(samples, warm_up, warm_up + tenth);
    let end = window(samples, last - tenth, last);
    let growth = |kind: &str| round(end[kind].as_f64().unwrap() - start[kind].as_f64().unwrap());
    // The timer fired when the store's last check moved on from the first one the samples saw
    // (the check at start) and the app counts more than that one check.
    let first_check = samples.iter().find_map(|s| s.last_check);
    let last_check = samples.last().and_then(|s| s.last_check);
    let mut check_times: Vec<_> = samples.iter().filter_map(|s| s.last_check).collect();
    check_times.dedup();
    let app_checks = status["checks"].as_u64().unwrap_or(0);
    let fired = first_check.is_some() && last_check > first_check && app_checks > 1;
    if !fired {
        eprintln!("soak: the reminder timer did not fire during the run (status {status})");
    }
    let head = median(refresh_ms.iter().take(10).copied().collect());
    let tail = median(refresh_ms.iter().rev().take(10).copied().collect());
    let change = |kind: &str| format!("{} → {} MB ({:+.1})", start[kind], end[kind], growth(kind));
    eprintln!(
        "soak: PSS {}, RSS {}, anon {}; reloads {} (first ten {head:.0} ms, last ten {tail:.0} ms); \
         reminder checks {app_checks}",
        change("pss_mb"),
        change("rss_mb"),
        change("anon_mb"),
        refresh_ms.len(),
    );
    json!({
        "keys": KEYS,
        "app": keyshelf_e2e::app_binary().display().to_string(),
        "duration_secs": total.as_secs(),
        "elapsed_secs": round(elapsed),
        "warm_up_secs": round(warm_up),
        "start": start,
        "end": end,
        "growth_pss_mb": growth("pss_mb"),
        "growth_rss_mb": growth("rss_mb"),
        "growth_anon_mb": growth("anon_mb"),
        "target_growth_mb": 5,
        "refreshes": refresh_ms.len(),
        "list_loads": loads,
        "refresh_ms": {"first_ten_median": round(head), "last_ten_median": round(tail),
                       "all": refresh_ms.iter().map(|&t| t.round()).collect::<Vec<_>>()},
        "reminder_interval_minutes": status["interval_minutes"],
        "reminder_checks": app_checks,
        "reminder_check_times_seen": check_times.len(),
        "reminder_last_check_first": first_check.map(|t| t.to_rfc3339()),
        "reminder_last_check_last": last_check.map(|t| t.to_rfc3339()),
        "reminder_timer_fired": fired,
        "reminder_error": status["error"],
        "notifications": notifications,
        "samples": samples.iter().map(|s| json!({
            "secs": round(s.secs),
            "pss_mb": mb(s.pss_kb),
            "rss_mb": mb(s.rss_kb),
            "anon_mb": mb(s.anon_kb),
            "pss_by_process_mb": by_process(&s.pss_by_process_kb),
            "anon_by_process_mb": by_process(&s.anon_by_process_kb),
            "last_check": s.last_check.map(|t| t.to_rfc3339()),
        })).collect::<Vec<_>>(),
    })
}
