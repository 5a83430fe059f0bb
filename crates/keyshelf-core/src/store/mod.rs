//! The metadata store: SQLite at `$KEYSHELF_HOME/keyshelf.db`, and the only place with SQL.
//!
//! It holds keys (never their values), environments, providers (never their tokens), settings and
//! the audit log. WAL mode and a busy timeout let the desktop app and the CLI use one store at
//! once; every multi-step write runs in an `IMMEDIATE` transaction so two processes cannot
//! interleave a read-check-write. Schema changes are numbered migrations tracked in
//! `PRAGMA user_version`.
//!
//! This file opens the store and runs transactions; the statements live beside the tables they
//! touch: [`keys`], [`settings`] (environments and settings), [`audit`], [`rotations`] (the
//! guided rotation's compare-and-set steps), [`claims`] (a key held by a process acting on it on
//! its provider), [`providers`] and [`reminders`].

pub mod audit;
pub mod claims;
pub mod keys;
pub mod providers;
pub mod reminders;
pub mod rotations;
pub mod settings;
pub mod teams;

pub use audit::AuditEvent;
pub use keys::{KeyFilter, KeyRecord, KeyStatus, NewKeyRecord, Origin, RemoteState, Schedule};

use crate::policy::DEFAULT_ENVIRONMENTS;
use crate::{Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::types::{Type, ValueRef};
use rusqlite::{params, Connection, Row, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// The migrations, in order; `user_version` is the number applied.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE environments (
        name          TEXT PRIMARY KEY,
        interval_days INTEGER NOT NULL CHECK (interval_days > 0)
    );
    CREATE TABLE providers (
        name       TEXT PRIMARY KEY,
        config     TEXT NOT NULL,          -- JSON, never a token
        created_at TEXT NOT NULL
    );
    CREATE TABLE keys (
        id              INTEGER PRIMARY KEY,
        provider        TEXT NOT NULL,     -- 'local' for keys of no provider
        name            TEXT NOT NULL,
        provider_key_id TEXT,
        env             TEXT NOT NULL,
        status          TEXT NOT NULL,     -- active | inactive | pending
        has_secret      INTEGER NOT NULL DEFAULT 1,
        remote_state    TEXT,              -- NULL (local), 'present', 'gone'
        user            TEXT,
        var_name        TEXT,
        origin          TEXT NOT NULL,     -- generated | imported | provider
        created_at      TEXT NOT NULL,
        last_rotated_at TEXT,
        interval_days   INTEGER,           -- per-key override of the environment's
        snoozed_until   TEXT,
        last_copied_at  TEXT,
        tags            TEXT NOT NULL DEFAULT '[]',
        notes           TEXT NOT NULL DEFAULT '',
        UNIQUE (provider, name)
    );
    CREATE INDEX keys_by_name ON keys (name);
    CREATE INDEX keys_by_provider_id ON keys (provider, provider_key_id);
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        key_ref TEXT,                      -- provider/name, kept after the key is gone
        action  TEXT NOT NULL,
        detail  TEXT NOT NULL DEFAULT ''   -- never a secret value
    );
    CREATE INDEX audit_by_key ON audit (key_ref, id);
    CREATE TABLE settings (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    "#,
    // 2: guided rotations (see rotation.rs); one unfinished rotation per key.
    r#"
    CREATE TABLE rotations (
        id                  INTEGER PRIMARY KEY,
        key_id              INTEGER NOT NULL,
        key_ref             TEXT NOT NULL,
        step                TEXT NOT NULL,
        remote_name         TEXT,
        old_key_id          TEXT,
        new_key_id          TEXT,
        old_last_rotated_at TEXT,
        grace_days          INTEGER NOT NULL,
        started_at          TEXT NOT NULL,
        updated_at          TEXT NOT NULL,
        deactivated_at      TEXT,
        last_error          TEXT
    );
    CREATE UNIQUE INDEX rotations_one_per_key ON rotations (key_id) WHERE step NOT IN ('done', 'aborted');
    "#,
    // 3: rotation reminders, the last announcement of each due key (see reminders.rs).
    r#"
    CREATE TABLE reminders (
        key_id       INTEGER PRIMARY KEY REFERENCES keys (id) ON DELETE CASCADE,
        state        TEXT NOT NULL,        -- due-soon | overdue, as announced
        announced_at TEXT NOT NULL
    );
    "#,
    // 4: rotations that say what they did and who runs them (see store/rotations.rs): how the
    // rotation goes (`mode`, NULL for rows of older versions: decided on their next run), what
    // became of the old key, the notes of skipped steps, and the claim of the process running it.
    r#"
    ALTER TABLE rotations ADD COLUMN mode TEXT;
    ALTER TABLE rotations ADD COLUMN old_key TEXT NOT NULL DEFAULT 'untouched';
    ALTER TABLE rotations ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE rotations ADD COLUMN owner TEXT;
    ALTER TABLE rotations ADD COLUMN claimed_at TEXT;
    "#,
    // 5: claims of keys by a process acting on them on the provider (delete, activate,
    // deactivate), so a rotation cannot start under them (see store/claims.rs).
    r#"
    CREATE TABLE key_claims (
        key_id     INTEGER PRIMARY KEY,
        owner      TEXT NOT NULL,
        action     TEXT NOT NULL,
        claimed_at TEXT NOT NULL
    );
    "#,
    // 6: how each provider's last sync went, for the overview (see store/providers.rs): when,
    // and the error's code and message when it failed (both NULL when it worked).
    r#"
    ALTER TABLE providers ADD COLUMN last_sync_at TEXT;
    ALTER TABLE providers ADD COLUMN last_sync_code TEXT;
    ALTER TABLE providers ADD COLUMN last_sync_message TEXT;
    "#,
    // 7: teams (OpenBao mounts shared by a team; the token lives in the keychain) and which keys
    // are shared with which team, at which version of the shared entry.
    r#"
    CREATE TABLE teams (
        name       TEXT PRIMARY KEY,
        config     TEXT NOT NULL,          -- JSON: addresses, mount, prefix; never a token
        created_at TEXT NOT NULL,
        last_sync_at TEXT
    );
    CREATE TABLE team_shares (
        team      TEXT NOT NULL REFERENCES teams(name) ON DELETE CASCADE,
        key_id    INTEGER NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
        version   INTEGER NOT NULL,        -- the shared entry's version this key holds
        shared_by TEXT NOT NULL,
        PRIMARY KEY (team, key_id)
    );
    "#,
    // 8: a team policy's due-soon window on the team's keys (NULL: the workstation's); how each
    // team's last sync went (a summary when it worked, the error's code and message when it
    // failed), for the Teams screen; until when a teammate's replaced secret is kept. The
    // column keys.origin may now also hold 'team' (a key a team sync brought).
    r#"
    ALTER TABLE keys ADD COLUMN due_soon_days INTEGER;
    ALTER TABLE teams ADD COLUMN last_sync_summary TEXT;
    ALTER TABLE teams ADD COLUMN last_sync_code TEXT;
    ALTER TABLE teams ADD COLUMN last_sync_message TEXT;
    -- Until when the secret a teammate's rotation replaced stays here as #previous.
    ALTER TABLE team_shares ADD COLUMN previous_until TEXT;
    "#,
];

