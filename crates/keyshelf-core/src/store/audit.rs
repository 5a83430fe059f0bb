//! The audit log: what happened to which key, never a value.

use super::{fmt_time, parse_time, text_in, Tx};
use crate::Result;
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

/// One audit event. Never holds a value.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub key: Option<String>,
    pub action: String,
    pub detail: String,
}

impl Tx<'_> {
    /// Appends an audit event. `detail` must never hold a secret value.
    pub fn audit(&self, key: Option<&str>, action: &str, detail: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO audit (at, key_ref, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![fmt_time(Utc::now()), key, action, detail],
        )?;
        Ok(())
    }

    /// Audit events, newest first, for one key (`provider/name`) or all.
    pub fn audit_events(&self, key: Option<&str>, limit: usize) -> Result<Vec<AuditEvent>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT at, key_ref, action, detail FROM audit WHERE (?1 IS NULL OR key_ref = ?1) ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![key, limit as i64], |r| {
            Ok(AuditEvent {
                at: parse_time(text_in(r, 0)?, 0)?,
                key: r.get(1)?,
                action: r.get(2)?,
                detail: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
