//! Teams sharing keys through OpenBao: connect, list, sync, remove; share and unshare a key.

use crate::error::CmdResult;
use crate::state::Shelf;
use keyshelf_core::actions::team_sync::TeamSyncReport;
use keyshelf_core::actions::teams::{Shared, TeamKey, TeamSummary};
use keyshelf_core::team::{TeamAuth, TeamProfile};
use keyshelf_core::Secret;
use serde::Deserialize;
use tauri::State;

/// A team as the form gives it (the credential travels apart, once).
#[derive(Debug, Deserialize, specta::Type)]
pub struct TeamInput {
    pub name: String,
    /// Addresses, comma-separated, tried in order.
    pub addrs: String,
    pub auth: TeamAuth,
    /// Empty: `secret`.
    pub mount: String,
    /// Empty: `keyshelf/<name>`.
    pub prefix: String,
    /// A private CA's certificate (PEM text), if any.
    pub ca_cert: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn list_teams(shelf: State<'_, Shelf>) -> CmdResult<Vec<TeamSummary>> {
    shelf.run(|s| Ok(s.team_summaries()?)).await
}

/// Connects a team; the credential (a token, `user:password` or `role_id:secret_id`) arrives
/// once from the form's password field and goes to the keychain.
#[tauri::command]
#[specta::specta]
pub async fn add_team(
    shelf: State<'_, Shelf>,
    team: TeamInput,
    credential: String,
) -> CmdResult<TeamProfile> {
    let credential = Secret::new(credential);
    shelf
        .run(move |s| {
            let name = team.name.trim();
            let addrs = team
                .addrs
                .split(',')
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect();
            let mut p = TeamProfile::new(name, addrs);
            p.auth = team.auth;
            if !team.mount.trim().is_empty() {
                p.mount = team.mount.trim().trim_matches('/').to_owned();
            }
            if !team.prefix.trim().is_empty() {
                p.prefix = team.prefix.trim().trim_matches('/').to_owned();
            }
            p.ca_cert = team.ca_cert.filter(|c| !c.trim().is_empty());
            Ok(s.add_team(p, credential)?)
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_team(shelf: State<'_, Shelf>, name: String) -> CmdResult<()> {
    shelf.run(move |s| Ok(s.remove_team(&name)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn sync_team(shelf: State<'_, Shelf>, name: String) -> CmdResult<TeamSyncReport> {
    shelf.run(move |s| Ok(s.sync_team(&name)?)).await
}

/// Shares a key with a team (its secret goes from the keychain to OpenBao in the shell).
#[tauri::command]
#[specta::specta]
pub async fn share_key(shelf: State<'_, Shelf>, keyref: String, team: String) -> CmdResult<Shared> {
    shelf.run(move |s| Ok(s.share_key(&keyref, &team)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn unshare_key(shelf: State<'_, Shelf>, keyref: String, team: String) -> CmdResult<()> {
    shelf.run(move |s| Ok(s.unshare_key(&keyref, &team)?)).await
}

/// The keys shared with a team that this workstation holds: version, who rotated last.
#[tauri::command]
#[specta::specta]
pub async fn team_keys(shelf: State<'_, Shelf>, name: String) -> CmdResult<Vec<TeamKey>> {
    shelf.run(move |s| Ok(s.team_keys(&name)?)).await
}

/// The teams a key is shared with.
#[tauri::command]
#[specta::specta]
pub async fn key_teams(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<Vec<String>> {
    shelf.run(move |s| Ok(s.key_teams(&keyref)?)).await
}
