//! Reading one key object through a profile's `[item]` pointers.

use super::format::{Equals, ItemSpec, LocalStatus, Pointers, TimeAt, TimeFormat};
use super::template::toml_to_json;
use crate::provider::envelope::{check_id, RemoteKey};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// The first pointer of `ptrs` that resolves to something other than null.
pub fn first<'v>(v: &'v Value, ptrs: &Pointers) -> Option<&'v Value> {
    ptrs.all()
        .iter()
        .find_map(|p| v.pointer(p).filter(|x| !x.is_null()))
}

/// A value as text: strings as they are, numbers and booleans as JSON writes them.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Provider text without control characters.
fn printable(v: &Value) -> Option<String> {
    text(v).map(|t| t.chars().filter(|c| !c.is_control()).collect())
}

/// Whether `v` at `e.at` equals `e.equals` (booleans and numbers also match their text).
pub fn matches(v: &Value, e: &Equals) -> bool {
    let want = toml_to_json(&e.equals);
    match v.pointer(&e.at) {
        Some(got) => got == &want || text(got).is_some_and(|t| Some(t) == text(&want)),
        None => false,
    }
}

/// A time field, or `None` when absent or unreadable (a provider's odd date must not fail a sync).
pub fn time(v: &Value, t: &TimeAt) -> Option<DateTime<Utc>> {
    let raw = first(v, &t.at)?;
    match t.format {
        TimeFormat::Rfc3339 => DateTime::parse_from_rfc3339(raw.as_str()?)
            .ok()
            .map(|d| d.with_timezone(&Utc)),
        TimeFormat::Rfc2822 => DateTime::parse_from_rfc2822(raw.as_str()?)
            .ok()
            .map(|d| d.with_timezone(&Utc)),
        TimeFormat::Date => NaiveDate::parse_from_str(raw.as_str()?, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc()),
        TimeFormat::Unix => DateTime::from_timestamp(number(raw)?, 0),
        TimeFormat::UnixMs => DateTime::from_timestamp_millis(number(raw)?),
    }
}

fn number(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .or_else(|| v.as_str()?.parse().ok())
}

/// One key as the profile reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub name: Option<String>,
    pub user: Option<String>,
    pub active: bool,
    /// Revoked, archived: listed by the service but no longer a key.
    pub gone: bool,
    pub created: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
}

/// Reads one key object; the error says what is wrong with it.
pub fn read(v: &Value, spec: &ItemSpec) -> Result<Item, String> {
    let id = match first(v, &spec.id) {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
        Some(other) => {
            return Err(format!(
                "its id ({}) is not a non-empty string or a 64-bit integer",
                kind(other)
            ))
        }
        None => return Err(format!("it has no id at {}", spec.id.all().join(" or "))),
    };
    if let Err(why) = check_id(&id) {
        return Err(format!("the id {:?} {why}", crate::names::printable(&id)));
    }
    let (active, gone) = match &spec.status {
        None => (true, false),
        Some(s) => {
            let status = match first(v, &s.at).and_then(text) {
                None => s.missing,
                Some(t) => s.values.get(&t).copied().unwrap_or(s.other),
            };
            let gone = s.gone_when.as_ref().is_some_and(|g| matches(v, g));
            (status == LocalStatus::Active, gone)
        }
    };
    let at = |t: &Option<TimeAt>| t.as_ref().and_then(|t| time(v, t));
    Ok(Item {
        id,
        name: spec
            .name
            .as_ref()
            .and_then(|p| first(v, p))
            .and_then(printable),
        user: spec
            .user
            .as_ref()
            .and_then(|p| first(v, p))
            .and_then(printable),
        active,
        gone,
        created: at(&spec.created),
        expires: at(&spec.expires),
        last_used: at(&spec.last_used),
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number that is not a 64-bit integer",
        Value::String(_) => "an empty string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Item {
    /// As the sync of the standard API sees a key.
    pub fn into_remote(self) -> RemoteKey {
        RemoteKey {
            id: self.id,
            api_key_name: self.name,
            api_key: None,
            user: self.user,
            status: Some(if self.active { "active" } else { "inactive" }.to_owned()),
            created_at: self.created.map(|t| t.to_rfc3339()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gitlab_item() -> ItemSpec {
        toml::from_str(
            r#"
id = "/id"
name = "/name"
user = "/user_id"
created = { at = "/created_at", format = "rfc3339" }
expires = { at = "/expires_at", format = "date" }
[status]
at = "/active"
values = { "true" = "active", "false" = "inactive" }
gone_when = { at = "/revoked", equals = true }
"#,
        )
        .unwrap()
    }

    #[test]
    fn a_gitlab_token_reads_with_its_integer_id_boolean_status_and_date() {
        let v = json!({"id": 42, "name": "ci\u{7}", "user_id": 7, "active": false, "revoked": true,
            "created_at": "2026-11-01T10:00:00Z", "expires_at": "2027-01-31"});
        let item = read(&v, &gitlab_item()).unwrap();
        assert_eq!(item.id, "42");
        assert_eq!(item.name.as_deref(), Some("ci"));
        assert_eq!(item.user.as_deref(), Some("7"));
        assert!(!item.active && item.gone);
        assert_eq!(
            item.expires.unwrap().to_rfc3339(),
            "2027-01-31T00:00:00+00:00"
        );
    }

    #[test]
    fn ids_that_would_change_a_request_path_are_refused() {
        for bad in [
            json!({"id": ".."}),
            json!({"id": 1.5}),
            json!({"name": "x"}),
            json!({"id": ""}),
        ] {
            assert!(read(&bad, &gitlab_item()).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_absent_status_is_the_missing_one_and_an_unknown_value_the_other_one() {
        let spec = gitlab_item();
        assert!(read(&json!({"id": 1}), &spec).unwrap().active);
        assert!(
            !read(&json!({"id": 1, "active": "maybe"}), &spec)
                .unwrap()
                .active
        );
    }
}
