//! Team keys through OpenBao: a team is an OpenBao KV v2 mount and a path prefix where its
//! members share keys. A workstation's keychain stays the only place it holds secrets; OpenBao
//! is the team's shared source (versions, check-and-set, policies, audit).
//!
//! Layout under `<mount>/data/<prefix>/`: `keys/<provider>/<name>` holds one shared key (its
//! secret and the metadata a teammate needs, see [`SharedKey`]). A share writes with `cas=0`
//! (create only), so two teammates never share one name twice.
//!
//! This module holds the team's settings and the OpenBao client ([`client`]); the user actions
//! are in `actions/teams.rs`, the SQL in `store/teams.rs`.

pub mod client;

use serde::{Deserialize, Serialize};

/// The KV v2 mount when none is given.
pub const DEFAULT_MOUNT: &str = "secret";

/// A team as Keyshelf keeps it (never its credential: that is in the keychain as `team:<name>`).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamProfile {
    pub name: String,
    /// OpenBao addresses, tried in order: a request that cannot connect goes to the next one.
    pub addrs: Vec<String>,
    /// The KV v2 mount (`secret`).
    pub mount: String,
    /// The path under the mount (`keyshelf/<team>`).
    pub prefix: String,
    /// How Keyshelf logs in.
    #[serde(default)]
    pub auth: TeamAuth,
    /// A private CA's certificate (PEM) that OpenBao's TLS certificate is checked against, in
    /// addition to the system's roots.
    #[serde(default)]
    pub ca_cert: Option<String>,
}

/// How a workstation authenticates to the team's OpenBao; the credential is in the keychain as
/// `team:<name>`, a login's token beside it as `team:<name>#token`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TeamAuth {
    /// A token, used as it is.
    #[default]
    Token,
    /// `user:password` at the `userpass` auth method.
    Userpass,
    /// `role_id:secret_id` at the `approle` auth method.
    Approle,
}

impl std::str::FromStr for TeamAuth {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "token" => Ok(TeamAuth::Token),
            "userpass" => Ok(TeamAuth::Userpass),
            "approle" => Ok(TeamAuth::Approle),
            other => Err(crate::Error::invalid(
                "--auth",
                format!("{other:?}: use token, userpass or approle"),
            )),
        }
    }
}

impl TeamProfile {
    /// A team with the default mount and prefix.
    pub fn new(name: &str, addrs: Vec<String>) -> Self {
        TeamProfile {
            name: name.to_owned(),
            addrs,
            mount: DEFAULT_MOUNT.into(),
            prefix: format!("keyshelf/{name}"),
            auth: TeamAuth::Token,
            ca_cert: None,
        }
    }

    /// The KV path of the team's policy.
    pub fn policy_path(&self) -> String {
        format!("{}/policy", self.prefix)
    }

    /// The KV path (under the mount, without `data/`) of the shared key `provider/name`.
    pub fn key_path(&self, provider: &str, name: &str) -> String {
        format!("{}/keys/{provider}/{name}", self.prefix)
    }
}

/// What a share puts next to the secret: what a teammate needs to use and rotate the key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedKey {
    pub env: String,
    pub provider: String,
    #[serde(default)]
    pub provider_key_id: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub var_name: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// When the key was made (RFC 3339), so its age is the same on every workstation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default)]
    pub last_rotated_at: Option<String>,
    #[serde(default)]
    pub interval_override_days: Option<u32>,
    /// Who shared or last published it (the workstation's user and host).
    #[serde(default)]
    pub shared_by: String,
    /// The grace period of the rotation that published this version, in days: how long a
    /// teammate keeps the secret it replaced (the old key works on until then at most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_days: Option<u32>,
}

/// The team's rotation policy, kept in OpenBao beside its keys: every workstation applies it to
/// the team's keys at each sync.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPolicy {
    /// Environment → rotation interval in days.
    #[serde(default)]
    pub intervals: std::collections::BTreeMap<String, u32>,
    /// How many days before its due date a team key counts as due soon (else each
    /// workstation's own window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_soon_days: Option<u32>,
    /// The names a key may be shared under: a pattern where `*` stands for any run of
    /// characters and `{env}` for the key's environment (`{env}-*`); none: any name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming: Option<String>,
}

/// One change to a team's policy (`keyshelf team policy set`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyChange {
    /// The rotation interval of an environment, in days.
    Interval { env: String, days: u32 },
    /// The due-soon window in days.
    DueSoon(u32),
    /// The naming pattern; `None` lifts it.
    Naming(Option<String>),
}

impl TeamPolicy {
    /// True when the policy sets nothing.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty() && self.due_soon_days.is_none() && self.naming.is_none()
    }

    /// Whether `name` (of a key in `env`) follows the team's naming pattern.
    pub fn allows_name(&self, name: &str, env: &str) -> bool {
        self.naming
            .as_deref()
            .is_none_or(|p| glob(&p.replace("{env}", env), name))
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters (none too).
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Why a team call failed: the stable code of [`crate::Error::Team`].
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamErrorKind {
    /// No address answered.
    Unreachable,
    /// The server is sealed.
    Sealed,
    /// The token is missing, expired or invalid.
    Unauthorized,
    /// The token's policy does not allow this.
    Forbidden,
    /// A check-and-set failed: someone wrote first.
    Conflict,
    /// Nothing at that path.
    NotFound,
    /// An answer Keyshelf could not read, or another refusal.
    BadResponse,
}

impl TeamErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            TeamErrorKind::Unreachable => "team_unreachable",
            TeamErrorKind::Sealed => "team_sealed",
            TeamErrorKind::Unauthorized => "team_unauthorized",
            TeamErrorKind::Forbidden => "team_forbidden",
            TeamErrorKind::Conflict => "team_conflict",
            TeamErrorKind::NotFound => "team_not_found_remote",
            TeamErrorKind::BadResponse => "team_bad_response",
        }
    }
}

/// A [`crate::Error::Team`] of `kind` saying `message`.
pub fn error(kind: TeamErrorKind, message: impl Into<String>) -> crate::Error {
    crate::Error::Team {
        kind,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(p: &str) -> TeamPolicy {
        TeamPolicy {
            naming: Some(p.into()),
            ..Default::default()
        }
    }

    #[test]
    fn naming_pattern_matches_with_wildcards_and_the_environment() {
        let p = naming("{env}-*-*");
        assert!(p.allows_name("prod-billing-stripe", "prod"));
        assert!(!p.allows_name("prod-billing-stripe", "staging"));
        assert!(!p.allows_name("prod-billing", "prod"));
        assert!(naming("*").allows_name("anything", "dev"));
        assert!(naming("a*b").allows_name("ab", "dev"));
        assert!(!naming("a*b").allows_name("a", "dev"));
        assert!(!naming("exact").allows_name("exactly", "dev"));
        assert!(naming("*-key").allows_name("mail-key", "dev"));
        assert!(!naming("*-key").allows_name("mail-keys", "dev"));
        assert!(TeamPolicy::default().allows_name("any", "dev"));
    }
}
