//! The results of user actions that both front ends show, and the few actions that are only a
//! combination of others (a key with its history, a provider with its key count, an export
//! written to a file). Each result derives `Serialize` once: the CLI prints it with `--json`
//! and the desktop receives the same shape, so the two cannot drift.

pub mod keys;
pub mod providers;
pub mod settings;
pub mod team_sync;
pub mod teams;

pub use keys::KeyDetail;
pub use providers::{Deleted, Exported, ProviderInput, ProviderSummary};
pub use settings::Settings;
