//! What each step of a rotation does, for each [`Mode`]: the one place that knows how a local
//! rotation and a provider's create-new rotation differ. The state machine (`machine.rs`) runs
//! these in order and records each result before the next one starts; nothing here writes to
//! the store.

use super::{
    MadeElsewhere, Mode, NewSecret, Note, NoteCode, OldKey, Presence, Rotation, RotationProvider,
    Step,
};
use crate::generate::{self, Spec};
use crate::provider::{Kind, ProviderError};
use crate::store::KeyRecord;
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use chrono::Utc;
use std::time::{Duration, Instant};

/// What the steps act on.
pub(super) struct Ctx<'a> {
    pub key: &'a KeyRecord,
    pub vault: &'a dyn Vault,
    /// The provider's API; `None` for a local rotation.
    pub provider: Option<&'a dyn RotationProvider>,
    /// The keychain accounts of the current secret and of the old one kept during the rotation.
    pub current: String,
    pub previous: String,
}

impl Ctx<'_> {
    fn api(&self) -> Result<&dyn RotationProvider> {
        self.provider
            .ok_or_else(|| Error::ProviderNotFound(self.key.provider.clone()))
    }

    fn note(step: Step, code: NoteCode, message: String) -> Note {
        Note {
            step,
            code,
            message,
        }
    }
}

/// The name the new key gets on the provider, recorded before it is created: this rotation's
/// alone, so a key found under it was made by this rotation and no other. The rotation's id
/// keeps two rotations of one store apart (two in the same second once shared a name, and the
/// second took the first one's new, current key for a leftover and deleted it); the random part
/// keeps two workstations apart, whose stores number their rotations alike (two teammates
/// rotating one shared key at once deleted each other's new key that way).
pub(super) fn remote_name(ctx: &Ctx<'_>, r: &Rotation, mode: Mode) -> Option<String> {
    (mode == Mode::CreateNew).then(|| {
        format!(
            "{}-{}-r{}-{:06x}",
            ctx.key.name,
            Utc::now().format("%Y%m%d%H%M%S"),
            r.id,
            rand::random::<u32>() & 0xff_ffff
        )
    })
}

/// The provider's key made by this rotation whose secret never reached us, if any: found by the
/// recorded name, never the key's current or old key (whatever their names).
pub(super) fn leftover(ctx: &Ctx<'_>, r: &Rotation) -> Result<Option<String>> {
    let (Some(p), Some(name)) = (ctx.provider, r.remote_name.as_deref()) else {
        return Ok(None);
    };
    Ok(p.find_by_name(name)?.filter(|id| {
        Some(id.as_str()) != r.old_key_id.as_deref()
            && Some(id.as_str()) != ctx.key.provider_key_id.as_deref()
    }))
}

/// Step 1 proper: the new secret, made current. Returns the new key's id on the provider.
///
/// For a provider, any key left by an earlier attempt under the recorded name is deleted first
/// (its secret never reached us). When the keychain refuses the new secret, the new key is
/// deleted again, so no unusable key stays on the provider; the old one is untouched. When the
/// keychain does not answer in time, the new key stays until the rotation resumes or aborts.
pub(super) fn create(
    ctx: &Ctx<'_>,
    r: &Rotation,
    mode: Mode,
    new_secret: Option<NewSecret>,
    made_elsewhere: Option<MadeElsewhere>,
) -> Result<Option<String>> {
    if mode == Mode::Local {
        let secret = match new_secret {
            Some(NewSecret::Given(s)) => crate::shelf::clean_imported(s)?.0,
            Some(NewSecret::Generate(spec)) => generate::generate(&spec)?.secret,
            None => generate::generate(&Spec::default())?.secret,
        };
        ctx.vault.set(&ctx.current, &secret)?;
        return Ok(None);
    }
    let p = ctx.api()?;
    if let Some(made) = made_elsewhere {
        return take_made_elsewhere(ctx, r, made);
    }
    if !p.can_create() {
        return Err(Error::RotationNeedsNewKey {
            key: ctx.key.full_ref(),
            provider: ctx.key.provider.clone(),
        });
    }
    let remote_name = r
        .remote_name
        .as_deref()
        .ok_or_else(|| Error::invalid("rotation", "no remote name recorded"))?;
    if let Some(orphan) = leftover(ctx, r)? {
        p.delete(&orphan)?;
    }
    let (id, secret) = p.create(remote_name, ctx.key.user.as_deref())?;
    // The riskiest moment: the provider has the key, and its secret exists only here.
    super::fault_point("rotation:posted");
    if let Err(e) = ctx.vault.set(&ctx.current, &secret) {
        // A write that timed out may still land later: its key must then be alive, so the
        // current secret is never a deleted key. Resume or abort finds it by its recorded name.
        if !matches!(e, Error::KeychainTimeout { .. }) {
            let _ = p.delete(&id);
        }
        return Err(e);
    }
    Ok(Some(id))
}

