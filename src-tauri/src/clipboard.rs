//! Copying a secret to the system clipboard, in Rust so the value never enters the web view.
//!
//! On X11 a clipboard's content lives only as long as its owner, so the app keeps one handle for
//! its whole life. A copied secret is cleared after [`CLEAR_AFTER_SECS`] unless something else
//! was copied meanwhile.

use crate::error::{CmdResult, CommandError};
use keyshelf_core::Secret;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a copied secret stays on the clipboard.
pub const CLEAR_AFTER_SECS: u64 = 30;

/// The app's clipboard handle, opened on first use.
#[derive(Default, Clone)]
pub struct Clipboard(Arc<Mutex<Option<arboard::Clipboard>>>);

impl Clipboard {
    /// Puts `secret` on the clipboard and schedules its clearing.
    pub fn copy_secret(&self, secret: Secret) -> CmdResult<u64> {
        self.with(|c| c.set_text(secret.expose().to_owned()))?;
        let me = self.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(CLEAR_AFTER_SECS));
            // Only clear our own value: the user may have copied something else since.
            let _ = me.with(|c| {
                if c.get_text().ok().as_deref() == Some(secret.expose()) {
                    c.clear()
                } else {
                    Ok(())
                }
            });
        });
        Ok(CLEAR_AFTER_SECS)
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut arboard::Clipboard) -> Result<T, arboard::Error>,
    ) -> CmdResult<T> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(arboard::Clipboard::new().map_err(clipboard_error)?);
        }
        match guard.as_mut() {
            Some(c) => f(c).map_err(clipboard_error),
            None => Err(CommandError::new("clipboard", "the clipboard is not available")),
        }
    }
}

fn clipboard_error(e: arboard::Error) -> CommandError {
    CommandError::new(
        "clipboard",
        format!("the system clipboard is not available ({e}); is a display running?"),
    )
}
