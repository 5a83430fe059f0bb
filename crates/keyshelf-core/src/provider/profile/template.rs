//! Templates of a profile: `{placeholder}`s in paths, queries, headers and bodies.
//!
//! | placeholder | value |
//! |---|---|
//! | `{id}` | the key's id on the provider |
//! | `{name}`, `{user}` | the key's remote name and user |
//! | `{status}` | the wanted status, as `item.status.set` maps it |
//! | `{VAR}` | a variable of the provider (`--set VAR=VALUE`) |
//! | `{param:NAME}` | a create or roll parameter (`--param NAME=VALUE`) |
//! | `{credential}`, `{credential:PART}` | the management credential, or one of its parts |
//! | `{secret}` | the key's stored secret |
//! | `{current:/pointer}` | a field of the key as the service has it now (`fetch_first`) |
//!
//! A trailing `?` makes a placeholder optional: when its value is unset, the query parameter,
//! header or body member that holds it is left out instead of sent empty. `base64(…)` around a
//! whole value encodes what is inside once rendered (`Basic base64({id}:{secret})`).

use crate::{Error, Result, Secret};
use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;

/// One `{…}` of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// `id`, `name`, `param`, `credential`, a variable's name…
    pub name: String,
    /// The part after `:` (`param:scopes` → `scopes`).
    pub arg: Option<String>,
    pub optional: bool,
}

impl Placeholder {
    /// As written, without braces: `param:scopes?`.
    pub fn text(&self) -> String {
        let mut s = self.name.clone();
        if let Some(a) = &self.arg {
            s.push(':');
            s.push_str(a);
        }
        if self.optional {
            s.push('?');
        }
        s
    }
}

/// A piece of a template: literal text or a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Hole(Placeholder),
}

/// Splits a template into pieces; an unclosed `{` or an empty `{}` is an error.
pub fn parse(template: &str) -> std::result::Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Piece::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("{template:?} has a `{{` without its `}}`"))?;
        let inner = &after[..close];
        let (inner, optional) = match inner.strip_suffix('?') {
            Some(i) => (i, true),
            None => (inner, false),
        };
        let (name, arg) = match inner.split_once(':') {
            Some((n, a)) => (n, Some(a.to_owned())),
            None => (inner, None),
        };
        let valid = |s: &str, extra: &[char]| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c) || extra.contains(&c))
        };
        // An argument may be a JSON pointer (`current:/policies`).
        if !valid(name, &[]) || arg.as_deref().is_some_and(|a| !valid(a, &['/', '~'])) {
            return Err(format!(
                "{template:?}: {{{inner}}} is not a placeholder (letters, digits, `_`, optionally `param:NAME` or `current:/pointer`, and a trailing `?`)"
            ));
        }
        out.push(Piece::Hole(Placeholder {
            name: name.to_owned(),
            arg,
            optional,
        }));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_owned()));
    }
    Ok(out)
}

/// Every placeholder of a template (for validation).
pub fn placeholders(template: &str) -> std::result::Result<Vec<Placeholder>, String> {
    let inner = strip_base64(template).unwrap_or(template);
    Ok(parse(inner)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Hole(h) => Some(h),
            Piece::Text(_) => None,
        })
        .collect())
}

/// `base64(X)` → `X` when the whole value's tail is one `base64(…)`; the prefix is kept apart.
fn strip_base64(template: &str) -> Option<&str> {
    let start = template.find("base64(")?;
    template[start + 7..].strip_suffix(')')
}

/// What templates are filled from.
#[derive(Default)]
pub struct Ctx<'a> {
    pub vars: Option<&'a BTreeMap<String, String>>,
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub user: Option<&'a str>,
    pub status: Option<&'a str>,
    pub params: Option<&'a BTreeMap<String, Value>>,
    /// The management credential's parts, by name; the first part is also `{credential}`.
    pub credential: Option<&'a [(String, Secret)]>,
    pub secret: Option<&'a Secret>,
    /// The key as the service has it now, for `{current:/pointer}`.
    pub current: Option<&'a Value>,
    /// The start of the usage asked for (RFC 3339), for `{since}` in a usage query.
    pub since: Option<&'a str>,
}

