//! The app's clipboard: one long-lived `keyshelf_core::clipboard::SecretClipboard`.
//!
//! On X11 a clipboard's content lives only as long as its owner, so the app keeps the handle for
//! its whole life (opened on the first copy, as the window may start before a display is usable).
//! The core clears each copy after the delay unless something else was copied meanwhile.

use crate::error::CmdResult;
use keyshelf_core::clipboard::SecretClipboard;
use std::sync::{Arc, Mutex};

#[derive(Default, Clone)]
pub struct Clipboard(Arc<Mutex<Option<Arc<SecretClipboard>>>>);

impl Clipboard {
    /// The handle, opened on first use.
    pub fn handle(&self) -> CmdResult<Arc<SecretClipboard>> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = guard.as_ref() {
            return Ok(Arc::clone(h));
        }
        let h = Arc::new(SecretClipboard::open()?);
        *guard = Some(Arc::clone(&h));
        Ok(h)
    }

    /// On quit: clears the clipboard if it still holds what the app copied.
    pub fn clear_on_quit(&self) {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = guard.as_ref() {
            if let Err(e) = h.clear_if_ours() {
                eprintln!("keyshelf-desktop: could not clear the clipboard on quit: {e}");
            }
        }
    }
}
