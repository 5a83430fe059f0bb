//! `keyshelf copy` ended early and pasted, through the real binary, keychain and X clipboard (Xvfb
//! from scripts/with-keyring.sh), for issue 13:
//! - finding 10: SIGINT (Ctrl-C), SIGTERM or SIGHUP while a copy waits to clear it clears the
//!   clipboard at once if it still holds the copy, leaves it alone if another program took it
//!   meanwhile, and exits with the conventional status (128 + the signal's number);
//! - finding 7: `--format env` pasted into a shell sets exactly the value and runs nothing.

mod common;

use common::{stderr, Shelf};
use std::io::Write;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The X clipboard is one for the whole display: tests that use it take turns.
static CLIPBOARD: Mutex<()> = Mutex::new(());

fn clipboard_turn() -> MutexGuard<'static, ()> {
    CLIPBOARD.lock().unwrap_or_else(|p| p.into_inner())
}

/// The clipboard's text, `None` when nobody owns it or the owner does not answer within 2 s (a
/// stopped `keyshelf copy` cannot: xclip would wait for it for ever).
fn clipboard() -> Option<String> {
    let out = Command::new("timeout")
        .args(["2", "xclip", "-o", "-selection", "clipboard"])
        .stderr(Stdio::null())
        .output()
        .expect("xclip is installed by scripts/setup.sh");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Waits until the clipboard's text passes `ok`; fails with `child`'s stderr if it exits first.
fn wait_for_clipboard(child: &mut Child, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        if let Some(text) = clipboard().filter(|t| ok(t)) {
            return text;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("keyshelf copy exited with {status} before serving: {err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the clipboard never held the copied text"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `keyshelf copy NAME` with a delay far longer than any test: only a signal ends it.
fn spawn_copy(s: &Shelf, name: &str, extra: &[&str]) -> Child {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "the clipboard tests need the Xvfb display of scripts/with-keyring.sh"
    );
    let mut args = vec!["copy", name, "--clear-after", "600"];
    args.extend_from_slice(extra);
    s.cmd(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keyshelf copy")
}

fn signal(child: &Child, sig: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{sig}");
}

/// Waits at most 5 s for `child` to end (a copy left running would wait 600 s).
fn wait_ended(child: &mut Child, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(5) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("keyshelf copy still ran 5 s after {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    err
}

#[test]
fn a_stop_signal_clears_the_clipboard_at_once_and_exits_conventionally() {
    let s = Shelf::new("copy-signal");
    let _turn = clipboard_turn();
    for (sig, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let value = format!("fixture-value-not-a-real-key-sig{sig}");
        let name = s.name(&format!("k{sig}"));
        s.ok_in(&["import", &name, "--env", "dev"], &value);
        let mut child = spawn_copy(&s, &name, &[]);
        wait_for_clipboard(&mut child, |t| t == value);
        let sent = Instant::now();
        signal(&child, sig);
        let status = wait_ended(&mut child, &format!("SIG{sig}"));
        assert!(sent.elapsed() < Duration::from_secs(2), "slow to stop");
        let err = stderr_of(&mut child);
        assert_eq!(status.code(), Some(code), "SIG{sig}: {status}; {err}");
        assert!(err.contains("clipboard cleared"), "SIG{sig}: {err}");
        assert_eq!(clipboard(), None, "SIG{sig} left the copy on the clipboard");
    }
}

#[test]
fn a_stop_signal_leaves_alone_what_another_program_copied_meanwhile() {
    let s = Shelf::new("copy-signal-alone");
    let _turn = clipboard_turn();
    let value = "fixture-value-not-a-real-key-sig-alone";
    let name = s.name("k");
    s.ok_in(&["import", &name, "--env", "dev"], value);
    let mut child = spawn_copy(&s, &name, &[]);
    wait_for_clipboard(&mut child, |t| t == value);
    // Stopped, so that the user's copy and Ctrl-C both reach it before it looks again: when it
    // goes on it must find the clipboard someone else's, and leave it so.
    signal(&child, "STOP");
    let mut other = Command::new("xclip")
        .args(["-quiet", "-selection", "clipboard", "-i"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn xclip");
    let mine = "the user's own text";
    other
        .stdin
        .take()
        .unwrap()
        .write_all(mine.as_bytes())
        .unwrap();
    let start = Instant::now();
    while clipboard().as_deref() != Some(mine) {
        if start.elapsed() > Duration::from_secs(10) {
            signal(&child, "KILL");
            child.wait().unwrap();
            panic!("xclip never took the clipboard");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&child, "INT");
    signal(&child, "CONT");
    let status = wait_ended(&mut child, "SIGINT");
    let err = stderr_of(&mut child);
    assert_eq!(status.code(), Some(130), "{status}; {err}");
    assert!(err.contains("another program took the clipboard"), "{err}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(clipboard().as_deref(), Some(mine));
    other.kill().unwrap();
    other.wait().unwrap();
}

#[test]
fn the_env_format_pasted_into_a_shell_sets_the_value_and_runs_nothing() {
    let s = Shelf::new("copy-env-paste");
    let _turn = clipboard_turn();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let m = marker.display();
    for (i, value) in [
        format!("fixture$(touch {m})"),
        format!("fixture`touch {m}`"),
        format!("fixture; touch {m}"),
        format!("fixture it's $(touch {m}) && touch {m}"),
    ]
    .iter()
    .enumerate()
    {
        let name = s.name(&format!("k{i}"));
        s.ok_in(
            &["import", &name, "--env", "dev", "--var", "KS_PASTED"],
            value,
        );
        let mut child = spawn_copy(&s, &name, &["--format", "env"]);
        let pasted = wait_for_clipboard(&mut child, |t| t.starts_with("KS_PASTED="));
        signal(&child, "INT");
        wait_ended(&mut child, "SIGINT");
        let out = Command::new("sh")
            .args(["-c", &format!("{pasted}\nprintf %s \"$KS_PASTED\"")])
            .env_remove("KS_PASTED")
            .output()
            .unwrap();
        assert!(!marker.exists(), "pasting {pasted:?} ran a command");
        assert_eq!(String::from_utf8_lossy(&out.stdout), *value, "{out:?}");
        assert!(out.status.success(), "{}", stderr(&out));
    }
}
