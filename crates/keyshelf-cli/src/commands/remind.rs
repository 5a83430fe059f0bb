//! remind: the grouped rotation reminder as a desktop notification, and the timer that runs it.

use crate::cli::RemindArgs;
use crate::{output, systemd};
use keyshelf_core::notify;
use keyshelf_core::reminders::{Check, Mode};
use keyshelf_core::{Error, Keyshelf, Result};
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

pub fn run(a: RemindArgs, json: bool) -> Result<ExitCode> {
    if a.install {
        return install(a.every.as_deref(), json);
    }
    if a.uninstall {
        return uninstall(json);
    }
    let mut shelf = Keyshelf::open_default()?;
    let mode = if a.all { Mode::All } else { Mode::New };
    let now = chrono::Utc::now();
    if a.dry_run {
        let check = shelf.reminder_preview(now, mode)?;
        if json {
            output::json(&json!({
                "sent": false,
                "dry_run": true,
                "due": check.due,
                "reminder": check.reminder,
            }))?;
        } else if let Some(r) = &check.reminder {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}\n{}", r.summary, r.body);
            output::note("Dry run: no notification sent, nothing recorded.");
        } else {
            output::note(&nothing_new(&check));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut sent = None;
    let check = shelf.remind(now, mode, |r| {
        sent = Some(notify::send(r)?);
        Ok(())
    })?;
    if json {
        output::json(&json!({
            "sent": sent.is_some(),
            "dry_run": false,
            "due": check.due,
            "reminder": check.reminder,
            "notification": sent,
        }))?;
    } else {
        match (&check.reminder, &sent) {
            (Some(r), Some(s)) => output::note(&format!(
                "Sent a notification through {} (id {}): {}",
                s.server, s.id, r.summary
            )),
            _ => output::note(&nothing_new(&check)),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What to say when a check sends nothing.
fn nothing_new(check: &Check) -> String {
    match check.due {
        0 => "No key is due for rotation; no notification sent.".to_owned(),
        1 => "Nothing new: the 1 due key was announced in the last 24 hours; no notification sent (`--all` announces it again).".to_owned(),
        n => format!("Nothing new: the {n} due keys were announced in the last 24 hours; no notification sent (`--all` announces them again)."),
    }
}

fn install(every: Option<&str>, json: bool) -> Result<ExitCode> {
    if !cfg!(target_os = "linux") {
        return Err(Error::invalid(
            "--install",
            "systemd user timers exist on Linux only; elsewhere run `keyshelf due` from cron or launchd",
        ));
    }
    let every = systemd::parse_every(every.unwrap_or(systemd::DEFAULT_EVERY))?;
    let exe = std::env::current_exe().map_err(|source| Error::Io {
        what: "cannot tell where the keyshelf binary is".into(),
        source,
    })?;
    // The timer must check the shelf this command uses: keep an explicit KEYSHELF_HOME, absolute.
    let home = match std::env::var_os(keyshelf_core::shelf::HOME_ENV).filter(|h| !h.is_empty()) {
        Some(h) => Some(std::path::absolute(&h).map_err(|source| Error::Io {
            what: format!("cannot resolve {}", std::path::Path::new(&h).display()),
            source,
        })?),
        None => None,
    };
    let units = systemd::units(&exe, home.as_deref(), &every)?;
    let dir = systemd::unit_dir()?;
    let done = systemd::install(&dir, &units)?;
    let enable = systemd::enable_command();
    if json {
        output::json(&json!({
            "installed": true,
            "replaced": done.replaced,
            "service": done.service,
            "timer": done.timer,
            "every": every,
            "enable_command": enable,
        }))?;
    } else {
        output::note(&format!(
            "{} the reminder timer (every {every}):\n  {}\n  {}\nTurn it on with:\n  {enable}",
            if done.replaced { "Replaced" } else { "Wrote" },
            done.service.display(),
            done.timer.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn uninstall(json: bool) -> Result<ExitCode> {
    let dir = systemd::unit_dir()?;
    let removed = systemd::uninstall(&dir)?;
    let stop = systemd::stop_command();
    if json {
        output::json(&json!({ "removed": removed, "stop_command": stop }))?;
    } else if removed.is_empty() {
        output::note(&format!(
            "No reminder timer is installed in {}; nothing removed.",
            dir.display()
        ));
    } else {
        let list: Vec<String> = removed
            .iter()
            .map(|p| format!("  {}", p.display()))
            .collect();
        output::note(&format!(
            "Removed:\n{}\nStop a timer still running with:\n  {stop}",
            list.join("\n")
        ));
    }
    Ok(ExitCode::SUCCESS)
}
