//! Providers: how their keys are presented, and their key-management API.
//!
//! - [`scheme`]: how a key is put on a request under each of the seeds' schemes (shared by
//!   verify, the `header`/`curl` copy formats and `exec`).
//! - [`profile`]: a configured provider (base URL, management auth, scheme, paths).
//! - [`envelope`]: tolerant reading of the providers' response shapes.
//! - [`errors`]: provider failures with stable `provider_*` codes.
//! - [`client`]: the HTTP client (HTTPS, timeouts, retries, OAuth2, size limits).
//! - [`ops`]: the user operations, as an `impl Keyshelf` block; [`sync`] the sync among them.
//! - [`issued`]: the checks a secret the provider issues passes before it is kept.
//! - [`usage`]: usage logs flagged for seed 004's warning signs.
//! - [`usage_chart`]: the usage chart's data (calls per hour or day per key, rotation times).

pub mod client;
pub mod declared;
pub mod envelope;
pub mod errors;
pub mod issued;
pub mod link;
pub mod list_page;
pub mod ops;
pub mod pagination;
pub mod presentation;
pub mod profile;
pub mod roll;
pub mod rotation_api;
pub mod scheme;
pub mod sync;
pub mod usage;
pub mod usage_chart;

pub use errors::{Kind, ProviderError};
pub use profile::{ManagementAuth, ProviderProfile};
pub use scheme::{KeyScheme, Presentation};
