//! The commands the web view calls: thin wrappers over `keyshelf_core::Keyshelf`, one file per
//! area, as the CLI's `commands/` and the UI's `screens/`:
//! - [`keys`]: the key list and a key's detail, reveal, copy, generate, import, link, remove;
//! - [`providers`]: providers and their keys' management API (sync, create, verify, delete,
//!   export, usage);
//! - [`rotation`]: the guided rotation;
//! - [`overview`]: the start page and importing a `.env` file;
//! - [`settings`]: environments, clipboard delay, colours, start at login;
//! - [`reminders`]: the reminder checks the app runs.
//!
//! Keys are addressed by their full reference `provider/name`, which is always unique. Every
//! command runs its core call on a blocking thread (see [`crate::state::Shelf::run`]), returns
//! the core's own result type (the shape `--json` prints) and holds no rule of its own.

pub mod keys;
pub mod overview;
pub mod providers;
pub mod reminders;
pub mod rotation;
pub mod settings;
pub mod teams;

/// Every command, for Tauri's invoke handler and for the generated TypeScript bindings
/// (`ui/src/lib/bindings.ts`, see [`crate::bindings`]); build.rs lists the same names to
/// generate permissions.
pub fn builder() -> tauri_specta::Builder<tauri::Wry> {
    use self::{
        keys::*, overview::*, providers::*, reminders::*, rotation::*, settings::*, teams::*,
    };
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        list_keys,
        key_detail,
        reveal_secret,
        copy_secret,
        remove_key,
        set_key_interval,
        generate_key,
        import_key,
        suggest_name,
        link_key,
        import_listed_secret,
        overview,
        choose_env_file,
        preview_env_file,
        import_env_file,
        settings,
        set_environment,
        remove_environment,
        set_due_soon_days,
        set_clipboard_clear_secs,
        set_theme,
        autostart_enabled,
        set_autostart,
        rotation_status,
        rotate_key,
        abort_rotation,
        roll_key,
        list_providers,
        add_provider,
        update_provider,
        remove_provider,
        test_provider,
        provider_presets,
        profile_summary,
        list_teams,
        add_team,
        remove_team,
        sync_team,
        share_key,
        unshare_key,
        key_teams,
        team_keys,
        sync_provider,
        create_provider_key,
        verify_key,
        set_key_active,
        delete_provider_key,
        export_provider_csv,
        usage_report,
        reminder_status,
        set_remind_interval,
        check_reminders_now,
        take_pending_view,
    ])
}