/// Step 2: the new key works. A key that cannot be verified gets a note, not a failure.
pub(super) fn verify(
    ctx: &Ctx<'_>,
    r: &Rotation,
    mode: Mode,
    timeout: Duration,
) -> Result<Option<Note>> {
    let p = match (mode, ctx.provider) {
        (Mode::CreateNew, Some(p)) if p.can_verify() => p,
        (Mode::CreateNew, _) => return Ok(Some(Ctx::note(
            Step::Verified,
            NoteCode::NotVerified,
            "the new key could not be verified (the provider has no verify endpoint); test it yourself before confirming".into(),
        ))),
        (Mode::Local, _) => return Ok(Some(Ctx::note(
            Step::Verified,
            NoteCode::NotVerified,
            "the new secret was made here and could not be verified; test it yourself before confirming".into(),
        ))),
    };
    let secret = ctx
        .vault
        .get(&ctx.current)?
        .ok_or_else(|| Error::SecretMissing(ctx.key.full_ref()))?;
    verify_with_retries(
        p,
        &ctx.key.full_ref(),
        &secret,
        r.new_key_id.as_deref(),
        ctx.key.user.as_deref(),
        timeout,
    )?;
    Ok(None)
}

/// Step 4, first half: the old key stops working on the provider. A key the provider no longer
/// has (revoked elsewhere, e.g. automatically after a leak) is already as retired as it gets.
pub(super) fn retire_old(ctx: &Ctx<'_>, r: &Rotation) -> Result<(OldKey, Option<Note>)> {
    if r.mode != Some(Mode::CreateNew) {
        return Ok((r.old_key, None));
    }
    let old = old_id(ctx, r)?;
    let p = ctx.api()?;
    if !p.can_deactivate() {
        // Deleting at once would leave no way back; the old key works on until the grace ends.
        return Ok((
            OldKey::Untouched,
            Some(Ctx::note(
                Step::Deactivated,
                NoteCode::OldKeyKeptActive,
                format!(
                    "{} cannot deactivate a key, only delete it: the old key stays active until the grace period ends, then it is deleted",
                    ctx.key.provider
                ),
            )),
        ));
    }
    Ok(match p.set_active(old, false)? {
        Presence::Found => (OldKey::Deactivated, None),
        Presence::Gone => (OldKey::AlreadyGone, Some(gone_note(ctx, Step::Deactivated))),
    })
}

/// Step 4, the check before deleting: calls made with the old key since it was deactivated. Best
/// effort: a provider without usage logs gets a note and the rotation goes on.
pub(super) fn check_usage(ctx: &Ctx<'_>, r: &Rotation) -> Result<Option<Note>> {
    let (Some(since), OldKey::Deactivated) = (r.deactivated_at, r.old_key) else {
        return Ok(None);
    };
    let unchecked = || {
        Ctx::note(
            Step::Deactivated,
            NoteCode::UsageNotChecked,
            format!(
                "{} offers no usage logs of single calls, so Keyshelf could not check whether the old key was still used after it was deactivated",
                ctx.key.provider
            ),
        )
    };
    let calls = match ctx.api()?.calls_since(old_id(ctx, r)?, since) {
        Ok(Some(n)) => n,
        Ok(None) => return Ok(Some(unchecked())),
        Err(Error::Provider(e))
            if matches!(e.kind, Kind::NotFoundRemote | Kind::NotImplemented) =>
        {
            return Ok(Some(unchecked()))
        }
        Err(e) => return Err(e),
    };
    Ok((calls > 0).then(|| {
        Ctx::note(
            Step::Deactivated,
            NoteCode::OldKeyStillUsed,
            format!("the old key was used {calls} time(s) since it was deactivated: some application still has it"),
        )
    }))
}

/// Step 4, second half: the old key is deleted on the provider.
pub(super) fn delete_old(ctx: &Ctx<'_>, r: &Rotation) -> Result<(OldKey, Option<Note>)> {
    // Untouched here: a provider that cannot deactivate kept it active through the grace period.
    let retiring = matches!(r.old_key, OldKey::Deactivated | OldKey::Untouched);
    if r.mode != Some(Mode::CreateNew) || !retiring {
        return Ok((r.old_key, None));
    }
    Ok(match ctx.api()?.delete(old_id(ctx, r)?)? {
        Presence::Found => (OldKey::Deleted, None),
        Presence::Gone => (OldKey::AlreadyGone, Some(gone_note(ctx, Step::Done))),
    })
}

/// Step 1 with a key the user made on the provider: checked again (it may have changed since the
/// start), its value (checked like an import) becomes current.
fn take_made_elsewhere(ctx: &Ctx<'_>, r: &Rotation, made: MadeElsewhere) -> Result<Option<String>> {
    check_made_elsewhere(ctx.api()?, ctx.key, r.old_key_id.as_deref(), &made.id)?;
    let secret = crate::shelf::clean_imported(made.secret)?.0;
    ctx.vault.set(&ctx.current, &secret)?;
    Ok(Some(made.id))
}

