//! `keyshelf team …`, `share`, `unshare`: keys shared with a team through its OpenBao.

use crate::cli::{ShareArgs, TeamCommand, TeamPolicyCommand, UnshareArgs};
use crate::{input, output};
use keyshelf_core::team::{PolicyChange, TeamAuth, TeamProfile};
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
            let teams = shelf.team_summaries()?;
            if json {
                output::json(&teams)?;
            } else {
                for t in teams {
                    let sync = match &t.last_sync {
                        None => "never synced".to_owned(),
                        Some(s) => match (&s.summary, &s.error_message) {
                            (_, Some(e)) => format!("last sync {} failed: {e}", s.at),
                            (Some(sum), None) => format!("last sync {}: {sum}", s.at),
                            (None, None) => format!("last sync {}", s.at),
                        },
                    };
                    println!(
                        "{}  {}  {}/{}  {} key(s)  {sync}",
                        t.team.name,
                        t.team.addrs.join(","),
                        t.team.mount,
                        t.team.prefix,
                        t.shared_keys
                    );
                }
            }
        }
        TeamCommand::Keys { name } => {
            let keys = shelf.team_keys(&name)?;
            if json {
                output::json(&keys)?;
            } else if keys.is_empty() {
                output::note(&format!(
                    "No key of team {name} is here; `keyshelf team sync {name}` brings them."
                ));
            } else {
                for k in keys {
                    println!("{}  {}  v{}  {}", k.key, k.env, k.version, k.rotated_by);
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
                for k in &r.previous_removed {
                    println!("retired  {k}  (its previous secret: the grace period is over)");
                }
                for k in &r.skipped {
                    println!("skipped  {}  ({})", k.key, k.reason);
                }
                output::note(&format!("Team {}: {}.", r.team, r.summary()));
            }
        }
        TeamCommand::Policy(TeamPolicyCommand::Show { name }) => {
            let p = shelf.team_policy(&name)?;
            if json {
                output::json(&p)?;
            } else if p.is_empty() {
                output::note(&format!(
                    "Team {name} has no policy: each workstation's intervals apply."
                ));
            } else {
                for (env, days) in &p.intervals {
                    println!("{env}  {days} days");
                }
                if let Some(days) = p.due_soon_days {
                    println!("due-soon  {days} days before");
                }
                if let Some(pattern) = &p.naming {
                    println!("naming  {pattern}");
                }
            }
        }
        TeamCommand::Policy(TeamPolicyCommand::Set(a)) => {
            let (change, said) = match (a.env, a.days, a.due_soon, a.naming, a.no_naming) {
                (Some(env), Some(days), None, None, false) => (
                    PolicyChange::Interval {
                        env: env.clone(),
                        days,
                    },
                    format!("keys of {env} are rotated every {days} days"),
                ),
                (None, None, Some(days), None, false) => (
                    PolicyChange::DueSoon(days),
                    format!("keys are due soon {days} days before their due date"),
                ),
                (None, None, None, Some(p), false) => (
                    PolicyChange::Naming(Some(p.clone())),
                    format!("keys are shared only under names following {p:?}"),
                ),
                (None, None, None, None, true) => (
                    PolicyChange::Naming(None),
                    "keys are shared under any name".to_owned(),
                ),
                _ => {
                    return Err(Error::invalid(
                        "team policy set",
                        "one change at a time: TEAM ENV DAYS, --due-soon DAYS, --naming PATTERN or --no-naming",
                    ))
                }
            };
            let p = shelf.set_team_policy(&a.name, change)?;
            if json {
                output::json(&p)?;
            } else {
                output::note(&format!(
                    "Team {}: {said}; teammates apply it at their next sync.",
                    a.name
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
