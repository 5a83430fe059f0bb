//! Notifications on the test session's bus, seen for real: a `dbus-monitor` records every call to
//! `org.freedesktop.Notifications`, and a real server (`dunst`, D-Bus-activated or started here)
//! answers them. The same approach as crates/keyshelf-cli/tests/remind_notifications.rs, on the
//! session bus the app also uses for the keychain.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One `Notify` call as the monitor saw it.
#[derive(Debug, Clone)]
pub struct Notify {
    pub app: String,
    pub summary: String,
    pub body: String,
    /// Actions, then hint names and string values, in order.
    pub rest: Vec<String>,
}

/// A `dbus-monitor` on the session bus and a notification server answering; what it started is
/// killed on drop.
pub struct Monitor {
    _dir: tempfile::TempDir,
    log: PathBuf,
    monitor: Child,
    server: Option<Child>,
    marker: u32,
}

impl Monitor {
    pub fn start() -> Monitor {
        let dir = tempfile::tempdir().expect("monitor dir");
        let log = dir.path().join("monitor.log");
        let file = std::fs::File::create(&log).expect("monitor log");
        let monitor = Command::new("dbus-monitor")
            .args(["--session", "interface='org.freedesktop.Notifications'"])
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (dbus package)");
        let mut m = Monitor {
            _dir: dir,
            log,
            monitor,
            server: None,
            marker: 4_000_000_000 + std::process::id() % 1000,
        };
        // It has become a monitor once it lost its own name.
        wait_for("dbus-monitor to start", || m.text().contains("NameLost"));
        // A server on the bus. D-Bus activation cannot start dunst here (the bus daemon started
        // before Xvfb, so dunst would get no DISPLAY): start it with ours unless one runs.
        let owned = dbus_send(&[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.Notifications",
        ]);
        if !owned.contains("boolean true") {
            let rc = m._dir.path().join("dunstrc");
            std::fs::write(&rc, "").expect("dunstrc");
            let dunst = Command::new("dunst")
                .arg("-config")
                .arg(&rc)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("dunst is installed by scripts/setup.sh");
            m.server = Some(dunst);
            wait_for("dunst to own org.freedesktop.Notifications", || {
                dbus_send(&[
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.Notifications",
                ])
                .contains("boolean true")
            });
        }
        let info = dbus_send(&[
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications.GetServerInformation",
        ]);
        assert!(
            info.contains("string"),
            "no notification server answers on the session bus (is dunst installed?): {info}"
        );
        m.marker += 1;
        m
    }

    /// Everything the monitor recorded (for failure messages).
    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The Notify calls sent under `app` so far, once every call made before this one was
    /// recorded: a marker call sent now reaches the monitor after every earlier message, so
    /// "no second notification" is an observation, not a race.
    pub fn notifications(&mut self, app: &str) -> Vec<Notify> {
        self.marker += 1;
        let marker = format!("uint32 {}", self.marker);
        dbus_send(&[
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications.CloseNotification",
            &format!("uint32:{}", self.marker),
        ]);
        wait_for("the monitor to see the marker", || {
            self.text().contains(&marker)
        });
        parse_notify_calls(&self.text())
            .into_iter()
            .filter(|n| n.app == app)
            .collect()
    }

    /// Waits until at least `n` Notify calls were sent under `app`; returns them all.
    pub fn wait_notifications(&mut self, app: &str, n: usize, timeout: Duration) -> Vec<Notify> {
        let start = Instant::now();
        loop {
            let seen = self.notifications(app);
            if seen.len() >= n || start.elapsed() > timeout {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        for child in std::iter::once(&mut self.monitor).chain(self.server.as_mut()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn dbus_send(args: &[&str]) -> String {
    let out = Command::new("dbus-send")
        .args(["--session", "--print-reply"])
        .args(args)
        .output()
        .expect("dbus-send");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Reads the Notify calls out of `dbus-monitor`'s text: each is a `method call … member=Notify`
/// line followed by its arguments, the strings printed as `string "…"`.
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
