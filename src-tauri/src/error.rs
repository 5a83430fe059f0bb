//! How errors cross to the web view: `{code, message}`, the core's stable code and its message.

use serde::Serialize;

/// An error as the UI receives it. Never carries a secret: core messages never hold values.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl CommandError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        CommandError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<keyshelf_core::Error> for CommandError {
    fn from(e: keyshelf_core::Error) -> Self {
        CommandError::new(e.code(), e.to_string())
    }
}

/// What every command returns.
pub type CmdResult<T> = Result<T, CommandError>;
