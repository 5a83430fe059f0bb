//! Reading and checking a profile file: every problem is collected and reported together, each
//! with the line it is on (`my-provider.toml:14: operations.roll.path: …`), so a user fixes a
//! profile in one pass.

use super::format::{AuthKind, BodyFormat, OpSpec, Pagination, ProfileFile, RollSemantics};
use super::template::{self, Placeholder};
use crate::{Error, Result};
use std::collections::BTreeSet;

/// Parses and checks a profile; `source` names it in errors (a file name or `preset gitlab`).
pub fn parse(source: &str, text: &str) -> Result<ProfileFile> {
    let file: ProfileFile = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!(":{}", line_at(text, s.start)))
            .unwrap_or_default();
        Error::ProfileInvalid {
            origin: source.to_owned(),
            problems: vec![format!("{source}{at}: {}", e.message().trim())],
        }
    })?;
    let mut c = Checker {
        text,
        source,
        problems: Vec::new(),
    };
    c.check(&file);
    if c.problems.is_empty() {
        Ok(file)
    } else {
        Err(Error::ProfileInvalid {
            origin: source.to_owned(),
            problems: c.problems,
        })
    }
}

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of the dotted key `path` (or of its nearest parent that is written out), found by
/// following table headers and keys; `None` when it is nowhere (a missing field).
fn line_of(text: &str, path: &[&str]) -> Option<usize> {
    for len in (1..=path.len()).rev() {
        let (table, key) = path[..len].split_at(len - 1);
        let mut current: Vec<String> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if let Some(h) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
                current = h
                    .trim_start_matches('[')
                    .split('.')
                    .map(|p| p.trim().trim_matches('"').to_owned())
                    .collect();
                if current == path[..len] {
                    return Some(i + 1);
                }
                continue;
            }
            let Some((k, _)) = line.split_once('=') else {
                continue;
            };
            if current == table && k.trim().trim_matches('"') == key[0] {
                return Some(i + 1);
            }
        }
    }
    None
}

struct Checker<'a> {
    text: &'a str,
    source: &'a str,
    problems: Vec<String>,
}

const OPS: [&str; 9] = [
    "list",
    "get",
    "create",
    "set_status",
    "delete",
    "roll",
    "verify",
    "usage",
    "export",
];

