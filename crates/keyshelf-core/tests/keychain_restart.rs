//! The Secret Service can restart under a running process: gnome-keyring 42 aborts now and then
//! (a race in its client tracking) and is started again by D-Bus activation or systemd, and a user
//! can restart it by hand. A long-lived process (the desktop app) must go on working: the next
//! keychain call connects afresh, and a call in flight when the daemon died is made again.
//!
//! The worker runs in a test session of its own (scripts/with-keyring.sh), whose keyring it kills;
//! that session's bus starts the keyring again, unlocked, on the next call.

use keyshelf_core::vault::{KeyringVault, Vault};
use keyshelf_core::Secret;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Set by the parent test: without it the worker does nothing (it kills its session's keyring).
const WORKER_ENV: &str = "KEYSHELF_KEYCHAIN_RESTART_WORKER";
const ACCOUNT: &str = "keychain-restart-test";
const VALUE: &str = "restart-fixture-value";

#[test]
fn a_keychain_that_restarts_under_a_running_process_is_reconnected_and_the_call_made_again() {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/with-keyring.sh");
    let out = Command::new(script)
        .arg(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", "worker", "--nocapture"])
        .env_remove("KEYSHELF_IN_TEST_SESSION")
        .env_remove("DISPLAY")
        .env("WITH_KEYRING_NO_X", "1")
        .env(WORKER_ENV, "1")
        .output()
        .expect("scripts/with-keyring.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("worker: all reads after restarts agreed"),
        "{stdout}\n{stderr}"
    );
}

#[test]
#[ignore = "run by the test above, in a session of its own"]
fn worker() {
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    let vault = KeyringVault;
    // Killed while this process opened its first session with it.
    let pid = daemon_pid();
    signal(&pid, "STOP");
    let first = std::thread::spawn(move || KeyringVault.get(ACCOUNT));
    std::thread::sleep(Duration::from_millis(300));
    signal(&pid, "KILL");
    let nothing = first.join().expect("the first reader thread");
    assert!(matches!(nothing, Ok(None)), "{nothing:?}");

    vault
        .set(ACCOUNT, &Secret::new(VALUE.to_owned()))
        .expect("the first write");

    // Restarted between two calls: this process's session on the old daemon is gone.
    signal(&daemon_pid(), "KILL");
    let read = vault
        .get(ACCOUNT)
        .expect("a read after the keyring restarted");
    assert_eq!(read.as_ref().map(|s| s.expose()), Some(VALUE));

    // Killed while answering a call: the call gets no reply and is made again.
    let pid = daemon_pid();
    signal(&pid, "STOP");
    let reader = std::thread::spawn(move || KeyringVault.get(ACCOUNT));
    std::thread::sleep(Duration::from_millis(300));
    signal(&pid, "KILL");
    let read = reader
        .join()
        .expect("the reader thread")
        .expect("a read in flight when the keyring died");
    assert_eq!(read.as_ref().map(|s| s.expose()), Some(VALUE));

    // Writes and deletes work on the new connection too.
    vault
        .set(ACCOUNT, &Secret::new(format!("{VALUE}-2")))
        .expect("a write after the restarts");
    assert!(vault.delete(ACCOUNT).expect("a delete after the restarts"));
    println!("worker: all reads after restarts agreed");
}

/// The process that owns the Secret Service's name on this session's bus.
fn daemon_pid() -> String {
    let out = Command::new("busctl")
        .args([
            "--user",
            "call",
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetConnectionUnixProcessID",
            "s",
            "org.freedesktop.secrets",
        ])
        .output()
        .expect("busctl");
    let text = String::from_utf8_lossy(&out.stdout);
    let pid = text
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    assert!(
        pid.parse::<u32>().is_ok(),
        "no Secret Service owner: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    pid
}

fn signal(pid: &str, sig: &str) {
    let status = Command::new("kill")
        .args([&format!("-{sig}"), pid])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{sig} {pid}");
}
