//! What the desktop app adds on top of the provider operations: editing a provider, and the
//! usage report with seed 004's warning signs flagged — against the simulator on loopback, with
//! an in-memory vault.

use chrono::FixedOffset;
use keyshelf_core::provider::ops::NewProvider;
use keyshelf_core::provider::usage::Flag;
use keyshelf_core::provider::{KeyScheme, ManagementAuth, ProviderProfile};
use keyshelf_core::shelf::NewKey;
use keyshelf_core::vault::{provider_account, MemoryVault, Vault};
use keyshelf_core::{Keyshelf, Secret};
use keyshelf_provider_sim::Config;
use std::sync::Arc;

const TOKEN: &str = "sim-management-token-not-real";

fn setup() -> (
    tempfile::TempDir,
    Keyshelf,
    Arc<MemoryVault>,
    keyshelf_provider_sim::SimHandle,
) {
    let sim = keyshelf_provider_sim::spawn(Config::default(), 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(MemoryVault::new());
    let mut shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
    let mut p = ProviderProfile::new("sim", &sim.url);
    p.verify_path = Some("/api-routes-data".into());
    shelf
        .add_provider(NewProvider {
            profile: p,
            credential: Secret::from(TOKEN),
        })
        .unwrap();
    (dir, shelf, vault, sim)
}

/// `sim/prod-api-main`, created on the simulator.
fn create_prod_key(shelf: &mut Keyshelf) {
    shelf
        .create_key(NewKey {
            name: "prod-api-main".into(),
            env: "prod".into(),
            provider: Some("sim".into()),
            user: Some("api_user".into()),
            ..Default::default()
        })
        .unwrap();
}

fn stored(vault: &MemoryVault) -> Option<String> {
    vault
        .get(&provider_account("sim"))
        .unwrap()
        .map(|s| s.expose().to_owned())
}

#[test]
fn editing_keeps_the_credential_unless_a_new_one_is_given() {
    let (_d, mut shelf, vault, _sim) = setup();
    let mut p = shelf.provider("sim").unwrap();
    p.key_limit = Some(10);
    p.key_scheme = KeyScheme::Bearer;
    let saved = shelf.update_provider(p.clone(), None).unwrap();
    assert_eq!(
        (saved.key_limit, saved.key_scheme),
        (Some(10), KeyScheme::Bearer)
    );
    assert_eq!(shelf.provider("sim").unwrap().key_limit, Some(10));
    assert_eq!(stored(&vault).as_deref(), Some(TOKEN));
    // It still answers with the kept token.
    assert_eq!(shelf.test_provider("sim").unwrap().key_limit, Some(10));

    shelf
        .update_provider(p, Some(Secret::from("other-token-not-real\n")))
        .unwrap();
    assert_eq!(stored(&vault).as_deref(), Some("other-token-not-real"));
    assert_eq!(
        shelf.test_provider("sim").unwrap_err().code(),
        "provider_unauthorized"
    );
}

#[test]
fn editing_refuses_what_adding_refuses_and_changes_nothing() {
    let (_d, mut shelf, vault, _sim) = setup();
    let before = shelf.provider("sim").unwrap();

    let mut query = before.clone();
    query.key_scheme = KeyScheme::Query;
    assert_eq!(
        shelf.update_provider(query, None).unwrap_err().code(),
        "invalid_input"
    );

    let mut oauth = before.clone();
    oauth.auth = ManagementAuth::Oauth2;
    let err = shelf
        .update_provider(oauth, Some(Secret::from("no-colon-not-real")))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");

    let mut plain = before.clone();
    plain.base_url = "http://example.com".into();
    assert_eq!(
        shelf.update_provider(plain, None).unwrap_err().code(),
        "provider_insecure_url"
    );

    let mut missing = before.clone();
    missing.name = "nope".into();
    assert_eq!(
        shelf.update_provider(missing, None).unwrap_err().code(),
        "provider_not_found"
    );

    assert_eq!(shelf.provider("sim").unwrap(), before);
    assert_eq!(stored(&vault).as_deref(), Some(TOKEN));
}

#[test]
fn the_usage_report_flags_a_refused_call_and_names_the_local_key() {
    let (_d, mut shelf, _vault, _sim) = setup();
    create_prod_key(&mut shelf);
    shelf.verify_key("sim/prod-api-main").unwrap();
    shelf.set_key_active("sim/prod-api-main", false).unwrap();
    assert!(shelf.verify_key("sim/prod-api-main").is_err());

    let utc = FixedOffset::east_opt(0).unwrap();
    let r = shelf.usage_report("sim", utc).unwrap();
    assert_eq!(r.rows.len(), 2);
    assert_eq!(r.failed_auth, 1);
    // Newest first: the refused call.
    assert_eq!(r.rows[0].status, Some(401));
    assert_eq!(r.rows[0].flags.first(), Some(&Flag::FailedAuth));
    assert!(!r.rows[1].flags.contains(&Flag::FailedAuth));
    assert!(r
        .rows
        .iter()
        .all(|row| row.key.as_deref() == Some("sim/prod-api-main")));
    assert_eq!(
        shelf.usage_report("nope", utc).unwrap_err().code(),
        "provider_not_found"
    );
}

#[test]
fn verifying_a_key_is_audited_but_is_not_a_copy() {
    let (_d, mut shelf, _vault, _sim) = setup();
    create_prod_key(&mut shelf);
    shelf.verify_key("sim/prod-api-main").unwrap();
    let shown = shelf.show("sim/prod-api-main").unwrap();
    assert_eq!(shown.key.last_copied_at, None, "verify is not a hand-out");
    let audit = shelf.audit(Some("sim/prod-api-main"), 10).unwrap();
    assert!(audit.iter().any(|e| e.action == "verify"));
    // A real hand-out still counts.
    shelf.secret("sim/prod-api-main", "copy").unwrap();
    assert!(shelf
        .show("sim/prod-api-main")
        .unwrap()
        .key
        .last_copied_at
        .is_some());
}
