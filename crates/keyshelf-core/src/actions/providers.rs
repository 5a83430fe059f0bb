//! Providers as both front ends list them, a delete's result, and an export written to a file.

use crate::provider::profile::presets;
use crate::provider::{KeyScheme, ManagementAuth, ProviderProfile};
use crate::store::{KeyFilter, RemoteState};
use crate::{Error, Keyshelf, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A provider: its profile (never its credential), the warning its key scheme deserves, and how
/// many of its plan's keys Keyshelf knows of.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct ProviderSummary {
    #[serde(flatten)]
    pub profile: ProviderProfile,
    pub warning: Option<&'static str>,
    /// Keys of this provider Keyshelf holds, not counting those gone from the provider.
    pub keys_used: usize,
    /// The operations its API offers (list, get, create, set_status, delete, roll, verify,
    /// usage, export): the screens offer only these.
    pub operations: Vec<String>,
    /// How it rotates: `same-id` or `new-id` (the service rolls the key), `none` (a new key is
    /// created and the old one retired).
    pub roll: String,
}

/// A provider's settings as a form gives them (the credential travels apart, once).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderInput {
    pub name: String,
    pub base_url: String,
    pub auth: ManagementAuth,
    pub key_scheme: KeyScheme,
    #[serde(default)]
    pub verify_path: Option<String>,
    #[serde(default)]
    pub key_limit: Option<u32>,
    pub default_env: String,
    #[serde(default)]
    pub insecure_accepted: bool,
    /// The service's preset (`None` or `standard`: the generic API with the settings above).
    #[serde(default)]
    pub preset: Option<String>,
    /// The preset's variables.
    #[serde(default)]
    pub vars: std::collections::BTreeMap<String, String>,
    /// The text of the user's own profile file, instead of a preset (read by the form, stored
    /// with the provider).
    #[serde(default)]
    pub profile_text: Option<String>,
}

impl ProviderInput {
    /// The profile: `base` (the existing one when editing, so paths, timeout and preset are
    /// kept) with these settings, spaces around text dropped. A preset's provider takes only
    /// its base URL (empty: the preset's), variables, key limit and environment from the form.
    pub fn apply(self, base: Option<ProviderProfile>) -> Result<ProviderProfile> {
        let url = self.base_url.trim();
        let given_url = (!url.is_empty() && url != "https://").then_some(url);
        let preset = self.preset.as_deref().filter(|p| *p != presets::STANDARD);
        let mut p = match (base, preset) {
            (Some(b), _) => b,
            (None, _) if self.profile_text.is_some() => ProviderProfile::declared_new(
                self.name.trim(),
                None,
                self.profile_text.clone(),
                given_url,
                self.vars.clone(),
            )?,
            (None, Some(preset)) => ProviderProfile::declared_new(
                self.name.trim(),
                Some(preset),
                None,
                given_url,
                self.vars.clone(),
            )?,
            (None, None) => ProviderProfile::new(&self.name, &self.base_url),
        };
        p.name = self.name.trim().to_owned();
        if p.is_declared() {
            if let Some(url) = given_url {
                p.base_url = url.to_owned();
            }
            p.vars = self.vars;
            // A profile that sends its credential in the URL needs this consent.
            p.insecure_accepted = self.insecure_accepted;
            p.key_limit = self.key_limit.or(p.key_limit);
            p.default_env = self.default_env;
            return Ok(p);
        }
        p.base_url = self.base_url.trim().to_owned();
        p.auth = self.auth;
        p.key_scheme = self.key_scheme;
        p.verify_path = self
            .verify_path
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        p.key_limit = self.key_limit;
        p.default_env = self.default_env;
        p.insecure_accepted = self.insecure_accepted;
        Ok(p)
    }
}

/// What a delete on the provider did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Deleted {
    /// The key, `provider/name`.
    pub deleted: String,
    /// The provider no longer had it (404); it was removed locally.
    pub already_gone: bool,
}

/// Where an export was written, and its size.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub written: PathBuf,
    pub bytes: usize,
}

impl Keyshelf {
    /// Every provider with its key count.
    pub fn provider_summaries(&self) -> Result<Vec<ProviderSummary>> {
        self.providers()?
            .into_iter()
            .map(|p| self.provider_summary(p))
            .collect()
    }

    /// One provider with its key count.
    pub fn provider_summary(&self, p: ProviderProfile) -> Result<ProviderSummary> {
        let keys_used = self.keys_held(&p.name)?;
        let (operations, roll, warning) = match p.declared()? {
            Some(d) => {
                let s = presets::summary(p.preset.as_deref().unwrap_or("profile"), &d.file);
                (s.operations, s.roll, None)
            }
            None => {
                let s = &presets::summaries()?[0];
                (s.operations.clone(), s.roll.clone(), p.key_scheme.warning())
            }
        };
        Ok(ProviderSummary {
            warning,
            profile: p,
            keys_used,
            operations,
            roll,
        })
    }

    /// How many keys of `provider` Keyshelf holds, not counting those gone from the provider:
    /// what its plan's key limit is checked against.
    pub fn keys_held(&self, provider: &str) -> Result<usize> {
        let keys = self.store_ref().read().keys(&KeyFilter {
            provider: Some(provider.to_owned()),
            ..Default::default()
        })?;
        Ok(keys
            .iter()
            .filter(|k| k.remote_state != Some(RemoteState::Gone))
            .count())
    }

    /// Deletes a key on its provider (permanent), then its keychain entry and metadata.
    pub fn delete_on_provider(&mut self, keyref: &str) -> Result<Deleted> {
        let (key, already_gone) = self.delete_key(keyref)?;
        Ok(Deleted {
            deleted: key.full_ref(),
            already_gone,
        })
    }

    /// Writes the provider's CSV export (no key values) to `path`, which must be a full path.
    /// An existing file is replaced: both front ends have asked first (the save dialog, or the
    /// user naming the file on the command line, as any Unix tool's `--output`).
    pub fn export_keys_to(&self, provider: &str, path: &Path) -> Result<Exported> {
        if !path.is_absolute() {
            return Err(Error::invalid(
                "export path",
                "give a full path, e.g. /home/you/keys.csv",
            ));
        }
        let csv = self.export_keys(provider)?;
        std::fs::write(path, &csv).map_err(|source| Error::Io {
            what: format!("cannot write {}", path.display()),
            source,
        })?;
        Ok(Exported {
            written: path.to_owned(),
            bytes: csv.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;
    use std::sync::Arc;

    #[test]
    fn an_export_needs_a_full_path_and_asks_nothing_of_the_provider_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let shelf = Keyshelf::open(dir.path(), Arc::new(MemoryVault::new())).unwrap();
        // No such provider either: the path is refused first, so nothing is asked of it.
        let e = shelf
            .export_keys_to("acme", Path::new("keys.csv"))
            .unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("full path"), "{e}");
    }
}
