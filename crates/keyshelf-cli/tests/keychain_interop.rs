//! The keychain convention is real: other tools read what Keyshelf stores, and Keyshelf reads what
//! they store, through the real Secret Service of the test session.

mod common;
use common::{secret_tool_lookup, Shelf};
use std::process::Command;

#[test]
fn secret_tool_reads_a_generated_key_under_the_documented_account() {
    let s = Shelf::new("st-read");
    let name = s.name("gen");
    s.ok(&["generate", &name, "--env", "dev", "--prefix", "sk_test_"]);
    let via_cli = s.ok(&["get", &name]);
    assert!(
        via_cli.starts_with("sk_test_") && via_cli.len() == 64,
        "{via_cli}"
    );
    assert_eq!(
        secret_tool_lookup(&format!("local/{name}")).as_deref(),
        Some(via_cli.as_str())
    );
}

#[test]
fn python_keyring_reads_an_imported_key() {
    let s = Shelf::new("py-read");
    let name = s.name("imp");
    s.ok_in(
        &["import", &name, "--env", "staging", "--provider", "acme"],
        "fixture-value-not-a-real-key\n",
    );
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, keyring; print(keyring.get_password('keyshelf', sys.argv[1]), end='')",
        ])
        .arg(format!("acme/{name}"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "fixture-value-not-a-real-key"
    );
}

#[test]
fn keyshelf_reads_a_value_written_by_secret_tool() {
    let s = Shelf::new("st-write");
    let name = s.name("ext");
    s.ok_in(&["import", &name, "--env", "dev"], "first-value\n");
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label",
            "changed elsewhere",
            "service",
            "keyshelf",
            "username",
        ])
        .arg(format!("local/{name}"))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("secret-tool");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"second-value")
        .expect("write");
    assert!(child.wait().expect("wait").success());
    assert_eq!(s.ok(&["get", &name]), "second-value");
}

#[test]
fn remove_deletes_the_keychain_item() {
    let s = Shelf::new("rm");
    let name = s.name("gone");
    s.ok(&["generate", &name, "--env", "dev"]);
    assert!(secret_tool_lookup(&format!("local/{name}")).is_some());
    s.ok(&["remove", &name, "--yes"]);
    assert_eq!(secret_tool_lookup(&format!("local/{name}")), None);
}
