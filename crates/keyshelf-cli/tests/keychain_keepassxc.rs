//! Keyshelf against a second Secret Service implementation: KeePassXC's (FdoSecrets), on a bus of
//! the test's own. KeePassXC owns `org.freedesktop.secrets` a moment before its database is
//! unlocked; a request in that gap makes it show its "Unlock Database" dialog (the `--pw-stdin`
//! unlock is then dropped) and the request waits on that dialog. Such a request must end in
//! `keychain_timeout` naming KeePassXC (never a hang, never another error, nothing written); once
//! the user unlocks (here: xdotool types the password into the dialog), generate/import/get/
//! rotate/remove must all work, as against gnome-keyring.

mod common;
use common::{json_error, run_within, KillOnDrop, PrivateBus, Shelf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const DB_PASSWORD: &str = "keyshelf-test";

/// Writes a KeePassXC database with a group `Keyshelf` exposed over the Secret Service (the
/// database custom data `FDO_SECRETS_EXPOSED_GROUP` = the group's UUID in braces).
const MAKE_DATABASE: &str = r#"
import sys
from lxml import etree
from pykeepass import create_database
db = create_database(sys.argv[1], password=sys.argv[2])
group = db.add_group(db.root_group, "Keyshelf")
meta = db._xpath("/KeePassFile/Meta", first=True)
data = meta.find("CustomData")
if data is None:
    data = etree.SubElement(meta, "CustomData")
item = etree.SubElement(data, "Item")
etree.SubElement(item, "Key").text = "FDO_SECRETS_EXPOSED_GROUP"
etree.SubElement(item, "Value").text = "{%s}" % group.uuid
db.save()
"#;

/// KeePassXC's settings: the Secret Service on, no notifications or confirmations to click.
const KEEPASSXC_INI: &str = "[General]
ConfigVersion=2
UpdateCheckMessageShown=true

[FdoSecrets]
Enabled=true
ShowNotification=false
ConfirmAccessItem=false
ConfirmDeleteItem=false
";

/// Starts KeePassXC serving the Secret Service on `bus` and waits until it owns the bus name.
fn start_keepassxc(bus: &PrivateBus) -> KillOnDrop {
    let db = bus.dir().join("keyshelf.kdbx");
    let made = Command::new("python3")
        .args(["-c", MAKE_DATABASE])
        .arg(&db)
        .arg(DB_PASSWORD)
        .output()
        .expect("python3");
    assert!(
        made.status.success(),
        "pykeepass (scripts/setup.sh installs it): {}",
        common::stderr(&made)
    );
    let config = bus.dir().join("home/.config/keepassxc");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("keepassxc.ini"), KEEPASSXC_INI).expect("keepassxc.ini");

    let log = std::fs::File::create(bus.dir().join("keepassxc.log")).expect("log");
    let mut cmd = Command::new("keepassxc");
    cmd.arg("--pw-stdin")
        .arg(&db)
        // On the test session's Xvfb display, where its unlock dialog can be answered.
        .env("DISPLAY", display())
        .stdin(Stdio::piped())
        .stdout(log.try_clone().expect("log"))
        .stderr(log);
    let spawned = bus.env(&mut cmd).spawn();
    let mut child = KillOnDrop(spawned.unwrap_or_else(|e| {
        panic!("keepassxc could not be started ({e}); scripts/setup.sh installs it")
    }));
    {
        use std::io::Write;
        let mut stdin = child.0.stdin.take().expect("stdin");
        writeln!(stdin, "{DB_PASSWORD}").expect("password");
    }
    let owner = bus.wait_for_owner("org.freedesktop.secrets", Duration::from_secs(15));
    assert_eq!(
        owner,
        Some(child.0.id()),
        "KeePassXC did not take org.freedesktop.secrets; its log: {}",
        std::fs::read_to_string(bus.dir().join("keepassxc.log")).unwrap_or_default()
    );
    child
}

/// Runs `keyshelf ARGS` on `bus` with a deadline of `secs`, killed (and failing the test) if it
/// outlives the deadline by far.
fn keyshelf(s: &Shelf, bus: &PrivateBus, args: &[&str], stdin: &str, secs: u64) -> Output {
    let mut cmd = s.cmd(args);
    bus.env(&mut cmd)
        .env("KEYSHELF_KEYCHAIN_TIMEOUT", secs.to_string());
    let (out, took, killed) = run_within(cmd, stdin, Duration::from_secs(secs + 10));
    assert!(
        !killed,
        "keyshelf {args:?} hung for {took:?} past its {secs} s deadline"
    );
    out
}

