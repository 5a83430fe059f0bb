//! The built-in presets: profiles shipped in the binary, one file per service.
//!
//! `standard` is the generic management API Keyshelf has always spoken (list, generate, status,
//! delete, export, usage logs; rotation by creating a new key); it is built into the client
//! rather than written as a file. The drafts of the other services' presets are in
//! `docs/design/provider-profiles/`; a preset moves here once the client implements everything it
//! uses and the simulator speaks it.

use super::format::{ProfileFile, Readable, RollSemantics};
use crate::Result;
use serde::Serialize;

/// The name of the generic API.
pub const STANDARD: &str = "standard";

/// `(name, file)` of every preset written as a profile file.
pub const FILES: &[(&str, &str)] = &[
    ("cloudflare", include_str!("presets/cloudflare.toml")),
    (
        "cloudflare-account",
        include_str!("presets/cloudflare-account.toml"),
    ),
    ("gitlab", include_str!("presets/gitlab.toml")),
    (
        "gitlab-project",
        include_str!("presets/gitlab-project.toml"),
    ),
    ("gitlab-group", include_str!("presets/gitlab-group.toml")),
    ("openai", include_str!("presets/openai.toml")),
    (
        "openai-service-account",
        include_str!("presets/openai-service-account.toml"),
    ),
    ("anthropic", include_str!("presets/anthropic.toml")),
    ("datadog", include_str!("presets/datadog.toml")),
    (
        "datadog-application-keys",
        include_str!("presets/datadog-application-keys.toml"),
    ),
    ("sendgrid", include_str!("presets/sendgrid.toml")),
    ("confluent", include_str!("presets/confluent.toml")),
    ("twilio", include_str!("presets/twilio.toml")),
];

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

/// What `provider presets` shows of one preset.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct PresetSummary {
    pub name: String,
    pub title: String,
    /// The service's API reference.
    pub docs: Vec<String>,
    /// The default base URL (`None`: `--base-url` is required).
    pub base_url: Option<String>,
    /// Operations offered: list, get, create, set_status, delete, roll, verify, usage, export.
    pub operations: Vec<String>,
    /// `same-id`, `new-id` or `none` (create a new key, retire the old one).
    pub roll: String,
    /// `no` (shown once), `yes`, or `depends` (an account setting).
    pub readable_again: String,
    pub auth: String,
    pub variables: Vec<PresetInput>,
    pub create_params: Vec<PresetInput>,
}

/// A variable (`--set`) or a create parameter (`--param`).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct PresetInput {
    pub name: String,
    pub required: bool,
    pub description: String,
}

/// Every preset, `standard` first.
pub fn summaries() -> Result<Vec<PresetSummary>> {
    let mut out = vec![PresetSummary {
        name: STANDARD.into(),
        title: "A generic key-management API (Keyshelf's default)".into(),
        docs: vec![],
        base_url: None,
        operations: [
            "list",
            "get",
            "create",
            "set_status",
            "delete",
            "verify",
            "usage",
            "export",
        ]
        .map(String::from)
        .to_vec(),
        roll: RollSemantics::None.as_str().into(),
        readable_again: "no".into(),
        auth: "bearer or oauth2".into(),
        variables: vec![],
        create_params: vec![],
    }];
    for (name, _) in FILES {
        let f = load(name).expect("listed")?;
        out.push(summary(name, &f));
    }
    Ok(out)
}

/// What a user's profile file offers, as a preset is shown (its `id`, else "profile"), after the
/// same checks `provider add --profile` makes; `origin` names the file in errors.
pub fn summary_of_text(origin: &str, text: &str) -> Result<PresetSummary> {
    let f = super::validate::parse(origin, text)?;
    let name = f.id.clone().unwrap_or_else(|| "profile".into());
    Ok(summary(&name, &f))
}

/// One profile as `provider presets` shows it.
pub fn summary(name: &str, f: &ProfileFile) -> PresetSummary {
    let o = &f.operations;
    let ops = [
        ("list", &o.list),
        ("get", &o.get),
        ("create", &o.create),
        ("set_status", &o.set_status),
        ("delete", &o.delete),
        ("roll", &o.roll),
        ("verify", &o.verify),
        ("usage", &o.usage),
        ("export", &o.export),
    ];
    let operations = ops
        .iter()
        // A roll of semantics "none" is not an operation of the service.
        .filter(|(_, op)| {
            op.as_ref()
                .is_some_and(|op| op.is_supported() && op.semantics != Some(RollSemantics::None))
        })
        .map(|(n, _)| (*n).to_owned())
        .collect();
    let roll = o
        .roll
        .as_ref()
        .filter(|r| r.is_supported())
        .and_then(|r| r.semantics)
        .unwrap_or(RollSemantics::None);
    PresetSummary {
        name: name.to_owned(),
        title: f.title.clone(),
        docs: f.docs.clone(),
        base_url: f.provider.base_url.clone(),
        operations,
        roll: roll.as_str().into(),
        readable_again: match f.secret.readable_again {
            Readable::No => "no",
            Readable::Yes => "yes",
            Readable::Depends => "depends",
        }
        .into(),
        auth: match f.auth.kind {
            super::format::AuthKind::Bearer => "bearer".to_owned(),
            super::format::AuthKind::Basic => "basic".to_owned(),
            super::format::AuthKind::Oauth2 => "oauth2 client credentials".to_owned(),
            super::format::AuthKind::Query => format!(
                "query {}",
                f.auth.query.keys().cloned().collect::<Vec<_>>().join(" + ")
            ),
            super::format::AuthKind::Headers => {
                format!(
                    "header {}",
                    f.auth
                        .headers
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" + ")
                )
            }
        },
        variables: f
            .vars
            .iter()
            .map(|(n, v)| PresetInput {
                name: n.clone(),
                required: v.required,
                description: v.description.clone(),
            })
            .collect(),
        create_params: o
            .create
            .as_ref()
            .map(|c| {
                c.params
                    .iter()
                    .map(|(n, p)| PresetInput {
                        name: n.clone(),
                        required: p.required && p.default.is_none(),
                        description: p.description.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
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
    fn a_profile_file_is_summarized_like_a_preset_or_refused_with_its_problems() {
        let text = text("gitlab")
            .unwrap()
            .replace("id = \"gitlab\"", "id = \"my-gitlab\"");
        let s = summary_of_text("my.toml", &text).unwrap();
        assert_eq!(s.name, "my-gitlab");
        assert_eq!(s.roll, "new-id");
        let e = summary_of_text("my.toml", "format = 1\n").unwrap_err();
        assert_eq!(e.code(), "provider_profile_invalid");
        assert!(e.to_string().contains("my.toml"), "{e}");
    }

    #[test]
    fn presets_cite_services_not_internal_documents() {
        for (name, text) in FILES {
            assert!(
                !text.contains("seed"),
                "{name} names an internal source document"
            );
        }
    }
}
