//! The TOML format of a provider profile (format 1), as serde reads it.
//!
//! A profile describes one kind of key at one service: its management API, how Keyshelf
//! authenticates there, how each operation is called and how its answers read, how a key is
//! presented to the service's normal API, and how a key is rolled. The README's "Provider
//! profiles" section documents the format for users; `docs/design/provider-profiles/` holds the
//! design and the drafts of presets not shipped yet.
//!
//! Every table denies unknown fields, so a typo (`pagnation`) is reported with its line instead of
//! being ignored. Fields of the design that this version does not implement yet (variants) are
//! not declared here, so a profile that uses them is refused with a clear message rather than
//! half-honoured.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A whole profile file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// The format version; only 1 exists.
    pub format: u32,
    /// Presets: the preset's name. User profiles: optional.
    #[serde(default)]
    pub id: Option<String>,
    pub title: String,
    /// The service's API reference pages.
    #[serde(default)]
    pub docs: Vec<String>,
    #[serde(default)]
    pub provider: ProviderSection,
    /// Variables filled with `--set VAR=VALUE` when the provider is added.
    #[serde(default)]
    pub vars: BTreeMap<String, VarSpec>,
    pub auth: AuthSpec,
    #[serde(default)]
    pub request: RequestSpec,
    pub item: ItemSpec,
    #[serde(default)]
    pub secret: SecretSpec,
    #[serde(default)]
    pub presentation: PresentationSpec,
    #[serde(default)]
    pub errors: ErrorsSpec,
    #[serde(default)]
    pub operations: Operations,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSection {
    /// The default base URL, version prefix included; `--base-url` replaces it.
    #[serde(default)]
    pub base_url: Option<String>,
    /// `provider add` needs `--base-url` (the service has no one public address).
    #[serde(default)]
    pub base_url_required: bool,
    /// The plan's fixed key limit, when the service has one.
    #[serde(default)]
    pub key_limit: Option<u32>,
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    pub description: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<String>,
    /// A regular expression the value must match (checked by `provider add`).
    #[serde(default)]
    pub pattern: Option<String>,
    /// A closed list of values.
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
}

/// How the management calls authenticate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    pub kind: AuthKind,
    /// The credential's parts, in the order they come on stdin (`id:secret` on one line also
    /// works for two parts). One part: the whole line.
    #[serde(default)]
    pub parts: Vec<String>,
    /// `kind = "headers"`: header name → template (`{credential}`, `{credential:PART}`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `kind = "basic"`: templates of the user and the password.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// `kind = "query"`: query parameter → template (`{credential}`, `{credential:PART}`), added
    /// to every management URL. Refused unless the user accepts it (`--allow-insecure`).
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// `kind = "oauth2"`: the path (under the base URL) of the token endpoint that takes the
    /// client credentials (`grant_type=client_credentials`) and answers an access token.
    #[serde(default)]
    pub token_path: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthKind {
    /// `Authorization: Bearer {credential}`.
    Bearer,
    /// Header templates (`PRIVATE-TOKEN`, `DD-API-KEY` + `DD-APPLICATION-KEY`…).
    Headers,
    /// HTTP Basic from the `user` and `password` templates.
    Basic,
    /// Query parameters (`?access_token={credential}`): the credential ends up in every URL,
    /// which proxies and server logs keep, so a provider using it needs the user's consent.
    Query,
    /// OAuth2 client credentials (stdin: `client_id:client_secret`) exchanged at `token_path`
    /// for an access token, sent as `Authorization: Bearer` (renewed on expiry or a 401).
    Oauth2,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Static, non-secret headers sent on every management call.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// JSON pointers (RFC 6901); of a list, the first that resolves wins.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Pointers {
    One(String),
    Many(Vec<String>),
}

impl Pointers {
    pub fn all(&self) -> &[String] {
        match self {
            Pointers::One(p) => std::slice::from_ref(p),
            Pointers::Many(v) => v,
        }
    }
}

