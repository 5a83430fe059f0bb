//! Reminders: the last announcement of each due key (see `crate::reminders`).

use super::{fmt_time, Tx};
use crate::policy::DueState;
use crate::reminders::Announced;
use crate::Result;
use chrono::{DateTime, Utc};
use rusqlite::params;
use std::collections::HashMap;

impl Tx<'_> {
    /// The stored announcements, by key id. A row that cannot be read (a state this version does not
    /// know) counts as never announced: at worst a key is announced once more.
    pub fn announcements(&self) -> Result<HashMap<i64, Announced>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT key_id, state, announced_at FROM reminders")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, state, at) = row?;
            let state = match state.as_str() {
                "due-soon" => DueState::DueSoon,
                "overdue" => DueState::Overdue,
                _ => continue,
            };
            let Ok(at) = DateTime::parse_from_rfc3339(&at) else {
                continue;
            };
            out.insert(
                id,
                Announced {
                    state,
                    at: at.with_timezone(&Utc),
                },
            );
        }
        Ok(out)
    }

    /// Records that `key_id` was announced in `state` at `at`.
    pub fn record_announcement(
        &self,
        key_id: i64,
        state: DueState,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.0.execute(
            "INSERT INTO reminders (key_id, state, announced_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key_id) DO UPDATE SET state = excluded.state, announced_at = excluded.announced_at",
            params![key_id, state.as_str(), fmt_time(at)],
        )?;
        Ok(())
    }

    /// Forgets the announcement of a key no longer due, so its next due state is news.
    pub fn forget_announcement(&self, key_id: i64) -> Result<()> {
        self.0
            .execute("DELETE FROM reminders WHERE key_id = ?1", [key_id])?;
        Ok(())
    }
}
