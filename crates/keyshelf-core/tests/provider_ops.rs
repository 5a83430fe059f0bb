//! Provider operations of the core against the simulator on loopback, with an in-memory vault:
//! the keychain-write failure path, and sync at scale.

use keyshelf_core::provider::ops::NewProvider;
use keyshelf_core::provider::ProviderProfile;
use keyshelf_core::shelf::NewKey;
use keyshelf_core::store::KeyFilter;
use keyshelf_core::vault::{MemoryVault, Vault};
use keyshelf_core::{Error, Keyshelf, Secret};
use keyshelf_provider_sim::Config;
use std::sync::Arc;

fn setup(
    config: Config,
) -> (
    tempfile::TempDir,
    Keyshelf,
    Arc<MemoryVault>,
    keyshelf_provider_sim::SimHandle,
) {
    let sim = keyshelf_provider_sim::spawn(config, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(MemoryVault::new());
    let mut shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
    shelf
        .add_provider(NewProvider {
            profile: ProviderProfile::new("sim", &sim.url),
            credential: Secret::from("sim-management-token-not-real"),
        })
        .unwrap();
    (dir, shelf, vault, sim)
}

fn new_key(name: &str) -> NewKey {
    NewKey {
        name: name.into(),
        env: "dev".into(),
        provider: Some("sim".into()),
        user: Some("u".into()),
        ..Default::default()
    }
}

#[test]
fn a_refused_keychain_write_returns_the_secret_once_and_records_pending() {
    let (_d, mut shelf, vault, sim) = setup(Config::default());
    vault.fail_writes(true);
    let err = shelf.create_key(new_key("k")).unwrap_err();
    assert_eq!(err.code(), "key_not_stored");
    let Error::KeyNotStored { secret, key, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(key, "sim/k");
    assert_eq!(secret.expose(), sim.keys()[0].api_key);
    assert!(!err.to_string().contains(secret.expose()));
    assert!(!format!("{err:?}").contains(secret.expose()));
    let v = shelf.show("sim/k").unwrap();
    assert_eq!(
        (v.display_status.as_str(), v.key.has_secret),
        ("pending", false)
    );
    assert_eq!(vault.accounts(), vec!["provider:sim".to_string()]);
    // Sync keeps it pending rather than claiming a secret it does not have.
    shelf.sync(Some("sim")).unwrap();
    assert_eq!(shelf.show("sim/k").unwrap().display_status, "pending");
}

#[test]
fn a_created_key_lands_in_the_vault_before_its_row() {
    let (_d, mut shelf, vault, sim) = setup(Config::default());
    let v = shelf.create_key(new_key("k")).unwrap();
    assert_eq!(v.key.provider_key_id.as_deref(), Some("1"));
    assert_eq!(
        vault.get("sim/k").unwrap().map(|s| s.expose().to_owned()),
        Some(sim.keys()[0].api_key.clone())
    );
}

#[test]
fn sync_of_ten_thousand_keys_is_quick_and_idempotent() {
    let (_d, mut shelf, _v, _sim) = setup(Config {
        seed_keys: 10_000,
        ..Config::default()
    });
    let start = std::time::Instant::now();
    let r = shelf.sync(Some("sim")).unwrap();
    assert_eq!(r[0].added.len(), 10_000);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    let again = shelf.sync(None).unwrap();
    assert_eq!(
        (
            again[0].added.len(),
            again[0].updated.len(),
            again[0].unchanged
        ),
        (0, 0, 10_000)
    );
    assert_eq!(shelf.list(&KeyFilter::default()).unwrap().len(), 10_000);
}

#[test]
fn a_key_listed_by_sync_takes_its_secret_and_is_then_linked_and_rotatable() {
    let (_d, mut shelf, vault, sim) = setup(Config::default());
    let remote = sim.with(|s| s.create("console-made", "u")).unwrap();
    shelf.sync(Some("sim")).unwrap();
    let listed = shelf.resolve("sim/console-made").unwrap();
    assert!(!listed.has_secret);
    let imported = shelf
        .import_listed_secret("sim/console-made", Secret::from(remote.api_key.as_str()))
        .unwrap();
    assert!(imported.key.key.has_secret);
    assert_eq!(
        imported.key.key.provider_key_id.as_deref(),
        Some(remote.id.to_string().as_str())
    );
    assert_eq!(
        vault.get("sim/console-made").unwrap().unwrap().expose(),
        remote.api_key
    );
    assert_eq!(
        shelf.list(&KeyFilter::default()).unwrap().len(),
        1,
        "the placeholder became the key"
    );
    // A second time: it has its secret now.
    let err = shelf
        .import_listed_secret("sim/console-made", Secret::from("x"))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}
