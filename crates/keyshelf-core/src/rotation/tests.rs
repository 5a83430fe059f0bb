//! Unit tests of the state machine with an in-memory provider; the CLI tests and the model-based
//! test run it against the simulator and the real keychain.

use super::*;
use crate::shelf::NewKey;
use crate::store::fmt_time;
use crate::store::KeyStatus;
use crate::vault::{MemoryVault, Vault};
use crate::{Error, Keyshelf};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// An in-memory provider for unit tests of this module only; the CLI tests use the simulator.
#[derive(Default)]
struct FakeProvider {
    keys: RefCell<BTreeMap<String, (String, String, bool)>>, // id -> (name, secret, active)
    next: Cell<u32>,
    failing: RefCell<HashSet<&'static str>>,
    verify_failures: Cell<u32>,
    old_key_calls: Cell<u64>,
    /// The provider keeps no usage logs.
    no_usage: Cell<bool>,
    /// The provider can only delete keys, not deactivate them.
    no_deactivate: Cell<bool>,
    /// The provider cannot create keys through its API.
    no_create: Cell<bool>,
}

impl FakeProvider {
    fn add(&self, name: &str, secret: &str) -> String {
        let n = self.next.get() + 1;
        self.next.set(n);
        let id = n.to_string();
        self.keys
            .borrow_mut()
            .insert(id.clone(), (name.into(), secret.into(), true));
        id
    }
    fn fail(&self, op: &'static str) -> Result<()> {
        if self.failing.borrow().contains(op) {
            return Err(Error::invalid("fake provider", format!("{op} failed")));
        }
        Ok(())
    }
    fn active_secrets(&self) -> Vec<String> {
        self.keys
            .borrow()
            .values()
            .filter(|k| k.2)
            .map(|k| k.1.clone())
            .collect()
    }
}

impl RotationProvider for FakeProvider {
    fn create(&self, remote_name: &str, _user: Option<&str>) -> Result<(String, Secret)> {
        assert!(!self.no_create.get(), "create on a provider without it");
        self.fail("create")?;
        let secret = format!("new-secret-{}", self.next.get() + 1);
        Ok((self.add(remote_name, &secret), Secret::new(secret)))
    }
    fn key_state(&self, id: &str) -> Result<Option<bool>> {
        self.fail("find")?;
        Ok(self.keys.borrow().get(id).map(|k| k.2))
    }
    fn find_by_name(&self, remote_name: &str) -> Result<Option<String>> {
        self.fail("find")?;
        Ok(self
            .keys
            .borrow()
            .iter()
            .find(|(_, k)| k.0 == remote_name)
            .map(|(id, _)| id.clone()))
    }
    fn can_verify(&self) -> bool {
        true
    }
    fn verify(&self, secret: &Secret, _id: Option<&str>, _user: Option<&str>) -> Result<()> {
        self.fail("verify")?;
        if self.verify_failures.get() > 0 {
            self.verify_failures.set(self.verify_failures.get() - 1);
            return Err(Error::invalid("fake provider", "not propagated yet"));
        }
        if self.active_secrets().iter().any(|s| s == secret.expose()) {
            Ok(())
        } else {
            Err(crate::provider::ProviderError::new(
                crate::provider::Kind::Unauthorized,
                "invalid key",
            )
            .into())
        }
    }
    fn can_create(&self) -> bool {
        !self.no_create.get()
    }
    fn can_deactivate(&self) -> bool {
        !self.no_deactivate.get()
    }
    fn set_active(&self, id: &str, active: bool) -> Result<Presence> {
        assert!(
            !self.no_deactivate.get(),
            "set_active on a provider without it"
        );
        self.fail("set_active")?;
        Ok(match self.keys.borrow_mut().get_mut(id) {
            Some(k) => {
                k.2 = active;
                Presence::Found
            }
            None => Presence::Gone,
        })
    }
    fn delete(&self, id: &str) -> Result<Presence> {
        self.fail("delete")?;
        Ok(match self.keys.borrow_mut().remove(id) {
            Some(_) => Presence::Found,
            None => Presence::Gone,
        })
    }
    fn calls_since(&self, _id: &str, _since: DateTime<Utc>) -> Result<Option<u64>> {
        Ok((!self.no_usage.get()).then(|| self.old_key_calls.get()))
    }
}

struct World {
    _dir: tempfile::TempDir,
    shelf: Keyshelf,
    vault: Arc<MemoryVault>,
    provider: FakeProvider,
}