/// Formats a timestamp the way the store keeps it (RFC 3339, UTC, seconds; sorts as text).
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_time(text: &str, column: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e)))
}

fn parse_opt_time(row: &Row<'_>, column: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    text_at(row, column)?
        .map(|t| parse_time(t, column))
        .transpose()
}

/// A text column read in place, without copying it into a String (`None` for NULL), failing as
/// `Row::get` would.
fn text_at<'r>(row: &'r Row<'_>, column: usize) -> rusqlite::Result<Option<&'r str>> {
    match row.get_ref(column)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e))
        }),
        other => Err(wrong_type(row, column, other.data_type())),
    }
}

/// [`text_at`] for a column that must not be NULL.
fn text_in<'r>(row: &'r Row<'_>, column: usize) -> rusqlite::Result<&'r str> {
    text_at(row, column)?.ok_or_else(|| wrong_type(row, column, Type::Null))
}

fn wrong_type(row: &Row<'_>, column: usize, found: Type) -> rusqlite::Error {
    let name = row
        .as_ref()
        .column_name(column)
        .map_or_else(|_| column.to_string(), str::to_owned);
    rusqlite::Error::InvalidColumnType(column, name, found)
}

/// The open store.
pub struct Store {
    conn: Connection,
}

/// The size of write-ahead log a closing store folds back into the database (see `Drop`).
const WAL_TRUNCATE_BYTES: u64 = 256 * 1024;

