//! A keychain that does not answer: a process owns the Secret Service's bus name and never
//! replies (as KeePassXC does in its first seconds). Every keychain call has a deadline; past it
//! the command fails with `keychain_timeout`, names the process, exits 5 and writes nothing.

mod common;
use common::{json_error, run_within, KillOnDrop, PrivateBus, Shelf};
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A D-Bus peer that takes `org.freedesktop.secrets`, says so, and then never reads another
/// message. Its process name is `silent-secrets`, so the error can be checked to name it.
/// (jeepney comes with the Python keyring that scripts/setup.sh installs.)
const SILENT_PEER: &str = r#"
import ctypes, time
from jeepney.io.blocking import open_dbus_connection
from jeepney.bus_messages import message_bus
ctypes.CDLL(None).prctl(15, b"silent-secrets", 0, 0, 0)
conn = open_dbus_connection(bus="SESSION")
reply = conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.secrets"))
assert reply.body[0] == 1, reply.body
print("owned", flush=True)
time.sleep(600)
"#;

/// Starts the silent peer on `bus` and waits until it owns the name.
fn start_silent_peer(bus: &PrivateBus) -> KillOnDrop {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", SILENT_PEER])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut peer = KillOnDrop(bus.env(&mut cmd).spawn().expect("python3"));
    let mut line = String::new();
    std::io::BufReader::new(peer.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the peer's first line");
    assert_eq!(
        line.trim(),
        "owned",
        "the silent peer did not take the name"
    );
    peer
}

#[test]
fn a_secret_service_that_never_answers_times_out_naming_its_owner() {
    let s = Shelf::new("silent");
    let bus = PrivateBus::start();
    let _peer = start_silent_peer(&bus);
    for (args, stdin) in [
        (vec!["generate", "gen", "--env", "dev", "--json"], ""),
        (
            vec!["import", "imp", "--env", "dev", "--json"],
            "silent-fixture-value",
        ),
    ] {
        let mut cmd = s.cmd(&args);
        bus.env(&mut cmd).env("KEYSHELF_KEYCHAIN_TIMEOUT", "2");
        let (out, took, killed) = run_within(cmd, stdin, Duration::from_secs(15));
        assert!(!killed, "keyshelf {args:?} hung for {took:?} with no word");
        assert_eq!(
            out.status.code(),
            Some(5),
            "{args:?}: {}",
            common::stderr(&out)
        );
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(5),
            "{args:?} returned after {took:?}, not at its 2 s deadline"
        );
        let (code, message) = json_error(&out);
        assert_eq!(code, "keychain_timeout", "{message}");
        assert!(message.contains("silent-secrets"), "{message}");
        assert!(message.contains("2 s"), "{message}");
        assert!(message.contains("KEYSHELF_KEYCHAIN_TIMEOUT"), "{message}");
        assert!(!message.contains("silent-fixture-value"), "{message}");
    }
    // Nothing half-written: no row in the store.
    let mut list = s.cmd(&["list", "--json"]);
    bus.env(&mut list);
    let (out, _, killed) = run_within(list, "", Duration::from_secs(10));
    assert!(!killed && out.status.success(), "{}", common::stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn a_bad_deadline_falls_back_to_the_default_of_ten_seconds() {
    let s = Shelf::new("baddeadline");
    let bus = PrivateBus::start();
    let _peer = start_silent_peer(&bus);
    let mut cmd = s.cmd(&["generate", "gen", "--env", "dev", "--json"]);
    bus.env(&mut cmd).env("KEYSHELF_KEYCHAIN_TIMEOUT", "soon");
    let (out, took, killed) = run_within(cmd, "", Duration::from_secs(20));
    assert!(!killed, "hung for {took:?}");
    let (code, message) = json_error(&out);
    assert_eq!(code, "keychain_timeout", "{message}");
    assert!(message.contains("10 s"), "{message}");
    let warned = common::stderr(&out);
    assert!(warned.contains("not a positive whole number"), "{warned}");
    assert!(
        took >= Duration::from_secs(10) && took < Duration::from_secs(13),
        "{took:?}"
    );
}
