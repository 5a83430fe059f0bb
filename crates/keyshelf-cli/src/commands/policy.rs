//! policy list / set / remove / due-soon, and due.

use crate::cli::{DueArgs, PolicyCommand};
use crate::{exit, output};
use keyshelf_core::policy::DueState;
use keyshelf_core::{Keyshelf, Result};
use std::io::Write;
use std::process::ExitCode;

pub fn run(shelf: &mut Keyshelf, cmd: PolicyCommand, json: bool) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::List => {}
        PolicyCommand::Set { env, days } => {
            shelf.set_environment(&env, days)?;
        }
        PolicyCommand::Remove { env } => shelf.remove_environment(&env)?,
        PolicyCommand::DueSoon { days } => shelf.set_due_soon_days(days)?,
    }
    // The settings the desktop's Settings screen shows, in the same shape.
    let settings = shelf.settings()?;
    let soon = settings.due_soon_days;
    if json {
        output::json(&settings)?;
    } else {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ENV                 INTERVAL");
        for e in &settings.environments {
            let _ = writeln!(out, "{:<20}{} days", e.name, e.interval_days);
        }
        output::note(&format!(
            "Keys are due soon {soon} days before their due date."
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn due(shelf: &Keyshelf, a: DueArgs, json: bool) -> Result<ExitCode> {
    let due = shelf.due(a.within)?;
    let overdue = due.iter().filter(|k| k.state == DueState::Overdue).count();
    if json {
        output::json(&due)?;
    } else if due.is_empty() {
        output::note("No key is due for rotation.");
    } else {
        output::key_table(&due);
        output::note(&format!(
            "{overdue} overdue, {} due soon.",
            due.len() - overdue
        ));
    }
    Ok(ExitCode::from(if overdue > 0 {
        exit::OVERDUE
    } else {
        exit::OK
    }))
}
