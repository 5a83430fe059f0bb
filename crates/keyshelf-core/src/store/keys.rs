//! Keys: their metadata rows (never their values).

use super::{fmt_time, parse_opt_time, parse_time, text_in, Tx};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

/// Text enums stored as their kebab-case names: one definition of each value, read and written
/// through `ToSql`/`FromSql` so no statement spells them twice.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// As stored and shown.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                $name::parse(text).ok_or_else(|| {
                    FromSqlError::Other(format!("unknown {} {text:?}", stringify!($name)).into())
                })
            }
        }
    };
}

text_enum! {
    /// A key's stored status; what lists show is derived from it with `has_secret` and
    /// `remote_state` (`no-local-secret`, `gone`).
    KeyStatus {
        Active => "active",
        Inactive => "inactive",
        /// Created on the provider, but its secret never reached the keychain.
        Pending => "pending",
    }
}

text_enum! {
    /// Whether the provider still lists a key (`None` in the row: a local key).
    RemoteState {
        Present => "present",
        Gone => "gone",
    }
}

text_enum! {
    /// Where a key's value came from.
    Origin {
        Generated => "generated",
        Imported => "imported",
        Provider => "provider",
        Team => "team",
    }
}

impl Origin {
    /// The audit action that records it.
    pub fn action(self) -> &'static str {
        match self {
            Origin::Generated => "generate",
            Origin::Imported => "import",
            Origin::Provider => "create",
            Origin::Team => "team-receive",
        }
    }
}

/// A key's metadata, as stored. Never holds the secret.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyRecord {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub provider_key_id: Option<String>,
    pub env: String,
    /// The stored status; output shows the derived one.
    #[serde(skip)]
    pub status: KeyStatus,
    pub has_secret: bool,
    pub remote_state: Option<RemoteState>,
    pub user: Option<String>,
    pub var_name: Option<String>,
    pub origin: Origin,
    #[cfg_attr(feature = "specta", specta(type = String))]
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    #[serde(serialize_with = "crate::timestamp::serialize_opt")]
    pub last_rotated_at: Option<DateTime<Utc>>,
    /// The key's own interval, overriding its environment's.
    #[serde(rename = "interval_override_days")]
    pub interval_days: Option<u32>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    #[serde(serialize_with = "crate::timestamp::serialize_opt")]
    pub snoozed_until: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    #[serde(serialize_with = "crate::timestamp::serialize_opt")]
    pub last_copied_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub notes: String,
    /// The key's own due-soon window in days (a team policy's), overriding the workstation's.
    #[serde(rename = "due_soon_override_days")]
    pub due_soon_days: Option<u32>,
}

impl KeyRecord {
    /// `provider/name`, the key's full reference and the suffix of its keychain account.
    pub fn full_ref(&self) -> String {
        format!("{}/{}", self.provider, self.name)
    }

    /// Reads a row selected with [`KEY_COLUMNS`]. Columns are read by position: looking them up
    /// by name cost a third of `keyshelf list` on 10,000 keys (see BENCHMARKS.md).
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        // Dates and tags are read in place, not copied into a String first.
        let tags = text_in(row, 16)?;
        Ok(KeyRecord {
            id: row.get(0)?,
            provider: row.get(1)?,
            name: row.get(2)?,
            provider_key_id: row.get(3)?,
            env: row.get(4)?,
            status: row.get(5)?,
            has_secret: row.get(6)?,
            remote_state: row.get(7)?,
            user: row.get(8)?,
            var_name: row.get(9)?,
            origin: row.get(10)?,
            created_at: parse_time(text_in(row, 11)?, 11)?,
            last_rotated_at: parse_opt_time(row, 12)?,
            interval_days: row.get(13)?,
            snoozed_until: parse_opt_time(row, 14)?,
            last_copied_at: parse_opt_time(row, 15)?,
            // Tags are written by us as a JSON array; an unreadable value shows as no tags.
            tags: serde_json::from_str(tags).unwrap_or_default(),
            notes: row.get(17)?,
            due_soon_days: row.get(18)?,
        })
    }
}