const KEY: &str = "acme/prod-api-main";

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(MemoryVault::new());
    let mut shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
    let provider = FakeProvider::default();
    let old_id = provider.add("prod-api-main", "old-secret");
    let new = NewKey {
        name: "prod-api-main".into(),
        env: "prod".into(),
        provider: Some("acme".into()),
        ..Default::default()
    };
    shelf.import(new, Secret::from("old-secret")).unwrap();
    let key = shelf.resolve(KEY).unwrap();
    shelf
        .store()
        .write(|tx| tx.link_key(key.id, &old_id, KeyStatus::Active))
        .unwrap();
    World {
        _dir: dir,
        shelf,
        vault,
        provider,
    }
}

fn start(w: &mut World) -> Rotation {
    w.shelf
        .start_rotation(KEY, &Start::default(), true)
        .unwrap()
}

fn fast() -> Options {
    Options {
        verify_timeout: std::time::Duration::from_millis(600),
        ..Options::default()
    }
}

fn current(w: &World) -> String {
    w.vault
        .get("acme/prod-api-main")
        .unwrap()
        .unwrap()
        .expose()
        .to_owned()
}

/// The invariant: the current keychain secret is an active key on the provider, and the
/// provider holds at most two keys of this key (old and new).
fn assert_consistent(w: &World) {
    let cur = current(w);
    assert!(
        w.provider.active_secrets().contains(&cur),
        "current secret {cur} is not active on the provider"
    );
    assert!(
        w.provider.keys.borrow().len() <= 2,
        "duplicate keys left: {:?}",
        w.provider.keys.borrow()
    );
}

#[test]
fn a_full_rotation_keeps_a_working_key_at_every_step() {
    let mut w = world();
    start(&mut w);
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Verified);
    assert_eq!(p.waiting_for, Some(Waiting::AppsUpdated));
    assert_ne!(current(&w), "old-secret");
    assert_eq!(
        w.vault
            .get("acme/prod-api-main#previous")
            .unwrap()
            .unwrap()
            .expose(),
        "old-secret"
    );
    assert_consistent(&w);

    let p = w
        .shelf
        .advance_rotation(
            KEY,
            Some(&w.provider),
            Options {
                confirm_updated: true,
                ..fast()
            },
        )
        .unwrap();
    assert_eq!(p.rotation.step, Step::Deactivated);
    assert!(matches!(p.waiting_for, Some(Waiting::GracePeriod { until }) if until > Utc::now()));
    assert_eq!(w.provider.active_secrets(), vec![current(&w)]);

    w.provider.old_key_calls.set(3);
    let p = w
        .shelf
        .advance_rotation(
            KEY,
            Some(&w.provider),
            Options {
                end_grace: true,
                ..fast()
            },
        )
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert!(p.warnings.iter().any(|w| w.contains("3 time(s)")));
    assert_eq!(w.provider.keys.borrow().len(), 1);
    assert!(w
        .vault
        .get("acme/prod-api-main#previous")
        .unwrap()
        .is_none());
    let key = w.shelf.resolve(KEY).unwrap();
    assert_eq!(key.provider_key_id, p.rotation.new_key_id);
    assert!(key.last_rotated_at.is_some());
}

#[test]
fn only_one_rotation_per_key_at_a_time() {
    let mut w = world();
    start(&mut w);
    assert_eq!(
        w.shelf
            .start_rotation(KEY, &Start::default(), true)
            .unwrap_err()
            .code(),
        "rotation_in_progress"
    );
    assert_eq!(
        w.shelf.remove(KEY).unwrap_err().code(),
        "rotation_in_progress"
    );
}

#[test]
fn a_failure_at_any_provider_step_can_be_resumed_without_loss_or_duplicates() {
    for op in ["create", "find", "verify", "set_active", "delete"] {
        let mut w = world();
        start(&mut w);
        w.provider.failing.borrow_mut().insert(op);
        let mut opts = Options {
            confirm_updated: true,
            end_grace: true,
            ..fast()
        };
        opts.verify_timeout = std::time::Duration::from_millis(300);
        let err = w
            .shelf
            .advance_rotation(KEY, Some(&w.provider), opts)
            .unwrap_err();
        assert!(err.to_string().contains("failed"), "{op}: {err}");
        assert_consistent(&w);
        let stored = w
            .shelf
            .active_rotation(w.shelf.resolve(KEY).unwrap().id)
            .unwrap()
            .unwrap();
        assert!(
            stored.last_error.is_some(),
            "{op}: the failure is recorded for --status"
        );

        w.provider.failing.borrow_mut().clear();
        let p = w
            .shelf
            .advance_rotation(
                KEY,
                Some(&w.provider),
                Options {
                    confirm_updated: true,
                    end_grace: true,
                    ..fast()
                },
            )
            .unwrap();
        assert_eq!(p.rotation.step, Step::Done, "{op}");
        assert_eq!(
            w.provider.keys.borrow().len(),
            1,
            "{op}: exactly the new key remains"
        );
        assert_consistent(&w);
    }
}

