//! Importing a `.env` file: each `VAR=value` becomes a key of one environment, its value in the
//! keychain and the variable name kept for `exec`/`env`, so `keyshelf exec --env ENV -- CMD`
//! replaces the file. The file itself is never changed.
//!
//! A preview comes first and stores nothing: what is imported, what is skipped (comments are not
//! even listed; empty values and ones that are plainly settings rather than secrets, such as
//! `PORT=3000`, are) and what clashes with a key Keyshelf already holds. The import itself is
//! all or nothing: one transaction for the rows, and the keychain entries it wrote are removed
//! again if anything fails.

use crate::dotenv;
use crate::names;
use crate::secret::Secret;
use crate::shelf::{KeyView, NewKey, MAX_SECRET_BYTES};
use crate::store::{KeyFilter, Origin};
use crate::vault;
use crate::{Error, Keyshelf, Result};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The largest file read: a `.env` file is a few kilobytes; a bigger one is the wrong file.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What the import does with one variable.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Import,
    Skip,
    Clash,
}

/// One variable of the file and its fate (never its value).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct PlanLine {
    /// The line the variable starts on, from 1.
    pub line: usize,
    pub var: String,
    /// The key it becomes (`ENV-var-name`, so one file can be imported for each environment).
    pub name: String,
    pub action: Action,
    /// Why it is skipped or clashes; `None` when it is imported.
    pub reason: Option<String>,
}

/// The preview of an import.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The file's name, without its directory.
    pub file: String,
    pub env: String,
    pub lines: Vec<PlanLine>,
    pub to_import: usize,
    pub skipped: usize,
    pub clashes: usize,
    /// The command that replaces the file.
    pub exec_line: String,
}

/// What an import did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct EnvImported {
    pub plan: Plan,
    pub imported: Vec<KeyView>,
}

/// The key name for `var` in `env`: `prod` and `STRIPE_SECRET_KEY` give `prod-stripe-secret-key`.
pub fn key_name(env: &str, var: &str) -> String {
    format!("{env}-{}", var.to_ascii_lowercase().replace('_', "-"))
}

/// Why `value` of `var` is not worth importing, if it is plainly a setting rather than a
/// secret. A variable whose name says secret (KEY, TOKEN, SECRET…) is always imported.
pub fn not_a_secret(var: &str, value: &str) -> Option<&'static str> {
    const SECRET_WORDS: &[&str] = &[
        "KEY",
        "SECRET",
        "TOKEN",
        "PASS",
        "PWD",
        "AUTH",
        "CREDENTIAL",
        "PRIVATE",
        "DSN",
        "WEBHOOK",
        "SIGNING",
        "SALT",
        "COOKIE",
        "SESSION",
    ];
    if value.is_empty() {
        return Some("empty");
    }
    let upper = var.to_ascii_uppercase();
    if SECRET_WORDS.iter().any(|w| upper.contains(w)) {
        return None;
    }
    let lower = value.to_ascii_lowercase();
    if value.parse::<f64>().is_ok() {
        Some("a number, not a secret")
    } else if ["true", "false", "yes", "no", "on", "off"].contains(&lower.as_str()) {
        Some("a yes/no setting, not a secret")
    } else if value.chars().count() < 8 {
        Some("too short to be a key")
    } else if (lower.starts_with("http://") || lower.starts_with("https://"))
        && !value.contains('@')
        && !value.contains('?')
    {
        Some("an address with no credentials in it")
    } else if value.len() <= 24
        && value
            .chars()
            .all(|c| c.is_ascii_alphabetic() || "-_.".contains(c))
    {
        Some("a word, not a secret")
    } else {
        None
    }
}

/// Checks a value as a secret to store: not too long, printable (lines allowed: a PEM key in a
/// `.env` file spans several).
fn value_problem(value: &str) -> Option<String> {
    if value.len() > MAX_SECRET_BYTES {
        Some(format!(
            "{} bytes, more than the {MAX_SECRET_BYTES} a key can plausibly be",
            value.len()
        ))
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Some("it holds control characters".to_owned())
    } else {
        None
    }
}

