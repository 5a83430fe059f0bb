//! The OpenBao client: KV v2 reads, check-and-set writes, lists and deletes over HTTP, with the
//! team's token in `X-Vault-Token`. A request that cannot connect is sent to the team's next
//! address (any node of a Raft cluster forwards to the active one); an answer is never retried
//! elsewhere, so a write is applied at most once.
//!
//! API: https://openbao.org/api-docs/secret/kv/kv-v2/ and https://openbao.org/api-docs/system/health/.

use super::{error, TeamErrorKind as K, TeamProfile};
use crate::provider::profile::{check_base_url, percent_encode_segment};
use crate::{Error, Result, Secret};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

/// Bodies larger than this are refused (a KV entry of one key is a few kB).
const MAX_BODY: usize = 4 << 20;

pub struct BaoClient<'a> {
    team: &'a TeamProfile,
    token: Secret,
    http: reqwest::blocking::Client,
}

/// One answer: its status and its JSON (Null when empty).
struct Answer {
    status: u16,
    body: Value,
    addr: String,
}

impl<'a> BaoClient<'a> {
    /// A client for `team` with `token`; every address must pass the HTTPS rule.
    pub fn new(team: &'a TeamProfile, token: Secret) -> Result<Self> {
        if team.addrs.is_empty() {
            return Err(Error::invalid(
                "--addr",
                "give at least one OpenBao address",
            ));
        }
        for a in &team.addrs {
            check_base_url(a)?;
        }
        let mut builder = reqwest::blocking::Client::builder();
        if let Some(pem) = &team.ca_cert {
            let cert = reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| {
                Error::invalid(
                    "--ca-cert",
                    format!("not a PEM certificate: {}", root_cause(&e)),
                )
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| error(K::Unreachable, format!("team {}: {e}", team.name)))?;
        Ok(BaoClient { team, token, http })
    }

    /// Sends to the first address that connects.
    fn send(&self, method: Method, api_path: &str, body: Option<&Value>) -> Result<Answer> {
        let mut last = String::new();
        for addr in &self.team.addrs {
            let url = format!("{}/v1/{api_path}", addr.trim_end_matches('/'));
            let mut req = self
                .http
                .request(method.clone(), &url)
                .header("X-Vault-Request", "true");
            // No token before a login (health, the login itself).
            if !self.token.is_empty() {
                req = req.header("X-Vault-Token", self.token.expose());
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            match req.send() {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let bytes = resp.bytes().map_err(|e| {
                        error(
                            K::BadResponse,
                            format!("team {}: {addr}: {e}", self.team.name),
                        )
                    })?;
                    if bytes.len() > MAX_BODY {
                        return Err(error(
                            K::BadResponse,
                            format!("team {}: {addr} answered more than 4 MB", self.team.name),
                        ));
                    }
                    let body = if bytes.is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                    };
                    return Ok(Answer {
                        status,
                        body,
                        addr: addr.clone(),
                    });
                }
                // Not connected: nothing was applied, the next address may answer.
                Err(e) if e.is_connect() || e.is_timeout() && !e.is_body() => {
                    last = format!("{addr}: {}", root_cause(&e));
                }
                Err(e) => {
                    return Err(error(
                        K::Unreachable,
                        format!("team {}: {addr}: {}", self.team.name, root_cause(&e)),
                    ))
                }
            }
        }
        let hint = if last.contains("certificate") {
            " — its TLS certificate is not trusted here: for a private CA, add the team again with --ca-cert FILE".to_owned()
        } else {
            format!(
                "; check that OpenBao is running and `keyshelf team test {}`",
                self.team.name
            )
        };
        Err(error(
            K::Unreachable,
            format!(
                "team {}: no OpenBao address answered (last: {last}){hint}",
                self.team.name
            ),
        ))
    }