#[test]
fn a_refused_keychain_write_leaves_the_old_key_current_and_no_new_key_behind() {
    let mut w = world();
    start(&mut w);
    // Run to `creating` (#previous saved), then refuse the write of the new secret.
    w.provider.failing.borrow_mut().insert("create");
    let _ = w.shelf.advance_rotation(KEY, Some(&w.provider), fast());
    w.provider.failing.borrow_mut().clear();
    let opts = || Options {
        confirm_updated: true,
        end_grace: true,
        ..fast()
    };
    w.vault.fail_writes(true);
    assert_eq!(
        w.shelf
            .advance_rotation(KEY, Some(&w.provider), opts())
            .unwrap_err()
            .code(),
        "keychain_locked"
    );
    assert_eq!(current(&w), "old-secret");
    assert_eq!(
        w.provider.keys.borrow().len(),
        1,
        "the new key whose secret could not be kept was deleted"
    );
    w.vault.fail_writes(false);
    assert_eq!(
        w.shelf
            .advance_rotation(KEY, Some(&w.provider), opts())
            .unwrap()
            .rotation
            .step,
        Step::Done
    );
    assert_consistent(&w);
}

#[test]
fn a_key_created_before_a_crash_is_replaced_not_duplicated() {
    let mut w = world();
    start(&mut w);
    // Run to `creating`, then do what a process killed right after its POST leaves behind:
    // a key on the provider whose secret never reached the keychain.
    w.provider.failing.borrow_mut().insert("create");
    let _ = w.shelf.advance_rotation(KEY, Some(&w.provider), fast());
    w.provider.failing.borrow_mut().clear();
    let r = w
        .shelf
        .active_rotation(w.shelf.resolve(KEY).unwrap().id)
        .unwrap()
        .unwrap();
    assert_eq!(r.step, Step::Creating);
    w.provider
        .add(r.remote_name.as_deref().unwrap(), "lost-secret");
    assert_eq!(w.provider.keys.borrow().len(), 2);

    w.shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    let secrets: Vec<String> = w
        .provider
        .keys
        .borrow()
        .values()
        .map(|k| k.1.clone())
        .collect();
    assert_eq!(
        secrets.len(),
        2,
        "old and one new key, no duplicate: {secrets:?}"
    );
    assert!(!secrets.contains(&"lost-secret".to_string()));
    assert_consistent(&w);
}

#[test]
fn verification_is_retried_while_the_key_propagates() {
    let mut w = world();
    start(&mut w);
    w.provider.verify_failures.set(2);
    let p = w
        .shelf
        .advance_rotation(
            KEY,
            Some(&w.provider),
            Options {
                verify_timeout: std::time::Duration::from_secs(5),
                ..Options::default()
            },
        )
        .unwrap();
    assert_eq!(p.rotation.step, Step::Verified);
    let mut w2 = world();
    start(&mut w2);
    w2.provider.verify_failures.set(100);
    let err = w2
        .shelf
        .advance_rotation(KEY, Some(&w2.provider), fast())
        .unwrap_err();
    assert_eq!(err.code(), "rotation_verify_failed");
    assert_consistent(&w2);
}

#[test]
fn abort_restores_the_old_key_and_deletes_the_new_one() {
    let mut w = world();
    start(&mut w);
    w.shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    let before = w.shelf.resolve(KEY).unwrap();
    assert_ne!(current(&w), "old-secret");
    let r = w
        .shelf
        .abort_rotation(KEY, Some(&w.provider), false)
        .unwrap();
    assert_eq!(r.step, Step::Aborted);
    assert_eq!(current(&w), "old-secret");
    assert_eq!(w.provider.active_secrets(), vec!["old-secret".to_string()]);
    assert!(w
        .vault
        .get("acme/prod-api-main#previous")
        .unwrap()
        .is_none());
    let after = w.shelf.resolve(KEY).unwrap();
    assert_eq!(after.provider_key_id.as_deref(), Some("1"));
    assert_ne!(after.last_rotated_at, before.last_rotated_at);
    // A new rotation can start after an abort.
    start(&mut w);
}

