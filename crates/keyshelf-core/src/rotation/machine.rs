//! The persisted state machine: start, run, abort. Each run claims its rotation, records every
//! step with a compare-and-set before the next one starts, and releases the claim at the end
//! (see `store/rotations.rs`); `steps.rs` says what a step does.

use super::steps::{self, Ctx};
use super::{
    fault_point, owner, Mode, NewRotation, Note, NoteCode, OldKey, Options, Progress, Rotation,
    RotationProvider, Start, Step, Waiting,
};
use crate::store::KeyRecord;
use crate::team::TeamErrorKind;
use crate::vault::{key_account, previous_account};
use crate::{Error, Keyshelf, Result};
use chrono::Utc;

impl Keyshelf {
    /// The unfinished rotation of a key, if any.
    pub fn active_rotation(&self, key_id: i64) -> Result<Option<Rotation>> {
        self.store_ref().read().active_rotation(key_id)
    }

    /// Rotations, newest first: all unfinished ones, plus finished ones when `all`. Rotations
    /// whose key was removed are listed with `key_gone`.
    pub fn rotations(&self, all: bool) -> Result<Vec<Rotation>> {
        self.store_ref().read().rotations(all)
    }

    /// Starts a rotation of `keyref` and leaves it for a later run ([`Keyshelf::advance_rotation`]).
    /// `has_api`: whether the key's provider is configured (its rotation can go through it).
    pub fn start_rotation(
        &mut self,
        keyref: &str,
        start: &Start,
        has_api: bool,
    ) -> Result<Rotation> {
        let me = owner::new_token();
        let (_, r) = self.begin(keyref, start, has_api, &me)?;
        self.store().write(|tx| tx.release_rotation(r.id, &me))?;
        self.store_ref().read().rotation(r.id)
    }

    /// Starts a rotation of `keyref` and carries it as far as it goes now, in one claim: the
    /// process that started it is the one that runs it, whatever else runs at the same time.
    pub fn rotate(
        &mut self,
        keyref: &str,
        start: &Start,
        provider: Option<&dyn RotationProvider>,
        opts: Options,
    ) -> Result<Progress> {
        if let (Some(p), false) = (provider, start.local) {
            // Refused before anything is recorded: there is nothing (usable) to rotate to.
            let key = self.resolve(keyref)?;
            match &opts.made_elsewhere {
                Some(made) => {
                    let old = key.provider_key_id.as_deref();
                    steps::check_made_elsewhere(p, &key, old, &made.id)?;
                }
                None if !p.can_create() => {
                    return Err(Error::RotationNeedsNewKey {
                        key: key.full_ref(),
                        provider: key.provider,
                    })
                }
                None => {}
            }
        }
        let me = owner::new_token();
        let (key, r) = self.begin(keyref, start, provider.is_some(), &me)?;
        // The notes of the start (an old key left active) are this run's news too.
        self.run_claimed(&me, &key, r, provider, opts, 0)
    }

    /// Carries the unfinished rotation of `keyref` forward as far as it can go now: until it
    /// needs the user's confirmation, waits for its grace period, or is done. Safe to call again
    /// after any failure or crash; [`Error::RotationBusy`] while another process runs it.
    pub fn advance_rotation(
        &mut self,
        keyref: &str,
        provider: Option<&dyn RotationProvider>,
        opts: Options,
    ) -> Result<Progress> {
        let key = self.resolve(keyref)?;
        let me = owner::new_token();
        let r = self.claim(&key, &me)?;
        let seen = r.notes.len();
        self.run_claimed(&me, &key, r, provider, opts, seen)
    }