impl Checker<'_> {
    fn problem(&mut self, path: &str, why: impl std::fmt::Display) {
        let parts: Vec<&str> = path.split('.').collect();
        let at = line_of(self.text, &parts)
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        self.problems
            .push(format!("{}{at}: {path}: {why}", self.source));
    }

    fn check(&mut self, f: &ProfileFile) {
        if f.format != 1 {
            self.problem(
                "format",
                format!("{} is not a known format; use 1", f.format),
            );
        }
        match (&f.provider.base_url, f.provider.base_url_required) {
            (None, false) => self.problem(
                "provider.base_url",
                "give the service's base URL, or base_url_required = true",
            ),
            (Some(url), _) if !url.contains('{') => {
                if let Err(e) = super::check_base_url(url) {
                    self.problem("provider.base_url", e);
                }
            }
            _ => {}
        }
        if f.provider.timeout_secs.is_some_and(|t| t == 0 || t > 300) {
            self.problem("provider.timeout_secs", "use 1 to 300 seconds");
        }
        for (name, v) in &f.vars {
            if let Some(p) = &v.pattern {
                if let Err(e) = regex::Regex::new(p) {
                    self.problem(
                        &format!("vars.{name}.pattern"),
                        format!("not a regular expression ({e})"),
                    );
                }
            }
        }
        self.check_auth(f);
        self.check_item(f);
        self.check_presentation(f);
        let ops = [
            &f.operations.list,
            &f.operations.get,
            &f.operations.create,
            &f.operations.set_status,
            &f.operations.delete,
            &f.operations.roll,
            &f.operations.verify,
            &f.operations.usage,
            &f.operations.export,
        ];
        for (name, op) in OPS.iter().zip(ops) {
            // A roll of semantics "none" is no request: Keyshelf creates, then retires.
            let request =
                |o: &&OpSpec| o.is_supported() && o.semantics != Some(RollSemantics::None);
            if let Some(op) = op.as_ref().filter(request) {
                self.check_op(f, name, op);
            }
        }
        if !f.operations.list.as_ref().is_some_and(OpSpec::is_supported) {
            self.problem(
                "operations.list",
                "every profile needs a list operation (sync and adopt read it)",
            );
        }
        if let Some(roll) = f.operations.roll.as_ref().filter(|o| o.is_supported()) {
            self.check_roll(f, roll);
        }
    }

    fn check_auth(&mut self, f: &ProfileFile) {
        let a = &f.auth;
        match a.kind {
            AuthKind::Bearer => {}
            AuthKind::Headers if a.headers.is_empty() => self.problem(
                "auth.headers",
                "kind = \"headers\" needs at least one header",
            ),
            AuthKind::Basic if a.user.is_none() || a.password.is_none() => {
                self.problem("auth", "kind = \"basic\" needs user and password templates")
            }
            AuthKind::Oauth2 => self.check_oauth2(a),
            AuthKind::Query if a.query.is_empty() => self.problem(
                "auth.query",
                "kind = \"query\" needs at least one parameter, e.g. query = { access_token = \"{credential}\" }",
            ),
            _ => {}
        }
        if a.kind != AuthKind::Query && !a.query.is_empty() {
            self.problem("auth.query", "goes with kind = \"query\" only");
        }
        if a.kind != AuthKind::Oauth2 && a.token_path.is_some() {
            self.problem("auth.token_path", "goes with kind = \"oauth2\" only");
        }
        let parts: BTreeSet<&str> = a.parts.iter().map(String::as_str).collect();
        if parts.len() != a.parts.len() {
            self.problem("auth.parts", "a part is named twice");
        }
        let mut templates: Vec<(String, &String)> = a
            .headers
            .iter()
            .map(|(k, v)| (format!("auth.headers.{k}"), v))
            .collect();
        templates.extend(a.query.iter().map(|(k, v)| (format!("auth.query.{k}"), v)));
        templates.extend(a.user.iter().map(|u| ("auth.user".to_owned(), u)));
        templates.extend(a.password.iter().map(|p| ("auth.password".to_owned(), p)));
        for (path, t) in templates {
            self.check_template(f, &path, t, &Allowed::credential(&a.parts));
        }
    }

    /// OAuth2 client credentials: a token endpoint, the two parts of the credential, and
    /// nothing else, since the credential goes only to the token endpoint.
    fn check_oauth2(&mut self, a: &super::format::AuthSpec) {
        match a.token_path.as_deref() {
            None => self.problem(
                "auth",
                "kind = \"oauth2\" needs the token endpoint's path, e.g. token_path = \"/oauth/token\"",
            ),
            Some(p) if !p.starts_with('/') => {
                self.problem("auth.token_path", format!("{p:?}: give a path starting with `/`"))
            }
            Some(_) => {}
        }
        if !a.headers.is_empty() || !a.query.is_empty() || a.user.is_some() || a.password.is_some()
        {
            self.problem(
                "auth",
                "kind = \"oauth2\" sends the access token as Authorization: Bearer; the client credentials go only to the token endpoint, so remove headers, query, user and password",
            );
        }
        if !a.parts.is_empty() && a.parts.len() != 2 {
            self.problem(
                "auth.parts",
                "kind = \"oauth2\" takes two parts, the client id and the client secret",
            );
        }
    }

    fn check_item(&mut self, f: &ProfileFile) {
        let i = &f.item;
        self.check_pointers("item.id", i.id.all());
        for (path, p) in [("item.name", &i.name), ("item.user", &i.user)] {
            if let Some(p) = p {
                self.check_pointers(path, p.all());
            }
        }
        for (path, t) in [
            ("item.created", &i.created),
            ("item.expires", &i.expires),
            ("item.last_used", &i.last_used),
        ] {
            if let Some(t) = t {
                self.check_pointers(path, t.at.all());
            }
        }
        if let Some(s) = &i.status {
            self.check_pointers("item.status.at", s.at.all());
            for k in s.set.keys() {
                if k != "active" && k != "inactive" {
                    self.problem(
                        "item.status.set",
                        format!("{k:?} is not active or inactive"),
                    );
                }
            }
        }
    }

    fn check_presentation(&mut self, f: &ProfileFile) {
        let p = &f.presentation;
        if let Some(s) = &p.scheme {
            if s.parse::<crate::provider::KeyScheme>().is_err() {
                self.problem("presentation.scheme", format!("{s:?} is not one of Keyshelf's schemes (apikey, basic, basic-url, query, bearer, x-api-key, x-api-key-username)"));
            }
            if !p.headers.is_empty() || p.basic.is_some() {
                self.problem(
                    "presentation",
                    "give either scheme or headers/basic templates, not both",
                );
            }
        } else if p.headers.is_empty() && p.basic.is_none() {
            self.problem("presentation", "say how the service takes a key: scheme = \"bearer\", or headers = { NAME = \"{secret}\" }");
        }
        let allowed = Allowed::presentation();
        for (k, t) in &p.headers {
            self.check_template(f, &format!("presentation.headers.{k}"), t, &allowed);
        }
        if let Some(b) = &p.basic {
            self.check_template(f, "presentation.basic.user", &b.user, &allowed);
            self.check_template(f, "presentation.basic.password", &b.password, &allowed);
        }
        for (k, t) in &p.env {
            self.check_template(f, &format!("presentation.env.{k}"), t, &allowed);
        }
    }

    fn check_op(&mut self, f: &ProfileFile, name: &str, op: &OpSpec) {
        let at = |field: &str| format!("operations.{name}.{field}");
        let method = op.method.as_deref().unwrap_or("GET");
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method) {
            self.problem(
                &at("method"),
                format!("{method:?} is not GET, POST, PUT, PATCH or DELETE"),
            );
        }
        match op.path.as_deref() {
            None => self.problem(&at("path"), "missing"),
            Some(p) if !p.starts_with('/') || p.contains(['?', '#']) => self.problem(
                &at("path"),
                format!("{p:?}: give a path starting with `/`, without query or fragment"),
            ),
            Some(_) => {}
        }
        let allowed = Allowed::operation(f, name, op);
        if let Some(p) = &op.path {
            self.check_template(f, &at("path"), p, &allowed);
        }
        if let Some(b) = &op.base_url {
            self.check_template(f, &at("base_url"), b, &Allowed::vars_only());
            if !b.starts_with("https://") && !b.starts_with('{') {
                self.problem(
                    &at("base_url"),
                    format!("{b:?}: give an https:// URL (or a variable holding one)"),
                );
            }
        }
        if op.body_format == BodyFormat::Form {
            let nested = op.body.as_ref().is_some_and(|b| {
                b.values()
                    .any(|v| matches!(v, toml::Value::Table(_) | toml::Value::Array(_)))
            });
            if nested {
                self.problem(
                    &at("body"),
                    "a form body is one level of fields; put structured values in a parameter of type json",
                );
            }
        }
        for (k, t) in &op.query {
            self.check_template(f, &at(&format!("query.{k}")), t, &allowed);
        }
        let header_allowed = if name == "verify" {
            // The key under test, and the management credential where the service's check
            // takes both (it goes to the same host as every management call).
            // An OAuth2 client credential goes only to the token endpoint.
            Allowed {
                credential: (f.auth.kind != AuthKind::Oauth2).then(|| {
                    if f.auth.parts.is_empty() {
                        vec!["token".to_owned()]
                    } else {
                        f.auth.parts.clone()
                    }
                }),
                ..Allowed::presentation()
            }
        } else {
            allowed.clone()
        };
        for (k, t) in &op.headers {
            self.check_template(f, &at(&format!("headers.{k}")), t, &header_allowed);
        }
        if let Some(body) = &op.body {
            let mut strings = Vec::new();
            collect_strings(&toml::Value::Table(body.clone()), &mut strings);
            for s in strings {
                self.check_template(f, &at("body"), &s, &allowed);
            }
        }
        for (field, ptr) in [
            ("object", &op.object),
            ("items", &op.items),
            ("secret", &op.secret),
            ("new_id", &op.new_id),
        ] {
            if let Some(p) = ptr {
                self.check_pointers(&at(field), std::slice::from_ref(p));
            }
        }
        if name == "create" && op.secret.is_none() {
            self.problem(
                &at("secret"),
                "say where the new key's value is in the answer (a JSON pointer)",
            );
        }
        if name == "list" || name == "usage" {
            self.check_pagination(&at("pagination"), op.pagination.as_ref());
        }
        if name == "usage" {
            self.check_usage_row(op, &at);
        } else {
            for (field, set) in [("rows", op.rows.is_some()), ("row", op.row.is_some())] {
                if set {
                    self.problem(&at(field), "belongs to operations.usage only");
                }
            }
        }
        if op.fetch_first && !f.operations.get.as_ref().is_some_and(OpSpec::is_supported) {
            self.problem(
                &at("fetch_first"),
                "reading the key first needs operations.get",
            );
        }
        for (p, spec) in &op.params {
            if let Some(d) = &spec.default {
                self.check_template(
                    f,
                    &at(&format!("params.{p}.default")),
                    d,
                    &Allowed::vars_only(),
                );
            }
            if spec.description.trim().is_empty() {
                self.problem(
                    &at(&format!("params.{p}.description")),
                    "say what the parameter is",
                );
            }
        }
    }

    fn check_usage_row(&mut self, op: &OpSpec, at: &dyn Fn(&str) -> String) {
        let Some(row) = &op.row else {
            self.problem(
                &at("row"),
                "say how a usage row reads: [operations.usage.row] with at = { at = \"/…\", format = \"rfc3339\" } at least",
            );
            return;
        };
        if let Some(p) = &op.rows {
            self.check_pointers(&at("rows"), std::slice::from_ref(p));
        }
        self.check_pointers(&at("row.at.at"), row.at.at.all());
        for (field, ptrs) in [
            ("key_id", &row.key_id),
            ("route", &row.route),
            ("status", &row.status),
            ("ip", &row.ip),
        ] {
            if let Some(p) = ptrs {
                self.check_pointers(&at(&format!("row.{field}")), p.all());
            }
        }
        self.check_pointers(&at("row.count"), &row.count);
        match row.unit.as_deref() {
            Some(u) if row.count.is_empty() => self.problem(
                &at("row.unit"),
                format!("{u:?} names what row.count adds up, and row.count is empty"),
            ),
            Some(u) if u.trim().is_empty() || u.chars().any(char::is_control) => {
                self.problem(&at("row.unit"), "give a word such as \"tokens\"")
            }
            _ => {}
        }
    }

    fn check_pagination(&mut self, path: &str, p: Option<&Pagination>) {
        let mut ptrs: Vec<String> = Vec::new();
        match p {
            Some(Pagination::Page { total_pages, .. }) => ptrs.extend(total_pages.clone()),
            Some(Pagination::Cursor {
                cursor, has_more, ..
            }) => {
                if cursor != "last-item-id" {
                    ptrs.push(cursor.clone());
                }
                ptrs.push(has_more.clone());
            }
            Some(Pagination::Token {
                token, has_more, ..
            }) => {
                ptrs.push(token.clone());
                ptrs.extend(has_more.clone());
            }
            Some(Pagination::NextUrl { next }) => ptrs.extend(next.all().iter().cloned()),
            _ => {}
        }
        self.check_pointers(path, &ptrs);
    }

    fn check_roll(&mut self, f: &ProfileFile, roll: &OpSpec) {
        match roll.semantics {
            None => self.problem(
                "operations.roll.semantics",
                "missing: same-id, new-id or none",
            ),
            Some(RollSemantics::None) => {
                if !f
                    .operations
                    .create
                    .as_ref()
                    .is_some_and(OpSpec::is_supported)
                {
                    self.problem(
                        "operations.roll",
                        "semantics \"none\" rotates by creating a new key, so it needs operations.create",
                    );
                }
            }
            Some(s) => {
                if roll.secret.is_none() {
                    self.problem(
                        "operations.roll.secret",
                        "say where the new value is in the answer",
                    );
                }
                if s == RollSemantics::NewId && roll.new_id.is_none() {
                    self.problem(
                        "operations.roll.new_id",
                        "semantics \"new-id\" needs the pointer to the new key's id",
                    );
                }
            }
        }
    }

    fn check_pointers(&mut self, path: &str, ptrs: &[String]) {
        for p in ptrs {
            if !p.is_empty() && !p.starts_with('/') {
                self.problem(path, format!("{p:?} is not a JSON pointer (RFC 6901): start it with `/`, or use \"\" for the whole value"));
            }
        }
    }

    fn check_template(&mut self, f: &ProfileFile, path: &str, t: &str, allowed: &Allowed) {
        let holes = match template::placeholders(t) {
            Ok(h) => h,
            Err(e) => return self.problem(path, e),
        };
        for h in holes {
            if let Some(why) = allowed.refuse(f, &h) {
                self.problem(path, format!("{{{}}} {why}", h.text()));
            }
        }
    }
}

