//! Shared by the CLI's integration tests: a throwaway Keyshelf home, unique key names, and a way
//! to run the real `keyshelf` binary against the real Secret Service of the test session.
#![allow(dead_code)]

pub mod bao;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// Fails the test with a clear message when no private keyring session is running: these tests
/// talk to a real Secret Service and must never touch a developer's own keychain.
pub fn require_test_session() {
    assert!(
        std::env::var_os("KEYSHELF_IN_TEST_SESSION").is_some(),
        "run these tests through `make test` or `scripts/with-keyring.sh cargo test`: they need the private Secret Service"
    );
}

/// One test's Keyshelf: its own home directory and a prefix that keeps its keychain accounts apart
/// from other tests running at the same time on the same keyring.
pub struct Shelf {
    pub home: tempfile::TempDir,
    pub prefix: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Shelf {
    pub fn new(test: &str) -> Self {
        require_test_session();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        Shelf {
            home: tempfile::tempdir().expect("temp dir"),
            prefix: format!("t{}-{n}-{test}", std::process::id()),
        }
    }

    /// A key name unique to this test.
    pub fn name(&self, short: &str) -> String {
        format!("{}-{short}", self.prefix)
    }

    pub fn home_path(&self) -> &Path {
        self.home.path()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(args)
            .env("KEYSHELF_HOME", self.home.path())
            .env_remove("KEYSHELF_LOG");
        c
    }

    /// Runs `keyshelf ARGS` with `stdin` piped in.
    pub fn run_in(&self, args: &[&str], stdin: &str) -> Output {
        run_with_stdin(self.cmd(args), stdin)
    }

    /// Runs `keyshelf ARGS` with an empty stdin.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_in(args, "")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_success(&out, args);
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs with stdin and asserts success; returns stdout.
    pub fn ok_in(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run_in(args, stdin);
        assert_success(&out, args);
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs with `--json` and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("valid JSON on stdout")
    }
}

/// Runs a prepared command with `stdin` piped in, capturing its output.
pub fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(mut input) = child.stdin.take() {
        // The command may exit before reading all of it (a refused input): that is fine.
        let _ = input.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("wait")
}

pub fn assert_success(out: &Output, args: &[&str]) {
    assert!(
        out.status.success(),
        "keyshelf {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a command printed nothing on stderr, bar the warning of a keychain daemon that died
/// under the call and was reached again: gnome-keyring aborts now and then under the suite's
/// parallel load (see scripts/with-keyring.sh), and the command still did its work whole.
pub fn assert_quiet(out: &Output, what: &str) {
    let text = stderr(out);
    let other: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("the keychain went away"))
        .collect();
    assert!(other.is_empty(), "{what} printed on stderr: {text}");
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_keyshelf"))
}

/// `secret-tool lookup service keyshelf username ACCOUNT`, `None` when absent.
pub fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "keyshelf", "username", account])
        .output()
        .expect("secret-tool is installed by scripts/setup.sh");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).expect("utf-8"))
}

/// A D-Bus session bus of a test's own, with its own HOME and XDG_RUNTIME_DIR, so a Secret
/// Service started on it never meets the test session's gnome-keyring. Its configuration has no
/// service directories: nothing is activated on demand, only what the test starts owns a name.
pub struct PrivateBus {
    daemon: std::process::Child,
    pub address: String,
    dir: tempfile::TempDir,
}

impl PrivateBus {
    pub fn start() -> Self {
        use std::io::BufRead;
        use std::os::unix::fs::DirBuilderExt;
        let dir = tempfile::tempdir().expect("a bus dir");
        let run = dir.path().join("run");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .recursive(true)
            .create(&run)
            .expect("a runtime dir");
        for sub in ["home/.config", "home/.local/share", "tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("home dirs");
        }
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir={}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>"#,
                run.display()
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
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("the bus address");
        let address = address.trim().to_owned();
        assert!(
            address.starts_with("unix:"),
            "dbus-daemon printed {address:?}"
        );
        PrivateBus {
            daemon,
            address,
            dir,
        }
    }