/// How one key object reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    pub id: Pointers,
    #[serde(default)]
    pub name: Option<Pointers>,
    #[serde(default)]
    pub user: Option<Pointers>,
    #[serde(default)]
    pub created: Option<TimeAt>,
    #[serde(default)]
    pub expires: Option<TimeAt>,
    #[serde(default)]
    pub last_used: Option<TimeAt>,
    /// List items that do not match are skipped.
    #[serde(default)]
    pub filter: Option<Equals>,
    #[serde(default)]
    pub status: Option<StatusSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeAt {
    pub at: Pointers,
    pub format: TimeFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeFormat {
    Rfc3339,
    Date,
    Unix,
    UnixMs,
    Rfc2822,
}

/// A value at a pointer compared with a constant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Equals {
    pub at: String,
    pub equals: toml::Value,
}

/// Keyshelf's own view of a key's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalStatus {
    Active,
    Inactive,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    pub at: Pointers,
    /// Remote value (JSON booleans and numbers as their text) → status.
    #[serde(default)]
    pub values: BTreeMap<String, LocalStatus>,
    /// The status when the field is absent.
    #[serde(default = "active")]
    pub missing: LocalStatus,
    /// The status of any value not in `values`.
    #[serde(default = "inactive")]
    pub other: LocalStatus,
    /// The key counts as gone (revoked, archived) when this matches.
    #[serde(default)]
    pub gone_when: Option<Equals>,
    /// Keyshelf status (`active`, `inactive`) → the value `set_status` sends as `{status}`.
    #[serde(default)]
    pub set: BTreeMap<String, String>,
}

fn active() -> LocalStatus {
    LocalStatus::Active
}

