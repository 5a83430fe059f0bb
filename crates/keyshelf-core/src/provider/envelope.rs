//! Tolerant reading of management responses: the seeds fix no envelope, so a bare object or
//! array and the usual wrappers (`{"data"}`, `{"success","data"}`, `{"items"}`, `{"api_keys"}`)
//! are all accepted, unknown fields are ignored, optional ones may be missing, and ids may be
//! numbers or strings.
//!
//! What a provider sends is untrusted: an id that is `.`, `..` or holds a control character is
//! refused (it would change the path of the requests made for the key, or what a terminal
//! shows), and control characters are dropped from key and user names, here where every
//! remote key is parsed, before anything is stored or printed.

use crate::store::KeyStatus;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The wrappers a list may come in, tried in order (nested once: `{"data":{"items":[…]}}`).
pub(crate) const LIST_KEYS: [&str; 6] = ["data", "items", "api_keys", "keys", "results", "logs"];

/// The array inside a list response, `None` when there is none.
pub fn list(v: Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) => Some(a),
        Value::Object(mut o) => LIST_KEYS
            .iter()
            .find_map(|k| o.remove(*k).filter(|v| v.is_array() || v.is_object()))
            .and_then(|inner| match inner {
                Value::Array(a) => Some(a),
                obj @ Value::Object(_) => list_once(obj),
                _ => None,
            }),
        _ => None,
    }
}

fn list_once(v: Value) -> Option<Vec<Value>> {
    match v {
        Value::Object(mut o) => LIST_KEYS
            .iter()
            .find_map(|k| o.remove(*k))
            .and_then(|v| match v {
                Value::Array(a) => Some(a),
                _ => None,
            }),
        _ => None,
    }
}

/// The object inside an object response (`{"data":{…}}` → `{…}`).
pub fn object(v: Value) -> Option<Value> {
    match v {
        Value::Object(mut o) => match o.remove("data") {
            Some(inner @ Value::Object(_)) => Some(inner),
            Some(other) => {
                o.insert("data".into(), other);
                Some(Value::Object(o))
            }
            None => Some(Value::Object(o)),
        },
        _ => None,
    }
}

/// A key as a provider lists it. Only `id` is required.
#[derive(Clone, Deserialize, PartialEq, Eq)]
pub struct RemoteKey {
    #[serde(deserialize_with = "id_string", alias = "api_key_id", alias = "key_id")]
    pub id: String,
    #[serde(
        default,
        deserialize_with = "printable_text",
        alias = "name",
        alias = "label"
    )]
    pub api_key_name: Option<String>,
    /// The value: present only in a generate response.
    #[serde(default, alias = "key", alias = "secret", alias = "token")]
    pub api_key: Option<String>,
    #[serde(default, deserialize_with = "printable_text", alias = "username")]
    pub user: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

impl RemoteKey {
    /// `active` or `inactive` (anything else the provider says that is not active is inactive).
    pub fn normalized_status(&self) -> KeyStatus {
        match self
            .status
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("active") | Some("enabled") => KeyStatus::Active,
            _ => KeyStatus::Inactive,
        }
    }
}

/// Debug without the value.
impl std::fmt::Debug for RemoteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKey")
            .field("id", &self.id)
            .field("api_key_name", &self.api_key_name)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("user", &self.user)
            .field("status", &self.status)
            .finish()
    }
}

/// Why an id cannot be used, `None` when it can: the one rule for ids from the provider (here)
/// and ids about to go into a request path (the client).
pub fn check_id(id: &str) -> Result<(), &'static str> {
    if id == "." || id == ".." {
        return Err("is a dot segment, which would change the path of the requests made for it");
    }
    if id.chars().any(char::is_control) {
        return Err("contains control characters");
    }
    Ok(())
}

/// The id of a key object as the provider wrote it (under any of its names), when a string.
pub fn raw_id(v: &Value) -> Option<&str> {
    ["id", "api_key_id", "key_id"]
        .iter()
        .find_map(|k| v.get(*k))
        .and_then(Value::as_str)
}

/// Optional provider text without its control characters.
fn printable_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    // Copied only when there is something to drop: a sync reads 10,000 names.
    Ok(text.map(|t| {
        if t.chars().any(char::is_control) {
            t.chars().filter(|c| !c.is_control()).collect()
        } else {
            t
        }
    }))
}

fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => match check_id(&s) {
            Ok(()) => Ok(s),
            Err(why) => Err(serde::de::Error::custom(format!(
                "the id {:?} {why}",
                crate::names::printable(&s)
            ))),
        },
        Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        // A float, or an integer beyond 64 bits (which JSON parsing has already rounded): two
        // different ids could come out the same, so refuse rather than keep a wrong one.
        Value::Number(n) => Err(serde::de::Error::custom(format!(
            "the id {n} is not an integer Keyshelf can keep exactly; ids must be 64-bit integers or strings"
        ))),
        other => Err(serde::de::Error::custom(format!(
            "an id must be a number or a non-empty string, not {}",
            match other {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
                _ => "an empty string",
            }
        ))),
    }
}

/// Parses every element of a list as `T`, skipping none: one bad element fails the whole list
/// with its index, so a sync never acts on half-understood data.
pub fn parse_list<T: for<'de> Deserialize<'de>>(items: Vec<Value>) -> Result<Vec<T>, String> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| serde_json::from_value(v).map_err(|e| format!("item {i}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_usual_envelope_yields_the_list() {
        let keys = json!([{"id": 1}, {"id": "k2"}]);
        for wrapped in [
            keys.clone(),
            json!({"data": keys}),
            json!({"success": true, "data": keys}),
            json!({"items": keys, "total": 2}),
            json!({"api_keys": keys}),
            json!({"data": {"items": keys}}),
        ] {
            let l: Vec<RemoteKey> = parse_list(list(wrapped).unwrap()).unwrap();
            assert_eq!(
                l.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
                ["1", "k2"]
            );
        }
        assert!(list(json!({"success": true})).is_none());
        assert!(list(json!("x")).is_none());
    }

    #[test]
    fn objects_unwrap_data_and_ignore_unknown_fields() {
        let k: RemoteKey = serde_json::from_value(
            object(json!({"success": true, "data": {"id": 7, "api_key_name": "n", "api_key": "v", "extra": [1]}}))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(k.id, "7");
        assert_eq!(k.api_key.as_deref(), Some("v"));
        assert_eq!(k.normalized_status(), KeyStatus::Active);
        let k: RemoteKey =
            serde_json::from_value(object(json!({"id": "x", "status": "inactive"})).unwrap())
                .unwrap();
        assert_eq!(k.normalized_status(), KeyStatus::Inactive);
    }

    #[test]
    fn dot_ids_and_control_characters_are_refused_names_and_users_cleaned() {
        for bad in [".", "..", "a\u{1b}b"] {
            let err = parse_list::<RemoteKey>(vec![json!({ "id": bad })]).unwrap_err();
            assert!(err.contains("item 0") && !err.contains('\u{1b}'), "{err}");
        }
        let k: RemoteKey = serde_json::from_value(
            json!({"id": "...", "name": "a\u{7}b", "username": "\u{1b}[2Ju"}),
        )
        .unwrap();
        assert_eq!(k.id, "...");
        assert_eq!(k.api_key_name.as_deref(), Some("ab"));
        assert_eq!(k.user.as_deref(), Some("[2Ju"));
    }

    #[test]
    fn bad_ids_are_reported_with_the_item() {
        let err = parse_list::<RemoteKey>(vec![json!({"id": 1}), json!({"id": null})]).unwrap_err();
        assert!(err.contains("item 1"), "{err}");
    }
}
