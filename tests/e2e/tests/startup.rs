//! Startup to an interactive key list with 1,000 keys, in the real window under Xvfb.
//!
//! Ignored by default (seeding 1,000 keychain items takes a while); run it with
//! `scripts/with-keyring.sh cargo test -p keyshelf-e2e --test startup -- --ignored --nocapture`.
//! BENCHMARKS.md records the method and the figures.

use chrono::{Duration as Days, Utc};
use keyshelf_core::shelf::NewKey;
use keyshelf_core::vault::KeyringVault;
use keyshelf_core::{Keyshelf, Secret};
use keyshelf_e2e::app::App;
use keyshelf_e2e::require_test_session;
use std::sync::Arc;
use std::time::Instant;

const KEYS: usize = 1_000;
const RUNS: usize = 5;

#[test]
#[ignore = "benchmark: seeds 1,000 keychain items; run explicitly (see BENCHMARKS.md)"]
fn startup_to_interactive_list_with_1000_keys() {
    require_test_session();
    let home = tempfile::tempdir().expect("temp home");
    let envs = ["dev", "staging", "prod"];
    let seeded = Instant::now();
    {
        let mut shelf = Keyshelf::open(home.path(), Arc::new(KeyringVault)).unwrap();
        for i in 0..KEYS {
            shelf
                .import(
                    NewKey {
                        name: format!("bench-{}-service-{i:04}", std::process::id()),
                        env: envs[i % 3].into(),
                        provider: Some(["acme", "globex", "initech", "local"][i % 4].into()),
                        rotated_at: Some(Utc::now() - Days::days((i % 200) as i64)),
                        ..Default::default()
                    },
                    Secret::new(format!("fixture-value-not-a-real-key-{i}")),
                )
                .unwrap();
        }
    }
    eprintln!("seeded {KEYS} keys in {:?}", seeded.elapsed());

    let mut totals = Vec::new();
    let mut in_page = Vec::new();
    let mut from_exec = Vec::new();
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let app = App::start(home.path());
        app.wait_ready();
        let total = t0.elapsed().as_secs_f64() * 1000.0;
        let s = app.s();
        let marks = s
            .execute(
                "const m = performance.getEntriesByName('keyshelf:keys-ready')[0]; return m ? [m.startTime, performance.timeOrigin + m.startTime] : null",
                serde_json::json!([]),
            )
            .unwrap();
        let page = marks[0].as_f64().unwrap_or(-1.0);
        let ready_epoch_ms = marks[1].as_f64().unwrap_or(-1.0);
        let exec = ready_epoch_ms - app_started_epoch_ms();
        let count = s
            .find(r#"[data-testid="count"]"#)
            .and_then(|e| s.text(&e))
            .unwrap();
        assert_eq!(count, format!("{KEYS} of {KEYS}"));
        totals.push(total);
        in_page.push(page);
        from_exec.push(exec);
        drop(app);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    eprintln!(
        "startup with {KEYS} keys, {RUNS} runs: app process exec to interactive list median {:.0} ms (all: {:?})",
        median(&mut from_exec.clone()),
        from_exec.iter().map(|t| t.round()).collect::<Vec<_>>(),
    );
    eprintln!(
        "startup with {KEYS} keys, {RUNS} runs: session request to interactive list median {:.0} ms (all: {:?}); page navigation start to list ready median {:.0} ms (all: {:?})",
        median(&mut totals.clone()),
        totals.iter().map(|t| t.round()).collect::<Vec<_>>(),
        median(&mut in_page.clone()),
        in_page.iter().map(|t| t.round()).collect::<Vec<_>>(),
    );
    let mut shelf = Keyshelf::open(home.path(), Arc::new(KeyringVault)).unwrap();
    for k in shelf.list(&Default::default()).unwrap() {
        shelf.remove(&k.key.full_ref()).unwrap();
    }
}

/// When the newest keyshelf-desktop process started, in ms since the epoch (from /proc: its start
/// in clock ticks after boot, plus the boot time; ±10 ms).
fn app_started_epoch_ms() -> f64 {
    let out = std::process::Command::new("pgrep")
        .args(["-n", "-x", "keyshelf-deskto"])
        .output()
        .expect("pgrep runs");
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!pid.is_empty(), "the app process is found");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Field 22 (starttime), counted after the command name's closing parenthesis.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let ticks: f64 = after.split_whitespace().nth(19).unwrap().parse().unwrap();
    // Boot time from /proc/uptime (10 ms resolution; /proc/stat's btime is whole seconds).
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let btime = now - uptime;
    let hz = 100.0; // USER_HZ on Linux
    (btime + ticks / hz) * 1000.0
}
