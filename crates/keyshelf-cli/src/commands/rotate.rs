//! rotate: start, --resume, --abort, --status.

use crate::cli::RotateArgs;
use crate::{input, output};
use keyshelf_core::generate::Spec;
use keyshelf_core::rotation::{
    MadeElsewhere, Mode, NewSecret, OldKey, Options, Progress, Rotation, Start, Step, Waiting,
};
use keyshelf_core::store::{fmt_time, KeyRecord};
use keyshelf_core::{Error, Keyshelf, Result};
use std::io::Write;
use std::process::ExitCode;

pub fn run(shelf: &mut Keyshelf, a: RotateArgs, json: bool) -> Result<ExitCode> {
    if a.status {
        return status(shelf, a.keyref.as_deref(), a.all, json);
    }
    let keyrefs = match (&a.keyref, a.resume) {
        (Some(k), _) => vec![k.clone()],
        // `--resume` alone carries on every unfinished rotation whose key is still there.
        (None, true) => {
            let mut refs = Vec::new();
            for r in shelf.rotations(false)? {
                if r.key_gone {
                    output::note(&format!(
                        "keyshelf: warning: skipped the rotation of {} (step {}): the key was removed; `keyshelf rotate {} --abort` ends it",
                        r.key,
                        r.step.as_str(),
                        r.key
                    ));
                } else {
                    refs.push(r.key);
                }
            }
            refs
        }
        (None, false) => {
            return Err(Error::invalid(
                "rotate",
                "name the key to rotate (KEYREF), or pass --status or --resume",
            ))
        }
    };
    let mut results = Vec::new();
    for keyref in keyrefs {
        if a.abort {
            let r = shelf.abort_rotation_via_provider(&keyref, a.force)?;
            for n in &r.notes {
                output::note(&format!("keyshelf: warning: {}", n.message));
            }
            output::note(&format!("Rotation of {}: {}", r.key, outcome(&r)));
            results.push(Progress {
                rotation: r,
                waiting_for: None,
                warnings: vec![],
            });
            continue;
        }
        if let Some(rolled) = roll_if_the_service_rolls(shelf, &keyref, &a)? {
            if json {
                output::json(&rolled)?;
            } else {
                output::note(&format!(
                    "Rolled {} through its service ({}): provider id {} -> {}; the new secret is in the keychain. The old secret does not work any more ({}), so update the tools that use it now: `keyshelf get {}` prints the new one.",
                    rolled.key.key.full_ref(),
                    rolled.semantics,
                    rolled.old_id,
                    rolled.new_id,
                    rolled.old_secret,
                    rolled.key.key.full_ref()
                ));
            }
            return Ok(ExitCode::SUCCESS);
        }
        let progress = run_one(shelf, &keyref, &a)?;
        report(&progress);
        results.push(progress);
    }
    if json {
        output::json(&results)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Rolls `keyref` when its service has a roll endpoint (same id or new id) and nothing else was
/// asked for (`--local`, `--resume`, an unfinished guided rotation).
fn roll_if_the_service_rolls(
    shelf: &mut Keyshelf,
    keyref: &str,
    a: &RotateArgs,
) -> Result<Option<keyshelf_core::provider::roll::Rolled>> {
    let params = super::provider::pairs("--param", &a.params)?;
    if a.local || a.resume || a.confirm_updated || a.end_grace || a.new_remote_id.is_some() {
        return Ok(None);
    }
    let key = shelf.resolve(keyref)?;
    if shelf.active_rotation(key.id)?.is_some() || shelf.roll_semantics(keyref)?.is_none() {
        if !params.is_empty() {
            return Err(Error::invalid(
                "--param",
                "this key's provider does not roll keys; --param goes with a service's roll",
            ));
        }
        return Ok(None);
    }
    shelf.roll_key(keyref, &params).map(Some)
}

/// Starts the rotation of `keyref`, or carries its unfinished one on: with --resume, and also
/// with --confirm-updated or --end-grace, which only make sense for a rotation under way.
fn run_one(shelf: &mut Keyshelf, keyref: &str, a: &RotateArgs) -> Result<Progress> {
    let key = shelf.resolve(keyref)?;
    // Keys of no provider, keys of a provider without a configured management API, and --local
    // rotate to a generated or pasted secret.
    let has_api = shelf.rotation_provider(&key.provider)?.is_some();
    let under_way = shelf.active_rotation(key.id)?;
    let carry_on = a.resume || (under_way.is_some() && (a.confirm_updated || a.end_grace));
    if carry_on {
        let local = under_way.and_then(|r| r.mode) == Some(Mode::Local);
        return shelf.advance_rotation_via_provider(keyref, options(a, &key, has_api && !local)?);
    }
    let start = Start {
        grace_days: a.grace,
        local: a.local,
    };
    shelf.rotate_via_provider(keyref, &start, options(a, &key, has_api && !a.local)?)
}

fn options(a: &RotateArgs, key: &KeyRecord, has_api: bool) -> Result<Options> {
    let new_secret = if has_api {
        None
    } else if a.paste {
        Some(NewSecret::Given(input::read_secret(&format!(
            "New secret for {}: ",
            key.full_ref()
        ))?))
    } else {
        let spec = Spec {
            length: a.length,
            alphabet: a.alphabet.parse()?,
            prefix: a.prefix.clone(),
            ..Spec::default()
        };
        keyshelf_core::generate::validate(&spec)?;
        Some(NewSecret::Generate(spec))
    };
    let made_elsewhere = match &a.new_remote_id {
        Some(id) if has_api => Some(MadeElsewhere {
            id: id.clone(),
            secret: input::read_secret(&format!("Value of {}'s key {id}: ", key.provider))?,
        }),
        Some(_) => {
            return Err(Error::invalid(
                "--new-remote-id",
                format!(
                    "{} is not rotated through a provider's API (a local key, a provider without API access, or --local); use --paste for a new secret",
                    key.full_ref()
                ),
            ))
        }
        None => None,
    };
    Ok(Options {
        confirm_updated: a.confirm_updated,
        end_grace: a.end_grace,
        verify_timeout: std::time::Duration::from_secs(a.verify_timeout),
        new_secret,
        made_elsewhere,
    })
}

fn report(p: &Progress) {
    for w in &p.warnings {
        output::note(&format!("keyshelf: warning: {w}"));
    }
    let r = &p.rotation;
    match &p.waiting_for {
        Some(waiting) => output::note(&format!(
            "Rotation of {}: step {}. Next: {}.",
            r.key,
            r.step.as_str(),
            next_step(waiting, r)
        )),
        None => output::note(&format!("Rotation of {}: {}", r.key, outcome(r))),
    }
}

/// What a finished rotation did, from what it recorded (never from the plan).
fn outcome(r: &Rotation) -> String {
    let provider = r.key.split('/').next().unwrap_or_default();
    let old = match r.old_key {
        OldKey::Deleted => format!("the old key is deleted on {provider}."),
        OldKey::AlreadyGone => format!("the old key was already gone on {provider}."),
        OldKey::LeftActive => {
            format!("the old key is STILL ACTIVE on {provider}: revoke it there.")
        }
        OldKey::NotRemote => "the old secret is discarded.".into(),
        OldKey::Restored => "the old key is current again.".into(),
        OldKey::Untouched | OldKey::Deactivated => {
            format!("the old key is {} on {provider}.", r.old_key.as_str())
        }
    };
    match r.step {
        Step::Done => format!("done. The new key is current; {old}"),
        Step::Aborted => format!("aborted; {old}"),
        step => format!("step {}; {old}", step.as_str()),
    }
}

/// What the user runs next, in this tool's words.
fn next_step(waiting: &Waiting, r: &Rotation) -> String {
    let key = &r.key;
    match waiting {
        Waiting::AppsUpdated => format!(
            "update your applications to the new key (`keyshelf get {key}`), then run `keyshelf rotate {key} --resume --confirm-updated`"
        ),
        Waiting::GracePeriod { until } => format!(
            "the old key is {}; it is deleted after the grace period, on {} (`keyshelf rotate {key} --resume`, or add --end-grace to delete it now)",
            if r.old_key == OldKey::Untouched { "still active (its provider cannot deactivate keys)" } else { "deactivated" },
            fmt_time(*until)
        ),
    }
}

fn status(shelf: &Keyshelf, keyref: Option<&str>, all: bool, json: bool) -> Result<ExitCode> {
    let mut rotations: Vec<Rotation> = shelf.rotations(all)?;
    if let Some(k) = keyref {
        // A rotation whose key was removed is named by the reference it recorded.
        let full = match shelf.resolve(k) {
            Ok(key) => key.full_ref(),
            Err(Error::KeyNotFound(_)) if rotations.iter().any(|r| r.key_gone && r.key == k) => {
                k.to_owned()
            }
            Err(e) => return Err(e),
        };
        rotations.retain(|r| r.key == full);
    }
    if json {
        output::json(&rotations)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rotations.is_empty() {
        output::note("No rotation is under way.");
    }
    let mut out = std::io::stdout().lock();
    for r in &rotations {
        let gone = if r.key_gone { "  (key removed)" } else { "" };
        let notes: String = r
            .notes
            .iter()
            .map(|n| format!("\n    note: {}", n.message))
            .collect();
        let grace = r
            .grace_until()
            .map(|g| format!("  grace until {}", fmt_time(g)))
            .unwrap_or_default();
        let err = r
            .last_error
            .as_deref()
            .map(|e| format!("\n    last error: {e}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}  {}  started {}{gone}{grace}{err}{notes}",
            r.key,
            r.step.as_str(),
            fmt_time(r.started_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}