#[test]
fn abort_is_refused_once_the_old_key_is_deactivated() {
    let mut w = world();
    start(&mut w);
    w.shelf
        .advance_rotation(
            KEY,
            Some(&w.provider),
            Options {
                confirm_updated: true,
                ..fast()
            },
        )
        .unwrap();
    assert_eq!(
        w.shelf
            .abort_rotation(KEY, Some(&w.provider), false)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
}

#[test]
fn a_local_key_rotates_to_a_generated_or_given_secret() {
    let dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(MemoryVault::new());
    let mut shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
    shelf
        .import(
            NewKey {
                name: "k".into(),
                env: "dev".into(),
                ..Default::default()
            },
            Secret::from("old"),
        )
        .unwrap();
    shelf.start_rotation("k", &Start::default(), false).unwrap();
    let opts = Options {
        new_secret: Some(NewSecret::Given(Secret::from("pasted-new"))),
        ..fast()
    };
    let p = shelf.advance_rotation("k", None, opts).unwrap();
    assert_eq!(p.rotation.step, Step::Verified);
    assert!(p.warnings[0].contains("could not be verified"));
    assert_eq!(p.rotation.old_key, OldKey::NotRemote);
    assert_eq!(
        vault.get("local/k").unwrap().unwrap().expose(),
        "pasted-new"
    );
    let p = shelf
        .advance_rotation(
            "k",
            None,
            Options {
                confirm_updated: true,
                ..fast()
            },
        )
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert_eq!(vault.accounts(), vec!["local/k".to_string()]);
}

fn all_steps() -> Options {
    Options {
        confirm_updated: true,
        end_grace: true,
        ..fast()
    }
}

fn unlink(w: &mut World) {
    let key = w.shelf.resolve(KEY).unwrap();
    w.shelf
        .store()
        .write(|tx| tx.restore_rotated(key.id, None, None))
        .unwrap();
}

// Finding 1: a provider's key without its remote id used to rotate "through the provider" while
// skipping deactivate and delete without a word, leaving the leaked key live.
#[test]
fn an_unlinked_provider_key_is_refused_and_a_local_rotation_says_the_old_key_stays_active() {
    let mut w = world();
    unlink(&mut w);
    let err = w
        .shelf
        .rotate(KEY, &Start::default(), Some(&w.provider), fast())
        .unwrap_err();
    assert_eq!(err.code(), "key_not_linked");
    assert!(err.to_string().contains("keyshelf link"), "{err}");
    assert!(
        w.shelf.rotations(true).unwrap().is_empty(),
        "nothing started"
    );

    let local = Start {
        local: true,
        ..Start::default()
    };
    let p = w
        .shelf
        .rotate(KEY, &local, Some(&w.provider), all_steps())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert_eq!(p.rotation.mode, Some(Mode::Local));
    assert_eq!(p.rotation.old_key, OldKey::LeftActive);
    assert!(p
        .rotation
        .notes
        .iter()
        .any(|n| n.code == NoteCode::OldKeyLeftActive && n.message.contains("stays active")));
    assert_eq!(
        w.provider.active_secrets(),
        vec!["old-secret".to_string()],
        "the provider was not touched: its old key is still active, and no new key was made"
    );
    assert_ne!(current(&w), "old-secret");
}

// Finding 3: an old key revoked elsewhere made `confirmed` fail forever, and abort then wrote
// the dead secret back and deleted the new, working key.
#[test]
fn an_old_key_gone_on_the_provider_is_recorded_and_the_rotation_finishes() {
    let mut w = world();
    start(&mut w);
    w.shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    w.provider.keys.borrow_mut().remove("1");
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), all_steps())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert_eq!(p.rotation.old_key, OldKey::AlreadyGone);
    assert!(
        p.warnings.iter().any(|m| m.contains("already gone")),
        "{:?}",
        p.warnings
    );
    assert_consistent(&w);
}