    /// Abandons a rotation before the old key is deactivated: the old secret becomes current
    /// again, the new key is deleted on the provider, `#previous` is removed. Refused when the
    /// old key no longer works on the provider (the new key would be the only working one),
    /// unless `force`. A rotation whose key was removed is simply ended.
    pub fn abort_rotation(
        &mut self,
        keyref: &str,
        provider: Option<&dyn RotationProvider>,
        force: bool,
    ) -> Result<Rotation> {
        let key = match self.resolve(keyref) {
            Ok(key) => key,
            Err(Error::KeyNotFound(_)) => return self.end_orphan(keyref),
            Err(e) => return Err(e),
        };
        let me = owner::new_token();
        let mut r = self.claim(&key, &me)?;
        let out = self.abort_claimed(&me, &key, &mut r, provider, force);
        self.finish_run(&me, &r, out.as_ref().err());
        out?;
        self.store_ref().read().rotation(r.id)
    }

    // --- the run ---------------------------------------------------------------------------

    /// Inserts the rotation row, claimed by `me`; returns the key and its rotation.
    fn begin(
        &mut self,
        keyref: &str,
        start: &Start,
        has_api: bool,
        me: &str,
    ) -> Result<(KeyRecord, Rotation)> {
        if start.grace_days > 365 {
            return Err(Error::invalid("grace", "at most 365 days"));
        }
        let key = self.resolve(keyref)?;
        if !key.has_secret {
            return Err(Error::SecretMissing(key.full_ref()));
        }
        let (mode, old_key, notes) = steps::plan(&key, has_api, start.local)?;
        let new = NewRotation {
            key_id: key.id,
            key_ref: key.full_ref(),
            old_key_id: key.provider_key_id.clone(),
            old_last_rotated_at: key.last_rotated_at,
            grace_days: start.grace_days,
            mode,
            old_key,
            notes,
        };
        let id = self.store().write(|tx| {
            // In the transaction that inserts: the key is still there, and no process is
            // deleting or switching it on the provider right now.
            tx.key_by_id(key.id)
                .map_err(|_| Error::KeyNotFound(key.full_ref()))?;
            tx.refuse_claimed(key.id, &new.key_ref, me, owner::is_alive)?;
            let id = tx.insert_rotation(&new, me)?;
            tx.audit(
                Some(&new.key_ref),
                "rotate",
                &format!("started ({})", mode.as_str()),
            )?;
            Ok(id)
        })?;
        Ok((key, self.store_ref().read().rotation(id)?))
    }

    /// Claims the unfinished rotation of `key` for `me`.
    fn claim(&mut self, key: &KeyRecord, me: &str) -> Result<Rotation> {
        self.store().write(|tx| {
            let r = tx
                .active_rotation(key.id)?
                .ok_or_else(|| Error::NoRotation(key.full_ref()))?;
            tx.claim_rotation(r.id, me, owner::is_alive)
        })
    }

    fn run_claimed(
        &mut self,
        me: &str,
        key: &KeyRecord,
        mut r: Rotation,
        provider: Option<&dyn RotationProvider>,
        opts: Options,
        notes_before: usize,
    ) -> Result<Progress> {
        let out = self.run_steps(me, key, &mut r, provider, opts);
        self.finish_run(me, &r, out.as_ref().err());
        let waiting_for = out?;
        Ok(Progress {
            warnings: r.notes[notes_before..]
                .iter()
                .map(|n| n.message.clone())
                .collect(),
            rotation: self.store_ref().read().rotation(r.id)?,
            waiting_for,
        })
    }

    /// Ends a run: records its error (for `--status`) and releases the claim. Best effort: the
    /// run's own result is what the caller reports, and a claim left behind by a failed release
    /// belongs to a live process only as long as this one runs.
    fn finish_run(&mut self, me: &str, r: &Rotation, error: Option<&Error>) {
        let text = error
            .filter(|e| !matches!(e, Error::RotationBusy(_)))
            .map(ToString::to_string);
        let _ = self.store().write(|tx| {
            if let Some(text) = &text {
                tx.set_rotation_error(r.id, me, text)?;
            }
            tx.release_rotation(r.id, me)
        });
    }