/// What a new key row holds.
#[derive(Debug, Clone)]
pub struct NewKeyRecord {
    pub name: String,
    pub provider: String,
    pub provider_key_id: Option<String>,
    pub env: String,
    pub status: KeyStatus,
    pub has_secret: bool,
    pub remote_state: Option<RemoteState>,
    pub user: Option<String>,
    pub var_name: Option<String>,
    pub origin: Origin,
    pub created_at: DateTime<Utc>,
    pub last_rotated_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub notes: String,
}

/// What a key's due date is computed from, and nothing else: the start page reads this for
/// every key instead of a whole [`KeyRecord`] (a third of the time on 10,000 keys).
#[derive(Debug, Clone)]
pub struct Schedule {
    pub provider: String,
    pub name: String,
    pub env: String,
    pub created_at: DateTime<Utc>,
    pub last_rotated_at: Option<DateTime<Utc>>,
    /// The key's own interval, overriding its environment's.
    pub interval_days: Option<u32>,
    pub snoozed_until: Option<DateTime<Utc>>,
}

impl Schedule {
    /// `provider/name`.
    pub fn full_ref(&self) -> String {
        format!("{}/{}", self.provider, self.name)
    }
}

/// Which keys to list.
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    pub env: Option<String>,
    pub provider: Option<String>,
    pub name: Option<String>,
}

/// The columns [`KeyRecord::from_row`] reads, in the order it reads them.
const KEY_COLUMNS: &str = "id, provider, name, provider_key_id, env, status, has_secret, remote_state, user, var_name, origin, created_at, last_rotated_at, interval_days, snoozed_until, last_copied_at, tags, notes, due_soon_days";