#[test]
fn abort_never_deletes_the_new_key_when_the_old_one_is_dead_unless_forced() {
    let mut w = world();
    start(&mut w);
    w.shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    let new_secret = current(&w);
    w.provider.keys.borrow_mut().remove("1");
    let err = w
        .shelf
        .abort_rotation(KEY, Some(&w.provider), false)
        .unwrap_err();
    assert_eq!(err.code(), "rotation_abort_unsafe");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(current(&w), new_secret, "the working key stays current");
    assert_eq!(w.provider.active_secrets(), vec![new_secret.clone()]);
    assert!(w
        .vault
        .get("acme/prod-api-main#previous")
        .unwrap()
        .is_some());

    let r = w
        .shelf
        .abort_rotation(KEY, Some(&w.provider), true)
        .unwrap();
    assert_eq!(r.step, Step::Aborted);
    assert!(r.notes.iter().any(|n| n.code == NoteCode::AbortForced));
    assert_eq!(current(&w), "old-secret");
    assert!(w.provider.keys.borrow().is_empty());
}

#[test]
fn abort_checks_the_old_key_without_a_verify_endpoint_through_the_key_list() {
    struct NoVerify<'a>(&'a FakeProvider);
    impl RotationProvider for NoVerify<'_> {
        fn create(&self, n: &str, u: Option<&str>) -> Result<(String, Secret)> {
            self.0.create(n, u)
        }
        fn find_by_name(&self, n: &str) -> Result<Option<String>> {
            self.0.find_by_name(n)
        }
        fn key_state(&self, id: &str) -> Result<Option<bool>> {
            self.0.key_state(id)
        }
        fn can_verify(&self) -> bool {
            false
        }
        fn verify(&self, _: &Secret, _: Option<&str>, _: Option<&str>) -> Result<()> {
            unreachable!("no verify endpoint")
        }
        fn set_active(&self, id: &str, a: bool) -> Result<Presence> {
            self.0.set_active(id, a)
        }
        fn delete(&self, id: &str) -> Result<Presence> {
            self.0.delete(id)
        }
        fn calls_since(&self, id: &str, s: DateTime<Utc>) -> Result<Option<u64>> {
            self.0.calls_since(id, s)
        }
    }
    let mut w = world();
    start(&mut w);
    let api = NoVerify(&w.provider);
    let p = w.shelf.advance_rotation(KEY, Some(&api), fast()).unwrap();
    assert!(p
        .rotation
        .notes
        .iter()
        .any(|n| n.code == NoteCode::NotVerified));
    w.provider.set_active("1", false).unwrap();
    let err = w.shelf.abort_rotation(KEY, Some(&api), false).unwrap_err();
    assert_eq!(err.code(), "rotation_abort_unsafe");
    w.provider.set_active("1", true).unwrap();
    assert_eq!(
        w.shelf.abort_rotation(KEY, Some(&api), false).unwrap().step,
        Step::Aborted
    );
    assert_eq!(current(&w), "old-secret");
}

// Finding 4: a provider without usage logs made `deactivated` a hard error forever.
#[test]
fn a_provider_without_usage_logs_gets_a_note_and_the_rotation_goes_on() {
    let mut w = world();
    w.provider.no_usage.set(true);
    start(&mut w);
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), all_steps())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert_eq!(p.rotation.old_key, OldKey::Deleted);
    assert!(p
        .rotation
        .notes
        .iter()
        .any(|n| n.code == NoteCode::UsageNotChecked));
    assert_consistent(&w);
}

#[test]
fn a_provider_that_cannot_deactivate_keeps_the_old_key_active_until_the_grace_period_ends() {
    let mut w = world();
    w.provider.no_deactivate.set(true);
    start(&mut w);
    let confirm = Options {
        confirm_updated: true,
        ..fast()
    };
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), confirm)
        .unwrap();
    assert_eq!(p.rotation.step, Step::Deactivated);
    assert!(matches!(p.waiting_for, Some(Waiting::GracePeriod { .. })));
    assert_eq!(p.rotation.old_key, OldKey::Untouched);
    assert_eq!(
        w.provider.active_secrets().len(),
        2,
        "the old key still works"
    );
    assert!(p
        .rotation
        .notes
        .iter()
        .any(|n| n.code == NoteCode::OldKeyKeptActive && n.message.contains("cannot deactivate")));
    // Resumed before the grace period ends: still waiting, nothing deleted.
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    assert!(matches!(p.waiting_for, Some(Waiting::GracePeriod { .. })));
    assert_eq!(w.provider.keys.borrow().len(), 2);
    let end = Options {
        end_grace: true,
        ..fast()
    };
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), end)
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert_eq!(p.rotation.old_key, OldKey::Deleted);
    assert_eq!(w.provider.active_secrets(), vec![current(&w)]);
    assert_consistent(&w);
}

