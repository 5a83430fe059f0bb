//! Two processes on one store at once (the desktop app and the CLI do this), and a process killed
//! in the middle of writing: the store stays consistent, no update is lost, and every key whose row
//! exists has its secret in the real keychain.
//!
//! The worker processes are this test binary itself, started with `--ignored --exact worker` and
//! told what to do through environment variables.

use keyshelf_core::shelf::NewKey;
use keyshelf_core::store::KeyFilter;
use keyshelf_core::vault::{key_account, KeyringVault, Vault};
use keyshelf_core::{Keyshelf, Secret};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const OPS_PER_WORKER: usize = 500;

fn require_test_session() {
    assert!(
        std::env::var_os("KEYSHELF_IN_TEST_SESSION").is_some(),
        "run through `make test` or `scripts/with-keyring.sh cargo test`: these tests use the private Secret Service"
    );
}

fn assert_store_intact(shelf: &Keyshelf) {
    let integrity = shelf.store_ref().integrity_check().expect("integrity");
    assert_eq!(integrity, "ok");
}

fn spawn_worker(home: &Path, tag: &str, ops: usize) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "worker",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("KEYSHELF_WORKER_HOME", home)
        .env("KEYSHELF_WORKER_TAG", tag)
        .env("KEYSHELF_WORKER_OPS", ops.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn worker")
}

/// The worker: a mix of imports, reads, interval edits, snoozes and removals, each of which writes
/// exactly one audit event, so the audit count proves no write was lost.
#[test]
#[ignore = "entry point for the worker processes of the tests below"]
fn worker() {
    let home = std::env::var("KEYSHELF_WORKER_HOME").expect("worker home");
    let tag = std::env::var("KEYSHELF_WORKER_TAG").expect("worker tag");
    let ops: usize = std::env::var("KEYSHELF_WORKER_OPS")
        .expect("ops")
        .parse()
        .expect("number");
    let mut shelf = Keyshelf::open(Path::new(&home), Arc::new(KeyringVault)).expect("open");
    for i in 0..ops {
        let name = format!("{tag}-{}", i / 5);
        match i % 5 {
            0 => {
                let new = NewKey {
                    name: name.clone(),
                    env: "dev".into(),
                    ..Default::default()
                };
                shelf
                    .import(new, Secret::new(format!("conc-fixture-{tag}-{i}")))
                    .expect("import");
            }
            1 => {
                shelf.secret(&name, "get").expect("get");
            }
            2 => {
                shelf
                    .set_key_interval(&name, Some(10 + (i % 50) as u32))
                    .expect("interval");
            }
            3 => {
                shelf.snooze(&name, None).expect("snooze");
            }
            _ => {
                // Every other key is removed again, so removals interleave with the other worker.
                if (i / 5) % 2 == 0 {
                    shelf.remove(&name).expect("remove");
                } else {
                    shelf.secret(&name, "get").expect("get");
                }
            }
        }
    }
}

#[test]
fn two_processes_doing_1000_operations_lose_nothing() {
    require_test_session();
    let home = tempfile::tempdir().expect("home");
    let tags = [
        format!("c{}a", std::process::id()),
        format!("c{}b", std::process::id()),
    ];
    // Create the store first, so both workers open an existing database.
    Keyshelf::open(home.path(), Arc::new(KeyringVault)).expect("open");
    let mut workers: Vec<Child> = tags
        .iter()
        .map(|t| spawn_worker(home.path(), t, OPS_PER_WORKER))
        .collect();
    for w in &mut workers {
        assert!(w.wait().expect("wait").success(), "a worker failed");
    }

    let shelf = Keyshelf::open(home.path(), Arc::new(KeyringVault)).expect("reopen");
    assert_store_intact(&shelf);
    let events = shelf.audit(None, 10_000).expect("audit");
    assert_eq!(
        events.len(),
        2 * OPS_PER_WORKER,
        "every operation left exactly one audit event"
    );
    let keys = shelf.list(&KeyFilter::default()).expect("list");
    let per_worker = OPS_PER_WORKER / 5;
    assert_eq!(
        keys.len(),
        2 * (per_worker / 2),
        "the odd-numbered keys of each worker remain"
    );
    let vault = KeyringVault;
    for k in &keys {
        let secret = vault
            .get(&key_account(&k.key.provider, &k.key.name))
            .expect("keychain")
            .expect("secret present");
        assert!(secret.expose().starts_with("conc-fixture-"));
        assert!(
            k.key.interval_days.is_some(),
            "the interval edit of {} was kept",
            k.key.name
        );
    }
    for k in &keys {
        vault
            .delete(&key_account(&k.key.provider, &k.key.name))
            .expect("cleanup");
    }
}

#[test]
fn a_process_killed_mid_write_leaves_a_store_that_opens_and_agrees_with_the_keychain() {
    require_test_session();
    let home = tempfile::tempdir().expect("home");
    Keyshelf::open(home.path(), Arc::new(KeyringVault)).expect("open");
    let tag = format!("k{}", std::process::id());
    let mut worker = spawn_worker(home.path(), &tag, 100_000);
    // Killed once it is well into its writes: after a fixed 700 ms a loaded machine had not
    // started the worker's first write yet.
    let until = std::time::Instant::now() + Duration::from_secs(60);
    let watcher = Keyshelf::open(home.path(), Arc::new(KeyringVault)).expect("open");
    while watcher.list(&KeyFilter::default()).expect("list").len() < 3 {
        assert!(
            std::time::Instant::now() < until,
            "the worker wrote no key in 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(watcher);
    std::thread::sleep(Duration::from_millis(200));
    worker.kill().expect("kill");
    let _ = worker.wait();

    let shelf =
        Keyshelf::open(home.path(), Arc::new(KeyringVault)).expect("the store opens after a kill");
    assert_store_intact(&shelf);
    let keys = shelf.list(&KeyFilter::default()).expect("list");
    assert!(
        !keys.is_empty(),
        "the worker ran long enough to write some keys"
    );
    let vault = KeyringVault;
    for k in &keys {
        let account = key_account(&k.key.provider, &k.key.name);
        assert!(
            vault.get(&account).expect("keychain").is_some(),
            "{account} has a row but no secret"
        );
        vault.delete(&account).expect("cleanup");
    }
}