/// A placeholder's value: text, or a typed JSON value (parameters).
enum Filled {
    Text(String),
    Json(Value),
}

impl Ctx<'_> {
    fn lookup(&self, h: &Placeholder) -> Option<Filled> {
        let text = |s: Option<&str>| s.map(|s| Filled::Text(s.to_owned()));
        match (h.name.as_str(), h.arg.as_deref()) {
            ("id", None) => text(self.id),
            ("name", None) => text(self.name),
            ("user", None) => text(self.user.filter(|u| !u.is_empty())),
            ("status", None) => text(self.status),
            ("since", None) => text(self.since),
            ("secret", None) => self.secret.map(|s| Filled::Text(s.expose().to_owned())),
            ("credential", part) => {
                let parts = self.credential?;
                let found = match part {
                    None => parts.first(),
                    Some(p) => parts.iter().find(|(n, _)| n == p),
                };
                found.map(|(_, s)| Filled::Text(s.expose().to_owned()))
            }
            ("param", Some(p)) => self.params?.get(p).cloned().map(Filled::Json),
            ("current", Some(ptr)) => self
                .current?
                .pointer(ptr)
                .filter(|v| !v.is_null())
                .cloned()
                .map(Filled::Json),
            (var, None) => self
                .vars?
                .get(var)
                .filter(|v| !v.is_empty())
                .map(|v| Filled::Text(v.clone())),
            _ => None,
        }
    }
}

/// A required placeholder without a value.
fn missing(h: &Placeholder) -> Error {
    let what = match (h.name.as_str(), h.arg.as_deref()) {
        ("param", Some(p)) => format!("the parameter {p} (give it with --param {p}=VALUE)"),
        ("id", _) => "the key's id on the provider".to_owned(),
        ("secret", _) => "the key's secret".to_owned(),
        ("credential", _) => "the provider's credential".to_owned(),
        (var, None) => {
            format!("the provider's variable {var} (set it with `keyshelf provider add … --set {var}=VALUE`)")
        }
        _ => h.text(),
    };
    Error::invalid(
        "provider profile",
        format!("{what} is needed here and has no value"),
    )
}

fn as_text(v: Filled) -> String {
    match v {
        Filled::Text(s) => s,
        Filled::Json(Value::String(s)) => s,
        Filled::Json(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(","),
        Filled::Json(other) => other.to_string(),
    }
}

/// Renders a text template; `None` when an optional placeholder had no value (leave the thing
/// that holds it out). `encode` is applied to every substituted value (paths encode segments).
pub fn render_with(
    template: &str,
    ctx: &Ctx<'_>,
    encode: &dyn Fn(&str) -> String,
) -> Result<Option<String>> {
    let (prefix, inner, b64) = match strip_base64(template) {
        Some(inner) => (
            &template[..template.find("base64(").unwrap_or(0)],
            inner,
            true,
        ),
        None => ("", template, false),
    };
    let pieces = parse(inner).map_err(|e| Error::invalid("provider profile", e))?;
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Hole(h) => match ctx.lookup(&h) {
                Some(v) => out.push_str(&encode(&as_text(v))),
                None if h.optional => return Ok(None),
                None => return Err(missing(&h)),
            },
        }
    }
    if b64 {
        out = format!(
            "{prefix}{}",
            base64::engine::general_purpose::STANDARD.encode(out.as_bytes())
        );
    }
    Ok(Some(out))
}

/// [`render_with`] without encoding.
pub fn render(template: &str, ctx: &Ctx<'_>) -> Result<Option<String>> {
    render_with(template, ctx, &|s| s.to_owned())
}

/// Renders a path template: every substituted value is one percent-encoded segment, so an id
/// such as `group/project` cannot name another resource.
pub fn render_path(template: &str, ctx: &Ctx<'_>) -> Result<String> {
    render_with(template, ctx, &|s| super::percent_encode_segment(s))?.ok_or_else(|| {
        Error::invalid(
            "provider profile",
            format!("the path {template:?} needs a value that is not set"),
        )
    })
}