impl Keyshelf {
    /// Previews importing `path` into `env`; stores nothing. `only`: just these variables
    /// (imported even when they look like settings), else every one that looks like a secret.
    pub fn preview_env_import(&self, path: &Path, env: &str, only: &[String]) -> Result<Plan> {
        let (file, entries) = read_env_file(path)?;
        self.plan_env_import(file, &entries, env, only)
    }

    /// Imports `path` into `env` as previewed by [`Keyshelf::preview_env_import`]: all the
    /// variables planned for import, or none.
    pub fn import_env_file(
        &mut self,
        path: &Path,
        env: &str,
        only: &[String],
    ) -> Result<EnvImported> {
        let (file, entries) = read_env_file(path)?;
        let plan = self.plan_env_import(file, &entries, env, only)?;
        let values: HashMap<usize, &Secret> = entries.iter().map(|e| (e.line, &e.value)).collect();
        let mut records = Vec::new();
        for line in plan.lines.iter().filter(|l| l.action == Action::Import) {
            let new = NewKey {
                name: line.name.clone(),
                env: env.to_owned(),
                var_name: Some(line.var.clone()),
                notes: format!("Imported from {}", plan.file),
                ..NewKey::default()
            };
            records.push((
                self.check_new_key(&new, Origin::Imported)?,
                values[&line.line],
            ));
        }
        let vault = self.vault_arc();
        let mut written: Vec<String> = Vec::new();
        let stored = self.store().write(|tx| {
            let mut keys = Vec::new();
            for (record, secret) in &records {
                let key = tx.insert_key(record)?;
                let account = vault::key_account(&record.provider, &record.name);
                vault.set(&account, secret)?;
                written.push(account);
                tx.audit(
                    Some(&key.full_ref()),
                    Origin::Imported.action(),
                    "from a .env file",
                )?;
                keys.push(key);
            }
            Ok(keys)
        });
        let keys = match stored {
            Ok(keys) => keys,
            Err(e) => {
                // The rows were rolled back; the secrets written before the failure go too.
                for account in &written {
                    let _ = vault.delete(account);
                }
                return Err(e);
            }
        };
        let imported = keys
            .into_iter()
            .map(|k| self.view(k))
            .collect::<Result<_>>()?;
        Ok(EnvImported { plan, imported })
    }

    fn plan_env_import(
        &self,
        file: String,
        entries: &[dotenv::Entry],
        env: &str,
        only: &[String],
    ) -> Result<Plan> {
        if self.store_ref().read().environment(env)?.is_none() {
            return Err(Error::UnknownEnvironment(names::printable(env)));
        }
        if let Some(missing) = only.iter().find(|v| !entries.iter().any(|e| &e.var == *v)) {
            return Err(Error::invalid(
                format!("variable {}", names::printable(missing)),
                format!("{file} does not set it"),
            ));
        }
        let existing = self.store_ref().read().keys(&KeyFilter::default())?;
        let names: HashSet<(&str, &str)> = existing
            .iter()
            .map(|k| (k.provider.as_str(), k.name.as_str()))
            .collect();
        let vars_in_env: HashMap<&str, String> = existing
            .iter()
            .filter(|k| k.env == env)
            .filter_map(|k| k.var_name.as_deref().map(|v| (v, k.full_ref())))
            .collect();
        // The last assignment of a variable is the one a dotenv reader keeps.
        let last_line: HashMap<&str, usize> =
            entries.iter().map(|e| (e.var.as_str(), e.line)).collect();

        let mut lines = Vec::with_capacity(entries.len());
        for e in entries {
            let name = key_name(env, &e.var);
            let value = e.value.expose();
            let chosen = only.is_empty() || only.contains(&e.var);
            let skip = if last_line[e.var.as_str()] != e.line {
                Some(format!("set again on line {}", last_line[e.var.as_str()]))
            } else if !chosen {
                Some("not chosen".to_owned())
            } else if value.is_empty() {
                Some("empty".to_owned())
            } else if let Some(problem) = value_problem(value) {
                Some(problem)
            } else if only.is_empty() {
                not_a_secret(&e.var, value).map(str::to_owned)
            } else {
                None
            };
            let clash = if names.contains(&(vault::LOCAL_PROVIDER, name.as_str())) {
                Some(format!("a key named {name} already exists"))
            } else if let Some(holder) = vars_in_env.get(e.var.as_str()) {
                Some(format!("{holder} already gives {} in {env}", e.var))
            } else {
                names::validate_name(&name).err().map(|err| err.to_string())
            };
            let (action, reason) = match (skip, clash) {
                (Some(why), _) => (Action::Skip, Some(why)),
                (None, Some(why)) => (Action::Clash, Some(why)),
                (None, None) => (Action::Import, None),
            };
            lines.push(PlanLine {
                line: e.line,
                var: e.var.clone(),
                name,
                action,
                reason,
            });
        }
        let count = |a: Action| lines.iter().filter(|l| l.action == a).count();
        Ok(Plan {
            to_import: count(Action::Import),
            skipped: count(Action::Skip),
            clashes: count(Action::Clash),
            exec_line: format!("keyshelf exec --env {env} -- CMD"),
            file,
            env: env.to_owned(),
            lines,
        })
    }
}