    /// The error for an answer that is not a success, in the team's words.
    fn refusal(&self, what: &str, a: &Answer) -> Error {
        let said = a.body["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        let said = said.replace(self.token.expose(), "[token]");
        let team = &self.team.name;
        let (kind, advice) = match a.status {
            503 if said.contains("sealed") => (K::Sealed, "OpenBao is sealed: an operator must unseal it (`bao operator unseal`)".to_owned()),
            403 if said.contains("permission denied") => (K::Forbidden, format!("the team's token is not allowed to do this (a reader cannot share or rotate; see the keyshelf-reader and keyshelf-rotator policies), or it expired: `keyshelf team add {team}` again with a valid token")),
            401 | 403 => (K::Unauthorized, format!("the team's token was refused: `keyshelf team add {team}` again with a valid token")),
            400 if said.contains("check-and-set") => (K::Conflict, "someone wrote it first; `keyshelf team sync` brings their version".to_owned()),
            404 => (K::NotFound, "nothing is there".to_owned()),
            // A cluster electing a new active node answers 5xx for a few seconds.
            500 | 502 | 503 | 504 => (K::Unreachable, "OpenBao has no active node right now (a cluster electing a new leader, or starting up); try again in a few seconds".to_owned()),
            _ => (K::BadResponse, "an answer Keyshelf did not expect".to_owned()),
        };
        error(
            kind,
            format!(
                "team {team}: {what}: OpenBao at {} answered {}{}: {advice}",
                a.addr,
                a.status,
                if said.is_empty() {
                    String::new()
                } else {
                    format!(" ({said})")
                }
            ),
        )
    }

    fn data_path(&self, path: &str) -> String {
        format!("{}/data/{}", self.team.mount, encode_path(path))
    }

    /// Logs in with `credential` (`user:password` or `role_id:secret_id`) at the auth method of
    /// `auth`; the token and how many seconds it lives. This client's own token is not sent.
    pub fn login(&self, auth: super::TeamAuth, credential: &Secret) -> Result<(Secret, u64)> {
        if auth == super::TeamAuth::Token {
            return Ok((credential.clone(), u64::MAX));
        }
        let (first, second) = credential.expose().split_once(':').ok_or_else(|| {
            Error::invalid(
                "credential",
                match auth {
                    super::TeamAuth::Approle => "AppRole needs `role_id:secret_id` on stdin",
                    _ => "userpass needs `user:password` on stdin",
                },
            )
        })?;
        let (path, body) = if auth == super::TeamAuth::Userpass {
            (
                format!("auth/userpass/login/{}", percent_encode_segment(first)),
                json!({ "password": second }),
            )
        } else {
            (
                "auth/approle/login".to_owned(),
                json!({ "role_id": first, "secret_id": second }),
            )
        };
        let a = self.send(Method::POST, &path, Some(&body))?;
        let scrub = |e: Error| match e {
            Error::Team { kind, message } => Error::Team {
                kind,
                message: message.replace(second, "[redacted]"),
            },
            other => other,
        };
        if !(200..300).contains(&a.status) {
            // A refused login is the credential, not the policy.
            let e = self.refusal("logging in", &a);
            return Err(scrub(match e {
                Error::Team { message, .. } if a.status == 400 || a.status == 403 => Error::Team {
                    kind: K::Unauthorized,
                    message: format!(
                        "{message}. Check the team's {} credential",
                        match auth {
                            super::TeamAuth::Approle => "AppRole",
                            _ => "userpass",
                        }
                    ),
                },
                other => other,
            }));
        }
        let token = a.body["auth"]["client_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| scrub(self.refusal("logging in", &a)))?;
        let ttl = a.body["auth"]["lease_duration"].as_u64().unwrap_or(0);
        Ok((
            Secret::new(token.to_owned()),
            if ttl == 0 { u64::MAX } else { ttl },
        ))
    }

    /// Renews this client's token (`auth/token/renew-self`): how many seconds it lives from
    /// now, or `None` for a token that cannot be renewed (a root token, one made
    /// `-renewable=false`), which serves as it is until it ends.
    pub fn renew_self(&self) -> Result<Option<u64>> {
        let a = self.send(Method::POST, "auth/token/renew-self", Some(&json!({})))?;
        // "lease is not renewable" from a dev server, "invalid lease ID" from a cluster's root
        // token: either way, nothing to renew.
        if a.status == 400 {
            return Ok(None);
        }
        if !(200..300).contains(&a.status) {
            return Err(self.refusal("renewing the team's token", &a));
        }
        let ttl = a.body["auth"]["lease_duration"].as_u64().unwrap_or(0);
        let renewable = a.body["auth"]["renewable"].as_bool().unwrap_or(false);
        Ok((ttl > 0 && renewable).then_some(ttl))
    }

    /// The server answers and is unsealed (`sys/health`).
    pub fn health(&self) -> Result<()> {
        let a = self.send(
            Method::GET,
            "sys/health?standbyok=true&perfstandbyok=true",
            None,
        )?;
        if a.body["sealed"] == json!(true) {
            return Err(error(
                K::Sealed,
                format!(
                    "team {}: OpenBao at {} is sealed: an operator must unseal it (`bao operator unseal`)",
                    self.team.name, a.addr
                ),
            ));
        }
        if !(200..300).contains(&a.status) && a.status != 429 && a.status != 473 {
            return Err(self.refusal("health", &a));
        }
        Ok(())
    }

    /// The token is accepted (`auth/token/lookup-self`): its display name.
    pub fn whoami(&self) -> Result<String> {
        let a = self.send(Method::GET, "auth/token/lookup-self", None)?;
        if !(200..300).contains(&a.status) {
            return Err(self.refusal("checking the token", &a));
        }
        Ok(a.body["data"]["display_name"]
            .as_str()
            .unwrap_or("token")
            .to_owned())
    }

    /// The latest version of `path`: its data and version number, `None` when absent or deleted.
    pub fn read(&self, path: &str) -> Result<Option<(Value, u64)>> {
        self.read_at(path, None)
    }

    /// Version `version` of `path`: its data, `None` when there is no such version or it was
    /// deleted.
    pub fn read_version(&self, path: &str, version: u64) -> Result<Option<Value>> {
        Ok(self.read_at(path, Some(version))?.map(|(data, _)| data))
    }

    /// `version` of `path` (the latest for `None`) with its version number.
    fn read_at(&self, path: &str, version: Option<u64>) -> Result<Option<(Value, u64)>> {
        let mut api = self.data_path(path);
        if let Some(v) = version {
            api.push_str(&format!("?version={v}"));
        }
        let a = self.send(Method::GET, &api, None)?;
        match a.status {
            404 => Ok(None),
            200 => {
                let data = a.body["data"]["data"].clone();
                let version = a.body["data"]["metadata"]["version"]
                    .as_u64()
                    .ok_or_else(|| self.refusal(&format!("reading {path}"), &a))?;
                Ok((!data.is_null()).then_some((data, version)))
            }
            _ => Err(self.refusal(&format!("reading {path}"), &a)),
        }
    }

    /// Writes `data` at `path`; `cas`: 0 to create only, N to replace version N only. Returns
    /// the new version.
    pub fn write(&self, path: &str, data: &Value, cas: Option<u64>) -> Result<u64> {
        let mut body = json!({ "data": data });
        if let Some(c) = cas {
            body["options"] = json!({ "cas": c });
        }
        let a = self.send(Method::POST, &self.data_path(path), Some(&body))?;
        if !(200..300).contains(&a.status) {
            return Err(self.refusal(&format!("writing {path}"), &a));
        }
        a.body["data"]["version"]
            .as_u64()
            .ok_or_else(|| self.refusal(&format!("writing {path}"), &a))
    }

    /// The entries under folder `path` (`name` or `folder/`), every page of them; empty when
    /// there is none.
    pub fn list(&self, path: &str) -> Result<Vec<String>> {
        let api = format!("{}/metadata/{}", self.team.mount, encode_path(path));
        let method = Method::from_bytes(b"LIST").expect("a method name");
        let (mut all, mut seen): (Vec<String>, _) = (Vec::new(), HashSet::new());
        loop {
            let mut page = format!("{api}?limit={LIST_PAGE}");
            if let Some(last) = all.last() {
                page.push_str(&format!("&after={}", percent_encode_segment(last)));
            }
            let a = self.send(method.clone(), &page, None)?;
            let keys = match a.status {
                // Nothing there, or nothing after the last entry.
                404 => Vec::new(),
                200 => a.body["data"]["keys"]
                    .as_array()
                    .map(|k| {
                        k.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => return Err(self.refusal(&format!("listing {path}"), &a)),
            };
            if !take_page(&mut all, &mut seen, keys) {
                return Ok(all);
            }
        }
    }

    /// Deletes `path` with all its versions.
    pub fn delete_all(&self, path: &str) -> Result<()> {
        let api = format!("{}/metadata/{}", self.team.mount, encode_path(path));
        let a = self.send(Method::DELETE, &api, None)?;
        if (200..300).contains(&a.status) || a.status == 404 {
            Ok(())
        } else {
            Err(self.refusal(&format!("deleting {path}"), &a))
        }
    }
}

/// Entries one LIST asks for. OpenBao pages its lists (`limit`, and `after` the last entry
/// held); a server that does not page answers the whole list, which [`take_page`] takes as the
/// last page.
const LIST_PAGE: usize = 250;

/// Adds a LIST page's entries not held yet (a server that ignores `after` repeats itself; the
/// server's order is not assumed) and says whether another page may follow: only after a full
/// page that brought something new.
fn take_page(all: &mut Vec<String>, seen: &mut HashSet<String>, page: Vec<String>) -> bool {
    // Longer than asked: a server that does not page answered everything.
    let full = page.len() == LIST_PAGE;
    let held = all.len();
    for k in page {
        if seen.insert(k.clone()) {
            all.push(k);
        }
    }
    full && all.len() > held
}

/// Each segment of a KV path percent-encoded (names come from users and teammates).
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.is_empty() {
                String::new()
            } else {
                percent_encode_segment(s)
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|i| format!("k{i:05}")).collect()
    }

    #[test]
    fn a_list_goes_on_after_each_full_page_and_stops_at_a_short_one() {
        let (mut all, mut seen) = (Vec::new(), HashSet::new());
        assert!(take_page(&mut all, &mut seen, names(0..LIST_PAGE)));
        assert!(take_page(
            &mut all,
            &mut seen,
            names(LIST_PAGE..2 * LIST_PAGE)
        ));
        assert!(!take_page(
            &mut all,
            &mut seen,
            names(2 * LIST_PAGE..2 * LIST_PAGE + 3)
        ));
        assert_eq!(all, names(0..2 * LIST_PAGE + 3));
        let (mut none, mut seen) = (Vec::new(), HashSet::new());
        assert!(
            !take_page(&mut none, &mut seen, Vec::new()),
            "an empty folder"
        );
        assert!(none.is_empty());
    }

    #[test]
    fn a_server_that_ignores_after_cannot_make_a_list_repeat_or_loop() {
        // Vault answers the whole list whatever the query: longer than a page, it is the last.
        let (mut all, mut seen) = (Vec::new(), HashSet::new());
        assert!(!take_page(&mut all, &mut seen, names(0..LIST_PAGE + 10)));
        assert_eq!(all.len(), LIST_PAGE + 10);
        // Exactly a page long: the repeat that follows brings nothing new and ends the list.
        let (mut all, mut seen) = (Vec::new(), HashSet::new());
        assert!(take_page(&mut all, &mut seen, names(0..LIST_PAGE)));
        assert!(!take_page(&mut all, &mut seen, names(0..LIST_PAGE)));
        assert_eq!(all, names(0..LIST_PAGE));
    }
}
