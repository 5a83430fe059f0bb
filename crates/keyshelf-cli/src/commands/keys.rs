//! generate, import, link, list, show, get, remove, edit, snooze, audit, suggest-name.

use super::parse_date;
use crate::cli::{
    AuditArgs, EditArgs, GenerateArgs, ImportArgs, LinkArgs, ListArgs, NewKeyArgs, RemoveArgs,
    SnoozeArgs, SuggestArgs,
};
use crate::{exit, input, output};
use keyshelf_core::generate::Spec;
use keyshelf_core::policy::DueState;
use keyshelf_core::shelf::NewKey;
use keyshelf_core::store::KeyFilter;
use keyshelf_core::{Keyshelf, Result};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn new_key(a: NewKeyArgs, provider: Option<String>) -> NewKey {
    NewKey {
        name: a.name,
        env: a.env,
        provider,
        user: a.user,
        var_name: a.var_name,
        tags: a.tags,
        notes: a.notes,
        rotated_at: None,
    }
}

pub fn generate(shelf: &mut Keyshelf, a: GenerateArgs, json: bool) -> Result<ExitCode> {
    let spec = Spec {
        length: a.length,
        alphabet: a.alphabet.parse()?,
        prefix: a.prefix,
        pair: a.pair,
        allow_short: a.allow_short,
    };
    let g = shelf.generate(new_key(a.key, None), &spec)?;
    if json {
        output::json(&g)?;
    } else {
        output::note(&format!(
            "Generated {} ({:.0} bits of entropy), stored in the keychain as keyshelf {}. `keyshelf get {}` prints it.",
            g.key.key.full_ref(),
            g.entropy_bits,
            g.key.key.full_ref(),
            g.key.key.name
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn import(shelf: &mut Keyshelf, a: ImportArgs, json: bool) -> Result<ExitCode> {
    let rotated_at = a
        .rotated_at
        .as_deref()
        .map(|d| parse_date("rotated-at", d))
        .transpose()?;
    let mut new = new_key(a.key, a.provider);
    new.rotated_at = rotated_at;
    // Validate before asking for the secret, so a typo does not cost the user a paste.
    shelf.check_new(&new)?;
    let secret = input::read_secret(&format!("Secret for {}: ", new.name))?;
    let imported = match a.remote_id.as_deref() {
        Some(id) => shelf.adopt_key(new, id, secret)?,
        None => shelf.import(new, secret)?,
    };
    for w in &imported.warnings {
        output::note(&format!("keyshelf: warning: {w}"));
    }
    if json {
        output::json(&imported)?;
    } else {
        output::note(&format!(
            "Imported {} into the keychain.",
            imported.key.key.full_ref()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn link(shelf: &mut Keyshelf, a: LinkArgs, json: bool) -> Result<ExitCode> {
    let view = shelf.link_key(&a.keyref, &a.remote_id)?;
    if json {
        output::json(&view)?;
    } else {
        output::note(&format!(
            "Linked {} to its key {} on the provider.",
            view.key.full_ref(),
            a.remote_id
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn list(shelf: &Keyshelf, a: ListArgs, json: bool) -> Result<ExitCode> {
    let filter = KeyFilter {
        env: a.env,
        provider: a.provider,
        name: None,
    };
    let mut keys = shelf.list(&filter)?;
    if a.due {
        keys.retain(|k| k.state != DueState::Ok);
    }
    if json {
        output::json(&keys)?;
    } else {
        output::key_table(&keys);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(shelf: &Keyshelf, keyref: &str, json: bool) -> Result<ExitCode> {
    let key = shelf.show(keyref)?;
    if json {
        output::json(&key)?;
    } else {
        output::key_detail(&key);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn get(shelf: &mut Keyshelf, keyref: &str) -> Result<ExitCode> {
    let secret = shelf.secret(keyref, "get")?;
    let mut out = std::io::stdout().lock();
    let terminal = out.is_terminal();
    // Nothing but the value when piped; a newline only for a person reading a terminal.
    let written = out
        .write_all(secret.expose().as_bytes())
        .and_then(|()| {
            if terminal {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| out.flush());
    if let Err(source) = written {
        if source.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(keyshelf_core::Error::Io {
                what: "cannot write to stdout".into(),
                source,
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn remove(shelf: &mut Keyshelf, a: RemoveArgs, json: bool) -> Result<ExitCode> {
    let key = shelf.resolve(&a.keyref)?;
    if !a.yes {
        input::confirm_by_typing(
            &key.name,
            &format!(
                "This removes {} and its secret from the keychain",
                key.full_ref()
            ),
        )?;
    }
    let removed = shelf.remove(&key.full_ref())?;
    if json {
        output::json(&serde_json::json!({ "removed": removed.full_ref() }))?;
    } else {
        output::note(&format!(
            "Removed {} (the provider, if any, still has it).",
            removed.full_ref()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn edit(shelf: &mut Keyshelf, a: EditArgs, json: bool) -> Result<ExitCode> {
    let mut view = shelf.show(&a.keyref)?;
    // Check every change before making any, so a bad one changes nothing.
    if let Some(var) = &a.var_name {
        keyshelf_core::shelf::validate_var_name(var)?;
    }
    if a.interval.is_some() || a.env_interval {
        view = shelf.set_key_interval(&a.keyref, a.interval)?;
    }
    if a.var_name.is_some() || a.no_var {
        view = shelf.set_var_name(&a.keyref, a.var_name.as_deref())?;
    }
    if json {
        output::json(&view)?;
    } else {
        output::key_detail(&view);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn snooze(shelf: &mut Keyshelf, a: SnoozeArgs, json: bool) -> Result<ExitCode> {
    let until = if a.clear {
        None
    } else {
        a.until
            .as_deref()
            .map(|d| parse_date("until", d))
            .transpose()?
    };
    let view = shelf.snooze(&a.keyref, until)?;
    if json {
        output::json(&view)?;
    } else {
        output::key_detail(&view);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn audit(shelf: &Keyshelf, a: AuditArgs, json: bool) -> Result<ExitCode> {
    let events = shelf.audit(a.keyref.as_deref(), a.limit)?;
    if json {
        output::json(&events)?;
    } else {
        let mut out = std::io::stdout().lock();
        for e in &events {
            let _ = writeln!(
                out,
                "{}  {:<10}  {}{}",
                keyshelf_core::store::fmt_time(e.at),
                e.action,
                e.key.as_deref().unwrap_or("-"),
                if e.detail.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", e.detail)
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn suggest_name(a: &SuggestArgs, json: bool) -> Result<ExitCode> {
    let name = keyshelf_core::names::suggest_name(
        &a.env,
        &a.app,
        &a.purpose,
        chrono::Utc::now().date_naive(),
    );
    keyshelf_core::names::validate_name(&name)?;
    if json {
        output::json(&serde_json::json!({ "name": name }))?;
    } else {
        println!("{name}");
    }
    Ok(ExitCode::from(exit::OK))
}
