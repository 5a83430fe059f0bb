//! provider add|list|test|remove, create, sync, activate, deactivate, delete, verify, export, usage.

use crate::cli::{CreateArgs, ExportArgs, ProviderAddArgs, ProviderCommand, RemoveArgs, SyncArgs};
use crate::{input, output};
use keyshelf_core::provider::ops::{time_text, NewProvider};
use keyshelf_core::provider::{KeyScheme, ManagementAuth, ProviderProfile};
use keyshelf_core::shelf::NewKey;
use keyshelf_core::{Error, Keyshelf, Result};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(shelf: &mut Keyshelf, c: ProviderCommand, json: bool) -> Result<ExitCode> {
    match c {
        ProviderCommand::Add(a) => add(shelf, *a, json),
        ProviderCommand::List => list(shelf, json),
        ProviderCommand::Presets { show: Some(name) } => {
            let text = keyshelf_core::provider::profile::presets::text(&name).ok_or_else(|| {
                Error::invalid(
                    "--show",
                    format!("{name:?} is not a preset written as a profile file; `keyshelf provider presets` lists them"),
                )
            })?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        ProviderCommand::Presets { show: None } => presets(json),
        ProviderCommand::Test { name } => {
            let check = shelf.test_provider(&name)?;
            if json {
                output::json(&check)?;
            } else {
                output::note(&format!(
                    "Provider {} answers: {} key(s){}.",
                    check.provider,
                    check.keys,
                    check
                        .key_limit
                        .map_or(String::new(), |l| format!(" of at most {l}"))
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        ProviderCommand::Remove { name } => {
            let p = shelf.remove_provider(&name)?;
            if json {
                output::json(&serde_json::json!({ "removed": p.name }))?;
            } else {
                output::note(&format!(
                    "Removed provider {} and its token from the keychain.",
                    p.name
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn add(shelf: &mut Keyshelf, a: ProviderAddArgs, json: bool) -> Result<ExitCode> {
    let profile_text = match &a.profile {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| Error::Io {
            what: format!("reading the profile {}", path.display()),
            source: e,
        })?),
        None => None,
    };
    if let (Some(path), Some(text)) = (&a.profile, &profile_text) {
        // Errors name the file the user wrote, not "the profile of provider X".
        keyshelf_core::provider::profile::validate::parse(&path.display().to_string(), text)?;
    }
    let mut p = ProviderProfile::declared_new(
        &a.name,
        a.preset.as_deref(),
        profile_text,
        a.base_url.as_deref(),
        pairs("--set", &a.vars)?,
    )?;
    let declared = p.is_declared();
    if declared
        && (a.auth != "bearer"
            || a.key_scheme != "x-api-key-username"
            || a.verify_path.is_some()
            || !a.paths.is_empty())
    {
        return Err(Error::invalid(
            "provider add",
            "--auth, --key-scheme, --verify-path and --path go with the standard API; a preset or profile says all of that itself",
        ));
    }
    // A preset or profile set its own (OAuth2 client credentials among them).
    if !declared {
        p.auth = a.auth.parse::<ManagementAuth>()?;
    }
    p.key_scheme = a.key_scheme.parse::<KeyScheme>()?;
    p.insecure_accepted = a.allow_insecure;
    p.verify_path = a.verify_path;
    // A preset's own limit and timeout stand unless the user gives theirs.
    p.key_limit = a.key_limit.or(p.key_limit);
    p.default_env = a.env;
    p.timeout_secs = a.timeout.unwrap_or(p.timeout_secs);
    for spec in &a.paths {
        let (name, path) = spec.split_once('=').ok_or_else(|| {
            Error::invalid(
                "--path",
                format!("{spec:?}: use NAME=PATH, e.g. list=/v1/keys"),
            )
        })?;
        p.paths.set(name, path)?;
    }
    // Refuse bad settings before asking for the token.
    p.validate()?;
    if let Some(w) = p.key_scheme.warning() {
        output::note(&format!("keyshelf: warning: {w}"));
    }
    let what = match (declared, p.auth) {
        (_, ManagementAuth::Oauth2) => "OAuth2 client_id:client_secret",
        (true, _) => "Token",
        (false, ManagementAuth::Bearer) => "Management token",
    };
    let credential = input::read_secret(&format!("{what} for {}: ", p.name))?;
    let p = shelf.add_provider(NewProvider {
        profile: p,
        credential,
    })?;
    if json {
        output::json(&p)?;
    } else {
        output::note(&format!(
            "Added provider {} ({}); its {} is in the keychain as keyshelf provider:{}. `keyshelf provider test {}` checks it.",
            p.name,
            p.base_url,
            if p.auth == ManagementAuth::Oauth2 { "client credential" } else { "token" },
            p.name,
            p.name
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// `NAME=VALUE` arguments of `flag` as a map; a repeated name is an error.
pub fn pairs(flag: &str, given: &[String]) -> Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for spec in given {
        let (k, v) = spec
            .split_once('=')
            .ok_or_else(|| Error::invalid(flag, format!("{spec:?}: use NAME=VALUE")))?;
        if out.insert(k.trim().to_owned(), v.to_owned()).is_some() {
            return Err(Error::invalid(flag, format!("{k} is given twice")));
        }
    }
    Ok(out)
}

fn presets(json: bool) -> Result<ExitCode> {
    let all = keyshelf_core::provider::profile::presets::summaries()?;
    if json {
        output::json(&all)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    for p in &all {
        let _ = writeln!(out, "{}  {}", p.name, p.title);
        let _ = writeln!(out, "    operations: {}", p.operations.join(", "));
        let roll = match p.roll.as_str() {
            "same-id" => {
                "the service rolls the key's secret (same id); the old secret stops at once"
            }
            "new-id" => "the service issues a new key and revokes the old one",
            _ => "Keyshelf creates a new key, then deactivates and deletes the old one",
        };
        let _ = writeln!(out, "    rotation:   {roll}");
        let _ = writeln!(out, "    auth:       {}", p.auth);
        let _ = writeln!(
            out,
            "    base URL:   {}",
            p.base_url.as_deref().unwrap_or("required (--base-url)")
        );
        for v in &p.variables {
            let _ = writeln!(
                out,
                "    --set {}{}: {}",
                v.name,
                if v.required { " (required)" } else { "" },
                v.description
            );
        }
        for c in &p.create_params {
            let _ = writeln!(
                out,
                "    create --param {}{}: {}",
                c.name,
                if c.required { " (required)" } else { "" },
                c.description
            );
        }
        for d in &p.docs {
            let _ = writeln!(out, "    reference:  {d}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(shelf: &Keyshelf, json: bool) -> Result<ExitCode> {
    let all = shelf.providers()?;
    if json {
        output::json(&all)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<20}  {:<7}  {:<18}  {:<6}  {:<20}  BASE URL",
        "NAME", "AUTH", "KEY SCHEME", "LIMIT", "ADDED"
    );
    for p in &all {
        // A preset or profile says how it authenticates and presents keys itself.
        let (auth, scheme) = match (&p.preset, &p.profile_text) {
            (_, Some(_)) => ("profile".to_owned(), "(profile)".to_owned()),
            (Some(preset), None) if p.is_declared() => (preset.clone(), format!("({preset})")),
            _ => (
                serde_json::to_value(p.auth)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                p.key_scheme.as_str().to_owned(),
            ),
        };
        let _ = writeln!(
            out,
            "{:<20}  {:<7}  {:<18}  {:<6}  {:<20}  {}",
            p.name,
            auth,
            scheme,
            p.key_limit.map_or("-".into(), |l| l.to_string()),
            time_text(p.created_at),
            p.base_url
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn create(shelf: &mut Keyshelf, a: CreateArgs, json: bool) -> Result<ExitCode> {
    let new = NewKey {
        name: a.name,
        env: a.env,
        provider: Some(a.provider),
        user: a.user,
        var_name: a.var_name,
        tags: a.tags,
        notes: a.notes,
        rotated_at: None,
    };
    let mut params = pairs("--param", &a.params)?;
    for (name, file) in pairs("--param-file", &a.param_files)? {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::Io {
            what: format!("reading --param-file {name}={file}"),
            source: e,
        })?;
        if params
            .insert(name.clone(), text.trim_end().to_owned())
            .is_some()
        {
            return Err(Error::invalid(
                "--param-file",
                format!("{name} is also given with --param"),
            ));
        }
    }
    match shelf.create_key_with(new, &params) {
        Ok(view) => {
            if json {
                output::json(&serde_json::json!({ "key": view }))?;
            } else {
                output::note(&format!(
                    "Created {} on the provider (id {}); its secret is in the keychain as keyshelf {}. `keyshelf get {}` prints it.",
                    view.key.full_ref(),
                    view.key.provider_key_id.as_deref().unwrap_or("-"),
                    view.key.full_ref(),
                    view.key.full_ref()
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if let Error::KeyNotStored { secret, key, .. } = &e {
                // The only copy of the key: hand it over once, on stdout, so it can be piped to
                // safety; the explanation goes to stderr with the error.
                output::note(&format!(
                    "keyshelf: the keychain refused the new key {key}; its value follows on stdout, once."
                ));
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(secret.expose().as_bytes());
                let _ = out.write_all(b"\n");
                let _ = out.flush();
            }
            Err(e)
        }
    }
}

pub fn sync(shelf: &mut Keyshelf, a: SyncArgs, json: bool) -> Result<ExitCode> {
    let reports = shelf.sync(a.provider.as_deref())?;
    if json {
        output::json(&reports)?;
    } else {
        for r in &reports {
            output::note(&format!(
                "{}: {} key(s) on the provider; {} new (no local secret), {} updated, {} gone from the provider, {} unchanged.{}",
                r.provider,
                r.remote_keys,
                r.added.len(),
                r.updated.len(),
                r.gone.len(),
                r.unchanged,
                rotating_text(&r.rotating)
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a sync left to unfinished rotations, for its summary line (nothing when none).
fn rotating_text(keys: &[String]) -> String {
    match keys {
        [] => String::new(),
        [one] => format!(
            " Left to the unfinished rotation of {one} (`keyshelf rotate {one} --resume` finishes it)."
        ),
        many => format!(
            " Left to the unfinished rotations of {} (`keyshelf rotate --status` lists them).",
            many.join(", ")
        ),
    }
}

pub fn set_active(
    shelf: &mut Keyshelf,
    keyref: &str,
    active: bool,
    json: bool,
) -> Result<ExitCode> {
    let view = shelf.set_key_active(keyref, active)?;
    if json {
        output::json(&view)?;
    } else {
        output::note(&format!(
            "{} is now {} on the provider.",
            view.key.full_ref(),
            if active { "active" } else { "inactive" }
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn delete(shelf: &mut Keyshelf, a: RemoveArgs, json: bool) -> Result<ExitCode> {
    let key = shelf.resolve(&a.keyref)?;
    if !a.yes {
        input::confirm_by_typing(
            &key.name,
            &format!(
                "This deletes {} on its provider, permanently, and its secret from the keychain",
                key.full_ref()
            ),
        )?;
    }
    let done = shelf.delete_on_provider(&key.full_ref())?;
    if json {
        output::json(&done)?;
    } else if done.already_gone {
        output::note(&format!(
            "{} was already gone on the provider; removed it locally.",
            done.deleted
        ));
    } else {
        output::note(&format!(
            "Deleted {} on the provider and from the keychain.",
            done.deleted
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn verify(shelf: &mut Keyshelf, keyref: &str, json: bool) -> Result<ExitCode> {
    let r = shelf.verify_key(keyref)?;
    if json {
        output::json(&r)?;
    } else {
        output::note(&format!(
            "{} works: GET {} answered {} (presented as {}).",
            r.key, r.url_path, r.status, r.scheme
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(shelf: &Keyshelf, a: ExportArgs, json: bool) -> Result<ExitCode> {
    match &a.output {
        Some(path) => {
            // A relative path is the user's, from where they stand; the core wants it whole.
            let path = std::path::absolute(path).map_err(|source| Error::Io {
                what: format!("cannot resolve {}", path.display()),
                source,
            })?;
            let done = shelf.export_keys_to(&a.provider, &path)?;
            if json {
                output::json(&done)?;
            } else {
                output::note(&format!(
                    "Wrote the export of {} to {}.",
                    a.provider,
                    done.written.display()
                ));
            }
        }
        None => {
            let csv = shelf.export_keys(&a.provider)?;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(csv.as_bytes());
            if out.is_terminal() && !csv.ends_with('\n') {
                let _ = out.write_all(b"\n");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn usage(shelf: &Keyshelf, provider: &str, json: bool) -> Result<ExitCode> {
    let (logs, unit) = shelf.usage_logs(provider)?;
    if json {
        output::json(&logs)?;
        return Ok(ExitCode::SUCCESS);
    }
    let field = |v: &serde_json::Value, names: &[&str]| -> String {
        names
            .iter()
            .find_map(|n| v.get(*n).filter(|x| !x.is_null()))
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
            .unwrap_or_else(|| "-".into())
    };
    let mut out = std::io::stdout().lock();
    if unit != "calls" {
        // A report of counts per time bucket (tokens per key per day): no status or route.
        let head = unit.to_uppercase();
        let _ = writeln!(out, "{:<25}  {:<32}  {head:>12}", "BUCKET START", "KEY ID");
        for l in logs
            .iter()
            .filter(|l| l["count"].as_u64().is_some_and(|n| n > 0))
        {
            let _ = writeln!(
                out,
                "{:<25}  {:<32}  {:>12}",
                field(l, &["created_at"]),
                field(l, &["api_key_id"]),
                field(l, &["count"])
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let _ = writeln!(out, "{:<20}  {:<8}  {:<6}  ROUTE", "AT", "KEY ID", "STATUS");
    for l in &logs {
        let _ = writeln!(
            out,
            "{:<20}  {:<8}  {:<6}  {}",
            field(l, &["created_at", "timestamp", "at"]),
            field(l, &["api_key_id", "key_id"]),
            field(l, &["status_code", "status"]),
            field(l, &["route", "endpoint", "path"])
        );
    }
    Ok(ExitCode::SUCCESS)
}