/// A key made on the provider for the rotation of `key` must be there, active, and not the old key.
pub(super) fn check_made_elsewhere(
    p: &dyn RotationProvider,
    key: &KeyRecord,
    old_id: Option<&str>,
    id: &str,
) -> Result<()> {
    let what = "--new-remote-id";
    let provider = &key.provider;
    if Some(id) == old_id {
        return Err(Error::invalid(
            what,
            format!("{id} is the key being rotated; give the id of the new key"),
        ));
    }
    match p.key_state(id)? {
        Some(true) => Ok(()),
        Some(false) => Err(Error::invalid(
            what,
            format!("{provider}'s key {id} is not active; activate it or give an active key"),
        )),
        None => Err(Error::invalid(
            what,
            format!("{provider} has no key with id {id}; `keyshelf sync --provider {provider}` lists its keys"),
        )),
    }
}

/// Before an abort deletes the new key: the old key must still work, or the user would be left
/// with none. Errors other than "this key does not work" (a timeout) stop the abort too.
pub(super) fn check_old_key_works(ctx: &Ctx<'_>, r: &Rotation) -> Result<()> {
    let p = ctx.api()?;
    let unsafe_abort = |why: &str| Error::RotationAbortUnsafe {
        key: ctx.key.full_ref(),
        why: why.to_owned(),
    };
    if p.can_verify() {
        let Some(old) = ctx.vault.get(&ctx.previous)? else {
            return Err(unsafe_abort("the old secret is no longer in the keychain"));
        };
        return match p.verify(&old, r.old_key_id.as_deref(), ctx.key.user.as_deref()) {
            Ok(()) => Ok(()),
            Err(Error::Provider(e)) if is_refusal(&e) => Err(unsafe_abort(&format!(
                "the provider no longer accepts the old key ({})",
                e.kind.code()
            ))),
            Err(e) => Err(e),
        };
    }
    match p.key_state(old_id(ctx, r)?)? {
        Some(true) => Ok(()),
        Some(false) => Err(unsafe_abort("the old key is inactive on the provider")),
        None => Err(unsafe_abort("the provider no longer has the old key")),
    }
}

fn is_refusal(e: &ProviderError) -> bool {
    matches!(
        e.kind,
        Kind::Unauthorized | Kind::Forbidden | Kind::NotFoundRemote
    )
}

fn old_id<'r>(ctx: &Ctx<'_>, r: &'r Rotation) -> Result<&'r str> {
    r.old_key_id
        .as_deref()
        .ok_or_else(|| Error::KeyNotLinked(ctx.key.full_ref()))
}

fn gone_note(ctx: &Ctx<'_>, step: Step) -> Note {
    Ctx::note(
        step,
        NoteCode::OldKeyAlreadyGone,
        format!(
            "the old key was already gone on {} (revoked or deleted elsewhere); nothing was left to deactivate or delete",
            ctx.key.provider
        ),
    )
}

fn verify_with_retries(
    p: &dyn RotationProvider,
    key: &str,
    secret: &Secret,
    id: Option<&str>,
    user: Option<&str>,
    timeout: Duration,
) -> Result<()> {
    let start = Instant::now();
    let mut wait = Duration::from_millis(250);
    loop {
        match p.verify(secret, id, user) {
            Ok(()) => return Ok(()),
            Err(e) if start.elapsed() + wait > timeout => {
                return Err(Error::RotationVerifyFailed {
                    key: key.to_owned(),
                    secs: timeout.as_secs(),
                    why: e.to_string(),
                })
            }
            Err(_) => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(10));
            }
        }
    }
}

/// How a rotation of `key` goes when it starts, and what that means for its old key.
pub(super) fn plan(
    key: &KeyRecord,
    has_api: bool,
    local: bool,
) -> Result<(Mode, OldKey, Vec<Note>)> {
    if key.provider == crate::vault::LOCAL_PROVIDER {
        return Ok((Mode::Local, OldKey::NotRemote, Vec::new()));
    }
    let left_active = |why: String| {
        (
            Mode::Local,
            OldKey::LeftActive,
            vec![Ctx::note(Step::Started, NoteCode::OldKeyLeftActive, why)],
        )
    };
    if !has_api {
        return Ok(left_active(format!(
            "Keyshelf has no access to {p}'s management API, so the old key stays active on {p}: revoke it in {p}'s console once your applications use the new one",
            p = key.provider
        )));
    }
    if local {
        return Ok(left_active(format!(
            "only the local secret was rotated (--local): the old key stays active on {p}; revoke it there once your applications use the new one",
            p = key.provider
        )));
    }
    if key.provider_key_id.is_none() {
        return Err(Error::KeyNotLinked(key.full_ref()));
    }
    Ok((Mode::CreateNew, OldKey::Untouched, Vec::new()))
}
