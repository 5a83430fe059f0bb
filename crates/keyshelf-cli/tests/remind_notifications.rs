//! `keyshelf remind` against a real notification server: each test starts a D-Bus bus of its own
//! (no service activation, so nothing answers unless the test starts it), a real `dunst` on it and
//! a `dbus-monitor` that records every call to `org.freedesktop.Notifications`. Keys are imported
//! through the session's real keychain; only `remind` talks to the test's own bus.

mod common;
use common::{stderr, Shelf};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A private bus, and the processes this test started on it; all killed on drop.
struct Bus {
    dir: tempfile::TempDir,
    address: String,
    daemon: Child,
    others: Vec<Child>,
    monitor_log: Option<PathBuf>,
}

impl Bus {
    /// A bus with no notification server.
    fn bare() -> Bus {
        let dir = tempfile::tempdir().expect("bus dir");
        let config = dir.path().join("bus.conf");
        // A session-type bus without <servicedir>: no D-Bus activation, so a notification server
        // installed on the machine (dunst ships an activation file) is not started behind the
        // test's back.
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                dir.path().display()
            ),
        )
        .expect("bus config");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is installed by scripts/setup.sh");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("bus address");
        let address = line.trim().to_owned();
        assert!(address.starts_with("unix:"), "bus address {address:?}");
        Bus {
            dir,
            address,
            daemon,
            others: Vec::new(),
            monitor_log: None,
        }
    }

    /// A bus with `dunst` serving notifications and a monitor recording them.
    fn with_dunst() -> Bus {
        let mut bus = Bus::bare();
        bus.start_monitor();
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "dunst needs a display: run the tests through scripts/with-keyring.sh (it starts Xvfb)"
        );
        let rc = bus.dir.path().join("dunstrc");
        std::fs::write(&rc, "").expect("dunstrc");
        let dunst = Command::new("dunst")
            .arg("-config")
            .arg(&rc)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst is installed by scripts/setup.sh");
        bus.others.push(dunst);
        wait_for("dunst to own org.freedesktop.Notifications", || {
            bus.dbus_send(&[
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.Notifications",
            ])
            .contains("boolean true")
        });
        bus
    }

    fn start_monitor(&mut self) {
        let log = self.dir.path().join("monitor.log");
        let file = std::fs::File::create(&log).expect("monitor log");
        let monitor = Command::new("dbus-monitor")
            .args(["--address", &self.address])
            .arg("interface='org.freedesktop.Notifications'")
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor");
        self.others.push(monitor);
        self.monitor_log = Some(log);
        // It has become a monitor once it lost its own name.
        wait_for("dbus-monitor to start", || {
            self.monitor_text().contains("NameLost")
        });
    }

    fn monitor_text(&self) -> String {
        self.monitor_log
            .as_ref()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .unwrap_or_default()
    }

    /// The Notify calls seen so far, once every call made before this one has been recorded.
    ///
    /// A marker call sent now reaches the monitor after every earlier message on the bus, so
    /// waiting for the marker makes "no second notification" a real observation, not a race.
    fn notifications(&self) -> Vec<Notify> {
        let marker = 4_000_000_000u32 + std::process::id() % 1000;
        let seen = |text: &str| text.matches(&format!("uint32 {marker}")).count();
        let before = seen(&self.monitor_text());
        self.dbus_send(&[
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications.CloseNotification",
            &format!("uint32:{marker}"),
        ]);
        wait_for("the monitor to see the marker", || {
            seen(&self.monitor_text()) > before
        });
        parse_notify_calls(&self.monitor_text())
    }

    fn dbus_send(&self, args: &[&str]) -> String {
        let out = Command::new("dbus-send")
            .arg(format!("--bus={}", self.address))
            .arg("--print-reply")
            .args(args)
            .output()
            .expect("dbus-send");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `keyshelf ARGS` of shelf `s`, talking to this bus.
    fn keyshelf(&self, s: &Shelf, args: &[&str]) -> Output {
        s.cmd(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null())
            .output()
            .expect("keyshelf")
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        for child in self
            .others
            .iter_mut()
            .chain(std::iter::once(&mut self.daemon))
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One `Notify` call as the monitor recorded it.
#[derive(Debug)]
struct Notify {
    app: String,
    summary: String,
    body: String,
    /// Actions, then hint names and string values, in order.
    rest: Vec<String>,
}

/// Reads the Notify calls out of `dbus-monitor`'s text: each is a `method call … member=Notify`
/// line followed by its arguments, the strings printed as `string "…"` (over several lines when
/// the text has line breaks).
fn parse_notify_calls(log: &str) -> Vec<Notify> {
    log.split("method call ")
        .filter(|block| {
            block
                .lines()
                .next()
                .is_some_and(|l| l.contains("member=Notify"))
        })
        .map(|block| {
            let mut strings = Vec::new();
            let mut rest = block;
            while let Some(start) = rest.find("string \"") {
                let after = &rest[start + 8..];
                let end = after.find("\"\n").unwrap_or(after.len());
                strings.push(after[..end].to_owned());
                rest = &after[end..];
            }
            assert!(strings.len() >= 4, "unreadable Notify call: {block}");
            Notify {
                app: strings[0].clone(),
                summary: strings[2].clone(),
                body: strings[3].clone(),
                rest: strings[4..].to_vec(),
            }
        })
        .collect()
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Imports key `short` of `s` in `env`, last rotated `days_ago` days ago.
fn import_rotated(s: &Shelf, short: &str, env: &str, days_ago: i64) -> String {
    let name = s.name(short);
    let date = (chrono::Utc::now() - chrono::Duration::days(days_ago))
        .format("%Y-%m-%d")
        .to_string();
    s.ok_in(
        &["import", &name, "--env", env, "--rotated-at", &date],
        "fixture-value-not-a-real-key\n",
    );
    name
}

fn assert_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
    stderr(out)
}

#[test]
fn one_grouped_notification_then_quiet_until_a_key_gets_worse() {
    let s = Shelf::new("remind-grouped");
    // prod 90 d: two overdue; staging 60 d: one due in 4 days (due soon); dev 30 d: one fine.
    let a = import_rotated(&s, "a", "prod", 100);
    let b = import_rotated(&s, "b", "prod", 95);
    let c = import_rotated(&s, "c", "staging", 56);
    import_rotated(&s, "d", "dev", 1);
    let bus = Bus::with_dunst();

    let err = assert_ok(&bus.keyshelf(&s, &["remind"]));
    assert!(
        err.contains("Sent a notification through dunst")
            && err.contains("2 keys overdue in prod, 1 due soon in staging"),
        "{err}"
    );
    let sent = bus.notifications();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let n = &sent[0];
    assert_eq!(n.app, "Keyshelf");
    assert_eq!(n.summary, "2 keys overdue in prod, 1 due soon in staging");
    // `--rotated-at` dates are midnight UTC, so a key rotated 100 days ago is 10 days and some
    // hours overdue: 11 d, as overdue days round up.
    let lines: Vec<&str> = n.body.lines().collect();
    assert_eq!(
        lines,
        vec![
            format!("{a} (prod): 11 d overdue").as_str(),
            format!("{b} (prod): 6 d overdue").as_str(),
            format!("{c} (staging): due in 3 d").as_str(),
            "The app's due list or `keyshelf due` shows them.",
        ]
    );
    // The click action and the hint the desktop app opens the due list with.
    for expected in [
        "default",
        "Show due keys",
        "x-keyshelf-view",
        "due",
        "desktop-entry",
    ] {
        assert!(n.rest.iter().any(|r| r == expected), "{expected}: {n:?}");
    }
    // dunst really shows it.
    let shown = Command::new("dunstctl")
        .args(["count", "displayed"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .output()
        .expect("dunstctl");
    assert_eq!(String::from_utf8_lossy(&shown.stdout).trim(), "1");

    // Within 24 h: nothing new, nothing sent.
    let err = assert_ok(&bus.keyshelf(&s, &["remind"]));
    assert!(err.contains("Nothing new: the 3 due keys"), "{err}");
    assert_eq!(bus.notifications().len(), 1);

    // staging down to 50 days: c goes from due soon to overdue, and only c is announced.
    s.ok(&["policy", "set", "staging", "50"]);
    let out = bus.keyshelf(&s, &["remind", "--json"]);
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["sent"], true);
    assert_eq!(v["notification"]["server"], "dunst");
    assert_eq!(v["reminder"]["summary"], "1 key overdue in staging");
    let sent = bus.notifications();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1].summary, "1 key overdue in staging");
    assert!(sent[1]
        .body
        .starts_with(&format!("{c} (staging): 7 d overdue\n")));
    assert!(sent[1].body.contains("3 keys are due in all"));

    // And quiet again.
    assert_ok(&bus.keyshelf(&s, &["remind"]));
    assert_eq!(bus.notifications().len(), 2);
}

#[test]
fn dry_run_prints_the_reminder_and_neither_sends_nor_records() {
    let s = Shelf::new("remind-dry");
    let a = import_rotated(&s, "a", "dev", 31);
    let bus = Bus::with_dunst();
    let out = bus.keyshelf(&s, &["remind", "--dry-run"]);
    assert_ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("1 key overdue in dev\n{a} (dev): 2 d overdue\nThe app's due list or `keyshelf due` shows them.\n")
    );
    let out = bus.keyshelf(&s, &["remind", "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["sent"], false);
    assert_eq!(v["due"], 1);
    assert_eq!(v["reminder"]["groups"][0]["state"], "overdue");
    assert_eq!(v["reminder"]["groups"][0]["env"], "dev");
    assert_eq!(v["reminder"]["groups"][0]["count"], 1);
    assert!(bus.notifications().is_empty());
    // Nothing recorded: the real check still announces it, and `--all` repeats it at once.
    assert_ok(&bus.keyshelf(&s, &["remind"]));
    assert_ok(&bus.keyshelf(&s, &["remind", "--all"]));
    let sent = bus.notifications();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|n| n.summary == "1 key overdue in dev"));
}

