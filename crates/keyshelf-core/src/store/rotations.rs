//! Guided rotations (see `crate::rotation`): one row per rotation, at most one unfinished per key.
//!
//! Two processes (the desktop app and a `keyshelf rotate`) can reach one rotation at once, so
//! nothing here writes a step blindly:
//! - a run **claims** the rotation before it does anything ([`Tx::claim_rotation`]): it writes its
//!   owner token into the row, in one transaction with the check that no live process holds it;
//! - every step is saved with a **compare-and-set** on (rotation id, expected step, owner)
//!   ([`Tx::save_rotation_step`]): when the row moved on under us, nothing is written and the
//!   caller stops with `rotation_busy` before its next side effect;
//! - the claim is released when the run ends, whatever happened ([`Tx::release_rotation`]).

use super::{fmt_time, parse_opt_time, parse_time, text_at, text_in, Tx};
use crate::rotation::{Mode, NewRotation, Note, OldKey, Rotation, Step};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

/// The columns [`from_row`] reads, in order; `key_gone` says whether the key of the row is still
/// there (same id and same reference: a reused row id is another key).
const COLUMNS: &str = "r.id, r.key_id, r.key_ref, r.step, r.remote_name, r.old_key_id, r.new_key_id, \
     r.old_last_rotated_at, r.grace_days, r.started_at, r.updated_at, r.deactivated_at, r.last_error, \
     r.mode, r.old_key, r.notes, r.owner, r.claimed_at, \
     (k.id IS NULL) AS key_gone";

const FROM: &str =
    "rotations r LEFT JOIN keys k ON k.id = r.key_id AND k.provider || '/' || k.name = r.key_ref";

const UNFINISHED: &str = "r.step NOT IN ('done', 'aborted')";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Rotation> {
    let step = text_in(row, 3)?;
    let mode = text_at(row, 13)?;
    let old_key = text_in(row, 14)?;
    let notes = text_in(row, 15)?;
    Ok(Rotation {
        id: row.get(0)?,
        key_id: row.get(1)?,
        key: row.get(2)?,
        step: Step::parse(step).ok_or_else(|| bad_value(3, step))?,
        remote_name: row.get(4)?,
        old_key_id: row.get(5)?,
        new_key_id: row.get(6)?,
        old_last_rotated_at: parse_opt_time(row, 7)?,
        grace_days: row.get(8)?,
        started_at: parse_time(text_in(row, 9)?, 9)?,
        updated_at: parse_time(text_in(row, 10)?, 10)?,
        deactivated_at: parse_opt_time(row, 11)?,
        last_error: row.get(12)?,
        // Rows written before modes were stored decide theirs on the next run.
        mode: mode
            .map(|m| Mode::parse(m).ok_or_else(|| bad_value(13, m)))
            .transpose()?,
        old_key: OldKey::parse(old_key).ok_or_else(|| bad_value(14, old_key))?,
        // Notes are written by us as JSON; unreadable ones show as none.
        notes: serde_json::from_str(notes).unwrap_or_default(),
        owner: row.get(16)?,
        claimed_at: parse_opt_time(row, 17)?,
        key_gone: row.get(18)?,
    })
}

fn bad_value(column: usize, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unknown value {value:?}").into(),
    )
}

