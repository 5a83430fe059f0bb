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
