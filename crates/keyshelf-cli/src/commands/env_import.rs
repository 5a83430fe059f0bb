//! `keyshelf import-env FILE --env ENV [--dry-run] [--only VAR]…`: the preview as a table on
//! stdout (variable, key, what happens, why), then what was done and the `exec` line that
//! replaces the file on stderr.

use crate::cli::ImportEnvArgs;
use crate::output;
use keyshelf_core::env_import::{Action, Plan};
use keyshelf_core::{Keyshelf, Result};
use std::io::Write;
use std::process::ExitCode;

pub fn run(shelf: &mut Keyshelf, a: ImportEnvArgs, json: bool) -> Result<ExitCode> {
    if a.dry_run {
        let plan = shelf.preview_env_import(&a.file, &a.env, &a.only)?;
        if json {
            output::json(&plan)?;
        } else {
            table(&plan);
            output::note(&format!(
                "Dry run: {} to import, {} skipped, {} clash{}; nothing was stored.",
                plan.to_import,
                plan.skipped,
                plan.clashes,
                if plan.clashes == 1 { "" } else { "es" }
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let done = shelf.import_env_file(&a.file, &a.env, &a.only)?;
    if json {
        output::json(&done)?;
        return Ok(ExitCode::SUCCESS);
    }
    let plan = &done.plan;
    table(plan);
    if done.imported.is_empty() {
        output::note(&format!("Nothing imported from {}.", plan.file));
    } else {
        output::note(&format!(
            "Imported {} key{} into {} from {} (the file was not changed). Instead of the file, run:\n  {}",
            done.imported.len(),
            if done.imported.len() == 1 { "" } else { "s" },
            plan.env,
            plan.file,
            plan.exec_line
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn action_text(a: Action) -> &'static str {
    match a {
        Action::Import => "import",
        Action::Skip => "skip",
        Action::Clash => "clash",
    }
}

fn table(plan: &Plan) {
    let width = |f: fn(&keyshelf_core::env_import::PlanLine) -> usize, title: &str| {
        plan.lines.iter().map(f).max().unwrap_or(0).max(title.len())
    };
    let (wv, wk) = (
        width(|l| l.var.len(), "VARIABLE"),
        width(|l| l.name.len(), "KEY"),
    );
    let mut out = std::io::stdout().lock();
    let mut lines = vec![format!(
        "{:wv$}  {:wk$}  {:6}  WHY",
        "VARIABLE", "KEY", "ACTION"
    )];
    for l in &plan.lines {
        lines.push(
            format!(
                "{:wv$}  {:wk$}  {:6}  {}",
                l.var,
                l.name,
                action_text(l.action),
                l.reason.as_deref().unwrap_or("")
            )
            .trim_end()
            .to_owned(),
        );
    }
    // A closed pipe is not worth an error here.
    let _ = writeln!(out, "{}", lines.join("\n"));
}
