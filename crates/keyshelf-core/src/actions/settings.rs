//! Everything the Settings screen and `keyshelf policy list` show, in one read.

use crate::policy::Environment;
use crate::preferences::Theme;
use crate::{Keyshelf, Result};
use serde::Serialize;

/// Environments and their intervals, the due-soon window, the clipboard delay and the app's
/// preferences.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub environments: Vec<Environment>,
    pub due_soon_days: u32,
    pub clipboard_clear_secs: u32,
    pub remind_interval_minutes: u32,
    pub theme: Theme,
}

impl Keyshelf {
    pub fn settings(&self) -> Result<Settings> {
        Ok(Settings {
            environments: self.environments()?,
            due_soon_days: self.due_soon_days()?,
            clipboard_clear_secs: self.clipboard_clear_secs()?,
            remind_interval_minutes: self.remind_interval_minutes(),
            theme: self.theme(),
        })
    }
}