#[test]
fn nothing_due_sends_nothing() {
    let s = Shelf::new("remind-none");
    import_rotated(&s, "fresh", "prod", 2);
    let bus = Bus::with_dunst();
    let err = assert_ok(&bus.keyshelf(&s, &["remind"]));
    assert!(err.contains("No key is due for rotation"), "{err}");
    assert!(bus.notifications().is_empty());
}

#[test]
fn without_a_notification_server_remind_fails_with_exit_7_and_records_nothing() {
    let s = Shelf::new("remind-noserver");
    import_rotated(&s, "a", "prod", 100);
    let bus = Bus::bare();
    let out = bus.keyshelf(&s, &["remind"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("no desktop notification server is reachable") && err.contains("keyshelf due"),
        "{err}"
    );
    let out = bus.keyshelf(&s, &["remind", "--json"]);
    assert_eq!(out.status.code(), Some(7));
    let v: serde_json::Value = serde_json::from_str(stderr(&out).trim()).expect("json error");
    assert_eq!(v["error"]["code"], "notification_unavailable");
    // The failed check recorded nothing: the key is still news.
    let v: serde_json::Value =
        serde_json::from_slice(&bus.keyshelf(&s, &["remind", "--dry-run", "--json"]).stdout)
            .expect("json");
    assert_eq!(v["reminder"]["summary"], "1 key overdue in prod");
}

#[test]
fn without_a_session_bus_remind_fails_with_exit_7() {
    let s = Shelf::new("remind-nobus");
    import_rotated(&s, "a", "prod", 100);
    let runtime = tempfile::tempdir().expect("runtime dir");
    let out = s
        .cmd(&["remind", "--json"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .expect("keyshelf");
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stderr(&out).trim()).expect("json error");
    assert_eq!(v["error"]["code"], "notification_unavailable");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("session bus")));
}

