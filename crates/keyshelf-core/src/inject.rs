//! Secrets into processes: the `VAR → key` mapping behind `keyshelf exec` and `keyshelf env`, and
//! the file formats `env` prints it in.
//!
//! The mapping is planned first from metadata alone (so bad input is refused before any keychain
//! read), then resolved: each value read is audited with its purpose (`exec` or `env`) and the
//! variable (and format) as detail, never the value.

use crate::names;
use crate::shelf::{validate_var_name, Keyshelf};
use crate::store::{KeyFilter, KeyRecord};
use crate::{Error, Result, Secret};
use std::collections::BTreeMap;
use std::str::FromStr;

/// One `--set VAR=KEYREF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub var: String,
    pub keyref: String,
}

impl FromStr for Assignment {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let (var, keyref) = s.split_once('=').ok_or_else(|| {
            Error::invalid(
                format!("--set {:?}", names::printable(s)),
                "write it as VAR=KEYREF (e.g. STRIPE_API_KEY=prod-shop-checkout-2026-11)",
            )
        })?;
        validate_var_name(var)?;
        if keyref.is_empty() {
            return Err(Error::invalid(
                format!("--set {var}="),
                "name the key after `=`",
            ));
        }
        Ok(Assignment {
            var: var.to_owned(),
            keyref: keyref.to_owned(),
        })
    }
}

/// Which keys go into the environment, by variable name (sorted, so output is stable).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub vars: BTreeMap<String, KeyRecord>,
}

/// Builds the mapping: every key of `env` that has a variable name, then each `--set` adding or
/// overriding one variable. Two keys of `env` claiming one variable, with no `--set` to decide,
/// is refused rather than picking one silently.
pub fn plan(shelf: &Keyshelf, env: Option<&str>, sets: &[Assignment]) -> Result<Plan> {
    let mut candidates: BTreeMap<String, Vec<KeyRecord>> = BTreeMap::new();
    if let Some(env) = env {
        if shelf.store_ref().read().environment(env)?.is_none() {
            return Err(Error::UnknownEnvironment(names::printable(env)));
        }
        let filter = KeyFilter {
            env: Some(env.to_owned()),
            ..Default::default()
        };
        for key in shelf.store_ref().read().keys(&filter)? {
            if let Some(var) = key.var_name.clone() {
                candidates.entry(var).or_default().push(key);
            }
        }
    }
    for set in sets {
        let key = shelf.resolve(&set.keyref)?;
        candidates.insert(set.var.clone(), vec![key]);
    }
    let mut vars = BTreeMap::new();
    for (var, mut keys) in candidates {
        if keys.len() > 1 {
            let refs: Vec<String> = keys.iter().map(KeyRecord::full_ref).collect();
            return Err(Error::invalid(
                format!("variable {var}"),
                format!(
                    "several keys of the environment use it ({}); choose one with --set {var}=KEYREF",
                    refs.join(", ")
                ),
            ));
        }
        if let Some(key) = keys.pop() {
            vars.insert(var, key);
        }
    }
    if vars.is_empty() {
        return Err(Error::invalid(
            "environment",
            match env {
                Some(e) => format!("no key of {e:?} has a variable name; give keys one with `keyshelf edit KEYREF --var NAME`, or use --set VAR=KEYREF"),
                None => "nothing to inject; use --env ENV and/or --set VAR=KEYREF".to_owned(),
            },
        ));
    }
    Ok(Plan { vars })
}

/// Reads the planned secrets, auditing each read as `purpose` with `detail` after the variable.
/// Every read happens before anything is handed out, so a missing secret fails the whole call.
pub fn resolve(
    shelf: &mut Keyshelf,
    plan: &Plan,
    purpose: &str,
    detail: &str,
) -> Result<Vec<(String, Secret)>> {
    let reads: Vec<(&KeyRecord, String)> = plan
        .vars
        .iter()
        .map(|(var, key)| {
            let d = if detail.is_empty() {
                format!("as {var}")
            } else {
                format!("as {var}, {detail}")
            };
            (key, d)
        })
        .collect();
    let secrets = shelf.secrets_with_details(&reads, purpose)?;
    Ok(plan.vars.keys().cloned().zip(secrets).collect())
}

/// How `keyshelf env` prints the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvFormat {
    /// `VAR=value`, quoted when needed, for `.env` readers (docker `--env-file` takes it unquoted).
    Dotenv,
    /// `export VAR='value'`, for `eval` in a POSIX shell.
    Shell,
    /// One JSON object `{"VAR": "value"}`.
    Json,
}

impl EnvFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvFormat::Dotenv => "dotenv",
            EnvFormat::Shell => "shell",
            EnvFormat::Json => "json",
        }
    }
}

impl FromStr for EnvFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "dotenv" => Ok(EnvFormat::Dotenv),
            "shell" => Ok(EnvFormat::Shell),
            "json" => Ok(EnvFormat::Json),
            _ => Err(Error::invalid(
                "format",
                format!("{s:?} is not one of dotenv, shell, json"),
            )),
        }
    }
}