    /// This bus's scratch directory (its HOME is `home/` in it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Points `cmd` at this bus and its HOME, XDG directories and TMPDIR.
    pub fn env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        let home = self.dir.path().join("home");
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("TMPDIR", self.dir.path().join("tmp"))
            .env("HOME", home)
    }

    /// The pid of the process that owns `name` on this bus, if any.
    pub fn owner_pid(&self, name: &str) -> Option<u32> {
        let conn = zbus::blocking::connection::Builder::address(self.address.as_str())
            .ok()?
            .build()
            .ok()?;
        let bus = zbus::blocking::fdo::DBusProxy::new(&conn).ok()?;
        let name = zbus::names::BusName::try_from(name).ok()?;
        bus.get_connection_unix_process_id(name).ok()
    }

    /// Waits up to `limit` for `name` to be owned; its owner's pid.
    pub fn wait_for_owner(&self, name: &str, limit: std::time::Duration) -> Option<u32> {
        let until = std::time::Instant::now() + limit;
        loop {
            if let Some(pid) = self.owner_pid(name) {
                return Some(pid);
            }
            if std::time::Instant::now() > until {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// `secret-tool lookup service keyshelf username ACCOUNT` on this bus, `None` when absent.
    pub fn secret_tool_lookup(&self, account: &str) -> Option<String> {
        let mut cmd = Command::new("timeout");
        cmd.args([
            "10",
            "secret-tool",
            "lookup",
            "service",
            "keyshelf",
            "username",
            account,
        ]);
        let out = self.env(&mut cmd).output().expect("secret-tool");
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).expect("utf-8"))
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A child process killed when the test ends, passing or failing.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs a prepared command with `stdin` piped in; kills it if it is still running after `limit`.
/// Returns its output, how long it ran, and whether it had to be killed.
pub fn run_within(
    mut cmd: Command,
    stdin: &str,
    limit: std::time::Duration,
) -> (Output, std::time::Duration, bool) {
    let started = std::time::Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    let mut killed = false;
    while child.try_wait().expect("try_wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            killed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("wait");
    (out, started.elapsed(), killed)
}

/// The `{"error":{code,message}}` a `--json` command printed last on stderr: (code, message).
pub fn json_error(out: &Output) -> (String, String) {
    let err = stderr(out);
    let last = err
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("stderr is not one JSON error ({e}): {err}"));
    let field = |k: &str| v["error"][k].as_str().unwrap_or_default().to_owned();
    (field("code"), field("message"))
}

/// The simulator's management token (not a real secret).
pub const SIM_TOKEN: &str = "sim-management-token-not-real";

/// Adds the simulator at `url` as provider `name` of this shelf, with its verify route, and any
/// `extra` arguments of `provider add` (e.g. `--timeout 1`).
pub fn add_sim_provider(s: &Shelf, url: &str, name: &str, extra: &[&str]) {
    let mut args = vec![
        "provider",
        "add",
        name,
        "--base-url",
        url,
        "--verify-path",
        "/api-routes-data",
    ];
    args.extend_from_slice(extra);
    args.push("--token-stdin");
    s.ok_in(&args, SIM_TOKEN);
}

/// A simulator on loopback holding `seed_keys` keys, managed with `token`.
pub fn sim_with(token: &str, seed_keys: usize) -> keyshelf_provider_sim::SimHandle {
    keyshelf_provider_sim::spawn(
        keyshelf_provider_sim::Config {
            token: token.into(),
            seed_keys,
            ..keyshelf_provider_sim::Config::default()
        },
        0,
    )
    .expect("the simulator starts on loopback")
}

/// Rotates `keyref`, whose service cannot deactivate keys, the whole way: confirmed at once, the
/// old key still there through the grace period (`old_there`), then deleted when it ends.
pub fn rotate_through_grace(s: &Shelf, keyref: &str, old_there: impl Fn() -> bool) {
    let out = s.run(&["rotate", keyref, "--confirm-updated"]);
    assert_success(&out, &["rotate"]);
    assert!(old_there(), "the old key is kept through the grace period");
    let out = s.run(&["rotate", keyref, "--resume", "--end-grace"]);
    assert_success(&out, &["rotate", "--end-grace"]);
    assert!(
        !old_there(),
        "the old key is deleted when the grace period ends"
    );
}

/// The simulator's key behind a UUID-shaped id as its Datadog mode makes them (the store id in
/// the last group), if it is still there.
pub fn sim_key_by_uuid(
    sim: &keyshelf_provider_sim::SimHandle,
    id: &str,
) -> Option<keyshelf_provider_sim::SimKey> {
    sim.keys()
        .into_iter()
        .find(|k| id.ends_with(&format!("{:012x}", k.id)))
}
