//! The command line, as clap parses it. The README's CLI reference mirrors this file.

use clap::{Args, Parser, Subcommand};

/// API keys in the OS keychain: generate, import, rotate on schedule, copy into tools.
#[derive(Debug, Parser)]
// The version names the commit (crates/keyshelf-cli/build.rs): "keyshelf 0.1.0 (abc1234)".
#[command(
    name = "keyshelf",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("KEYSHELF_COMMIT"), ")"),
    about,
    propagate_version = true
)]
pub struct Cli {
    /// Machine-readable JSON on stdout (and errors as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

// `defer`: each subcommand's arguments are built only when the command line names it, so a
// `get` does not build (and free) the arguments of the 31 other commands first: 0.9 ms of
// CPU and 42 page faults of every process (BENCHMARKS.md, 2026-12-07 night). The names and
// descriptions stay eager, so `keyshelf --help` lists every command as before.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Generate a strong key locally and store it in the keychain.
    Generate(GenerateArgs),
    /// Import an existing key; the secret is read from stdin or a prompt.
    Import(ImportArgs),
    /// Import a .env file: each VAR=value becomes a key of ENV with its variable name kept, so
    /// `keyshelf exec --env ENV -- CMD` replaces the file. The file itself is never changed.
    ImportEnv(ImportEnvArgs),
    /// Link a key to its key on the provider (by the provider's id), so Keyshelf can deactivate,
    /// delete and rotate it there.
    Link(LinkArgs),
    /// List keys (never their values).
    List(ListArgs),
    /// Show one key's metadata and schedule.
    Show(KeyArg),
    /// Print a key's secret to stdout, and nothing else.
    Get(KeyArg),
    /// Remove a key from Keyshelf and the keychain (not from its provider).
    Remove(RemoveArgs),
    /// Change a key's settings.
    Edit(EditArgs),
    /// Silence a key's rotation reminder until a date.
    Snooze(SnoozeArgs),
    /// Environments and their rotation intervals.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Keys due for rotation; exits 3 when at least one is overdue (for cron).
    Due(DueArgs),
    /// Announce due keys as one desktop notification (D-Bus); `--install` writes a systemd timer.
    Remind(RemindArgs),
    /// The audit log of actions (never values).
    Audit(AuditArgs),
    /// Rotate a key without ever losing a working one (start, --resume, --abort, --status).
    Rotate(RotateArgs),
    /// Copy a key to the clipboard (raw, header, env line or curl command); cleared after a delay.
    Copy(CopyArgs),
    /// Run a command with keys in its environment: keyshelf exec [--env ENV] [--set VAR=KEYREF]... -- CMD [ARGS]
    Exec(ExecArgs),
    /// Print keys as environment variables (dotenv, shell or JSON) for tools that read a file.
    Env(EnvArgs),
    /// Show or set the default delay before `copy` clears the clipboard (seconds, 0 = never).
    ClearAfter(ClearAfterArgs),
    /// Suggest a key name after the `<env>-<app>-<purpose>-<YYYY-MM>` convention.
    SuggestName(SuggestArgs),
    /// Providers' key-management APIs: add, list, test, remove.
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Create a key on a provider and store its secret in the keychain.
    Create(CreateArgs),
    /// Bring the local list in step with the providers' key lists.
    Sync(SyncArgs),
    /// Activate a key on its provider.
    Activate(KeyArg),
    /// Deactivate a key on its provider.
    Deactivate(KeyArg),
    /// Delete a key on its provider, then its keychain entry and metadata.
    Delete(RemoveArgs),
    /// Check that a key works, presenting it as its provider expects.
    Verify(KeyArg),
    /// A provider's CSV export of its keys (without values).
    Export(ExportArgs),
    /// A provider's API usage logs.
    Usage(ProviderArg),
    /// Teams sharing keys through OpenBao: add, list, test, sync, remove.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Share a key with a team (its secret and what a teammate needs, written to OpenBao).
    Share(ShareArgs),
    /// Stop sharing a key with a team (deleted there; the local key stays).
    Unshare(UnshareArgs),
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum TeamCommand {
    /// Connect a team's OpenBao; its token is read from stdin and kept in the keychain.
    Add(TeamAddArgs),
    /// List teams (never their tokens).
    List,
    /// Check that OpenBao answers, is unsealed and accepts the stored token.
    Test { name: String },
    /// Bring the team's shared keys here: new ones, newer versions (the old secret kept as
    /// previous), and those no longer shared marked gone.
    Sync { name: String },
    /// The keys shared with the team that this workstation holds: version, who rotated last.
    Keys { name: String },
    /// Disconnect a team and remove its token from the keychain (its keys stay).
    Remove { name: String },
    /// The team's rotation policy, applied to its keys on every workstation at each sync.
    #[command(subcommand)]
    Policy(TeamPolicyCommand),
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum TeamPolicyCommand {
    /// Show the team's intervals, due-soon window and naming pattern.
    Show { name: String },
    /// Set the rotation interval of an environment for the team's keys (TEAM ENV DAYS), or the
    /// due-soon window (--due-soon DAYS) or the naming pattern of shared keys (--naming).
    Set(TeamPolicySetArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("change").required(true).args(["env", "due_soon", "naming", "no_naming"])))]
pub struct TeamPolicySetArgs {
    pub name: String,
    /// The environment whose interval to set (with DAYS).
    #[arg(requires = "days")]
    pub env: Option<String>,
    /// The rotation interval in days.
    pub days: Option<u32>,
    /// Team keys count as due soon this many days before their due date, on every workstation.
    #[arg(long, value_name = "DAYS")]
    pub due_soon: Option<u32>,
    /// Share only keys whose name follows PATTERN: `*` stands for anything, `{env}` for the
    /// key's environment (e.g. "{env}-*").
    #[arg(long, value_name = "PATTERN")]
    pub naming: Option<String>,
    /// Lift the naming pattern.
    #[arg(long, conflicts_with = "naming")]
    pub no_naming: bool,
}

#[derive(Debug, Args)]
pub struct TeamAddArgs {
    pub name: String,
    /// OpenBao addresses, comma-separated, tried in order (https://, or http:// on loopback).
    #[arg(long, value_delimiter = ',', required = true)]
    pub addr: Vec<String>,
    /// The KV v2 mount.
    #[arg(long, default_value = "secret")]
    pub mount: String,
    /// The path under the mount (default keyshelf/TEAM).
    #[arg(long)]
    pub prefix: Option<String>,
    /// How to log in: token (stdin: the token), userpass (stdin: user:password) or approle
    /// (stdin: role_id:secret_id); a login's token is kept in the keychain and renewed by a new
    /// login before it expires.
    #[arg(long, default_value = "token")]
    pub auth: String,
    /// A private CA's certificate (PEM file) that OpenBao's TLS certificate is checked against.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Read the OpenBao token from stdin (the only way).
    #[arg(long)]
    pub credential_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ShareArgs {
    pub keyref: String,
    #[arg(long)]
    pub team: String,
}

#[derive(Debug, Args)]
pub struct UnshareArgs {
    pub keyref: String,
    #[arg(long)]
    pub team: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ProviderCommand {
    /// Add a provider; the token (or client_id:client_secret for oauth2) is read from stdin.
    Add(Box<ProviderAddArgs>),
    /// The built-in presets for services' key-management APIs: what each supports and needs.
    Presets {
        /// Print this preset's profile file (a starting point for a profile of your own).
        #[arg(long, value_name = "PRESET")]
        show: Option<String>,
    },
    /// List providers (never their tokens).
    List,
    /// Check that the management API answers with the stored token.
    Test { name: String },
    /// Remove a provider and its token from the keychain.
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct ProviderAddArgs {
    pub name: String,
    /// The management API's base URL, version prefix included (https://, or http:// on loopback
    /// only). Presets have a default (e.g. https://gitlab.com/api/v4); give yours for a
    /// self-hosted service.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Speak a service's own API (`keyshelf provider presets` lists them): gitlab, standard…
    #[arg(long, conflicts_with = "profile")]
    pub preset: Option<String>,
    /// Speak the API described in this profile file (TOML; see the README's "Provider
    /// profiles").
    #[arg(long)]
    pub profile: Option<std::path::PathBuf>,
    /// A variable of the preset or profile, VAR=VALUE (e.g. user_id=42); repeat for several.
    #[arg(long = "set", value_name = "VAR=VALUE")]
    pub vars: Vec<String>,
    /// How Keyshelf authenticates to the management API: bearer (a static token) or oauth2
    /// (client credentials, exchanged for short-lived tokens).
    #[arg(long, default_value = "bearer")]
    pub auth: String,
    /// How keys are presented: apikey, basic, basic-url, query, bearer, x-api-key, x-api-key-username.
    #[arg(long, default_value = "x-api-key-username")]
    pub key_scheme: String,
    /// Accept the query scheme's risk (the key ends up in URLs and logs).
    #[arg(long)]
    pub allow_insecure: bool,
    /// A route to test keys on, e.g. /api/v1/users/me or /api-routes-data.
    #[arg(long)]
    pub verify_path: Option<String>,
    /// The plan's key limit.
    #[arg(long)]
    pub key_limit: Option<u32>,
    /// Environment of keys found only on the provider by sync.
    #[arg(long, default_value = "prod")]
    pub env: String,
    /// Override a management path, NAME=PATH (list, get, generate, status, delete, export, usage, token).
    #[arg(long = "path", value_name = "NAME=PATH")]
    pub paths: Vec<String>,
    /// Request timeout in seconds (connect timeout is 5); default 30, or the preset's.
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Read the token from stdin (the only way; the flag makes it explicit in scripts).
    #[arg(long)]
    pub token_stdin: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The key's name, also sent to the provider as api_key_name.
    pub name: String,
    #[arg(long)]
    pub provider: String,
    #[arg(long)]
    pub env: String,
    /// The key's user (sent to the provider; the X-Username header under x-api-key-username).
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long = "var")]
    pub var_name: Option<String>,
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    #[arg(long, default_value = "")]
    pub notes: String,
    /// A parameter the provider's create takes, NAME=VALUE (lists comma-separated, e.g.
    /// scopes=api,read_api); `keyshelf provider presets` says which are required.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// A parameter read from a file, NAME=FILE (JSON for json parameters, text otherwise).
    #[arg(long = "param-file", value_name = "NAME=FILE")]
    pub param_files: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this provider (all when omitted).
    #[arg(long)]
    pub provider: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long)]
    pub provider: String,
    /// Write to this file instead of stdout.
    #[arg(long)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportEnvArgs {
    /// The .env file (VAR=value lines, `export ` prefixes, quotes and comments as dotenv reads
    /// them).
    pub file: std::path::PathBuf,
    /// The environment the keys belong to; key names are ENV-var-name (STRIPE_KEY in dev:
    /// dev-stripe-key).
    #[arg(long)]
    pub env: String,
    /// Show what would be imported, skipped or clash, and store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import only this variable, even one that looks like a setting (PORT=3000); repeat for
    /// several. By default every variable that looks like a secret is imported.
    #[arg(long = "only", value_name = "VAR")]
    pub only: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ProviderArg {
    #[arg(long)]
    pub provider: String,
}

#[derive(Debug, Args)]
pub struct NewKeyArgs {
    /// The key's name (1–128 characters, no `/`, `#` or control characters).
    pub name: String,
    /// Environment (dev, staging, prod, or one defined with `policy set`).
    #[arg(long)]
    pub env: String,
    /// Default environment variable name for `exec`/`env` (e.g. STRIPE_API_KEY).
    #[arg(long = "var")]
    pub var_name: Option<String>,
    /// A tag; repeat for several.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Free-text notes.
    #[arg(long, default_value = "")]
    pub notes: String,
    /// The user the key belongs to (sent as X-Username by some providers).
    #[arg(long)]
    pub user: Option<String>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub key: NewKeyArgs,
    /// Total length including the prefix.
    #[arg(long, default_value_t = keyshelf_core::generate::DEFAULT_LENGTH)]
    pub length: usize,
    /// base62, hex or base64url.
    #[arg(long, default_value = "base62")]
    pub alphabet: String,
    /// A prefix such as sk_live_ (counted in the length).
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// The `id:secret` pair form (16 + 32 characters).
    #[arg(long)]
    pub pair: bool,
    /// Accept a length below 32.
    #[arg(long)]
    pub allow_short: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub key: NewKeyArgs,
    /// The provider the key belongs to.
    #[arg(long)]
    pub provider: Option<String>,
    /// When the key was last rotated (YYYY-MM-DD), so reminders start from the right date.
    #[arg(long)]
    pub rotated_at: Option<String>,
    /// The key's id on the provider (with --provider): adopts that remote key, so Keyshelf can
    /// deactivate, delete and rotate it there. `keyshelf sync` lists the provider's keys.
    #[arg(long, requires = "provider")]
    pub remote_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The local key (NAME when unique, else PROVIDER/NAME).
    pub keyref: String,
    /// Its id on the provider (`keyshelf sync --provider P`, then `keyshelf list --provider P --json`).
    #[arg(long)]
    pub remote_id: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub env: Option<String>,
    #[arg(long)]
    pub provider: Option<String>,
    /// Only keys due soon or overdue.
    #[arg(long)]
    pub due: bool,
}

#[derive(Debug, Args)]
pub struct KeyArg {
    /// NAME when unique, else PROVIDER/NAME.
    pub keyref: String,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    pub keyref: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub keyref: String,
    /// The key's own rotation interval in days, overriding its environment's.
    #[arg(long, conflicts_with = "env_interval")]
    pub interval: Option<u32>,
    /// Go back to the environment's interval.
    #[arg(long)]
    pub env_interval: bool,
    /// The key's default environment variable name (for exec, env and copy --format env).
    #[arg(long = "var", conflicts_with = "no_var")]
    pub var_name: Option<String>,
    /// Remove the key's variable name (env lines then use its name in UPPER_SNAKE_CASE).
    #[arg(long)]
    pub no_var: bool,
}

#[derive(Debug, Args)]
pub struct SnoozeArgs {
    pub keyref: String,
    /// Until this date (YYYY-MM-DD).
    #[arg(long, required_unless_present = "clear")]
    pub until: Option<String>,
    /// Remove the snooze.
    #[arg(long)]
    pub clear: bool,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum PolicyCommand {
    /// Environments, their intervals, and the due-soon window.
    List,
    /// Create an environment or change its rotation interval.
    Set { env: String, days: u32 },
    /// Remove an environment no key uses.
    Remove { env: String },
    /// Set the due-soon window in days (default 7).
    DueSoon { days: u32 },
}

#[derive(Debug, Args)]
pub struct DueArgs {
    /// Count keys due within this many days as due soon (default: the due-soon window).
    #[arg(long)]
    pub within: Option<u32>,
}

#[derive(Debug, Args)]
pub struct RemindArgs {
    /// Print the reminder a check would send; send nothing, record nothing.
    #[arg(long, conflicts_with_all = ["install", "uninstall"])]
    pub dry_run: bool,
    /// Announce every due key, also those announced in the last 24 hours.
    #[arg(long, conflicts_with_all = ["install", "uninstall"])]
    pub all: bool,
    /// Write a systemd user timer that runs `keyshelf remind` (Linux); prints how to enable it.
    #[arg(long, conflicts_with = "uninstall")]
    pub install: bool,
    /// With --install: how often, from 5min to 7d (e.g. 30min, 2h, 1d; default 1h).
    #[arg(long, requires = "install")]
    pub every: Option<String>,
    /// Remove the timer written by --install.
    #[arg(long)]
    pub uninstall: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// One key's history; all when omitted.
    pub keyref: Option<String>,
    /// At most this many events.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    pub env: String,
    pub app: String,
    pub purpose: String,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The key to rotate (optional with --status and --resume: all unfinished rotations).
    pub keyref: Option<String>,
    /// Days between deactivating the old key and deleting it.
    #[arg(long, default_value_t = keyshelf_core::rotation::DEFAULT_GRACE_DAYS)]
    pub grace: u32,
    /// Applications use the new key now: go on to deactivate the old one.
    #[arg(long)]
    pub confirm_updated: bool,
    /// Carry on an unfinished rotation (after a confirmation, a failure or a crash).
    #[arg(long, conflicts_with_all = ["abort", "status"])]
    pub resume: bool,
    /// Abandon the rotation (before the old key is deactivated): the old key is current again.
    /// Refused when the old key no longer works on the provider, unless --force.
    #[arg(long, conflicts_with_all = ["status", "confirm_updated"])]
    pub abort: bool,
    /// With --abort: delete the new key even though the old one no longer works (you are left
    /// with no working key).
    #[arg(long, requires = "abort")]
    pub force: bool,
    /// Rotate only the local secret of a provider's key; the old key stays active on the provider.
    #[arg(long, conflicts_with_all = ["abort", "status"])]
    pub local: bool,
    /// Show unfinished rotations (with --all, finished ones too).
    #[arg(long)]
    pub status: bool,
    /// With --status: finished rotations too.
    #[arg(long, requires = "status")]
    pub all: bool,
    /// Delete the old key now instead of waiting for the grace period to end.
    #[arg(long)]
    pub end_grace: bool,
    /// Keys without a management API: read the new secret from stdin or a prompt instead of
    /// generating one.
    #[arg(long)]
    pub paste: bool,
    /// Rotate to a key you made on the provider (its console) instead of creating one: its id
    /// there; its value is read from stdin or a prompt. Needed for services that cannot create
    /// keys through their API.
    #[arg(long, value_name = "ID", conflicts_with_all = ["abort", "status", "local", "paste"])]
    pub new_remote_id: Option<String>,
    /// A parameter of the service's roll (providers whose preset rolls keys), NAME=VALUE, e.g.
    /// expires_at=2027-03-01.
    #[arg(long = "param", value_name = "NAME=VALUE", conflicts_with_all = ["abort", "status", "local"])]
    pub params: Vec<String>,
    /// Length of a generated new secret.
    #[arg(long, default_value_t = keyshelf_core::generate::DEFAULT_LENGTH)]
    pub length: usize,
    /// Alphabet of a generated new secret (base62, hex, base64url).
    #[arg(long, default_value = "base62")]
    pub alphabet: String,
    /// Prefix of a generated new secret.
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// How long to retry verifying the new key, in seconds (a new key can take 1–2 minutes to
    /// reach all of a provider's servers).
    #[arg(long, default_value_t = 120)]
    pub verify_timeout: u64,
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    pub keyref: String,
    /// raw (the value), header (per the provider's key scheme), env (NAME=value), curl (verify call).
    #[arg(long, default_value = "raw")]
    pub format: String,
    /// Clear the clipboard after this many seconds (0 = never); default: `keyshelf clear-after`.
    #[arg(long)]
    pub clear_after: Option<u32>,
    /// The key scheme for header/curl (bearer, x-api-key, apikey, basic, …); overrides the provider's.
    #[arg(long)]
    pub scheme: Option<String>,
    /// The verify URL for curl, for keys whose provider has none.
    #[arg(long)]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// Inject every key of this environment that has a variable name.
    #[arg(long)]
    pub env: Option<String>,
    /// VAR=KEYREF: add one variable or override one from --env; repeat for several.
    #[arg(long = "set", value_name = "VAR=KEYREF")]
    pub sets: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub inject: InjectArgs,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(flatten)]
    pub inject: InjectArgs,
    /// dotenv (VAR=value), shell (export VAR='value', for eval) or json.
    #[arg(long, default_value = "dotenv")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct ClearAfterArgs {
    /// The new default in seconds (0 = never clear); shows the current one when omitted.
    pub secs: Option<u32>,
}
