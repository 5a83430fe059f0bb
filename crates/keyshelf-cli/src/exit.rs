//! Exit codes, part of the CLI's contract (documented in the README).

use keyshelf_core::Error;

/// Success.
pub const OK: u8 = 0;
/// An error not covered below.
pub const FAILURE: u8 = 1;
/// Bad usage or bad input: nothing was changed (clap also exits 2 for bad arguments).
pub const USAGE: u8 = 2;
/// `keyshelf due`: at least one key is overdue.
pub const OVERDUE: u8 = 3;
/// The key (or provider) named does not exist, or the name is ambiguous; or the key's rotation is
/// under way (or being carried on by another process) and the command must wait for it.
pub const NOT_FOUND: u8 = 4;
/// The OS keychain is unreachable or locked.
pub const KEYCHAIN: u8 = 5;
/// The provider refused or failed (network, auth, plan limit, server error).
pub const PROVIDER: u8 = 6;
/// `keyshelf remind`: no desktop notification server is reachable, or it refused the notification.
pub const NOTIFY: u8 = 7;

/// The exit code for an error, chosen by its stable code.
pub fn for_error(e: &Error) -> u8 {
    match e.code() {
        "invalid_input"
        | "invalid_name"
        | "unknown_environment"
        | "key_exists"
        | "provider_exists"
        | "team_exists"
        | "confirmation_required"
        | "key_not_linked"
        | "rotation_abort_unsafe"
        | "rotation_needs_new_key"
        // A bad profile file, or an operation the service's API does not have: nothing was
        // sent to the provider.
        | "provider_profile_invalid"
        | "provider_operation_unsupported" => USAGE,
        "key_not_found"
        | "ambiguous_key"
        | "provider_not_found"
        | "team_not_found"
        | "no_rotation"
        | "rotation_in_progress"
        | "rotation_busy"
        | "key_busy" => NOT_FOUND,
        "keychain_unavailable"
        | "keychain_locked"
        | "keychain_timeout"
        | "keychain_error"
        | "secret_missing"
        | "key_not_stored" => KEYCHAIN,
        "rotation_verify_failed" => PROVIDER,
        code if code.starts_with("provider_") || code.starts_with("team_") => PROVIDER,
        "notification_unavailable" | "notification_failed" => NOTIFY,
        _ => FAILURE,
    }
}
