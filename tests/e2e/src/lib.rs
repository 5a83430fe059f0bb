//! Helpers for the end-to-end tests: a small W3C WebDriver client, a running `tauri-driver`
//! with the real app, keychain checks through `secret-tool`, the session bus's notifications
//! and tray, the app's window as the X server sees it, and the native file chooser it opens.
//!
//! The tests run inside `scripts/with-keyring.sh` (private D-Bus, unlocked gnome-keyring, Xvfb);
//! outside it they refuse to run rather than touch the developer's own keychain.

pub mod app;
pub mod axe;
pub mod file_chooser;
pub mod notifications;
pub mod seed;
pub mod tray;
pub mod ui;
pub mod webdriver;
pub mod window;

use std::path::PathBuf;
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built desktop app: `KEYSHELF_APP_BINARY` when set (the benchmarks point it at the release
/// build), else the debug build (`cargo build -p keyshelf-desktop`, done by scripts/test.sh).
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("KEYSHELF_APP_BINARY") {
        return PathBuf::from(path);
    }
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

/// Saves a 1280×800 screenshot of the window as `docs/screenshots/<name>.png`.
pub fn shot(s: &webdriver::Session, name: &str) {
    // WebKitWebDriver's screenshot is of the last painted frame: a DOM change the test just
    // waited for may not be on screen yet (the Keys shot showed "0 of 0" after the list had
    // loaded, even 400 ms later on a loaded machine). Wait for frames painted after it.
    s.wait_painted().expect("the web view paints");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let png = s.screenshot().expect("screenshot");
    let dir = workspace_root().join("docs/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// A loopback port free right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Every place under `roots` where one of `values` is written, raw, base64 (standard and
/// URL-safe) or hex, as `(file, value)`. `skip` names directories that are allowed to hold
/// them (the keychain's own files). Also returns how many files were read, so a caller can
/// show the scan looked somewhere.
pub fn find_leaks(
    roots: &[PathBuf],
    skip: &[PathBuf],
    values: &[String],
) -> (Vec<(PathBuf, String)>, usize) {
    use base64::Engine;
    let forms = |v: &str| -> Vec<Vec<u8>> {
        let hex: String = v.bytes().map(|b| format!("{b:02x}")).collect();
        vec![
            v.as_bytes().to_vec(),
            base64::engine::general_purpose::STANDARD
                .encode(v)
                .into_bytes(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(v)
                .into_bytes(),
            hex.into_bytes(),
        ]
    };
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> = roots.to_vec();
    while let Some(dir) = dirs.pop() {
        if skip.iter().any(|s| dir.starts_with(s)) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                dirs.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    let mut leaks = Vec::new();
    for file in &files {
        // A file that vanished since the walk (WebKit's journals) cannot hold anything now.
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        for v in values {
            if forms(v)
                .iter()
                .any(|f| bytes.windows(f.len()).any(|w| w == f.as_slice()))
            {
                leaks.push((file.clone(), v.clone()));
            }
        }
    }
    (leaks, files.len())
}
