//! Generates one permission per command (`allow-<command>`), so the capability file in
//! `capabilities/` can allow exactly the commands the UI calls and nothing else.

/// Every command the shell exposes; must match `commands::handler()`.
const COMMANDS: &[&str] = &[
    "list_keys",
    "key_detail",
    "reveal_secret",
    "copy_secret",
    "remove_key",
    "set_key_interval",
    "generate_key",
    "import_key",
    "suggest_name",
    "settings",
    "set_environment",
    "remove_environment",
    "set_due_soon_days",
    "set_clipboard_clear_secs",
    "rotation_status",
    "rotate_key",
    "abort_rotation",
    "roll_key",
    "link_key",
    "import_listed_secret",
    "overview",
    "choose_env_file",
    "preview_env_file",
    "import_env_file",
    "set_theme",
    "list_providers",
    "add_provider",
    "provider_presets",
    "profile_summary",
    "list_teams",
    "add_team",
    "remove_team",
    "sync_team",
    "share_key",
    "unshare_key",
    "key_teams",
    "team_keys",
    "update_provider",
    "remove_provider",
    "test_provider",
    "sync_provider",
    "create_provider_key",
    "verify_key",
    "set_key_active",
    "delete_provider_key",
    "export_provider_csv",
    "usage_report",
    "reminder_status",
    "set_remind_interval",
    "check_reminders_now",
    "take_pending_view",
    "autostart_enabled",
    "set_autostart",
];

// The commit for the About line in Settings (shared with the CLI's build script).
include!("../crates/keyshelf-cli/git_commit.rs");

fn main() {
    emit_git_commit();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
