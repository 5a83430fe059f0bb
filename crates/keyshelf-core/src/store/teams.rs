//! Teams (their OpenBao settings, never a token) and which keys are shared with which team, at
//! which version of the shared entry.

use super::{fmt_time, Tx};
use crate::team::TeamProfile;
use crate::{Error, Result};
use chrono::Utc;
use rusqlite::OptionalExtension;

/// A key shared with a team, as this workstation holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub team: String,
    pub key_id: i64,
    pub version: u64,
    pub shared_by: String,
}

impl Tx<'_> {
    /// Inserts a team; [`Error::TeamExists`] when the name is taken.
    pub fn insert_team(&self, t: &TeamProfile) -> Result<()> {
        let config = serde_json::to_string(t).map_err(|e| Error::Store(e.to_string()))?;
        let res = self.0.execute(
            "INSERT INTO teams (name, config, created_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![t.name, config, fmt_time(Utc::now())],
        );
        match res {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(Error::TeamExists(t.name.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One team by name.
    pub fn team(&self, name: &str) -> Result<Option<TeamProfile>> {
        let config: Option<String> = self
            .0
            .query_row("SELECT config FROM teams WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        config
            .map(|c| serde_json::from_str(&c).map_err(|e| Error::Store(e.to_string())))
            .transpose()
    }

    /// Every team by name.
    pub fn teams(&self) -> Result<Vec<TeamProfile>> {
        let mut stmt = self.0.prepare("SELECT config FROM teams ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|c| serde_json::from_str(&c?).map_err(|e| Error::Store(e.to_string())))
            .collect()
    }

    /// Removes a team and its share records; [`Error::TeamNotFound`] when there is none.
    pub fn delete_team(&self, name: &str) -> Result<()> {
        if self
            .0
            .execute("DELETE FROM teams WHERE name = ?1", [name])?
            == 0
        {
            return Err(Error::TeamNotFound(name.to_owned()));
        }
        Ok(())
    }

    /// Records that key `key_id` holds version `version` of its entry shared with `team`.
    pub fn set_share(&self, s: &Share) -> Result<()> {
        self.0.execute(
            "INSERT INTO team_shares (team, key_id, version, shared_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (team, key_id) DO UPDATE SET version = excluded.version, shared_by = excluded.shared_by",
            rusqlite::params![s.team, s.key_id, s.version as i64, s.shared_by],
        )?;
        Ok(())
    }

    /// The share of key `key_id` with `team`, if any.
    pub fn share(&self, team: &str, key_id: i64) -> Result<Option<Share>> {
        Ok(self
            .0
            .query_row(
                "SELECT team, key_id, version, shared_by FROM team_shares WHERE team = ?1 AND key_id = ?2",
                rusqlite::params![team, key_id],
                share_row,
            )
            .optional()?)
    }

    /// Every key shared with `team`.
    pub fn shares(&self, team: &str) -> Result<Vec<Share>> {
        let mut stmt = self.0.prepare(
            "SELECT team, key_id, version, shared_by FROM team_shares WHERE team = ?1 ORDER BY key_id",
        )?;
        let rows = stmt.query_map([team], share_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every team key `key_id` is shared with.
    pub fn shares_of_key(&self, key_id: i64) -> Result<Vec<Share>> {
        let mut stmt = self.0.prepare(
            "SELECT team, key_id, version, shared_by FROM team_shares WHERE key_id = ?1 ORDER BY team",
        )?;
        let rows = stmt.query_map([key_id], share_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Keeps the `#previous` secret of key `key_id` (replaced by a teammate's rotation) until
    /// `until`; `None` once it is removed.
    pub fn set_previous_until(
        &self,
        team: &str,
        key_id: i64,
        until: Option<chrono::DateTime<Utc>>,
    ) -> Result<()> {
        self.0.execute(
            "UPDATE team_shares SET previous_until = ?3 WHERE team = ?1 AND key_id = ?2",
            rusqlite::params![team, key_id, until.map(fmt_time)],
        )?;
        Ok(())
    }

    /// The keys of `team` whose `#previous` secret is kept past `now`'s end of it.
    pub fn expired_previous(&self, team: &str, now: chrono::DateTime<Utc>) -> Result<Vec<i64>> {
        let mut stmt = self.0.prepare(
            "SELECT key_id FROM team_shares WHERE team = ?1 AND previous_until IS NOT NULL
                 AND julianday(previous_until) <= julianday(?2) ORDER BY key_id",
        )?;
        let rows = stmt.query_map(rusqlite::params![team, fmt_time(now)], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forgets that key `key_id` is shared with `team`.
    pub fn delete_share(&self, team: &str, key_id: i64) -> Result<()> {
        self.0.execute(
            "DELETE FROM team_shares WHERE team = ?1 AND key_id = ?2",
            rusqlite::params![team, key_id],
        )?;
        Ok(())
    }

    /// Key id → who published the current version of the entry it is shared as (of its first
    /// team by name when it is shared with several).
    pub fn team_publishers(&self) -> Result<std::collections::HashMap<i64, String>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT key_id, shared_by FROM team_shares ORDER BY team DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// [`Self::team_publishers`] of one key: a single key's view needs no other key's row.
    pub fn team_publisher(&self, key_id: i64) -> Result<Option<String>> {
        Ok(self
            .0
            .query_row(
                "SELECT shared_by FROM team_shares WHERE key_id = ?1 ORDER BY team LIMIT 1",
                [key_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// How `team`'s last sync went, if it ever ran.
    pub fn team_last_sync(&self, team: &str) -> Result<Option<TeamSyncStatus>> {
        Ok(self
            .0
            .query_row(
                "SELECT last_sync_at, last_sync_summary, last_sync_code, last_sync_message
                 FROM teams WHERE name = ?1 AND last_sync_at IS NOT NULL",
                [team],
                |r| {
                    Ok(TeamSyncStatus {
                        at: r.get(0)?,
                        summary: r.get(1)?,
                        error_code: r.get(2)?,
                        error_message: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records how `team`'s sync went just now: `Ok(summary)` or `Err((code, message))`.
    pub fn set_team_synced(
        &self,
        team: &str,
        outcome: std::result::Result<&str, (&str, &str)>,
    ) -> Result<()> {
        let (summary, code, message) = match outcome {
            Ok(summary) => (Some(summary), None, None),
            Err((code, message)) => (None, Some(code), Some(message)),
        };
        self.0.execute(
            "UPDATE teams SET last_sync_at = ?2, last_sync_summary = ?3, last_sync_code = ?4,
                 last_sync_message = ?5 WHERE name = ?1",
            rusqlite::params![team, fmt_time(Utc::now()), summary, code, message],
        )?;
        Ok(())
    }
}

/// How a team's last sync went.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TeamSyncStatus {
    /// When it ran.
    pub at: String,
    /// What it did, when it worked ("2 added, 1 updated, 0 gone, 10 unchanged").
    pub summary: Option<String>,
    /// Why it failed, when it did.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

fn share_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Share> {
    Ok(Share {
        team: r.get(0)?,
        key_id: r.get(1)?,
        version: r.get::<_, i64>(2)? as u64,
        shared_by: r.get(3)?,
    })
}