impl Tx<'_> {
    /// Inserts a new rotation, already claimed by `owner`; [`Error::RotationInProgress`] when the
    /// key has an unfinished one (the unique index decides, so two processes cannot both start).
    pub fn insert_rotation(&self, new: &NewRotation, owner: &str) -> Result<i64> {
        let now = fmt_time(Utc::now());
        let notes = notes_json(&new.notes)?;
        let res = self.0.execute(
            "INSERT INTO rotations (key_id, key_ref, step, old_key_id, old_last_rotated_at, grace_days,
                                    started_at, updated_at, mode, old_key, notes, owner, claimed_at)
             VALUES (?1, ?2, 'started', ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?6)",
            params![
                new.key_id,
                new.key_ref,
                new.old_key_id,
                new.old_last_rotated_at.map(fmt_time),
                new.grace_days,
                now,
                new.mode.as_str(),
                new.old_key.as_str(),
                notes,
                owner
            ],
        );
        match res {
            Ok(_) => Ok(self.0.last_insert_rowid()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(Error::RotationInProgress(new.key_ref.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One rotation by id.
    pub fn rotation(&self, id: i64) -> Result<Rotation> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE r.id = ?1");
        Ok(self.0.query_row(&sql, [id], from_row)?)
    }

    /// The unfinished rotation of a key (by row id), if any.
    pub fn active_rotation(&self, key_id: i64) -> Result<Option<Rotation>> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE r.key_id = ?1 AND {UNFINISHED}");
        Ok(self.0.query_row(&sql, [key_id], from_row).optional()?)
    }

    /// The unfinished rotation recorded for `key_ref` (`provider/name`) whose key is gone.
    pub fn orphan_rotation(&self, key_ref: &str) -> Result<Option<Rotation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE r.key_ref = ?1 AND {UNFINISHED} AND k.id IS NULL"
        );
        Ok(self.0.query_row(&sql, [key_ref], from_row).optional()?)
    }

    /// Rotations, newest first: the unfinished ones, and the finished too when `all`.
    pub fn rotations(&self, all: bool) -> Result<Vec<Rotation>> {
        let sql =
            format!("SELECT {COLUMNS} FROM {FROM} WHERE ?1 OR {UNFINISHED} ORDER BY r.id DESC");
        let mut stmt = self.0.prepare(&sql)?;
        let rows = stmt.query_map([all], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The rotations that were unfinished at some moment since `since`: the unfinished ones,
    /// and those finished (done or aborted) at or after it. A sync asks for them to know which of
    /// a provider's keys a rotation creates or deletes while the provider's list is read.
    pub fn rotations_unfinished_since(&self, since: DateTime<Utc>) -> Result<Vec<Rotation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE {UNFINISHED} OR r.updated_at >= ?1 ORDER BY r.id"
        );
        let mut stmt = self.0.prepare(&sql)?;
        let rows = stmt.query_map([fmt_time(since)], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Claims an unfinished rotation for `owner`. Refused with [`Error::RotationBusy`] while
    /// another owner holds it and `holder_alive` says that owner's process still runs; a claim
    /// left by a process that died (killed, crashed) is taken over.
    pub fn claim_rotation(
        &self,
        id: i64,
        owner: &str,
        holder_alive: impl Fn(&str, Option<DateTime<Utc>>) -> bool,
    ) -> Result<Rotation> {
        let r = self.rotation(id)?;
        if let Some(holder) = r.owner.as_deref() {
            if holder != owner && holder_alive(holder, r.claimed_at) {
                return Err(Error::RotationBusy(r.key.clone()));
            }
        }
        let changed = self.0.execute(
            "UPDATE rotations SET owner = ?2, claimed_at = ?3 WHERE id = ?1 AND owner IS ?4",
            params![id, owner, fmt_time(Utc::now()), r.owner],
        )?;
        if changed == 0 {
            return Err(Error::RotationBusy(r.key.clone()));
        }
        self.rotation(id)
    }

    /// Saves `r` (its step and what came with it) if the stored row is still at `from` and
    /// claimed by `owner`; otherwise writes nothing and fails with [`Error::RotationBusy`].
    pub fn save_rotation_step(&self, r: &Rotation, from: Step, owner: &str) -> Result<()> {
        let changed = self.0.execute(
            "UPDATE rotations SET step = ?2, remote_name = ?3, new_key_id = ?4, deactivated_at = ?5,
                                  updated_at = ?6, last_error = NULL, mode = ?7, old_key = ?8, notes = ?9
             WHERE id = ?1 AND step = ?10 AND owner = ?11",
            params![
                r.id,
                r.step.as_str(),
                r.remote_name,
                r.new_key_id,
                r.deactivated_at.map(fmt_time),
                fmt_time(r.updated_at),
                r.mode.map(Mode::as_str),
                r.old_key.as_str(),
                notes_json(&r.notes)?,
                from.as_str(),
                owner
            ],
        )?;
        if changed == 0 {
            return Err(Error::RotationBusy(r.key.clone()));
        }
        Ok(())
    }

    /// Records why a run stopped, for `rotate --status` (only while `owner` holds the claim).
    pub fn set_rotation_error(&self, id: i64, owner: &str, text: &str) -> Result<()> {
        self.0.execute(
            "UPDATE rotations SET last_error = ?3, updated_at = ?4 WHERE id = ?1 AND owner = ?2",
            params![id, owner, text, fmt_time(Utc::now())],
        )?;
        Ok(())
    }

    /// Ends `owner`'s claim on a rotation.
    pub fn release_rotation(&self, id: i64, owner: &str) -> Result<()> {
        self.0.execute(
            "UPDATE rotations SET owner = NULL, claimed_at = NULL WHERE id = ?1 AND owner = ?2",
            params![id, owner],
        )?;
        Ok(())
    }
}

fn notes_json(notes: &[Note]) -> Result<String> {
    serde_json::to_string(notes).map_err(|e| Error::Store(e.to_string()))
}
