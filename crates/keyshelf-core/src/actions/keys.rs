//! A key with its history.

use crate::shelf::KeyView;
use crate::store::AuditEvent;
use crate::{Keyshelf, Result};
use serde::Serialize;

/// How many audit events a key's detail shows.
pub const DETAIL_AUDIT_EVENTS: usize = 200;

/// A key and its audit history (actions only, never values).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct KeyDetail {
    pub key: KeyView,
    pub audit: Vec<AuditEvent>,
}

impl Keyshelf {
    /// A key and its newest audit events.
    pub fn key_detail(&self, keyref: &str) -> Result<KeyDetail> {
        let key = self.show(keyref)?;
        let audit = self.audit(Some(&key.key.full_ref()), DETAIL_AUDIT_EVENTS)?;
        Ok(KeyDetail { key, audit })
    }
}