#[test]
fn install_writes_a_user_timer_for_this_shelf_and_uninstall_removes_it() {
    let s = Shelf::new("remind-install");
    let config = tempfile::tempdir().expect("config dir");
    let run = |args: &[&str]| {
        s.cmd(args)
            .env("XDG_CONFIG_HOME", config.path())
            .output()
            .expect("keyshelf")
    };
    let units = config.path().join("systemd/user");
    let out = run(&["remind", "--install", "--every", "30m"]);
    let err = assert_ok(&out);
    let service = units.join("keyshelf-remind.service");
    let timer = units.join("keyshelf-remind.timer");
    assert!(err.contains(&service.display().to_string()), "{err}");
    assert!(
        err.contains("systemctl --user enable --now keyshelf-remind.timer"),
        "{err}"
    );
    let service_text = std::fs::read_to_string(&service).expect("service file");
    assert!(
        service_text.contains(&format!(
            "ExecStart=\"{}\" remind\n",
            common::bin().display()
        )),
        "{service_text}"
    );
    assert!(
        service_text.contains(&format!(
            "Environment=\"KEYSHELF_HOME={}\"\n",
            s.home_path().display()
        )),
        "{service_text}"
    );
    assert!(service_text.contains("Type=oneshot"));
    let timer_text = std::fs::read_to_string(&timer).expect("timer file");
    assert!(
        timer_text.contains("OnUnitActiveSec=30min\n"),
        "{timer_text}"
    );
    assert!(timer_text.contains("Unit=keyshelf-remind.service\n"));
    assert!(timer_text.contains("WantedBy=timers.target\n"));

    // Hourly by default, replacing the old files; --json says where.
    let out = run(&["remind", "--install", "--json"]);
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["replaced"], true);
    assert_eq!(v["every"], "1h");
    assert_eq!(v["timer"], timer.display().to_string());
    assert!(std::fs::read_to_string(&timer)
        .expect("timer")
        .contains("OnUnitActiveSec=1h\n"));

    // A bad interval changes nothing.
    let out = run(&["remind", "--install", "--every", "10s"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&timer)
        .expect("timer")
        .contains("OnUnitActiveSec=1h\n"));

    let err = assert_ok(&run(&["remind", "--uninstall"]));
    assert!(
        err.contains("systemctl --user stop keyshelf-remind.timer"),
        "{err}"
    );
    assert!(!service.exists() && !timer.exists());
    let err = assert_ok(&run(&["remind", "--uninstall"]));
    assert!(err.contains("nothing removed"), "{err}");
}

#[test]
fn install_falls_back_to_home_dot_config() {
    let s = Shelf::new("remind-home");
    let home = tempfile::tempdir().expect("home");
    let out = s
        .cmd(&["remind", "--install"])
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .output()
        .expect("keyshelf");
    assert_ok(&out);
    assert!(home
        .path()
        .join(".config/systemd/user/keyshelf-remind.timer")
        .is_file());
}
