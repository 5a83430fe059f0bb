//! The real app under `tauri-driver`, on a home directory of the test's own.

use crate::webdriver::Session;
use crate::{app_binary, free_port};
use serde_json::json;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One app at a time: the single-instance plugin would hand a second launch on the same session
/// bus to the first window.
static ONE_APP: Mutex<()> = Mutex::new(());

/// A running app: the driver process and the WebDriver session.
pub struct App {
    pub session: Option<Session>,
    driver: Child,
    /// The app's TMPDIR, its own so a leak scan can read everything the app put there.
    tmp: Option<tempfile::TempDir>,
    _one: MutexGuard<'static, ()>,
}

impl App {
    /// Starts tauri-driver and the app on `home` (`KEYSHELF_HOME`). A driver that does not
    /// answer (its WebKitWebDriver lost a race for its port) is stopped and started again.
    pub fn start(home: &Path) -> App {
        Self::start_binary(home, &app_binary())
    }

    /// [`App::start`] with another Tauri binary (the start benchmark's empty-window peer).
    pub fn start_binary(home: &Path, binary: &Path) -> App {
        let one = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
        assert!(
            binary.exists(),
            "{} is missing: build it first (`cargo build -p keyshelf-desktop`; scripts/test.sh does)",
            binary.display()
        );
        let tmp = tempfile::tempdir().expect("a TMPDIR for the app");
        let mut last_error = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let native = loop {
                let p = free_port();
                if p != port {
                    break p;
                }
            };
            let mut driver = Command::new("tauri-driver")
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native.to_string(),
                ])
                .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
                // Inherited by WebKitWebDriver and from there by the app.
                .env("KEYSHELF_HOME", home)
                .env("TMPDIR", tmp.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("tauri-driver starts (scripts/setup.sh installs it)");
            let base = format!("http://127.0.0.1:{port}");
            let caps = json!({"alwaysMatch": {"tauri:options": {"application": binary}}});
            let start = Instant::now();
            loop {
                match Session::new(&base, caps.clone()) {
                    Ok(session) => {
                        return App {
                            session: Some(session),
                            driver,
                            tmp: Some(tmp),
                            _one: one,
                        };
                    }
                    Err(e) if start.elapsed() > Duration::from_secs(20) => {
                        last_error = e;
                        break;
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
            let _ = driver.kill();
            let _ = driver.wait();
        }
        panic!("no WebDriver session after 3 attempts: {last_error}");
    }

    pub fn s(&self) -> &Session {
        self.session.as_ref().expect("session open")
    }

    /// The app's process id: the `keyshelf-desktop` process started under this driver (its
    /// WebKitWebDriver's child), so an app of another test is never taken for ours.
    pub fn pid(&self) -> Option<u32> {
        let driver = self.driver.id();
        let procs = processes();
        let descends = |mut pid: u32| loop {
            match procs.iter().find(|p| p.0 == pid) {
                Some(&(_, ppid, _)) if ppid == driver => return true,
                Some(&(_, ppid, _)) if ppid > 1 => pid = ppid,
                _ => return false,
            }
        };
        procs
            .iter()
            .filter(|(_, _, comm)| APP_COMM.starts_with(comm.as_str()) && !comm.is_empty())
            .map(|&(pid, _, _)| pid)
            .find(|&pid| descends(pid))
    }

    /// Waits until the window shows its start page (the Overview), then opens the key list
    /// and waits until it has loaded and is ready for input.
    pub fn wait_ready(&self) {
        let s = self.s();
        let nav = s
            .wait_for(r#"[data-testid="nav-keys"]"#, Duration::from_secs(30))
            .expect("the window shows its screens");
        if s.find(r#"[data-testid="key-list"]"#).is_err() {
            s.click(&nav).expect("the Keys screen opens");
        }
        s.wait_for(
            r#"[data-testid="key-list"][data-ready="true"]"#,
            Duration::from_secs(30),
        )
        .expect("the key list loads");
    }
}

/// The app binary's name; the kernel keeps the first 15 bytes as the process name.
const APP_COMM: &str = "keyshelf-desktop";

/// Every live process as (pid, parent pid, name), from /proc; zombies (exited, not yet reaped)
/// are left out.
pub fn processes() -> Vec<(u32, u32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (name) state ppid …": the name may hold spaces and parentheses.
            let open = stat.find('(')?;
            let close = stat.rfind(')')?;
            let name = stat.get(open + 1..close)?.to_owned();
            let mut rest = stat.get(close + 1..)?.split_whitespace();
            let state = rest.next()?;
            let ppid = rest.next()?.parse().ok()?;
            (state != "Z").then_some((pid, ppid, name))
        })
        .collect()
}

/// The process `pid` and all its descendants (for the app: its WebKit web and network
/// processes), with their names.
pub fn tree(pid: u32) -> Vec<(u32, String)> {
    let procs = processes();
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        if let Some((_, _, name)) = procs.iter().find(|q| q.0 == p) {
            out.push((p, name.clone()));
        }
        todo.extend(procs.iter().filter(|q| q.1 == p).map(|q| q.0));
    }
    out
}

/// CPU time (user + system, in clock ticks) the process `pid` has used so far; 0 once gone.
pub fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat_cpu_ticks(&stat))
        .unwrap_or(0)
}

/// User + system CPU ticks from the text of a `/proc/<pid>[/task/<tid>]/stat` file.
pub fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    // After "pid (name)": state is field 3, utime and stime are fields 14 and 15.
    let close = stat.rfind(')')?;
    let mut fields = stat.get(close + 1..)?.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The share of one core that the process `pid` and its descendants used over `span`, per
/// process name (as 0.25 for a quarter of a core).
pub fn cpu_share(pid: u32, span: Duration) -> Vec<(String, f64)> {
    let procs = tree(pid);
    let before: Vec<u64> = procs.iter().map(|p| cpu_ticks(p.0)).collect();
    let start = Instant::now();
    std::thread::sleep(span);
    let secs = start.elapsed().as_secs_f64();
    // Linux reports CPU time in USER_HZ, 100 ticks a second on every architecture Tauri targets.
    procs
        .iter()
        .zip(before)
        .map(|((p, name), b)| {
            (
                name.clone(),
                cpu_ticks(*p).saturating_sub(b) as f64 / 100.0 / secs,
            )
        })
        .collect()
}

/// Whether process `pid` still runs (exists and is not a zombie).
pub fn running(pid: u32) -> bool {
    processes().iter().any(|p| p.0 == pid)
}

impl App {
    /// Closes the window and stops the driver; returns the app's TMPDIR, still on disk.
    pub fn quit(mut self) -> tempfile::TempDir {
        self.stop();
        self.tmp.take().expect("the TMPDIR is taken only here")
    }

    fn stop(&mut self) {
        if let Some(s) = self.session.take() {
            let _ = s.close();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.stop();
    }
}
