//! Helpers for the end-to-end tests: a small W3C WebDriver client, a running `tauri-driver`
//! with the real app, and keychain checks through `secret-tool`.
//!
//! The tests run inside `scripts/with-keyring.sh` (private D-Bus, unlocked gnome-keyring, Xvfb);
//! outside it they refuse to run rather than touch the developer's own keychain.

pub mod app;
pub mod webdriver;

use std::path::PathBuf;
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built desktop app (`cargo build -p keyshelf-desktop`, done by scripts/test.sh).
pub fn app_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug").join("keyshelf-desktop")
}

/// Panics unless we are in the private test session: the e2e tests write the keychain.
pub fn require_test_session() {
    assert!(
        std::env::var_os("KEYSHELF_IN_TEST_SESSION").is_some(),
        "the end-to-end tests must run inside scripts/with-keyring.sh (a private keychain and display)"
    );
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: the end-to-end tests need the Xvfb display scripts/with-keyring.sh starts"
    );
}

/// The secret stored under `account` in the Secret Service, read by `secret-tool` (an
/// independent client), or `None` when there is no such item.
pub fn keychain_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "keyshelf", "username", account])
        .output()
        .expect("secret-tool runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .filter(|s| !s.is_empty())
}

/// The text on the X clipboard, read by `xclip` (an independent client).
pub fn clipboard_text() -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .expect("xclip runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loopback port free right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