/// Renders a body table to JSON. A string that is exactly one placeholder becomes that value
/// with its type (a list parameter stays an array); members whose optional placeholder has no
/// value are left out.
pub fn render_body(table: &toml::Table, ctx: &Ctx<'_>) -> Result<Value> {
    let mut map = serde_json::Map::new();
    for (k, v) in table {
        if let Some(v) = render_value(v, ctx)? {
            map.insert(k.clone(), v);
        }
    }
    Ok(Value::Object(map))
}

fn render_value(v: &toml::Value, ctx: &Ctx<'_>) -> Result<Option<Value>> {
    Ok(Some(match v {
        toml::Value::String(s) => {
            if let Ok([Piece::Hole(h)]) = parse(s).as_deref() {
                return match ctx.lookup(h) {
                    Some(Filled::Json(j)) => Ok(Some(j)),
                    Some(Filled::Text(t)) => Ok(Some(Value::String(t))),
                    None if h.optional => Ok(None),
                    None => Err(missing(h)),
                };
            }
            match render(s, ctx)? {
                Some(t) => Value::String(t),
                None => return Ok(None),
            }
        }
        toml::Value::Table(t) => render_body(t, ctx)?,
        toml::Value::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(render_value(i, ctx)?);
            }
            Value::Array(out)
        }
        other => toml_to_json(other),
    }))
}

/// A TOML constant as JSON.
pub fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_parsed_with_their_argument_and_optional_mark() {
        let p = placeholders("/users/{param:user_id}/tokens/{id}?x={user_id?}").unwrap();
        let texts: Vec<String> = p.iter().map(Placeholder::text).collect();
        assert_eq!(texts, ["param:user_id", "id", "user_id?"]);
        assert!(parse("/a/{id").is_err());
        assert!(parse("/a/{}").is_err());
        assert!(parse("/a/{i d}").is_err());
    }

    #[test]
    fn paths_encode_each_value_as_one_segment() {
        let ctx = Ctx {
            id: Some("group/project 1"),
            ..Default::default()
        };
        assert_eq!(
            render_path("/tokens/{id}/rotate", &ctx).unwrap(),
            "/tokens/group%2Fproject%201/rotate"
        );
        assert!(render_path("/users/{param:user_id}", &ctx).is_err());
    }

    #[test]
    fn optional_values_leave_their_member_out_and_lists_stay_lists() {
        let params: BTreeMap<String, Value> =
            [("scopes".to_owned(), json!(["api", "read_api"]))].into();
        let ctx = Ctx {
            name: Some("ci"),
            params: Some(&params),
            ..Default::default()
        };
        let body: toml::Table = toml::from_str(
            r#"name = "{name}"
scopes = "{param:scopes}"
expires_at = "{param:expires_at?}"
label = "key {name}"
"#,
        )
        .unwrap();
        assert_eq!(
            render_body(&body, &ctx).unwrap(),
            json!({"name": "ci", "scopes": ["api", "read_api"], "label": "key ci"})
        );
        let required: toml::Table = toml::from_str(r#"x = "{param:expires_at}""#).unwrap();
        let e = render_body(&required, &ctx).unwrap_err().to_string();
        assert!(e.contains("--param expires_at=VALUE"), "{e}");
    }

    #[test]
    fn base64_encodes_the_rendered_inside() {
        let secret = Secret::from("s3");
        let ctx = Ctx {
            id: Some("k1"),
            secret: Some(&secret),
            ..Default::default()
        };
        assert_eq!(
            render("ApiKey base64({id}:{secret})", &ctx)
                .unwrap()
                .unwrap(),
            format!(
                "ApiKey {}",
                base64::engine::general_purpose::STANDARD.encode("k1:s3")
            )
        );
    }

    #[test]
    fn credential_parts_are_found_by_name() {
        let parts = vec![
            ("api_key".to_owned(), Secret::from("a")),
            ("application_key".to_owned(), Secret::from("b")),
        ];
        let ctx = Ctx {
            credential: Some(&parts),
            ..Default::default()
        };
        assert_eq!(render("{credential}", &ctx).unwrap().unwrap(), "a");
        assert_eq!(
            render("{credential:application_key}", &ctx)
                .unwrap()
                .unwrap(),
            "b"
        );
    }
}
