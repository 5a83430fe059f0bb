//! How errors cross to the web view: `{code, message}`, the core's stable code and its message.

use serde::Serialize;

/// An error as the UI receives it. Never carries a secret: core messages never hold values.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
    /// The provider's request id, when its answer carried one (also in `message`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl CommandError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        CommandError {
            code: code.into(),
            request_id: request_id(&message),
            message,
        }
    }
}

impl From<keyshelf_core::Error> for CommandError {
    fn from(e: keyshelf_core::Error) -> Self {
        CommandError::new(e.code(), e.to_string())
    }
}

/// The request id the core puts in provider messages as `(request id ID)`.
fn request_id(message: &str) -> Option<String> {
    let start = message.find("(request id ")? + "(request id ".len();
    let len = message[start..].find(')')?;
    Some(message[start..start + len].to_owned()).filter(|id| !id.is_empty())
}

/// What every command returns.
pub type CmdResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_id_is_taken_from_provider_messages() {
        let e = CommandError::new(
            "provider_unauthorized",
            "GET /api-routes-data answered 401: The key has been deactivated (request id req_42)",
        );
        assert_eq!(e.request_id.as_deref(), Some("req_42"));
        assert_eq!(CommandError::new("io_error", "disk full").request_id, None);
    }
}