/// Renders resolved variables in `format`; the text holds the values, so it is a [`Secret`].
pub fn render_env(vars: &[(String, Secret)], format: EnvFormat) -> Result<Secret> {
    let mut text = String::new();
    match format {
        EnvFormat::Shell => {
            for (var, value) in vars {
                text.push_str(&format!(
                    "export {var}={}\n",
                    crate::format::shell_quote(value.expose())
                ));
            }
        }
        EnvFormat::Dotenv => {
            for (var, value) in vars {
                text.push_str(&format!("{var}={}\n", dotenv_quote(value.expose())));
            }
        }
        EnvFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> = vars
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.expose().to_owned())))
                .collect();
            text = serde_json::to_string_pretty(&map)
                .map_err(|e| Error::invalid("output", e.to_string()))?;
            text.push('\n');
        }
    }
    Ok(Secret::new(text))
}

/// Bare when the value is plain; else single quotes (literal in every common dotenv reader);
/// double quotes with `\`, `"` and `$` escaped when the value itself holds a `'`.
fn dotenv_quote(v: &str) -> String {
    let plain = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.:/+@,%".contains(&b));
    if plain {
        v.to_owned()
    } else if !v.contains('\'') {
        format!("'{v}'")
    } else {
        let mut s = String::from("\"");
        for c in v.chars() {
            if matches!(c, '\\' | '"' | '$' | '`') {
                s.push('\\');
            }
            s.push(c);
        }
        s.push('"');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shelf::NewKey;
    use crate::vault::MemoryVault;
    use std::sync::Arc;

    fn shelf() -> (tempfile::TempDir, Keyshelf) {
        let dir = tempfile::tempdir().unwrap();
        let s = Keyshelf::open(dir.path(), Arc::new(MemoryVault::new())).unwrap();
        (dir, s)
    }

    fn add(s: &mut Keyshelf, name: &str, env: &str, var: Option<&str>, value: &str) {
        s.import(
            NewKey {
                name: name.into(),
                env: env.into(),
                var_name: var.map(Into::into),
                ..Default::default()
            },
            Secret::from(value),
        )
        .unwrap();
    }

    #[test]
    fn assignments_parse_and_refuse_bad_variables() {
        let a: Assignment = "A_B=prod/k=1".parse().unwrap();
        assert_eq!((a.var.as_str(), a.keyref.as_str()), ("A_B", "prod/k=1"));
        for bad in ["novalue", "1A=k", "A-B=k", "A="] {
            assert!(bad.parse::<Assignment>().is_err(), "{bad}");
        }
    }

    #[test]
    fn env_keys_with_a_variable_are_injected_and_set_overrides() {
        let (_d, mut s) = shelf();
        add(&mut s, "a", "prod", Some("A_KEY"), "va");
        add(&mut s, "b", "prod", None, "vb");
        add(&mut s, "c", "dev", Some("A_KEY"), "vc");
        let p = plan(&s, Some("prod"), &[]).unwrap();
        assert_eq!(p.vars.keys().collect::<Vec<_>>(), ["A_KEY"]);
        let p = plan(
            &s,
            Some("prod"),
            &["A_KEY=c".parse().unwrap(), "B=b".parse().unwrap()],
        )
        .unwrap();
        let vals = resolve(&mut s, &p, "exec", "").unwrap();
        let vals: Vec<(&str, &str)> = vals.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
        assert_eq!(vals, [("A_KEY", "vc"), ("B", "vb")]);
        let audit = s.audit(Some("c"), 5).unwrap();
        assert_eq!(
            (audit[0].action.as_str(), audit[0].detail.as_str()),
            ("exec", "as A_KEY")
        );
        assert!(s
            .audit(None, 50)
            .unwrap()
            .iter()
            .all(|e| !e.detail.contains("vc")));
    }

    #[test]
    fn two_keys_claiming_a_variable_are_refused_unless_set_decides() {
        let (_d, mut s) = shelf();
        add(&mut s, "a", "prod", Some("K"), "1");
        add(&mut s, "b", "prod", Some("K"), "2");
        let e = plan(&s, Some("prod"), &[]).unwrap_err();
        assert!(e.to_string().contains("--set K=KEYREF"));
        assert!(plan(&s, Some("prod"), &["K=b".parse().unwrap()]).is_ok());
    }

    #[test]
    fn an_empty_mapping_or_unknown_environment_is_refused() {
        let (_d, mut s) = shelf();
        add(&mut s, "a", "prod", None, "1");
        assert!(plan(&s, Some("prod"), &[])
            .unwrap_err()
            .to_string()
            .contains("--var"));
        assert_eq!(
            plan(&s, Some("nope"), &[]).unwrap_err().code(),
            "unknown_environment"
        );
        assert_eq!(plan(&s, None, &[]).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn env_formats_quote_every_value_safely() {
        let vars = vec![
            ("A".to_owned(), Secret::from("plain-1")),
            ("B".to_owned(), Secret::from("it's $HOME \"x\"")),
            ("C".to_owned(), Secret::from("a b")),
        ];
        let dotenv = render_env(&vars, EnvFormat::Dotenv).unwrap();
        assert_eq!(
            dotenv.expose(),
            "A=plain-1\nB=\"it's \\$HOME \\\"x\\\"\"\nC='a b'\n"
        );
        let shell = render_env(&vars, EnvFormat::Shell).unwrap();
        assert!(shell.expose().contains(r#"export B='it'\''s $HOME "x"'"#));
        let json: serde_json::Value =
            serde_json::from_str(render_env(&vars, EnvFormat::Json).unwrap().expose()).unwrap();
        assert_eq!(json["B"], "it's $HOME \"x\"");
    }
}
