//! Keyshelf's core: everything a user can do, with no user interface attached.
//!
//! The pieces, each in its own module:
//! - [`secret`]: the [`Secret`] type every key value travels in (redacted Debug, no Serialize, zeroized).
//! - [`vault`]: the OS keychain behind a small trait, the only place secrets are stored; every
//!   keychain call has a deadline (`KEYSHELF_KEYCHAIN_TIMEOUT`).
//! - [`store`]: the SQLite metadata store (keys, environments, providers, audit; never values).
//! - [`generate`]: strong local key generation.
//! - [`policy`]: environments, rotation intervals and due states.
//! - [`provider`]: how keys are presented to providers (the seeds' schemes) and their management API.
//! - [`format`], [`copy`], [`inject`], [`clipboard`]: keys into tools (copy formats and the
//!   copy action, `exec`/`env`, a clipboard that clears itself).
//! - [`dotenv`], [`env_import`]: reading `.env` files and importing them as keys (preview first).
//! - [`overview`]: the start page's figures (counts per environment, the due timeline, failed syncs).
//! - [`preferences`]: the desktop app's preferences (reminder check interval, colours).
//! - [`reminders`]: grouped rotation reminders and the rule that keeps them from nagging.
//! - [`names`]: key-name validation, references (`KEYREF`) and the naming convention.
//! - [`rotation`]: the crash-safe guided rotation, a state machine persisted in the store.
//! - [`team`]: team keys through OpenBao (a KV v2 client with check-and-set); the share and
//!   sync actions are in `actions/teams.rs`.
//! - [`actions`]: the results both front ends show (one `Serialize` type each) and the actions
//!   that combine others (a key's detail, providers with their key counts, an export to a file).
//! - [`shelf`]: [`Keyshelf`], the facade the CLI and the desktop shell call.
//! - [`error`]: [`Error`], with a stable code and a message a person can act on.
//! - [`timestamp`]: timestamps in JSON output, written fast.

pub mod actions;
pub mod clipboard;
pub mod copy;
pub mod dotenv;
pub mod env_import;
pub mod error;
pub mod format;
pub mod generate;
pub mod inject;
pub mod names;
pub mod notify;
pub mod overview;
pub mod policy;
pub mod preferences;
pub mod provider;
pub mod reminders;
pub mod rotation;
pub mod secret;
pub mod shelf;
pub mod store;
pub mod team;
pub mod timestamp;
pub mod vault;

pub use error::{Error, Result};
pub use secret::Secret;
pub use shelf::Keyshelf;
