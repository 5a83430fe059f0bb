//! Providers: how their keys are presented, and (in submodules) their key-management API.
//!
//! [`scheme`] is shared by everything that puts a key on the wire or into a tool: the verify call,
//! the `header`/`curl` copy formats, `exec`.

pub mod scheme;

pub use scheme::{KeyScheme, Presentation};
