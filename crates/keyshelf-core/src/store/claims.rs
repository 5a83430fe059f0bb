//! Claims of keys: a process that changes a key on its provider (delete, activate, deactivate)
//! holds its key from the check that no rotation runs until the change is recorded, so a rotation
//! cannot start in between (a delete would then revoke the new key and orphan the old one). A
//! rotation holds its key through its own row (`store/rotations.rs`), and starts only when no
//! live process claims the key. Claims of processes that died are ignored and replaced.

use super::{fmt_time, parse_time, text_in, Tx};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// Who holds a key, for what.
#[derive(Debug, Clone)]
pub struct KeyClaim {
    pub owner: String,
    pub action: String,
    pub claimed_at: DateTime<Utc>,
}

impl Tx<'_> {
    /// The claim on a key, if any (live or not: the caller asks the owner's liveness).
    pub fn key_claim(&self, key_id: i64) -> Result<Option<KeyClaim>> {
        Ok(self
            .0
            .query_row(
                "SELECT owner, action, claimed_at FROM key_claims WHERE key_id = ?1",
                [key_id],
                |r| {
                    Ok(KeyClaim {
                        owner: r.get(0)?,
                        action: r.get(1)?,
                        claimed_at: parse_time(text_in(r, 2)?, 2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Claims `key_id` (named `key` in errors) for `owner` to do `action`, refused while a
    /// rotation of the key is unfinished or another live process holds it.
    pub fn claim_key(
        &self,
        key_id: i64,
        key: &str,
        owner: &str,
        action: &str,
        holder_alive: impl Fn(&str, Option<DateTime<Utc>>) -> bool,
    ) -> Result<()> {
        if self.active_rotation(key_id)?.is_some() {
            return Err(Error::RotationInProgress(key.to_owned()));
        }
        self.refuse_claimed(key_id, key, owner, holder_alive)?;
        self.0.execute(
            "INSERT INTO key_claims (key_id, owner, action, claimed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key_id) DO UPDATE SET owner = excluded.owner, action = excluded.action,
                                                claimed_at = excluded.claimed_at",
            params![key_id, owner, action, fmt_time(Utc::now())],
        )?;
        Ok(())
    }

    /// [`Error::KeyBusy`] while a live process other than `owner` holds the key.
    pub fn refuse_claimed(
        &self,
        key_id: i64,
        key: &str,
        owner: &str,
        holder_alive: impl Fn(&str, Option<DateTime<Utc>>) -> bool,
    ) -> Result<()> {
        match self.key_claim(key_id)? {
            Some(c) if c.owner != owner && holder_alive(&c.owner, Some(c.claimed_at)) => {
                Err(Error::KeyBusy {
                    key: key.to_owned(),
                    action: c.action,
                })
            }
            _ => Ok(()),
        }
    }

    /// Ends `owner`'s claim on a key.
    pub fn release_key(&self, key_id: i64, owner: &str) -> Result<()> {
        self.0.execute(
            "DELETE FROM key_claims WHERE key_id = ?1 AND owner = ?2",
            params![key_id, owner],
        )?;
        Ok(())
    }
}
