//! Shared by the CLI's integration tests: a throwaway Keyshelf home, unique key names, and a way
//! to run the real `keyshelf` binary against the real Secret Service of the test session.
#![allow(dead_code)]

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