    fn run_steps(
        &mut self,
        me: &str,
        key: &KeyRecord,
        r: &mut Rotation,
        provider: Option<&dyn RotationProvider>,
        mut opts: Options,
    ) -> Result<Option<Waiting>> {
        // A row of an older version decides its mode now, as a new rotation would.
        let mode = match r.mode {
            Some(m) => m,
            None if provider.is_some() && r.old_key_id.is_some() => Mode::CreateNew,
            None => Mode::Local,
        };
        r.mode = Some(mode);
        let vault = self.vault_arc();
        let ctx = Ctx {
            key,
            vault: vault.as_ref(),
            provider: provider.filter(|_| mode == Mode::CreateNew),
            current: key_account(&key.provider, &key.name),
            previous: previous_account(&key.provider, &key.name),
        };
        loop {
            match r.step {
                Step::Started => {
                    let old = ctx
                        .vault
                        .get(&ctx.current)?
                        .ok_or_else(|| Error::SecretMissing(key.full_ref()))?;
                    ctx.vault.set(&ctx.previous, &old)?;
                    self.record_step(me, r, Step::PreviousSaved)?;
                }
                Step::PreviousSaved => {
                    r.remote_name = steps::remote_name(&ctx, r, mode);
                    self.record_step(me, r, Step::Creating)?;
                }
                Step::Creating => {
                    let new_id = steps::create(
                        &ctx,
                        r,
                        mode,
                        opts.new_secret.take(),
                        opts.made_elsewhere.take(),
                    )?;
                    if new_id.is_some() {
                        r.new_key_id = new_id;
                    }
                    // The new secret is current: its age starts now.
                    let id = r.new_key_id.clone().or_else(|| key.provider_key_id.clone());
                    self.store()
                        .write(|tx| tx.set_rotated(key.id, id.as_deref(), Utc::now()))?;
                    self.record_step(me, r, Step::Created)?;
                }
                Step::Created => {
                    r.notes
                        .extend(steps::verify(&ctx, r, mode, opts.verify_timeout)?);
                    // A shared key's new version goes to its teams before anything
                    // irreversible: when a teammate published first, theirs stands and this
                    // rotation is undone (new key deleted, old secret current).
                    let undone = |team: &str| {
                        format!("theirs stands and this rotation was undone (its new key deleted; the old secret is current here until `keyshelf team sync {team}` brings theirs, and may already be retired)")
                    };
                    match self.publish_rotated(key.id, r.grace_days, undone) {
                        Ok(()) => {}
                        Err(
                            e @ Error::Team {
                                kind: TeamErrorKind::Conflict,
                                ..
                            },
                        ) => {
                            // Forced: the teammate's rotation may already have retired the old
                            // key, and the new key made here must go whatever the old one's
                            // state (the team holds the working key; a sync brings it).
                            self.abort_claimed(me, key, r, provider, true)?;
                            return Err(e);
                        }
                        Err(Error::Team {
                            kind: TeamErrorKind::Forbidden,
                            message,
                        }) => {
                            // Refused for good (a reader's token): waiting cannot help, so the
                            // rotation is undone as if never started; the old key was untouched.
                            self.abort_claimed(me, key, r, provider, false)?;
                            return Err(crate::team::error(
                                TeamErrorKind::Forbidden,
                                format!("{message}. The rotation of {} was undone: its new key was deleted and the old secret is current", key.full_ref()),
                            ));
                        }
                        // Unreachable, sealed, a token to renew: the rotation waits at this
                        // step, and `--resume` publishes once the team's server answers.
                        Err(e) => return Err(e),
                    }
                    self.record_step(me, r, Step::Verified)?;
                }
                Step::Verified => {
                    if !opts.confirm_updated {
                        return Ok(Some(Waiting::AppsUpdated));
                    }
                    self.record_step(me, r, Step::Confirmed)?;
                }
                Step::Confirmed => {
                    let (old_key, note) = steps::retire_old(&ctx, r)?;
                    r.old_key = old_key;
                    r.notes.extend(note);
                    r.deactivated_at = Some(Utc::now());
                    self.record_step(me, r, Step::Deactivated)?;
                }
                Step::Deactivated => {
                    if let Some(note) = steps::check_usage(&ctx, r)? {
                        // Said once, not on every check of the grace period.
                        if !r.notes.contains(&note) {
                            r.notes.push(note);
                        }
                    }
                    let until = r.grace_until().unwrap_or_else(Utc::now);
                    let waits = matches!(r.old_key, OldKey::Deactivated | OldKey::Untouched);
                    if waits && !opts.end_grace && Utc::now() < until {
                        self.save_notes(me, r)?;
                        return Ok(Some(Waiting::GracePeriod { until }));
                    }
                    let (old_key, note) = steps::delete_old(&ctx, r)?;
                    r.old_key = old_key;
                    r.notes.extend(note);
                    ctx.vault.delete(&ctx.previous)?;
                    self.record_step(me, r, Step::Done)?;
                }
                // An abort that stopped half-way is finished, whatever this run was asked.
                Step::Aborting => self.finish_abort(me, key, r, provider)?,
                Step::Done | Step::Aborted => return Ok(None),
            }
        }
    }

