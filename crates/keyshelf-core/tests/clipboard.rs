//! The desktop's long-lived clipboard handle against the real X clipboard (Xvfb from
//! scripts/with-keyring.sh), read back with xclip as another program would.

use keyshelf_core::clipboard::SecretClipboard;
use keyshelf_core::Secret;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One X clipboard for the whole display: these tests take turns.
static TURN: Mutex<()> = Mutex::new(());

fn clipboard() -> Option<String> {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run through scripts/with-keyring.sh, which provides an Xvfb display"
    );
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .stderr(Stdio::null())
        .output()
        .expect("xclip is installed by scripts/setup.sh");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn eventually(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(10), "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn take_clipboard(text: &str) -> Child {
    let mut c = Command::new("xclip")
        .args(["-quiet", "-selection", "clipboard", "-i"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    eventually("xclip took the clipboard", || {
        clipboard().as_deref() == Some(text)
    });
    c
}

#[test]
fn a_copy_is_served_then_cleared_after_its_delay() {
    let _t = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let board = SecretClipboard::open().unwrap();
    let v = "fixture-value-not-a-real-key-desktop";
    board
        .copy(&Secret::from(v), Some(Duration::from_millis(1500)))
        .unwrap();
    assert_eq!(clipboard().as_deref(), Some(v));
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(clipboard().as_deref(), Some(v), "cleared too early");
    eventually("cleared after the delay", || {
        clipboard().as_deref() != Some(v)
    });
}

#[test]
fn the_timer_and_drop_leave_what_the_user_copied_since() {
    let _t = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let board = SecretClipboard::open().unwrap();
    let v = "fixture-value-not-a-real-key-user";
    board
        .copy(&Secret::from(v), Some(Duration::from_millis(800)))
        .unwrap();
    let mut other = take_clipboard("the user's own text");
    std::thread::sleep(Duration::from_millis(1200));
    assert!(!board.clear_if_ours().unwrap());
    drop(board);
    assert_eq!(clipboard().as_deref(), Some("the user's own text"));
    other.kill().unwrap();
    other.wait().unwrap();
}

#[test]
fn a_newer_copy_outlives_the_older_timer_and_drop_clears_it() {
    let _t = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let board = SecretClipboard::open().unwrap();
    board
        .copy(
            &Secret::from("fixture-first"),
            Some(Duration::from_millis(500)),
        )
        .unwrap();
    board.copy(&Secret::from("fixture-second"), None).unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(clipboard().as_deref(), Some("fixture-second"));
    drop(board);
    assert_ne!(clipboard().as_deref(), Some("fixture-second"));
}