fn collect_strings(v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(a) => a.iter().for_each(|i| collect_strings(i, out)),
        toml::Value::Table(t) => t.values().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

/// Which placeholders a template may use.
#[derive(Clone, Default)]
struct Allowed {
    key_fields: Vec<&'static str>,
    params: Vec<String>,
    credential: Option<Vec<String>>,
    secret: bool,
    /// `{current:/…}` (a set_status that reads the key first).
    current: bool,
}

impl Allowed {
    fn vars_only() -> Self {
        Allowed::default()
    }

    fn credential(parts: &[String]) -> Self {
        Allowed {
            credential: Some(parts.to_vec()),
            ..Default::default()
        }
    }

    fn presentation() -> Self {
        Allowed {
            key_fields: vec!["id", "name", "user"],
            secret: true,
            ..Default::default()
        }
    }

    fn operation(_f: &ProfileFile, name: &str, op: &OpSpec) -> Self {
        let key_fields = match name {
            "list" => vec![],
            "create" => vec!["name", "user"],
            "set_status" => vec!["id", "name", "user", "status"],
            "usage" => vec!["since"],
            _ => vec!["id", "name", "user"],
        };
        Allowed {
            key_fields,
            params: op.params.keys().cloned().collect(),
            current: name == "set_status" && op.fetch_first,
            ..Default::default()
        }
    }

    /// Why `h` may not be used here, `None` when it may.
    fn refuse(&self, f: &ProfileFile, h: &Placeholder) -> Option<String> {
        match (h.name.as_str(), h.arg.as_deref()) {
            ("secret", None) if self.secret => None,
            ("secret", _) => Some("may appear only in [presentation] and operations.verify.headers: a key's secret never goes into a path, query or body".into()),
            ("credential", part) => match (&self.credential, part) {
                (Some(_), None) => None,
                (Some(parts), Some(p)) if parts.iter().any(|x| x == p) => None,
                (Some(parts), Some(p)) => Some(format!("names the part {p:?}, which auth.parts does not declare ({})", parts.join(", "))),
                (None, _) => Some("may appear only in [auth] and operations.verify.headers: the management credential goes nowhere else".into()),
            },
            ("current", Some(_)) if self.current => None,
            ("current", _) => Some("may appear only in the body of a set_status with fetch_first = true".into()),
            ("param", Some(p)) if self.params.iter().any(|x| x == p) => None,
            ("param", Some(p)) => Some(format!("uses the parameter {p:?}, which this operation's params do not declare")),
            (field, None) if self.key_fields.contains(&field) => None,
            (var, None) if f.vars.contains_key(var) => None,
            (other, _) => {
                let mut known: Vec<String> = self.key_fields.iter().map(|s| s.to_string()).collect();
                known.extend(f.vars.keys().cloned());
                known.extend(self.params.iter().map(|p| format!("param:{p}")));
                Some(format!(
                    "is not a known placeholder here ({}); declare a variable as [vars.{other}]",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"format = 1
title = "Example"
[provider]
base_url = "https://api.example.com/v1"
[auth]
kind = "bearer"
[item]
id = "/id"
[presentation]
scheme = "bearer"
[operations.list]
path = "/keys"
items = "/data"
"#;

    fn problems(text: &str) -> Vec<String> {
        match parse("my.toml", text) {
            Err(Error::ProfileInvalid { problems, .. }) => problems,
            Err(other) => panic!("{other}"),
            Ok(_) => vec![],
        }
    }

    #[test]
    fn a_minimal_profile_is_accepted() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
    }

    #[test]
    fn an_unknown_field_is_reported_with_its_line() {
        let text = GOOD.replace("items = \"/data\"", "itemz = \"/data\"");
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("my.toml:13: unknown field `itemz`"),
            "{p:?}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once_with_field_and_line() {
        let text = GOOD.replace("path = \"/keys\"", "path = \"keys/{idd}\"")
            + "[operations.roll]\nsemantics = \"new-id\"\npath = \"/keys/{id}/roll\"\n";
        let p = problems(&text);
        let joined = p.join("\n");
        assert!(
            joined.contains(
                "my.toml:12: operations.list.path: \"keys/{idd}\": give a path starting with `/`"
            ),
            "{joined}"
        );
        assert!(
            joined.contains(
                "my.toml:12: operations.list.path: {idd} is not a known placeholder here (none)"
            ),
            "{joined}"
        );
        assert!(
            joined.contains("my.toml:14: operations.roll.secret: say where the new value"),
            "{joined}"
        );
        assert!(joined.contains("operations.roll.new_id"), "{joined}");
    }

    #[test]
    fn a_secret_cannot_be_put_in_a_path_or_body() {
        let text = GOOD.replace("path = \"/keys\"", "path = \"/keys/{secret}\"");
        assert!(problems(&text)[0].contains("{secret} may appear only in [presentation]"));
        let text = GOOD.replace(
            "kind = \"bearer\"",
            "kind = \"headers\"\nheaders = { X-Token = \"{credential:tok}\" }",
        );
        let p = problems(&text).join("\n");
        assert!(
            p.contains("my.toml:7: auth.headers.X-Token: {credential:tok} names the part \"tok\""),
            "{p}"
        );
    }

    #[test]
    fn the_management_credential_may_go_beside_the_key_in_verify_headers_only() {
        let verify = "[operations.verify]\npath = \"/check\"\n[operations.verify.headers]\nX-Org = \"{credential}\"\n";
        assert_eq!(problems(&(GOOD.to_owned() + verify)), Vec::<String>::new());
        let list = GOOD.to_owned() + "[operations.list.headers]\nX-Org = \"{credential}\"\n";
        let p = problems(&list).join("\n");
        assert!(
            p.contains("operations.list.headers.X-Org: {credential} may appear only in [auth] and operations.verify.headers"),
            "{p}"
        );
        // A part the auth does not declare is refused there too.
        let part = GOOD.to_owned() + &verify.replace("{credential}", "{credential:org}");
        assert!(
            problems(&part)
                .join("\n")
                .contains("names the part \"org\""),
            "{:?}",
            problems(&part)
        );
    }

    #[test]
    fn oauth2_needs_a_token_endpoint_and_nothing_that_would_send_the_credentials_elsewhere() {
        let oauth2 = |auth: &str| GOOD.replace("kind = \"bearer\"", auth);
        assert_eq!(
            problems(&oauth2("kind = \"oauth2\"\ntoken_path = \"/oauth/token\"")),
            Vec::<String>::new()
        );
        let p = problems(&oauth2("kind = \"oauth2\"")).join("\n");
        assert!(
            p.contains("my.toml:5: auth: kind = \"oauth2\" needs the token endpoint's path"),
            "{p}"
        );
        let p = problems(&oauth2(
            "kind = \"oauth2\"\ntoken_path = \"/t\"\nheaders = { X-Key = \"{credential}\" }",
        ))
        .join("\n");
        assert!(
            p.contains("remove headers, query, user and password"),
            "{p}"
        );
        let p = problems(&oauth2("kind = \"bearer\"\ntoken_path = \"/t\"")).join("\n");
        assert!(
            p.contains("auth.token_path: goes with kind = \"oauth2\" only"),
            "{p}"
        );
        // Nor beside a key in a verify request.
        let verify = oauth2("kind = \"oauth2\"\ntoken_path = \"/t\"")
            + "[operations.verify]\npath = \"/check\"\n[operations.verify.headers]\nX-Org = \"{credential}\"\n";
        assert!(
            problems(&verify)
                .join("\n")
                .contains("operations.verify.headers.X-Org: {credential} may appear only"),
            "{:?}",
            problems(&verify)
        );
    }

    #[test]
    fn query_auth_needs_a_parameter_and_only_goes_with_its_kind() {
        let auth = |a: &str| GOOD.replace("kind = \"bearer\"", a);
        assert_eq!(
            problems(&auth(
                "kind = \"query\"\nquery = { access_token = \"{credential}\" }"
            )),
            Vec::<String>::new()
        );
        let p = problems(&auth("kind = \"query\"")).join("\n");
        assert!(
            p.contains("auth.query: kind = \"query\" needs at least one parameter"),
            "{p}"
        );
        let p = problems(&auth("kind = \"bearer\"\nquery = { t = \"{credential}\" }")).join("\n");
        assert!(
            p.contains("auth.query: goes with kind = \"query\" only"),
            "{p}"
        );
    }

    #[test]
    fn plain_http_is_refused_for_a_public_host() {
        let text = GOOD.replace("https://api.example.com", "http://api.example.com");
        assert!(problems(&text)[0].contains("provider.base_url"));
    }

    #[test]
    fn another_host_for_an_operation_is_https_and_uses_variables_only() {
        let verify = |base: &str| {
            format!("{GOOD}[operations.verify]\nbase_url = \"{base}\"\npath = \"/me\"\n")
        };
        let p = problems(&verify("http://api.example.com")).join("\n");
        assert!(
            p.contains(
                "operations.verify.base_url: \"http://api.example.com\": give an https:// URL"
            ),
            "{p}"
        );
        let p = problems(&verify("https://{id}.example.com")).join("\n");
        assert!(
            p.contains("operations.verify.base_url: {id} is not a known placeholder here"),
            "{p}"
        );
        assert_eq!(
            problems(&verify("https://api2.example.com")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_form_body_is_one_level_of_fields() {
        let create = |body: &str| {
            format!("{GOOD}[operations.create]\nmethod = \"POST\"\npath = \"/keys\"\nsecret = \"/secret\"\nbody_format = \"form\"\n[operations.create.body]\n{body}\n")
        };
        assert_eq!(problems(&create("Name = \"{name}\"")), Vec::<String>::new());
        let p = problems(&create("spec = { name = \"{name}\" }")).join("\n");
        assert!(
            p.contains("operations.create.body: a form body is one level of fields"),
            "{p}"
        );
    }

    #[test]
    fn a_usage_operation_says_how_its_rows_read() {
        let p = problems(&format!("{GOOD}[operations.usage]\npath = \"/usage\"\n"));
        assert!(
            p[0].contains("operations.usage.row: say how a usage row reads"),
            "{p:?}"
        );
        let p = problems(&format!(
            "{GOOD}[operations.usage]\npath = \"/usage\"\nrows = \"results\"\nquery = {{ from = \"{{id}}\" }}\n[operations.usage.row]\nat = {{ at = \"/t\", format = \"rfc3339\" }}\nunit = \"tokens\"\n"
        ));
        let all = p.join("\n");
        assert!(all.contains("operations.usage.rows"), "{all}");
        assert!(all.contains("operations.usage.row.unit"), "{all}");
        assert!(all.contains("operations.usage.query.from"), "{all}");
        let good = format!(
            "{GOOD}[operations.usage]\npath = \"/usage\"\nitems = \"/data\"\nrows = \"/results\"\nquery = {{ starting_at = \"{{since}}\" }}\n[operations.usage.row]\nat = {{ at = \"/starting_at\", format = \"rfc3339\" }}\nkey_id = \"/api_key_id\"\ncount = [\"/output_tokens\"]\nunit = \"tokens\"\n"
        );
        assert!(problems(&good).is_empty(), "{:?}", problems(&good));
        let misplaced = format!("{GOOD}[operations.verify]\npath = \"/v\"\nrows = \"/r\"\n");
        assert!(problems(&misplaced)
            .join("\n")
            .contains("operations.verify.rows: belongs to operations.usage only"));
    }

    #[test]
    fn the_readme_example_profile_is_valid() {
        let readme = include_str!("../../../../../README.md");
        let start = readme
            .find("```toml\nformat = 1")
            .expect("example in README")
            + 8;
        let end = start + readme[start..].find("```").expect("end of example");
        let file = parse("README example", &readme[start..end]).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            file.operations.list.and_then(|l| l.pagination),
            Some(Pagination::Cursor { .. })
        ));
    }

    #[test]
    fn lines_are_found_in_nested_tables() {
        let text = "a = 1\n[operations.list]\npath = \"/x\"\n[operations.list.pagination]\nkind = \"link\"\n";
        assert_eq!(line_of(text, &["operations", "list", "path"]), Some(3));
        assert_eq!(
            line_of(text, &["operations", "list", "pagination", "kind"]),
            Some(5)
        );
        assert_eq!(line_of(text, &["operations", "roll", "path"]), None);
    }
}
