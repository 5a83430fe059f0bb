//! The copy action: a key rendered in a copy format, ready for a clipboard. One function for
//! both front ends, so a copy from the desktop and from `keyshelf copy` present the key the same
//! way (the desktop once used Bearer for every header copy, whatever the provider takes). The
//! clipboard itself stays with each front end: the CLI serves it until the delay ends, the
//! desktop keeps one handle for the app's life.

use crate::format::{self, CopyFormat, KeyContext};
use crate::provider::KeyScheme;
use crate::{Error, Keyshelf, Result, Secret};

/// What the user may override for one copy.
#[derive(Debug, Clone, Default)]
pub struct CopyOverrides {
    /// The scheme for `header`/`curl` instead of the provider's.
    pub scheme: Option<KeyScheme>,
    /// The verify URL for `curl`, for a key whose provider has none.
    pub url: Option<String>,
}

/// A copy, rendered.
pub struct CopyText {
    /// `provider/name`.
    pub key: String,
    pub format: CopyFormat,
    /// What goes on the clipboard.
    pub text: Secret,
    /// What the user should know about the presentation (a scheme that is not recommended).
    pub warnings: Vec<String>,
}

impl Keyshelf {
    /// Renders `keyref` in `format` under its provider's scheme (or the override), refusing
    /// what cannot work before the keychain is read. Reading the secret is audited as a copy:
    /// callers open their clipboard first, so a copy that cannot happen leaves no event.
    pub fn copy_text(
        &mut self,
        keyref: &str,
        format: CopyFormat,
        overrides: &CopyOverrides,
    ) -> Result<CopyText> {
        let key = self.resolve(keyref)?;
        let mut ctx = KeyContext::of(self, &key)?;
        if overrides.scheme.is_some() {
            ctx.scheme = overrides.scheme;
        }
        if overrides.url.is_some() {
            ctx.verify_url = overrides.url.clone();
        }
        if format == CopyFormat::Curl && ctx.verify_url.as_deref().is_none_or(str::is_empty) {
            return Err(Error::invalid(
                "format",
                format!("curl needs the provider's verify URL and {} has none; give one with --url URL, or use --format header", key.full_ref()),
            ));
        }
        let warnings = match format {
            CopyFormat::Header | CopyFormat::Curl => ctx
                .scheme
                .and_then(KeyScheme::warning)
                .map(str::to_owned)
                .into_iter()
                .collect(),
            CopyFormat::Raw | CopyFormat::Env => Vec::new(),
        };
        let secret = self.secret_with_detail(&key, "copy", &format!("format {format}"))?;
        Ok(CopyText {
            key: key.full_ref(),
            format,
            text: format::render(format, &secret, &ctx)?,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::format::CopyFormat;
    use crate::provider::ops::NewProvider;
    use crate::provider::{KeyScheme, ProviderProfile};
    use crate::shelf::NewKey;
    use crate::vault::MemoryVault;
    use crate::{Keyshelf, Secret};
    use std::sync::Arc;

    // Issue 16: a copy in "header" format from the desktop used Bearer even for a provider
    // that takes its keys in X-API-Key. Both front ends now copy through this one action.
    #[test]
    fn a_header_copy_uses_the_key_providers_scheme() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Keyshelf::open(dir.path(), Arc::new(MemoryVault::new())).unwrap();
        let mut profile = ProviderProfile::new("acme", "https://api.example.com");
        profile.key_scheme = KeyScheme::XApiKey;
        s.add_provider(NewProvider {
            profile,
            credential: Secret::from("acme-management-token-not-real"),
        })
        .unwrap();
        let key = NewKey {
            name: "prod-api".into(),
            env: "prod".into(),
            provider: Some("acme".into()),
            ..Default::default()
        };
        s.import(key, Secret::from("fixture-value-not-real"))
            .unwrap();
        let copied = s
            .copy_text("acme/prod-api", CopyFormat::Header, &Default::default())
            .unwrap();
        assert_eq!(copied.text.expose(), "X-API-Key: fixture-value-not-real");
    }
}
