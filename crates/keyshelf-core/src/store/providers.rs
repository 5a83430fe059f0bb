//! Providers: their profiles (a JSON column; never a token, which lives in the keychain).

use super::{fmt_time, Tx};
use crate::provider::profile::ProviderProfile;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

impl Tx<'_> {
    /// Inserts a profile; [`Error::ProviderExists`] when the name is taken.
    pub fn insert_provider(&self, p: &ProviderProfile) -> Result<()> {
        let config = serde_json::to_string(p).map_err(|e| Error::Store(e.to_string()))?;
        let res = self.0.execute(
            "INSERT INTO providers (name, config, created_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![p.name, config, fmt_time(Utc::now())],
        );
        match res {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(Error::ProviderExists(p.name.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces the stored settings of an existing profile (its name and creation time stay);
    /// [`Error::ProviderNotFound`] when there is no such profile.
    pub fn update_provider(&self, p: &ProviderProfile) -> Result<()> {
        let config = serde_json::to_string(p).map_err(|e| Error::Store(e.to_string()))?;
        let changed = self.0.execute(
            "UPDATE providers SET config = ?2 WHERE name = ?1",
            rusqlite::params![p.name, config],
        )?;
        if changed == 0 {
            return Err(Error::ProviderNotFound(p.name.clone()));
        }
        Ok(())
    }

    /// One profile by name.
    pub fn provider(&self, name: &str) -> Result<Option<ProviderProfile>> {
        let row = self
            .0
            .query_row(
                "SELECT name, config, created_at FROM providers WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        row.map(|(n, c, t)| from_row(n, c, t)).transpose()
    }

    /// All profiles by name.
    pub fn providers(&self) -> Result<Vec<ProviderProfile>> {
        let mut stmt = self
            .0
            .prepare("SELECT name, config, created_at FROM providers ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (n, c, t) = row?;
            out.push(from_row(n, c, t)?);
        }
        Ok(out)
    }

    /// Records how a sync of provider `name` went at `at`: `failure` is the error's code and
    /// message, `None` when it worked.
    pub fn record_sync(
        &self,
        name: &str,
        at: DateTime<Utc>,
        failure: Option<(&str, &str)>,
    ) -> Result<()> {
        self.0.execute(
            "UPDATE providers SET last_sync_at = ?2, last_sync_code = ?3, last_sync_message = ?4
             WHERE name = ?1",
            rusqlite::params![
                name,
                fmt_time(at),
                failure.map(|f| f.0),
                failure.map(|f| f.1)
            ],
        )?;
        Ok(())
    }

    /// The providers whose last sync failed, by name.
    pub fn failed_syncs(&self) -> Result<Vec<SyncFailure>> {
        let mut stmt = self.0.prepare(
            "SELECT name, last_sync_at, last_sync_code, last_sync_message FROM providers
             WHERE last_sync_code IS NOT NULL ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SyncFailure {
                provider: r.get(0)?,
                at: super::parse_time(&r.get::<_, String>(1)?, 1)?,
                code: r.get(2)?,
                message: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deletes a profile row.
    pub fn delete_provider(&self, name: &str) -> Result<bool> {
        Ok(self
            .0
            .execute("DELETE FROM providers WHERE name = ?1", [name])?
            > 0)
    }
}

/// A provider whose last sync failed.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncFailure {
    pub provider: String,
    #[cfg_attr(feature = "specta", specta(type = String))]
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub at: DateTime<Utc>,
    pub code: String,
    pub message: String,
}

fn from_row(name: String, config: String, created: String) -> Result<ProviderProfile> {
    let mut p: ProviderProfile = serde_json::from_str(&config).map_err(|e| {
        Error::Store(format!(
            "the settings of provider {name:?} are unreadable: {e}"
        ))
    })?;
    p.name = name;
    p.created_at = DateTime::parse_from_rfc3339(&created)
        .ok()
        .map(|t| t.with_timezone(&Utc));
    Ok(p)
}