/// Reads and parses a `.env` file: its name (for messages, never its directory) and entries.
fn read_env_file(path: &Path) -> Result<(String, Vec<dotenv::Entry>)> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let io = |source| Error::Io {
        what: format!("cannot read {}", path.display()),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Error::invalid(file, "it is not a file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::invalid(
            file,
            format!(
                "it is {} bytes; a .env file is a few kilobytes — is it the right file?",
                meta.len()
            ),
        ));
    }
    let text = match String::from_utf8(std::fs::read(path).map_err(io)?) {
        Ok(text) => Secret::new(text),
        Err(e) => {
            zeroize::Zeroize::zeroize(&mut e.into_bytes());
            return Err(Error::invalid(file, "it is not UTF-8 text"));
        }
    };
    let entries = dotenv::parse(text.expose()).map_err(|e| match e {
        Error::InvalidInput { what, why } => Error::invalid(format!("{file}, {what}"), why),
        other => other,
    })?;
    Ok((file, entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::{MemoryVault, Vault};
    use std::sync::Arc;

    fn shelf() -> (tempfile::TempDir, Keyshelf, Arc<MemoryVault>) {
        let dir = tempfile::tempdir().unwrap();
        let vault = Arc::new(MemoryVault::default());
        let shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
        (dir, shelf, vault)
    }

    fn env_file(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
        let path = dir.path().join(".env");
        std::fs::write(&path, text).unwrap();
        path
    }

    const FILE: &str = "# my app\n\
        PORT=3000\n\
        DEBUG=true\n\
        NODE_ENV=production\n\
        API_URL=https://api.example.test/v1\n\
        STRIPE_SECRET_KEY=sk_test_placeholder_0001\n\
        export DATABASE_URL='postgres://app:pw-placeholder@db/app'\n\
        EMPTY_TOKEN=\n\
        SESSION_KEY=abc\n";

    fn actions(plan: &Plan) -> Vec<(&str, Action)> {
        plan.lines
            .iter()
            .map(|l| (l.var.as_str(), l.action))
            .collect()
    }

    #[test]
    fn the_preview_imports_secrets_skips_settings_and_stores_nothing() {
        let (dir, shelf, vault) = shelf();
        let path = env_file(&dir, FILE);
        let plan = shelf.preview_env_import(&path, "dev", &[]).unwrap();
        assert_eq!(
            actions(&plan),
            [
                ("PORT", Action::Skip),
                ("DEBUG", Action::Skip),
                ("NODE_ENV", Action::Skip),
                ("API_URL", Action::Skip),
                ("STRIPE_SECRET_KEY", Action::Import),
                ("DATABASE_URL", Action::Import),
                ("EMPTY_TOKEN", Action::Skip),
                ("SESSION_KEY", Action::Import),
            ]
        );
        assert_eq!((plan.to_import, plan.skipped, plan.clashes), (3, 5, 0));
        assert_eq!(plan.file, ".env");
        assert_eq!(plan.lines[4].name, "dev-stripe-secret-key");
        assert_eq!(
            plan.lines[0].reason.as_deref(),
            Some("a number, not a secret")
        );
        assert_eq!(plan.exec_line, "keyshelf exec --env dev -- CMD");
        assert!(shelf.list(&KeyFilter::default()).unwrap().is_empty());
        assert_eq!(vault.accounts().len(), 0);
        // The plan never carries a value.
        let json = serde_json::to_string(&plan).unwrap();
        assert!(!json.contains("sk_test_placeholder") && !json.contains("pw-placeholder"));
    }

    #[test]
    fn the_import_stores_each_value_with_its_variable_and_a_second_run_clashes() {
        let (dir, mut shelf, vault) = shelf();
        let path = env_file(&dir, FILE);
        let done = shelf.import_env_file(&path, "dev", &[]).unwrap();
        assert_eq!(done.imported.len(), 3);
        let db = shelf.show("dev-database-url").unwrap();
        assert_eq!(db.key.var_name.as_deref(), Some("DATABASE_URL"));
        assert_eq!(db.key.env, "dev");
        assert_eq!(
            vault
                .get("local/dev-database-url")
                .unwrap()
                .unwrap()
                .expose(),
            "postgres://app:pw-placeholder@db/app"
        );
        // The file is untouched, and importing it again clashes instead of replacing.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), FILE);
        let again = shelf.preview_env_import(&path, "dev", &[]).unwrap();
        assert_eq!((again.to_import, again.clashes), (0, 3));
        // Another environment is its own set of keys.
        let prod = shelf.import_env_file(&path, "prod", &[]).unwrap();
        assert_eq!(prod.imported.len(), 3);
    }

    #[test]
    fn only_imports_the_chosen_variables_even_a_setting() {
        let (dir, mut shelf, _vault) = shelf();
        let path = env_file(&dir, FILE);
        let only = vec!["PORT".to_owned(), "SESSION_KEY".to_owned()];
        let done = shelf.import_env_file(&path, "dev", &only).unwrap();
        let names: Vec<&str> = done.imported.iter().map(|k| k.key.name.as_str()).collect();
        assert_eq!(names, ["dev-port", "dev-session-key"]);
        let unknown = shelf
            .preview_env_import(&path, "dev", &["NOPE".to_owned()])
            .unwrap_err();
        assert!(unknown.to_string().contains("does not set it"), "{unknown}");
    }

    #[test]
    fn a_keychain_failure_half_way_stores_nothing() {
        let (dir, mut shelf, vault) = shelf();
        let path = env_file(&dir, FILE);
        vault.fail_writes_after(1);
        assert!(shelf.import_env_file(&path, "dev", &[]).is_err());
        assert!(shelf.list(&KeyFilter::default()).unwrap().is_empty());
        assert_eq!(vault.accounts().len(), 0);
    }

    #[test]
    fn bad_input_is_refused_with_the_file_and_line() {
        let (dir, shelf, _vault) = shelf();
        let path = env_file(&dir, "A_KEY=fine-value-123\nnot an assignment\n");
        let e = shelf.preview_env_import(&path, "dev", &[]).unwrap_err();
        assert!(e.to_string().contains(".env, line 2"), "{e}");
        let path = env_file(&dir, "A_KEY=fine-value-123\n");
        let e = shelf.preview_env_import(&path, "nowhere", &[]).unwrap_err();
        assert_eq!(e.code(), "unknown_environment");
        let missing = dir.path().join("missing.env");
        assert!(shelf.preview_env_import(&missing, "dev", &[]).is_err());
    }
}
