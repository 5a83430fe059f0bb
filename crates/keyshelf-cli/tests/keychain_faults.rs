//! When the keychain cannot be used, Keyshelf says what is missing and how to fix it, exits 5, and
//! stores nothing anywhere else (no row, no file holding the value).

mod common;
use common::{run_with_stdin, stderr, Shelf};
use std::process::Command;

fn assert_nothing_stored(s: &Shelf, value: &str) {
    let list = s.run(&["list", "--json"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");
    for entry in std::fs::read_dir(s.home_path()).expect("home").flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
            "value found in {:?}",
            entry.path()
        );
    }
}

#[test]
fn without_a_session_bus_the_error_names_the_missing_secret_service() {
    let s = Shelf::new("nobus");
    let name = s.name("k");
    let value = "nobus-fixture-value";
    let mut cmd = s.cmd(&["import", &name, "--env", "dev"]);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    let out = run_with_stdin(cmd, value);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("no OS keychain is reachable"), "{err}");
    assert!(err.contains("dbus-run-session"), "{err}");
    assert!(err.contains("never falls back"), "{err}");
    assert_nothing_stored(&s, value);
}

#[test]
fn a_locked_keyring_is_reported_as_locked_with_the_fix() {
    let s = Shelf::new("locked");
    let name = s.name("k");
    let value = "locked-fixture-value";
    // A bus and keyring of its own (its own HOME, so it shares no keyring file with the other
    // tests), unlocked, then locked over D-Bus: the write needs an unlock prompt, which cannot be
    // shown without a display, and is refused, as on a desktop whose keyring is locked.
    let keyring_home = tempfile::tempdir().expect("keyring home");
    let script = format!(
        r#"eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
busctl --user call org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service Lock ao 1 /org/freedesktop/secrets/aliases/default >/dev/null
printf %s {value} | timeout 20 {bin} import {name} --env dev"#,
        bin = common::bin().display()
    );
    let out = Command::new("timeout")
        .args(["60", "dbus-run-session", "--", "sh", "-c", &script])
        .env("KEYSHELF_HOME", s.home_path())
        .env("HOME", keyring_home.path())
        .env("XDG_DATA_HOME", keyring_home.path().join("data"))
        // Its own runtime dir too: gnome-keyring-daemon's control socket lives there, and a
        // second daemon on the session's socket can take over or stop the session's keyring.
        .env("XDG_RUNTIME_DIR", private_runtime_dir(keyring_home.path()))
        .env_remove("DISPLAY")
        .env_remove("KEYSHELF_IN_TEST_SESSION")
        .output()
        .expect("dbus-run-session");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains("refused access") && err.contains("unlock"),
        "{err}"
    );
    assert_nothing_stored(&s, value);
}

/// A fresh `XDG_RUNTIME_DIR` (mode 700, as the spec asks) under `home`.
fn private_runtime_dir(home: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let dir = home.join("run");
    std::fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(&dir)
        .expect("a runtime dir");
    dir
}