fn inactive() -> LocalStatus {
    LocalStatus::Inactive
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Readable {
    /// Shown once, at creation (most services).
    #[default]
    No,
    /// The service returns it again.
    Yes,
    /// An account setting decides.
    Depends,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    #[serde(default)]
    pub readable_again: Readable,
    #[serde(default)]
    pub note: Option<String>,
}

/// How a key is put on a request to the service's normal API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationSpec {
    /// One of Keyshelf's named schemes (`bearer`, `x-api-key`, `apikey`, `basic`…).
    #[serde(default)]
    pub scheme: Option<String>,
    /// Header name → template (`{secret}`, `{id}`, `base64(…)`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// HTTP Basic from templates (`{ user = "{id}", password = "{secret}" }`).
    #[serde(default)]
    pub basic: Option<BasicTemplate>,
    /// Environment-variable suffix → template, for `exec` and `env` (`"" = "{secret}"`).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicTemplate {
    pub user: String,
    pub password: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorsSpec {
    /// Where an error body's message is (an object or array is shown as compact JSON).
    #[serde(default)]
    pub message: Option<Pointers>,
    #[serde(default)]
    pub code: Option<Pointers>,
    #[serde(default)]
    pub request_id: Option<Pointers>,
    #[serde(default)]
    pub request_id_header: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operations {
    pub list: Option<OpSpec>,
    pub get: Option<OpSpec>,
    pub create: Option<OpSpec>,
    pub set_status: Option<OpSpec>,
    pub delete: Option<OpSpec>,
    pub roll: Option<OpSpec>,
    pub verify: Option<OpSpec>,
    pub usage: Option<OpSpec>,
    pub export: Option<OpSpec>,
}

/// One operation. Which fields apply depends on the operation; `validate` checks them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpSpec {
    /// `false` documents an absence (with `why`); default `true` when the table exists.
    #[serde(default)]
    pub supported: Option<bool>,
    #[serde(default)]
    pub why: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    /// Another host for this operation (a template; Twilio verifies on its API host, not the IAM
    /// host); the provider's base URL otherwise. The HTTPS rule applies to it too.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Query parameter → template.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Header → template (verify may present the key here).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A table rendered to the JSON body.
    #[serde(default)]
    pub body: Option<toml::Table>,
    /// How the body is sent: JSON (default) or `form` (`application/x-www-form-urlencoded`;
    /// a field that is not text is sent as its JSON).
    #[serde(default)]
    pub body_format: BodyFormat,
    /// Pointer to the key object in the answer (`""`: the whole body).
    #[serde(default)]
    pub object: Option<String>,
    // list
    /// Pointer to the array of keys (`""`: the body is the array).
    #[serde(default)]
    pub items: Option<String>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
    // create, roll
    /// Pointer to the new secret, relative to `object` (`""`: the value itself).
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
    // roll
    #[serde(default)]
    pub semantics: Option<RollSemantics>,
    #[serde(default)]
    pub new_id: Option<String>,
    #[serde(default)]
    pub old_secret_valid_for: Option<String>,
    // verify
    #[serde(default)]
    pub ok_when: Option<Equals>,
    // set_status
    /// Read the key first (with `get`) so a full-replace update can echo its other fields as
    /// `{current:/pointer}`.
    #[serde(default)]
    pub fetch_first: bool,
    // delete: only wording (`delete`, `revoke`, `archive`)
    #[serde(default)]
    pub kind: Option<String>,
    // usage
    /// Pointer, in each listed entry, to an array of rows (a report grouped in time buckets,
    /// one row per key in each); absent: each listed entry is one row.
    #[serde(default)]
    pub rows: Option<String>,
    /// How a usage row reads.
    #[serde(default)]
    pub row: Option<UsageRowSpec>,
}

/// How one usage row reads. Each pointer is looked up in the row, then in the entry around it
/// (a bucket's start time sits beside its rows, not in them).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageRowSpec {
    /// The call's time, or the start of the row's bucket.
    pub at: TimeAt,
    #[serde(default)]
    pub key_id: Option<Pointers>,
    /// Numbers summed into the row's count (one that is absent counts 0). None: each row is one
    /// call.
    #[serde(default)]
    pub count: Vec<String>,
    /// What the count counts (`tokens`); `calls` when not said.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub route: Option<Pointers>,
    /// The HTTP status the call was answered with.
    #[serde(default)]
    pub status: Option<Pointers>,
    #[serde(default)]
    pub ip: Option<Pointers>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyFormat {
    #[default]
    Json,
    Form,
}

impl OpSpec {
    /// Whether the operation is offered.
    pub fn is_supported(&self) -> bool {
        self.supported.unwrap_or(true)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RollSemantics {
    /// A roll endpoint returns a new secret for the same key; the old one stops working.
    SameId,
    /// A rotate endpoint returns a new key (new id) and revokes the old one.
    NewId,
    /// No roll endpoint: Keyshelf creates a new key, then retires the old one.
    None,
}

impl RollSemantics {
    pub fn as_str(self) -> &'static str {
        match self {
            RollSemantics::SameId => "same-id",
            RollSemantics::NewId => "new-id",
            RollSemantics::None => "none",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "kebab-case")]
pub enum Pagination {
    /// One request.
    None,
    /// `page` / `per_page` numbers, until `total_pages` or a short or empty page.
    Page {
        page_param: String,
        #[serde(default)]
        size_param: Option<String>,
        #[serde(default)]
        size: Option<u32>,
        #[serde(default = "one")]
        first: u32,
        #[serde(default)]
        total_pages: Option<String>,
    },
    /// The next page's number in a response header (GitLab's `x-next-page`).
    Header { header: String, page_param: String },
    /// RFC 8288 `Link: <…>; rel="next"`.
    Link,
    /// A cursor from the body (`after` + `has_more`).
    Cursor {
        cursor_param: String,
        /// Pointer to the cursor, or `last-item-id`.
        cursor: String,
        has_more: String,
    },
    /// A next-page token from the body, until it is null or empty.
    Token {
        token_param: String,
        token: String,
        #[serde(default)]
        has_more: Option<String>,
    },
    /// A next-page URL from the body, until it is null.
    NextUrl { next: Pointers },
}

fn one() -> u32 {
    1
}

/// A create or roll parameter (`--param NAME=VALUE`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    #[serde(rename = "type")]
    pub kind: ParamKind,
    #[serde(default)]
    pub required: bool,
    pub description: String,
    /// A default, possibly a template of a variable (`"{user_id?}"`).
    #[serde(default)]
    pub default: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamKind {
    String,
    Integer,
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    /// Comma-separated on the command line, a JSON array on the wire.
    StringList,
    /// JSON text (from `--param-file`).
    Json,
}

impl ParamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::String => "string",
            ParamKind::Integer => "integer",
            ParamKind::Bool => "bool",
            ParamKind::Date => "date",
            ParamKind::StringList => "string-list",
            ParamKind::Json => "json",
        }
    }
}