fn ok(s: &Shelf, bus: &PrivateBus, args: &[&str], stdin: &str) -> String {
    let out = keyshelf(s, bus, args, stdin, 10);
    common::assert_success(&out, args);
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Generates `name`, retrying with a 1 s deadline until KeePassXC answers. Every failure before
/// then must be a `keychain_timeout` that wrote nothing. Returns how many attempts timed out.
fn generate_once_ready(s: &Shelf, bus: &PrivateBus, name: &str) -> usize {
    let until = Instant::now() + Duration::from_secs(15);
    let mut timeouts = 0;
    loop {
        let out = keyshelf(s, bus, &["generate", name, "--env", "dev", "--json"], "", 1);
        if out.status.success() {
            return timeouts;
        }
        assert_timed_out_cleanly(s, bus, &out);
        timeouts += 1;
        assert!(
            Instant::now() < until,
            "KeePassXC never answered ({timeouts} timeouts)"
        );
    }
}

/// The X display of the test session (scripts/with-keyring.sh starts Xvfb).
fn display() -> String {
    std::env::var("DISPLAY")
        .expect("DISPLAY: run through scripts/with-keyring.sh, which starts Xvfb")
}

/// The ids of the visible windows whose title matches `pattern`.
fn visible_windows(pattern: &str) -> Vec<String> {
    let found = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", pattern])
        .env("DISPLAY", display())
        .output()
        .expect("xdotool is installed by scripts/setup.sh");
    String::from_utf8_lossy(&found.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn xdotool(args: &[&str]) {
    let status = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display())
        .status()
        .expect("xdotool");
    assert!(status.success(), "xdotool {args:?}");
}

/// Answers KeePassXC's "Unlock Database" dialog as its user would, typing the password, and
/// waits until the dialog is gone. Fails the test if it does not show, or stay, within 10 s.
fn unlock_in_the_dialog() {
    const DIALOG: &str = "^Unlock Database";
    let until = Instant::now() + Duration::from_secs(10);
    let window = loop {
        if let Some(id) = visible_windows(DIALOG).into_iter().next() {
            break id;
        }
        assert!(
            Instant::now() < until,
            "KeePassXC showed no Unlock Database dialog"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // The dialog is mapped before its password field takes keys.
    std::thread::sleep(Duration::from_millis(500));
    xdotool(&["windowfocus", "--sync", &window]);
    xdotool(&["type", "--delay", "20", DB_PASSWORD]);
    xdotool(&["key", "Return"]);
    while !visible_windows(DIALOG).is_empty() {
        assert!(
            Instant::now() < until,
            "KeePassXC's Unlock Database dialog stayed open"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Asserts `out` is the failure of a request KeePassXC did not answer: exit 5, keychain_timeout,
/// naming KeePassXC, and no row written.
fn assert_timed_out_cleanly(s: &Shelf, bus: &PrivateBus, out: &Output) {
    let (code, message) = json_error(out);
    assert_eq!(
        code, "keychain_timeout",
        "before KeePassXC was ready: {message}"
    );
    assert_eq!(out.status.code(), Some(5));
    assert!(message.contains("keepassxc"), "{message}");
    assert_eq!(
        ok(s, bus, &["list", "--json"], "").trim(),
        "[]",
        "a row after a timeout"
    );
}

#[test]
fn keyshelf_works_against_keepassxc_once_it_answers() {
    let started = Instant::now();
    let s = Shelf::new("kpxc");
    let bus = PrivateBus::start();
    let _keepassxc = start_keepassxc(&bus);
    let (generated, imported) = (s.name("gen"), s.name("imp"));
    let (gen_account, imp_account) = (format!("local/{generated}"), format!("local/{imported}"));

    // The first request right after KeePassXC took the name: answered, or timed out cleanly.
    let early = keyshelf(
        &s,
        &bus,
        &["generate", &generated, "--env", "dev", "--json"],
        "",
        2,
    );
    if !early.status.success() {
        assert_timed_out_cleanly(&s, &bus, &early);
        eprintln!("the early request timed out; unlocking in KeePassXC's dialog");
        unlock_in_the_dialog();
        let timeouts = generate_once_ready(&s, &bus, &generated);
        eprintln!("KeePassXC answered after {timeouts} more timed-out attempt(s)");
    }
    let value = ok(&s, &bus, &["get", &generated], "");
    assert_eq!(value.len(), 64, "{value:?}");
    assert_eq!(
        bus.secret_tool_lookup(&gen_account).as_deref(),
        Some(value.as_str())
    );

    ok(
        &s,
        &bus,
        &["import", &imported, "--env", "dev"],
        "kpxc-imported-fixture",
    );
    assert_eq!(
        ok(&s, &bus, &["get", &imported], ""),
        "kpxc-imported-fixture"
    );
    assert_eq!(
        bus.secret_tool_lookup(&imp_account).as_deref(),
        Some("kpxc-imported-fixture")
    );

    // A local rotation, in its two halves: a new secret now, the old one dropped on confirmation.
    ok(&s, &bus, &["rotate", &imported], "");
    let rotated = ok(&s, &bus, &["get", &imported], "");
    assert_ne!(rotated, "kpxc-imported-fixture");
    assert_eq!(
        bus.secret_tool_lookup(&format!("{imp_account}#previous"))
            .as_deref(),
        Some("kpxc-imported-fixture")
    );
    ok(
        &s,
        &bus,
        &["rotate", &imported, "--resume", "--confirm-updated"],
        "",
    );
    assert_eq!(ok(&s, &bus, &["get", &imported], ""), rotated);
    assert_eq!(
        bus.secret_tool_lookup(&imp_account).as_deref(),
        Some(rotated.as_str())
    );
    assert_eq!(
        bus.secret_tool_lookup(&format!("{imp_account}#previous")),
        None
    );
    assert_eq!(
        ok(&s, &bus, &["rotate", "--status", "--json"], "").trim(),
        "[]"
    );

    ok(&s, &bus, &["remove", &generated, "--yes"], "");
    assert_eq!(bus.secret_tool_lookup(&gen_account), None);
    let list: serde_json::Value =
        serde_json::from_str(&ok(&s, &bus, &["list", "--json"], "")).expect("JSON");
    let names: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|k| k["name"].as_str())
        .collect();
    assert_eq!(names, [imported.as_str()]);
    eprintln!("against KeePassXC in {:?}", started.elapsed());
}