#[test]
fn a_provider_that_cannot_create_rotates_to_a_key_made_in_its_console() {
    let mut w = world();
    w.provider.no_create.set(true);
    let start = Start::default();
    let err = w
        .shelf
        .rotate(KEY, &start, Some(&w.provider), fast())
        .unwrap_err();
    assert_eq!(err.code(), "rotation_needs_new_key");
    assert!(err.to_string().contains("--new-remote-id"), "{err}");
    assert!(
        w.shelf.rotations(true).unwrap().is_empty(),
        "nothing recorded"
    );

    let old_id = w.shelf.resolve(KEY).unwrap().provider_key_id.unwrap();
    let made = |id: &str, secret: &str| Options {
        made_elsewhere: Some(MadeElsewhere {
            id: id.into(),
            secret: Secret::from(secret),
        }),
        ..fast()
    };
    // The old key itself, or a key the provider does not have: refused, nothing recorded.
    for bad in [old_id.as_str(), "404"] {
        let err = w
            .shelf
            .rotate(KEY, &start, Some(&w.provider), made(bad, "whatever-value"))
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{bad}: {err}");
    }
    assert_eq!(current(&w), "old-secret");
    assert!(
        w.shelf.rotations(true).unwrap().is_empty(),
        "nothing recorded"
    );

    let new_id = w.provider.add("made-in-console", "console-made-secret");
    let p = w
        .shelf
        .rotate(
            KEY,
            &start,
            Some(&w.provider),
            made(&new_id, "console-made-secret"),
        )
        .unwrap();
    assert_eq!(p.rotation.step, Step::Verified);
    assert_eq!(p.rotation.new_key_id.as_deref(), Some(new_id.as_str()));
    assert_eq!(current(&w), "console-made-secret");
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), all_steps())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert_eq!(
        w.provider.active_secrets(),
        vec!["console-made-secret".to_owned()]
    );
    assert_consistent(&w);
}

// Finding 5: each step is a compare-and-set under a claim; a second run stops before acting.
#[test]
fn a_rotation_claimed_by_a_live_run_is_busy_and_nothing_changes() {
    let mut w = world();
    let r = start(&mut w);
    // Another run of this process (alive by definition) holds the claim.
    let other = format!("{}:0:other", std::process::id());
    w.shelf
        .store()
        .write(|tx| tx.claim_rotation(r.id, &other, owner::is_alive))
        .unwrap();
    let err = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap_err();
    assert_eq!(err.code(), "rotation_busy");
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert_eq!(w.provider.keys.borrow().len(), 1, "no key was created");
    assert!(w
        .vault
        .get("acme/prod-api-main#previous")
        .unwrap()
        .is_none());
    assert_eq!(
        w.shelf
            .abort_rotation(KEY, Some(&w.provider), false)
            .unwrap_err()
            .code(),
        "rotation_busy"
    );
    let stored = w.shelf.active_rotation(r.key_id).unwrap().unwrap();
    assert_eq!(stored.step, Step::Started);
    assert_eq!(stored.last_error, None, "a busy run records nothing");
}

#[test]
fn a_claim_left_by_a_dead_process_is_taken_over() {
    let mut w = world();
    let r = start(&mut w);
    // pid 1 with a start time that is not its own: a process that is gone.
    w.shelf
        .store()
        .write(|tx| tx.claim_rotation(r.id, "1:999999999:dead", owner::is_alive))
        .unwrap();
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Verified);
    let stored = w.shelf.active_rotation(r.key_id).unwrap().unwrap();
    assert_eq!(stored.owner, None, "the run released its claim");
}

#[test]
fn a_step_saved_from_a_stale_read_writes_nothing() {
    let mut w = world();
    let r = start(&mut w);
    let me = owner::new_token();
    let mut claimed = w
        .shelf
        .store()
        .write(|tx| tx.claim_rotation(r.id, &me, owner::is_alive))
        .unwrap();
    claimed.step = Step::Creating;
    let err = w
        .shelf
        .store()
        .write(|tx| tx.save_rotation_step(&claimed, Step::PreviousSaved, &me))
        .unwrap_err();
    assert_eq!(err.code(), "rotation_busy");
    assert_eq!(
        w.shelf.active_rotation(r.key_id).unwrap().unwrap().step,
        Step::Started
    );
}

