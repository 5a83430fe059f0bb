//! Start-up with 10,000 keys beside an empty Tauri window, in the real window under Xvfb.
//!
//! Ignored by default (a benchmark: it starts each app several times); `make bench` runs it on
//! the release app, by hand:
//! `scripts/with-keyring.sh cargo test -p keyshelf-e2e --test startup -- --ignored --nocapture`
//! (`KEYSHELF_APP_BINARY` / `KEYSHELF_PEER_BINARY` choose the binaries; the debug build by
//! default). BENCHMARKS.md records the method and the figures.
//!
//! Keyshelf's figure is exec → its start page (the Overview, which summarises every key)
//! painted with its data; the peer's is exec → the empty window's first paint. Both are User
//! Timing marks set in the task after the frame (ui/src/screens/Overview.svelte,
//! tests/empty-window/dist/index.html), read as wall-clock time and compared with the process's
//! start time from /proc. The two alternate, run after run.

use keyshelf_e2e::app::App;
use keyshelf_e2e::{app_binary, require_test_session, seed, workspace_root};
use std::path::{Path, PathBuf};
use std::time::Instant;

const KEYS: usize = 10_000;
const RUNS: usize = 7;

#[test]
#[ignore = "benchmark: starts the app and an empty window several times; run explicitly (see BENCHMARKS.md)"]
fn start_with_10000_keys_beside_an_empty_window() {
    require_test_session();
    let home = tempfile::tempdir().expect("temp home");
    let seeded = Instant::now();
    seed::store_only(home.path(), KEYS);
    eprintln!("seeded {KEYS} keys in {:?}", seeded.elapsed());
    let peer = peer_binary();
    assert!(
        peer.exists(),
        "{} is missing: `cargo build -p keyshelf-empty-window` (scripts/bench/desktop.sh builds the release one)",
        peer.display()
    );
    let empty_home = tempfile::tempdir().expect("the peer's home");

    let (mut app, mut empty, mut in_page, mut empty_page) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (exec, page) = start_once(home.path(), &app_binary(), "keyshelf:overview-ready");
        app.push(exec);
        in_page.push(page);
        let (exec, page) = start_once(empty_home.path(), &peer, "empty:first-paint");
        empty.push(exec);
        empty_page.push(page);
    }
    let (a, e, p) = (median(&app), median(&empty), median(&in_page));
    // The page parts split each figure: exec → navigation start is the process, the toolkit
    // and the web process starting; navigation start → mark is the page.
    eprintln!(
        "start with {KEYS} keys, {RUNS} runs each: Keyshelf exec to Overview painted median {a:.0} ms (all: {:?}); its page navigation start to Overview painted median {p:.0} ms (all: {:?}); empty window exec to first paint median {e:.0} ms (all: {:?}), its page part median {:.0} ms",
        rounded(&app),
        rounded(&in_page),
        rounded(&empty),
        median(&empty_page),
    );
    // One line for scripts/bench/desktop.sh.
    println!(
        "STARTUP_RESULT {}",
        serde_json::json!({"keys": KEYS, "runs": RUNS, "app_ms": a, "empty_ms": e, "page_ms": p,
                           "app_all": rounded(&app), "empty_all": rounded(&empty)})
    );
}

/// Starts `binary` on `home`, waits for the User Timing mark `mark`, and returns (exec → mark,
/// navigation start → mark) in milliseconds.
fn start_once(home: &Path, binary: &Path, mark: &str) -> (f64, f64) {
    let app = App::start_binary(home, binary);
    let s = app.s();
    let script = format!(
        "const m = performance.getEntriesByName('{mark}')[0]; return m ? [m.startTime, performance.timeOrigin + m.startTime] : null"
    );
    let waited = Instant::now();
    let marks = loop {
        let v = s
            .execute(&script, serde_json::json!([]))
            .expect("the page answers");
        if !v.is_null() {
            break v;
        }
        assert!(
            waited.elapsed().as_secs() < 60,
            "{} never set the mark {mark}",
            binary.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let page = marks[0].as_f64().expect("a mark time");
    let epoch = marks[1].as_f64().expect("a mark time");
    let comm = binary.file_name().unwrap().to_string_lossy();
    let exec = epoch - started_epoch_ms(&comm[..comm.len().min(15)]);
    drop(app);
    (exec, page)
}

fn peer_binary() -> PathBuf {
    std::env::var_os("KEYSHELF_PEER_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug/keyshelf-empty-window"))
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn rounded(v: &[f64]) -> Vec<f64> {
    v.iter().map(|t| t.round()).collect()
}

/// When the newest process named `comm` (the kernel keeps 15 bytes of a name) started, in ms
/// since the epoch (from /proc: its start in clock ticks after boot, plus the boot time; ±10 ms).
fn started_epoch_ms(comm: &str) -> f64 {
    let out = std::process::Command::new("pgrep")
        .args(["-n", "-x", comm])
        .output()
        .expect("pgrep runs");
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!pid.is_empty(), "the {comm} process is found");
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
    let hz = 100.0; // USER_HZ on Linux
    ((now - uptime) + ticks / hz) * 1000.0
}