impl Drop for Store {
    /// Checkpointing on close is off (see `init`), and SQLite's automatic checkpoint never lets a
    /// WAL start over when the store is opened by one process at a time (every CLI call while the
    /// desktop app is closed): such a process rebuilds the WAL's index from every frame, which
    /// resets what the index knew was already checkpointed. So the WAL only grew, two pages per
    /// `get`, and every call read and checksummed all of it: 2.6 ms more per `get` at 4 MB
    /// (BENCHMARKS.md, 2026-12-07). A store closing with more than 256 kB of WAL now folds it into
    /// the database and truncates it (two fsyncs, once in about 30 calls). It waits at most
    /// 50 ms for a reader such as the desktop app, and otherwise leaves it to the next process.
    fn drop(&mut self) {
        let Some(wal) = self.conn.path().map(|p| format!("{p}-wal")) else {
            return;
        };
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_TRUNCATE_BYTES) {
            let _ = self.conn.busy_timeout(Duration::from_millis(50));
            let done = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    r.get::<_, i64>(0)
                });
            tracing::debug!(
                ?done,
                "store: WAL checkpointed on close (0 = done, 1 = busy)"
            );
        }
    }
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)
            .map_err(|e| Error::Store(format!("cannot open {}: {e}", path.display())))?;
        Self::init(conn)
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(10))?;
        // WAL lets a reader (the desktop list) and a writer (a CLI import) work at once.
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        // Every commit is on disk when `write` returns (the WAL is fsynced): a rotation step or
        // an import must survive a power cut right after it, since the keychain and the provider
        // have already changed. `record` relaxes this for the audit of a read (see there).
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Every CLI call opens the store and most write an audit event. Checkpointing on close
        // would make each of them fsync the database and delete and re-create the WAL (four
        // fsyncs and two unlinks for a `keyshelf get`); SQLite's automatic checkpoint (every
        // 1,000 pages) keeps the WAL bounded instead, as on any long-lived connection.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        // The common case, an up-to-date schema, needs no write lock: every CLI call opens the
        // store, and a lock here would make `keyshelf get` wait behind the desktop's writes.
        let current: usize = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current == MIGRATIONS.len() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: usize = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if applied > MIGRATIONS.len() {
            return Err(Error::Store(format!(
                "the database has schema version {applied}, newer than this Keyshelf ({}); update Keyshelf",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            if i == 0 {
                for (name, days) in DEFAULT_ENVIRONMENTS {
                    tx.execute(
                        "INSERT INTO environments (name, interval_days) VALUES (?1, ?2)",
                        params![name, days],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` in an `IMMEDIATE` transaction: committed when `f` succeeds, rolled back when not.
    ///
    /// Callers use this to put a keychain write between a check and the row it guards, so the
    /// keychain and the store change together or not at all.
    pub fn write<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&Tx(&tx))?;
        tx.commit()?;
        Ok(out)
    }

    /// [`Store::write`] without the fsync at commit, for what records a read (the audit event
    /// and "last copied" time of a `get`, `copy` or `exec`), so handing out a secret costs no disk
    /// flush. The commit reaches the disk with the kernel's writeback, seconds later; a power cut
    /// before that rolls it back whole (the WAL's checksums never let a torn commit count), and
    /// nothing about a key's secret or state depends on it.
    pub fn record<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let out = self.write(f);
        // Back to full durability whatever happened, before anything else can write.
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        let out = out?;
        restored?;
        Ok(out)
    }

    /// SQLite's own check of the database file: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Read access outside a write transaction.
    pub fn read(&self) -> Tx<'_> {
        Tx(&self.conn)
    }
}

/// Queries and updates, inside a transaction or on the plain connection.
pub struct Tx<'c>(&'c Connection);

#[cfg(test)]
mod tests {
    use super::*;

    fn new_key(name: &str) -> NewKeyRecord {
        NewKeyRecord {
            name: name.into(),
            provider: "local".into(),
            provider_key_id: None,
            env: "dev".into(),
            status: KeyStatus::Active,
            has_secret: true,
            remote_state: None,
            user: None,
            var_name: None,
            origin: Origin::Generated,
            created_at: Utc::now(),
            last_rotated_at: None,
            tags: vec!["ci".into()],
            notes: String::new(),
        }
    }

    fn synchronous(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn writes_are_flushed_at_commit_and_only_the_record_of_a_read_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("keyshelf.db")).unwrap();
        const FULL: i64 = 2;
        const NORMAL: i64 = 1;
        assert_eq!(synchronous(&s.conn), FULL);
        s.write(|tx| {
            assert_eq!(synchronous(tx.0), FULL);
            tx.insert_key(&new_key("a"))
        })
        .unwrap();
        s.record(|tx| {
            assert_eq!(synchronous(tx.0), NORMAL);
            tx.audit(Some("local/a"), "get", "")
        })
        .unwrap();
        assert_eq!(synchronous(&s.conn), FULL);
        // A record that fails restores full durability too, and leaves nothing behind.
        let failed = s.record(|tx| {
            tx.audit(Some("local/a"), "copy", "")?;
            Err::<(), _>(Error::Store("refused".into()))
        });
        assert!(failed.is_err());
        assert_eq!(synchronous(&s.conn), FULL);
        let actions: Vec<String> = s
            .read()
            .audit_events(None, 10)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, ["get"]);
    }

    #[test]
    fn a_date_of_the_wrong_type_is_an_error_that_names_its_column() {
        let mut s = Store::open_in_memory().unwrap();
        s.write(|tx| tx.insert_key(&new_key("a"))).unwrap();
        s.conn
            .execute(
                "UPDATE keys SET created_at = x'05', last_copied_at = 'yesterday'",
                [],
            )
            .unwrap();
        let e = s.read().keys(&KeyFilter::default()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("created_at") && text.contains("Blob"),
            "{text}"
        );
        s.conn
            .execute("UPDATE keys SET created_at = '2026-01-01T00:00:00Z'", [])
            .unwrap();
        let e = s.read().keys(&KeyFilter::default()).unwrap_err();
        assert!(e.to_string().contains("15"), "{e}"); // last_copied_at, column 15
    }

    #[test]
    fn a_new_store_has_the_default_environments() {
        let s = Store::open_in_memory().unwrap();
        let envs = s.read().environments().unwrap();
        let got: Vec<(&str, u32)> = envs
            .iter()
            .map(|e| (e.name.as_str(), e.interval_days))
            .collect();
        assert_eq!(got, vec![("dev", 30), ("prod", 90), ("staging", 60)]);
    }

    #[test]
    fn keys_round_trip_and_names_are_unique_per_provider() {
        let mut s = Store::open_in_memory().unwrap();
        let k = s.write(|tx| tx.insert_key(&new_key("a"))).unwrap();
        assert_eq!(k.name, "a");
        assert_eq!(k.tags, vec!["ci".to_string()]);
        let dup = s.write(|tx| tx.insert_key(&new_key("a"))).unwrap_err();
        assert_eq!(dup.code(), "key_exists");
        let other = NewKeyRecord {
            provider: "acme".into(),
            ..new_key("a")
        };
        s.write(|tx| tx.insert_key(&other)).unwrap();
        let all = s
            .read()
            .keys(&KeyFilter {
                name: Some("a".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn a_failed_write_closure_rolls_back() {
        let mut s = Store::open_in_memory().unwrap();
        let err = s
            .write(|tx| {
                tx.insert_key(&new_key("a"))?;
                Err::<(), _>(Error::invalid("x", "y"))
            })
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert_eq!(s.read().key_count().unwrap(), 0);
    }

    #[test]
    fn reopening_a_store_keeps_data_and_does_not_migrate_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        {
            let mut s = Store::open(&path).unwrap();
            s.write(|tx| tx.insert_key(&new_key("a"))).unwrap();
        }
        // No checkpoint on close: the row is still in the WAL, where the next open finds it.
        assert!(dir.path().join("k.db-wal").exists());
        let s = Store::open(&path).unwrap();
        assert_eq!(s.read().key_count().unwrap(), 1);
        assert_eq!(s.read().environments().unwrap().len(), 3);
    }

    #[test]
    fn the_wal_stays_small_when_each_process_opens_the_store_alone() {
        // One process per call, as the CLI runs: each opens the store, records a read, closes.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let wal = dir.path().join("k.db-wal");
        let mut largest = 0;
        for _ in 0..300 {
            let mut s = Store::open(&path).unwrap();
            s.record(|tx| tx.audit(Some("local/a"), "get", "")).unwrap();
            drop(s);
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        }
        // 300 reads append ~2.4 MB of WAL when nothing folds it back.
        assert!(
            largest <= WAL_TRUNCATE_BYTES + 16 * 1024,
            "the WAL grew to {largest} bytes"
        );
        let s = Store::open(&path).unwrap();
        assert_eq!(s.read().audit_events(None, 1000).unwrap().len(), 300);
    }

    #[test]
    fn a_newer_schema_is_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = Store::open(&path).err().unwrap();
        assert!(err.to_string().contains("update Keyshelf"));
    }

    #[test]
    fn environments_in_use_cannot_be_removed() {
        let mut s = Store::open_in_memory().unwrap();
        s.write(|tx| tx.insert_key(&new_key("a"))).unwrap();
        assert!(s.read().remove_environment("dev").is_err());
        assert!(s.read().remove_environment("prod").unwrap());
    }

    #[test]
    fn audit_is_newest_first_and_filtered_by_key() {
        let s = Store::open_in_memory().unwrap();
        s.read().audit(Some("local/a"), "create", "").unwrap();
        s.read().audit(Some("local/b"), "get", "").unwrap();
        s.read().audit(Some("local/a"), "get", "stdout").unwrap();
        let ev = s.read().audit_events(Some("local/a"), 10).unwrap();
        assert_eq!(
            ev.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            vec!["get", "create"]
        );
    }
}