// Finding 6: a rotation row whose key is gone stopped `--resume` of every other key.
#[test]
fn a_rotation_whose_key_is_gone_is_listed_and_can_always_be_ended() {
    let mut w = world();
    let r = start(&mut w);
    w.shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    // As an older version's `delete` left it: the key row gone mid-rotation.
    w.shelf.store().write(|tx| tx.delete_key(r.key_id)).unwrap();
    let listed = w.shelf.rotations(false).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].key_gone);
    let ended = w.shelf.abort_rotation(KEY, None, false).unwrap();
    assert_eq!(ended.step, Step::Aborted);
    assert!(ended
        .notes
        .iter()
        .any(|n| n.code == NoteCode::KeyGone && n.message.contains("#previous")));
    assert!(w.shelf.rotations(false).unwrap().is_empty());
    assert!(
        w.vault
            .get("acme/prod-api-main#previous")
            .unwrap()
            .is_some(),
        "the old secret is kept, not deleted"
    );
}

#[test]
fn the_outcome_of_a_full_rotation_says_the_old_key_was_deleted() {
    let mut w = world();
    let p = w
        .shelf
        .rotate(KEY, &Start::default(), Some(&w.provider), all_steps())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert_eq!(p.rotation.mode, Some(Mode::CreateNew));
    assert_eq!(p.rotation.old_key, OldKey::Deleted);
    assert!(p.rotation.notes.is_empty(), "{:?}", p.rotation.notes);
    let _ = fmt_time(p.rotation.updated_at);
}

// Finding 9's consequence for the rotation: a keychain write that timed out may still land, so
// the new key it belongs to must not be deleted (the current secret would be a dead key).
#[test]
fn a_keychain_timeout_on_the_new_secret_keeps_the_new_key_until_resume() {
    use crate::vault::Deadline;
    let mut w = world();
    start(&mut w);
    // Run to `creating`, as in the crash test.
    w.provider.failing.borrow_mut().insert("create");
    let _ = w.shelf.advance_rotation(KEY, Some(&w.provider), fast());
    w.provider.failing.borrow_mut().clear();
    // The same keychain behind a short deadline, hanging from now on.
    let slow = Arc::new(Deadline::new(
        w.vault.clone(),
        std::time::Duration::from_millis(300),
        || "a test keychain".into(),
    ));
    let mut behind = Keyshelf::open(w._dir.path(), slow).unwrap();
    w.vault.hang(true);
    let err = behind
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap_err();
    assert_eq!(err.code(), "keychain_timeout");
    assert_eq!(w.provider.keys.borrow().len(), 2, "the new key is kept");
    // The write lands late: the current secret is the new key, which works.
    w.vault.hang(false);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_consistent(&w);
    // Resume replaces it with a fresh key (found by its recorded name), no duplicate left.
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), all_steps())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    assert_eq!(w.provider.keys.borrow().len(), 1);
    assert_consistent(&w);
}

// Found by the model-based test (seed 0x6b65797368656c66, cases 57 and 111): a second rotation
// started in the same second as the first gave its new key the same name, took the first one's
// new (now current) key for a leftover of its own and deleted it.
#[test]
fn a_second_rotation_in_the_same_second_never_takes_the_current_key_for_a_leftover() {
    let mut w = world();
    let p = w
        .shelf
        .rotate(KEY, &Start::default(), Some(&w.provider), all_steps())
        .unwrap();
    assert_eq!(p.rotation.step, Step::Done);
    w.provider.failing.borrow_mut().insert("create");
    let err = w
        .shelf
        .rotate(KEY, &Start::default(), Some(&w.provider), fast())
        .unwrap_err();
    assert!(err.to_string().contains("create failed"), "{err}");
    assert_consistent(&w);
    w.provider.failing.borrow_mut().clear();
    let r = w
        .shelf
        .abort_rotation(KEY, Some(&w.provider), false)
        .unwrap();
    assert_eq!(r.step, Step::Aborted);
    assert_consistent(&w);
    assert_eq!(w.provider.keys.borrow().len(), 1);
}