impl Tx<'_> {
    /// Inserts a key; [`Error::KeyExists`] when `provider/name` is taken.
    pub fn insert_key(&self, k: &NewKeyRecord) -> Result<KeyRecord> {
        let id = self.insert_key_row(k)?;
        self.key_by_id(id)
    }

    /// Inserts a key and returns only its row id (see [`KeyInserter`] for many keys).
    pub fn insert_key_row(&self, k: &NewKeyRecord) -> Result<i64> {
        self.key_inserter()?.insert(k)
    }

    /// An insert statement compiled once for many keys (`sync` of 100,000 keys), which returns
    /// only each row's id: reading each row back would double the work.
    pub fn key_inserter(&self) -> Result<KeyInserter<'_>> {
        Ok(KeyInserter(self.0.prepare_cached(
            "INSERT INTO keys (provider, name, provider_key_id, env, status, has_secret, remote_state, user, var_name, origin, created_at, last_rotated_at, tags, notes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?))
    }

    /// One key by row id.
    pub fn key_by_id(&self, id: i64) -> Result<KeyRecord> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM keys WHERE id = ?1");
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row([id], KeyRecord::from_row)?)
    }

    /// Keys matching a filter, ordered by name then provider.
    pub fn keys(&self, filter: &KeyFilter) -> Result<Vec<KeyRecord>> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM keys
             WHERE (?1 IS NULL OR env = ?1) AND (?2 IS NULL OR provider = ?2) AND (?3 IS NULL OR name = ?3)
             ORDER BY name, provider"
        );
        let mut stmt = self.0.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![filter.env, filter.provider, filter.name],
            KeyRecord::from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every key's [`Schedule`], in no particular order.
    pub fn schedules(&self) -> Result<Vec<Schedule>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT provider, name, env, created_at, last_rotated_at, interval_days, snoozed_until FROM keys",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(Schedule {
                provider: row.get(0)?,
                name: row.get(1)?,
                env: row.get(2)?,
                created_at: parse_time(text_in(row, 3)?, 3)?,
                last_rotated_at: parse_opt_time(row, 4)?,
                interval_days: row.get(5)?,
                snoozed_until: parse_opt_time(row, 6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Keys that may be due soon or overdue at `now` with a due-soon window of `soon_days`: a
    /// superset (a day of slack, snoozes ignored) that the caller narrows with
    /// [`crate::policy::due`], as `keep` (called on each candidate, `None` to drop it). Filtering
    /// in SQL spares building a record for every key that is fine, which was most of `keyshelf
    /// due` on 100,000 keys (see BENCHMARKS.md); narrowing while reading spares a second copy of
    /// the candidates.
    pub fn due_candidates<T>(
        &self,
        now: DateTime<Utc>,
        soon_days: u32,
        mut keep: impl FnMut(KeyRecord) -> Option<T>,
    ) -> Result<Vec<T>> {
        // The interval: the key's own, else its environment's, else the strictest default (30),
        // as in `shelf::make_view`. A date SQLite cannot read is kept, so that reading it reports
        // it (one SQLite reads but Keyshelf does not, such as a bare `2026-01-01` written by hand,
        // is reported only when it makes the key a candidate).
        // The environments are joined once rather than looked up per key, and each date is
        // read once: `coalesce(…, TRUE)` keeps the rows whose date does not parse.
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM (
                 SELECT keys.*, e.interval_days AS env_interval_days
                 FROM keys LEFT JOIN environments e ON e.name = keys.env)
             WHERE coalesce(
                 julianday(coalesce(last_rotated_at, created_at))
                     + coalesce(interval_days, env_interval_days, 30)
                     - max(?2, coalesce(due_soon_days, 0)) - 1 <= julianday(?1),
                 TRUE)"
        );
        let mut stmt = self.0.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![fmt_time(now), soon_days])?;
        let mut kept = Vec::new();
        while let Some(row) = rows.next()? {
            kept.extend(keep(KeyRecord::from_row(row)?));
        }
        Ok(kept)
    }

    /// Deletes a key row.
    pub fn delete_key(&self, id: i64) -> Result<()> {
        self.0.execute("DELETE FROM keys WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Sets a key's per-key rotation interval (`None` returns to the environment's).
    pub fn set_key_interval(&self, id: i64, days: Option<u32>) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET interval_days = ?2 WHERE id = ?1",
            params![id, days],
        )?;
        Ok(())
    }

    /// Sets when a key was made (a team's key takes its sharer's date: its age, and so its
    /// reminder, is the same on every workstation).
    pub fn set_key_created(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET created_at = ?2 WHERE id = ?1",
            params![id, fmt_time(at)],
        )?;
        Ok(())
    }

    /// Sets a key's own due-soon window (a team policy's; `None` returns to the workstation's).
    pub fn set_key_due_soon(&self, id: i64, days: Option<u32>) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET due_soon_days = ?2 WHERE id = ?1",
            params![id, days],
        )?;
        Ok(())
    }

    /// Sets or clears a key's default environment variable name.
    pub fn set_var_name(&self, id: i64, var: Option<&str>) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET var_name = ?2 WHERE id = ?1",
            params![id, var],
        )?;
        Ok(())
    }

    /// Snoozes a key's reminder until a date (`None` clears it).
    pub fn set_snooze(&self, id: i64, until: Option<DateTime<Utc>>) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET snoozed_until = ?2 WHERE id = ?1",
            params![id, until.map(fmt_time)],
        )?;
        Ok(())
    }

    /// Records that a key's value was handed out (copy, get, exec…).
    pub fn touch_copied(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET last_copied_at = ?2 WHERE id = ?1",
            params![id, fmt_time(at)],
        )?;
        Ok(())
    }

    /// Makes a rotation's new secret the key's current one: its provider id (when it changed)
    /// and the start of its age.
    pub fn set_rotated(
        &self,
        id: i64,
        provider_key_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET provider_key_id = ?2, last_rotated_at = ?3, status = 'active', has_secret = 1 WHERE id = ?1",
            params![id, provider_key_id, fmt_time(at)],
        )?;
        Ok(())
    }

    /// Puts back what a rotation changed on a key (an aborted rotation).
    pub fn restore_rotated(
        &self,
        id: i64,
        provider_key_id: Option<&str>,
        last_rotated_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET provider_key_id = ?2, last_rotated_at = ?3 WHERE id = ?1",
            params![id, provider_key_id, last_rotated_at.map(fmt_time)],
        )?;
        Ok(())
    }

    /// Links a key to its key on the provider: its id there and its remote status.
    pub fn link_key(&self, id: i64, provider_key_id: &str, status: KeyStatus) -> Result<()> {
        self.0.execute(
            "UPDATE keys SET provider_key_id = ?2 WHERE id = ?1",
            params![id, provider_key_id],
        )?;
        self.set_remote_status(id, status)
    }

    /// Records a key's status on its provider, which lists it (a pending key stays pending: it
    /// has no secret yet, whatever its remote status).
    pub fn set_remote_status(&self, id: i64, status: KeyStatus) -> Result<()> {
        self.0
            .prepare_cached(
                "UPDATE keys SET status = CASE WHEN status = 'pending' THEN status ELSE ?2 END,
                                 remote_state = 'present' WHERE id = ?1",
            )?
            .execute(params![id, status])?;
        Ok(())
    }

    /// What a sync learnt of a key the provider lists: its status, and its user when Keyshelf
    /// had none.
    pub fn set_synced(&self, id: i64, status: KeyStatus, user: Option<&str>) -> Result<()> {
        self.0
            .prepare_cached(
                "UPDATE keys SET status = ?2, remote_state = 'present', user = COALESCE(user, ?3) WHERE id = ?1",
            )?
            .execute(params![id, status, user])?;
        Ok(())
    }

    /// Marks a key the provider no longer lists.
    pub fn mark_gone(&self, id: i64) -> Result<()> {
        self.0
            .prepare_cached("UPDATE keys SET remote_state = 'gone' WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// The key of `provider` whose provider id is `provider_key_id`, if any.
    pub fn key_by_remote_id(
        &self,
        provider: &str,
        provider_key_id: &str,
    ) -> Result<Option<KeyRecord>> {
        let sql =
            format!("SELECT {KEY_COLUMNS} FROM keys WHERE provider = ?1 AND provider_key_id = ?2");
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row(params![provider, provider_key_id], KeyRecord::from_row)
            .optional()?)
    }

    /// Number of keys.
    pub fn key_count(&self) -> Result<u64> {
        Ok(self
            .0
            .query_row("SELECT count(*) FROM keys", [], |r| r.get(0))?)
    }
}

/// Inserts keys with one compiled statement, for the life of a transaction ([`Tx::key_inserter`]).
pub struct KeyInserter<'t>(rusqlite::CachedStatement<'t>);

impl KeyInserter<'_> {
    /// Inserts a key and returns its row id; [`Error::KeyExists`] when its name is taken.
    pub fn insert(&mut self, k: &NewKeyRecord) -> Result<i64> {
        // Most keys have no tags: no JSON encoder for an empty list.
        let tags = if k.tags.is_empty() {
            std::borrow::Cow::Borrowed("[]")
        } else {
            std::borrow::Cow::Owned(
                serde_json::to_string(&k.tags).map_err(|e| Error::Store(e.to_string()))?,
            )
        };
        let res = self.0.insert(params![
            k.provider,
            k.name,
            k.provider_key_id,
            k.env,
            k.status,
            k.has_secret,
            k.remote_state,
            k.user,
            k.var_name,
            k.origin,
            fmt_time(k.created_at),
            k.last_rotated_at.map(fmt_time),
            tags,
            k.notes
        ]);
        match res {
            Ok(id) => Ok(id),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(Error::KeyExists(format!("{}/{}", k.provider, k.name)))
            }
            Err(e) => Err(e.into()),
        }
    }
}
