//! Environments (with their rotation intervals) and settings.

use super::Tx;
use crate::policy::Environment;
use crate::{Error, Result};
use rusqlite::{params, OptionalExtension};

impl Tx<'_> {
    /// All environments, by name.
    pub fn environments(&self) -> Result<Vec<Environment>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT name, interval_days FROM environments ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(Environment {
                name: r.get(0)?,
                interval_days: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One environment.
    pub fn environment(&self, name: &str) -> Result<Option<Environment>> {
        Ok(self
            .0
            .query_row(
                "SELECT name, interval_days FROM environments WHERE name = ?1",
                [name],
                |r| {
                    Ok(Environment {
                        name: r.get(0)?,
                        interval_days: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Creates or updates an environment.
    pub fn set_environment(&self, env: &Environment) -> Result<()> {
        self.0.execute(
            "INSERT INTO environments (name, interval_days) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET interval_days = excluded.interval_days",
            params![env.name, env.interval_days],
        )?;
        Ok(())
    }

    /// Removes an environment; refused while keys use it.
    pub fn remove_environment(&self, name: &str) -> Result<bool> {
        let used: i64 =
            self.0
                .query_row("SELECT count(*) FROM keys WHERE env = ?1", [name], |r| {
                    r.get(0)
                })?;
        if used > 0 {
            return Err(Error::invalid(
                format!("environment {name:?}"),
                format!("{used} key(s) still use it; move or remove them first"),
            ));
        }
        Ok(self
            .0
            .execute("DELETE FROM environments WHERE name = ?1", [name])?
            > 0)
    }

    /// A setting's value.
    pub fn setting(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a setting.
    pub fn set_setting(&self, name: &str, value: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }
}