// Found by the model-based test (cases 4, 84, 102…): `delete` checked for a rotation, then
// called the provider; a rotation starting in between was orphaned or left its new key live.
#[test]
fn a_rotation_cannot_start_while_another_process_changes_the_key_on_its_provider() {
    let mut w = world();
    let key = w.shelf.resolve(KEY).unwrap();
    let other = format!("{}:0:deleting", std::process::id());
    w.shelf
        .store()
        .write(|tx| tx.claim_key(key.id, KEY, &other, "deleting", owner::is_alive))
        .unwrap();
    let err = w
        .shelf
        .rotate(KEY, &Start::default(), Some(&w.provider), fast())
        .unwrap_err();
    assert_eq!(err.code(), "key_busy");
    assert!(err.to_string().contains("deleting"), "{err}");
    assert!(
        w.shelf.rotations(true).unwrap().is_empty(),
        "nothing started"
    );
    // Once the claim is gone (or its process died), the rotation starts.
    w.shelf
        .store()
        .write(|tx| {
            tx.release_key(key.id, &other)?;
            tx.claim_key(key.id, KEY, "1:999999999:dead", "deleting", owner::is_alive)
        })
        .unwrap();
    assert_eq!(
        w.shelf
            .rotate(KEY, &Start::default(), Some(&w.provider), fast())
            .unwrap()
            .rotation
            .step,
        Step::Verified
    );
    // And a claim cannot be taken while the rotation runs.
    let err = w
        .shelf
        .store()
        .write(|tx| tx.claim_key(key.id, KEY, &other, "deleting", owner::is_alive))
        .unwrap_err();
    assert_eq!(err.code(), "rotation_in_progress");
}

#[test]
fn a_rotation_of_a_key_removed_under_it_does_not_start() {
    let mut w = world();
    let key = w.shelf.resolve(KEY).unwrap();
    let me = owner::new_token();
    w.shelf.store().write(|tx| tx.delete_key(key.id)).unwrap();
    // As `begin` would after resolving the key just before the row went.
    let err = w
        .shelf
        .store()
        .write(|tx| {
            tx.key_by_id(key.id)?;
            tx.refuse_claimed(key.id, KEY, &me, owner::is_alive)
        })
        .unwrap_err();
    assert_eq!(err.code(), "store_error");
}

// Found by the model-based test (seed 0x3039, case 133): a forced abort put the dead old secret
// back first; when deleting the new key then failed, the only working secret was gone from the
// keychain although its key was still live.
#[test]
fn a_forced_abort_whose_delete_fails_keeps_the_working_key_current() {
    let mut w = world();
    start(&mut w);
    w.shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    let new_secret = current(&w);
    w.provider.keys.borrow_mut().remove("1");
    w.provider.failing.borrow_mut().insert("delete");
    let err = w
        .shelf
        .abort_rotation(KEY, Some(&w.provider), true)
        .unwrap_err();
    assert!(err.to_string().contains("delete failed"), "{err}");
    assert_eq!(current(&w), new_secret, "the working key is still current");
    assert_consistent(&w);
    w.provider.failing.borrow_mut().clear();
    let r = w
        .shelf
        .abort_rotation(KEY, Some(&w.provider), true)
        .unwrap();
    assert_eq!(r.step, Step::Aborted);
    assert!(w.provider.keys.borrow().is_empty());
}

// Found by the model-based test (seed 0x1352952, case 492): an abort put the old secret back,
// then failed to delete the new key; a resume then carried the rotation forward from its
// step, deactivating and deleting the old key whose secret was current.
#[test]
fn an_abort_that_failed_half_way_is_finished_by_resume_not_reversed() {
    let mut w = world();
    start(&mut w);
    w.shelf
        .advance_rotation(KEY, Some(&w.provider), fast())
        .unwrap();
    w.provider.failing.borrow_mut().insert("delete");
    let err = w
        .shelf
        .abort_rotation(KEY, Some(&w.provider), false)
        .unwrap_err();
    assert!(err.to_string().contains("delete failed"), "{err}");
    assert_eq!(current(&w), "old-secret");
    let stored = w
        .shelf
        .active_rotation(w.shelf.resolve(KEY).unwrap().id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.step.as_str(), "aborting");
    assert_consistent(&w);
    w.provider.failing.borrow_mut().clear();
    let p = w
        .shelf
        .advance_rotation(KEY, Some(&w.provider), all_steps())
        .unwrap();
    assert_eq!(
        p.rotation.step,
        Step::Aborted,
        "the abort is finished, not reversed"
    );
    assert_eq!(current(&w), "old-secret");
    assert_eq!(w.provider.active_secrets(), vec!["old-secret".to_string()]);
    assert_eq!(
        w.shelf.resolve(KEY).unwrap().provider_key_id.as_deref(),
        Some("1")
    );
    assert!(w
        .vault
        .get("acme/prod-api-main#previous")
        .unwrap()
        .is_none());
}
