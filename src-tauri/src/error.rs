//! How errors cross to the web view: `{code, message}`, the core's stable code and its message.

use serde::Serialize;

/// An error as the UI receives it. Never carries a secret: core messages never hold values.
#[derive(Debug, Serialize, specta::Type)]
pub struct CommandError {
    pub code: String,
    pub message: String,
    /// The provider's request id, when its answer carried one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl CommandError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        CommandError {
            code: code.into(),
            message: message.into(),
            request_id: None,
        }
    }
}

impl From<keyshelf_core::Error> for CommandError {
    fn from(e: keyshelf_core::Error) -> Self {
        CommandError {
            code: e.code().to_owned(),
            request_id: e.request_id().map(str::to_owned),
            message: e.to_string(),
        }
    }
}

/// What every command returns.
pub type CmdResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;
    use keyshelf_core::provider::errors::from_status;

    #[test]
    fn the_request_id_travels_as_a_field_of_the_error() {
        let body = br#"{"error":{"code":"expired_api_key","message":"The key has been deactivated","request_id":"req_42"}}"#;
        let e: CommandError =
            keyshelf_core::Error::from(from_status("GET /api-routes-data", 401, body, false))
                .into();
        assert_eq!(e.code, "provider_unauthorized");
        assert_eq!(e.request_id.as_deref(), Some("req_42"));
        assert!(!e.message.contains("req_42"), "{}", e.message);
        assert_eq!(CommandError::new("io_error", "disk full").request_id, None);
    }
}
