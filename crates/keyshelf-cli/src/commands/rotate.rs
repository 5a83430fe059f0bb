//! rotate: start, --resume, --abort, --status.

use crate::cli::RotateArgs;
use crate::{input, output};
use keyshelf_core::generate::Spec;
use keyshelf_core::rotation::{NewSecret, Options, Progress, Rotation, Waiting};
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
        // `--resume` alone carries on every unfinished rotation.
        (None, true) => shelf.rotations(false)?.into_iter().map(|r| r.key).collect(),
        (None, false) => {
            return Err(Error::invalid(
                "rotate",
                "name the key to rotate (KEYREF), or pass --status or --resume",
            ))
        }
    };
    let mut results = Vec::new();
    for keyref in keyrefs {
        let key = shelf.resolve(&keyref)?;
        if a.abort {
            let r = shelf.abort_rotation_via_provider(&keyref)?;
            output::note(&format!(
                "Rotation of {} aborted: the old key is current again.",
                r.key
            ));
            results.push(Progress {
                rotation: r,
                waiting_for: None,
                warnings: vec![],
            });
            continue;
        }
        if !a.resume {
            shelf.start_rotation(&keyref, a.grace)?;
        }
        // Keys of no provider, and keys imported for a provider without a configured management
        // API, rotate to a generated or pasted secret.
        let has_api = shelf.rotation_provider(&key.provider)?.is_some();
        let progress = shelf.advance_rotation_via_provider(&keyref, options(&a, &key, has_api)?)?;
        report(&progress);
        results.push(progress);
    }
    if json {
        output::json(&results)?;
    }
    Ok(ExitCode::SUCCESS)
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
    Ok(Options {
        confirm_updated: a.confirm_updated,
        end_grace: a.end_grace,
        verify_timeout: std::time::Duration::from_secs(a.verify_timeout),
        new_secret,
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
            next_step(waiting, &r.key)
        )),
        None => output::note(&format!("Rotation of {} is {}.", r.key, r.step.as_str())),
    }
}

/// What the user runs next, in this tool's words.
fn next_step(waiting: &Waiting, key: &str) -> String {
    match waiting {
        Waiting::AppsUpdated => format!(
            "update your applications to the new key (`keyshelf get {key}`), then run `keyshelf rotate {key} --resume --confirm-updated`"
        ),
        Waiting::GracePeriod { until } => format!(
            "the old key is deactivated; it is deleted after the grace period, on {} (`keyshelf rotate {key} --resume`, or add --end-grace to delete it now)",
            fmt_time(*until)
        ),
    }
}

fn status(shelf: &Keyshelf, keyref: Option<&str>, all: bool, json: bool) -> Result<ExitCode> {
    let mut rotations: Vec<Rotation> = shelf.rotations(all)?;
    if let Some(k) = keyref {
        let full = shelf.resolve(k)?.full_ref();
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
            "{}  {}  started {}{grace}{err}",
            r.key,
            r.step.as_str(),
            fmt_time(r.started_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}
