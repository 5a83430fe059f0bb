//! `keyshelf team …`, `share`, `unshare`: keys shared with a team through its OpenBao.

use crate::cli::{ShareArgs, TeamCommand, TeamPolicyCommand, UnshareArgs};
use crate::{input, output};
use keyshelf_core::team::{TeamAuth, TeamProfile};
use keyshelf_core::{Error, Keyshelf, Result};
use std::process::ExitCode;

pub fn run(shelf: &mut Keyshelf, c: TeamCommand, json: bool) -> Result<ExitCode> {
    match c {
        TeamCommand::Add(a) => {
            if !a.credential_stdin {
                return Err(Error::invalid(
                    "team add",
                    "pass --credential-stdin and pipe the team's OpenBao token on stdin",
                ));
            }
            let mut team = TeamProfile::new(
                &a.name,
                a.addr.iter().map(|s| s.trim().to_owned()).collect(),
            );
            team.mount = a.mount.trim_matches('/').to_owned();
            if let Some(p) = a.prefix {
                team.prefix = p.trim_matches('/').to_owned();
            }
            team.auth = a.auth.parse()?;
            if let Some(path) = &a.ca_cert {
                team.ca_cert = Some(std::fs::read_to_string(path).map_err(|e| Error::Io {
                    what: format!("reading the CA certificate {}", path.display()),
                    source: e,
                })?);
            }
            let what = match team.auth {
                TeamAuth::Token => "OpenBao token",
                TeamAuth::Userpass => "user:password",
                TeamAuth::Approle => "role_id:secret_id",
            };
            let token = input::read_secret(&format!("{what} for team {}: ", a.name))?;
            let t = shelf.add_team(team, token)?;
            if json {
                output::json(&t)?;
            } else {
                output::note(&format!(
                    "Added team {}; its credential is in the keychain as keyshelf team:{}. Shared keys live at {}/data/{}/keys/.",
                    t.name, t.name, t.mount, t.prefix
                ));
            }
        }
        TeamCommand::List => {
            let teams = shelf.teams()?;
            if json {
                output::json(&teams)?;
            } else {
                for t in teams {
                    println!(
                        "{}  {}  {}/{}",
                        t.name,
                        t.addrs.join(","),
                        t.mount,
                        t.prefix
                    );
                }
            }
        }
        TeamCommand::Test { name } => {
            let check = shelf.test_team(&name)?;
            if json {
                output::json(&check)?;
            } else {
                output::note(&format!(
                    "Team {}: OpenBao answers and accepts the token ({}); {} shared key(s).",
                    check.team, check.token, check.shared_keys
                ));
            }
        }
        TeamCommand::Sync { name } => {
            let r = shelf.sync_team(&name)?;
            if json {
                output::json(&r)?;
            } else {
                for k in &r.added {
                    println!("added    {k}");
                }
                for k in &r.updated {
                    println!("updated  {k}  (the replaced secret is kept as previous)");
                }
                for k in &r.gone {
                    println!("gone     {k}");
                }
                output::note(&format!(
                    "Team {}: {} added, {} updated, {} gone, {} unchanged.",
                    r.team,
                    r.added.len(),
                    r.updated.len(),
                    r.gone.len(),
                    r.unchanged
                ));
            }
        }
        TeamCommand::Policy(TeamPolicyCommand::Show { name }) => {
            let p = shelf.team_policy(&name)?;
            if json {
                output::json(&p)?;
            } else if p.intervals.is_empty() {
                output::note(&format!(
                    "Team {name} has no policy: each workstation's intervals apply."
                ));
            } else {
                for (env, days) in &p.intervals {
                    println!("{env}  {days} days");
                }
            }
        }
        TeamCommand::Policy(TeamPolicyCommand::Set { name, env, days }) => {
            let p = shelf.set_team_policy(&name, &env, days)?;
            if json {
                output::json(&p)?;
            } else {
                output::note(&format!(
                    "Team {name}: keys of {env} are rotated every {days} days; teammates apply it at their next sync."
                ));
            }
        }
        TeamCommand::Remove { name } => {
            shelf.remove_team(&name)?;
            if json {
                output::json(&serde_json::json!({ "removed": name }))?;
            } else {
                output::note(&format!(
                    "Removed team {name} and its token from the keychain; the keys it brought stay."
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn share(shelf: &mut Keyshelf, a: ShareArgs, json: bool) -> Result<ExitCode> {
    let s = shelf.share_key(&a.keyref, &a.team)?;
    if json {
        output::json(&s)?;
    } else {
        output::note(&format!(
            "Shared {} with team {} (version {}); teammates get it with `keyshelf team sync {}`.",
            s.key, s.team, s.version, s.team
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn unshare(shelf: &mut Keyshelf, a: UnshareArgs, json: bool) -> Result<ExitCode> {
    let key = shelf.resolve(&a.keyref)?;
    if !a.yes {
        input::confirm_by_typing(
            &key.name,
            &format!(
                "Unshare {} from team {}: teammates lose it at their next sync",
                key.full_ref(),
                a.team
            ),
        )?;
    }
    shelf.unshare_key(&a.keyref, &a.team)?;
    if json {
        output::json(&serde_json::json!({ "unshared": key.full_ref(), "team": a.team }))?;
    } else {
        output::note(&format!(
            "Unshared {} from team {}.",
            key.full_ref(),
            a.team
        ));
    }
    Ok(ExitCode::SUCCESS)
}
