//! The app's managed state: the open [`Keyshelf`] and the clipboard handle.

use crate::error::{CmdResult, CommandError};
use keyshelf_core::Keyshelf;
use std::sync::{Arc, Mutex, MutexGuard};

/// The open Keyshelf, shared by the commands. Commands take the lock on a blocking thread
/// (`tauri::async_runtime::spawn_blocking`) so keychain and disk waits never block the window.
#[derive(Clone)]
pub struct Shelf(Arc<Mutex<Keyshelf>>);

impl Shelf {
    pub fn new(shelf: Keyshelf) -> Self {
        Shelf(Arc::new(Mutex::new(shelf)))
    }

    /// Locks the shelf. A poisoned lock means a command panicked half-way; the store's own
    /// transactions keep the data consistent, so carrying on is safe.
    pub fn lock(&self) -> MutexGuard<'_, Keyshelf> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a blocking thread with the shelf locked.
    pub async fn run<T, F>(&self, f: F) -> CmdResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Keyshelf) -> CmdResult<T> + Send + 'static,
    {
        let me = self.clone();
        tauri::async_runtime::spawn_blocking(move || f(&mut me.lock()))
            .await
            .map_err(|e| CommandError::new("internal", format!("the operation stopped: {e}")))?
    }
}