    fn abort_claimed(
        &mut self,
        me: &str,
        key: &KeyRecord,
        r: &mut Rotation,
        provider: Option<&dyn RotationProvider>,
        force: bool,
    ) -> Result<()> {
        if r.step == Step::Aborting {
            return self.finish_abort(me, key, r, provider);
        }
        if r.step >= Step::Deactivated {
            return Err(Error::invalid(
                "abort",
                "the old key is already deactivated; finish the rotation instead (Resume, or `keyshelf rotate KEYREF --resume`)",
            ));
        }
        // Published, the new key is the team's: teammates may already use it, and an abort
        // would delete it under them. Also when the team took it but this process died before
        // recording so (forced: the teammate's version won, this one was never taken).
        let published = if r.step >= Step::Verified {
            self.team_of_key(key.id)?
        } else if r.step >= Step::Created && !force {
            self.unrecorded_publication(key)
        } else {
            None
        };
        if let Some(team) = published {
            return Err(Error::invalid(
                "abort",
                format!("the new key was already published to team {team}, whose members may use it; finish the rotation instead (Resume, or `keyshelf rotate {} --resume`)", key.full_ref()),
            ));
        }
        let vault = self.vault_arc();
        let ctx = abort_ctx(key, vault.as_ref(), r, provider);
        // A new key may exist from `creating` on: find it before anything changes.
        let new_id = match (ctx.provider, &r.new_key_id) {
            (Some(_), Some(id)) => Some(id.clone()),
            (Some(_), None) if r.step >= Step::Creating => steps::leftover(&ctx, r)?,
            _ => None,
        };
        let mut old_works = true;
        if new_id.is_some() {
            match steps::check_old_key_works(&ctx, r) {
                Ok(()) => {}
                Err(e @ Error::RotationAbortUnsafe { .. }) if force => {
                    old_works = false;
                    r.notes.push(Note {
                        step: Step::Aborted,
                        code: NoteCode::AbortForced,
                        message: format!("abort forced: {e} The new key was deleted anyway; the key in the keychain is the old one, which the provider may no longer accept"),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        // The working key stays current until nothing is left to fail, and the store says which
        // one it is before the other goes: the old one, put back first, when it works; the new
        // one, deleted first, when the old one does not (a forced abort whose delete fails still
        // has the new, working key). `aborting` is recorded in between, so a failure after it is
        // finished by the next abort or resume, never taken for a rotation going forward.
        if old_works {
            if let Some(old) = ctx.vault.get(&ctx.previous)? {
                ctx.vault.set(&ctx.current, &old)?;
            }
            let (old_id, old_rotated) = (r.old_key_id.clone(), r.old_last_rotated_at);
            self.store()
                .write(|tx| tx.restore_rotated(key.id, old_id.as_deref(), old_rotated))?;
        } else if let (Some(p), Some(id)) = (ctx.provider, new_id.as_deref()) {
            p.delete(id)?;
        }
        r.new_key_id = new_id;
        self.record_step(me, r, Step::Aborting)?;
        self.finish_abort(me, key, r, provider)
    }

    /// The second half of an abort, safe to repeat: the old secret current, the new key deleted
    /// on the provider (already gone is fine), the key's record put back, `#previous` removed.
    fn finish_abort(
        &mut self,
        me: &str,
        key: &KeyRecord,
        r: &mut Rotation,
        provider: Option<&dyn RotationProvider>,
    ) -> Result<()> {
        let vault = self.vault_arc();
        let ctx = abort_ctx(key, vault.as_ref(), r, provider);
        if let Some(old) = ctx.vault.get(&ctx.previous)? {
            ctx.vault.set(&ctx.current, &old)?;
        }
        if let (Some(p), Some(id)) = (ctx.provider, r.new_key_id.as_deref()) {
            p.delete(id)?;
        }
        let (old_id, old_rotated) = (r.old_key_id.clone(), r.old_last_rotated_at);
        self.store()
            .write(|tx| tx.restore_rotated(key.id, old_id.as_deref(), old_rotated))?;
        ctx.vault.delete(&ctx.previous)?;
        if r.old_key == OldKey::Untouched {
            r.old_key = OldKey::Restored;
        }
        self.record_step(me, r, Step::Aborted)
    }

    /// Ends a rotation whose key was removed: nothing is left to rotate, and nothing is touched
    /// (a `#previous` secret left in the keychain stays there, and the note says so).
    fn end_orphan(&mut self, keyref: &str) -> Result<Rotation> {
        let mut r = self
            .store_ref()
            .read()
            .orphan_rotation(keyref)?
            .ok_or_else(|| Error::KeyNotFound(keyref.to_owned()))?;
        let me = owner::new_token();
        r = self
            .store()
            .write(|tx| tx.claim_rotation(r.id, &me, owner::is_alive))?;
        let (provider, name) = r.key.split_once('/').unwrap_or(("", &r.key));
        let kept = self
            .vault()
            .get(&previous_account(provider, name))?
            .map(|_| {
                format!(
                    " Its old secret is still in the keychain as {}#previous.",
                    r.key
                )
            })
            .unwrap_or_default();
        r.notes.push(Note {
            step: Step::Aborted,
            code: NoteCode::KeyGone,
            message: format!("the key {} was removed, so its rotation was ended without changing anything.{kept}", r.key),
        });
        let out = self.record_step(&me, &mut r, Step::Aborted);
        self.finish_run(&me, &r, out.as_ref().err());
        out?;
        self.store_ref().read().rotation(r.id)
    }

    /// Records a step (and what came with it) as a compare-and-set from the step the rotation
    /// was at, and audits it.
    fn record_step(&mut self, me: &str, r: &mut Rotation, step: Step) -> Result<()> {
        let from = r.step;
        r.step = step;
        r.updated_at = Utc::now();
        r.last_error = None;
        let saved = self.store().write(|tx| {
            tx.save_rotation_step(r, from, me)?;
            tx.audit(Some(&r.key), "rotate", step.as_str())
        });
        if let Err(e) = saved {
            r.step = from;
            return Err(e);
        }
        fault_point(&format!("rotation:{}", step.as_str()));
        Ok(())
    }

    /// Saves the notes of a run that stops without a new step (waiting for the grace period).
    fn save_notes(&mut self, me: &str, r: &Rotation) -> Result<()> {
        self.store()
            .write(|tx| tx.save_rotation_step(r, r.step, me))
    }
}

/// What an abort acts on: the provider only for a rotation that went through it.
fn abort_ctx<'a>(
    key: &'a KeyRecord,
    vault: &'a dyn crate::vault::Vault,
    r: &Rotation,
    provider: Option<&'a dyn RotationProvider>,
) -> Ctx<'a> {
    Ctx {
        key,
        vault,
        provider: provider.filter(|_| r.mode != Some(Mode::Local)),
        current: key_account(&key.provider, &key.name),
        previous: previous_account(&key.provider, &key.name),
    }
}
