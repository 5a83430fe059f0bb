//! Test homes filled through the core, the way a user's keys get there (keychain and store).

use chrono::{Duration as Days, Utc};
use keyshelf_core::shelf::NewKey;
use keyshelf_core::vault::KeyringVault;
use keyshelf_core::{Keyshelf, Secret};
use std::path::Path;
use std::sync::Arc;

/// Opens the Keyshelf of `home` on the test session's keychain.
pub fn open(home: &Path) -> Keyshelf {
    Keyshelf::open(home, Arc::new(KeyringVault)).expect("open the test home")
}

/// Imports a key rotated `age` days ago.
pub fn import_aged(
    shelf: &mut Keyshelf,
    name: &str,
    env: &str,
    provider: Option<&str>,
    age: i64,
    value: &str,
) {
    shelf
        .import(
            NewKey {
                name: name.into(),
                env: env.into(),
                provider: provider.map(str::to_owned),
                rotated_at: Some(Utc::now() - Days::days(age)),
                ..Default::default()
            },
            Secret::new(value.to_owned()),
        )
        .expect("seed a key");
}

/// Imports four keys of every due state under the default intervals (prod 90 days, staging 60,
/// dev 30): two overdue in prod, one due soon in staging (in 3 days), one fine in dev. Their
/// names end in `-<YYYY-MM>-<suffix>`; returns them.
pub fn due_mix(shelf: &mut Keyshelf, suffix: &str) -> Vec<String> {
    let month = Utc::now().format("%Y-%m");
    [
        ("prod-billing-api", "prod", 120),
        ("prod-mail-sender", "prod", 95),
        ("staging-search-api", "staging", 57),
        ("dev-web-frontend", "dev", 2),
    ]
    .into_iter()
    .map(|(name, env, age)| {
        let name = format!("{name}-{month}-{suffix}");
        import_aged(shelf, &name, env, None, age, &format!("fixture-{name}"));
        name
    })
    .collect()
}

/// Writes `count` keys to the store of `home` only — no keychain item, as the key list and the
/// Overview read none — in one transaction: names of the suggested convention
/// (`prod-billing-webhook-2026-03-…`) over three environments and four providers, rotated 0–199
/// days ago. For benchmarks that need thousands of keys (the keychain takes ~40 ms an item).
pub fn store_only(home: &Path, count: usize) {
    use keyshelf_core::store::{KeyStatus, NewKeyRecord, Origin, RemoteState, Store};
    let mut store = Store::open(&home.join("keyshelf.db")).expect("store opens");
    let now = Utc::now();
    let envs = ["dev", "staging", "prod"];
    let services = [
        "billing-webhook",
        "mail-sender",
        "search-api",
        "web-frontend",
        "ci-deploy",
    ];
    let providers = ["acme", "globex", "initech", "local"];
    store
        .write(|tx| {
            for i in 0..count {
                let created = now - Days::days((i % 200) as i64);
                tx.insert_key(&NewKeyRecord {
                    name: format!(
                        "{}-{}-{}-{i:06}",
                        envs[i % 3],
                        services[i % services.len()],
                        created.format("%Y-%m")
                    ),
                    provider: providers[i % 4].into(),
                    provider_key_id: Some(i.to_string()),
                    env: envs[i % 3].into(),
                    status: KeyStatus::Active,
                    has_secret: true,
                    remote_state: Some(RemoteState::Present),
                    user: None,
                    var_name: None,
                    origin: Origin::Provider,
                    created_at: created,
                    last_rotated_at: None,
                    tags: vec![],
                    notes: String::new(),
                })?;
            }
            Ok(())
        })
        .expect("seeding the store");
}
