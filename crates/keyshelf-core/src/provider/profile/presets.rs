//! The built-in presets: profiles shipped in the binary, one file per service.
//!
//! `standard` is the generic management API Keyshelf has always spoken (list, generate, status,
//! delete, export, usage logs; rotation by creating a new key); it is built into the client
//! rather than written as a file. The drafts of the other services' presets are in
//! `docs/design/provider-profiles/`; a preset moves here once the client implements everything it
//! uses and the simulator speaks it.

use super::format::ProfileFile;
use crate::Result;

/// The name of the generic API.
pub const STANDARD: &str = "standard";

/// `(name, file)` of every preset written as a profile file.
pub const FILES: &[(&str, &str)] = &[("gitlab", include_str!("presets/gitlab.toml"))];

/// The text of a preset file.
pub fn text(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// A preset, parsed and checked.
pub fn load(name: &str) -> Option<Result<ProfileFile>> {
    text(name).map(|t| super::validate::parse(&format!("preset {name}"), t))
}

/// Every preset's name, `standard` first.
pub fn names() -> Vec<&'static str> {
    std::iter::once(STANDARD)
        .chain(FILES.iter().map(|(n, _)| *n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_preset_passes_the_checks_a_user_profile_passes() {
        for (name, _) in FILES {
            let file = load(name).unwrap().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(file.id.as_deref(), Some(*name));
            assert!(!file.docs.is_empty(), "{name} cites its reference");
        }
    }

    #[test]
    fn presets_cite_services_not_internal_documents() {
        for (name, text) in FILES {
            assert!(!text.contains("seed"), "{name} names an internal source document");
        }
    }
}
