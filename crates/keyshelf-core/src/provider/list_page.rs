//! One page of a list answer read in a single pass over its bytes, whatever its envelope.
//!
//! [`envelope::list`] and [`envelope::parse_list`] build a `serde_json::Value` tree of the whole
//! body first — every field of every key, known or not, as its own allocation — then convert each
//! item. A sync of 10,000 keys spent most of its parsing there, and more the more fields a
//! provider adds to each key. Here the body is read once: the list is deserialized straight into
//! its items, and everything else is skipped without being kept.
//!
//! The rules are [`envelope::list`]'s, which stays the reference: a bare array, or the array under
//! the first of [`envelope::LIST_KEYS`] present (in that order of preference, whatever the order
//! in the body) whose value is an array or an object, an object being searched once more for its
//! first list key. The next page's URL comes from `next`, `next_page_url` or `links.next` at the
//! top level, as [`super::pagination`] reads it. When anything in the page does not parse, the
//! caller falls back to the `Value` path, so an error names the item exactly as it always did.

use super::envelope::LIST_KEYS;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess};
use serde::de::{SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A page of a list: its items, `None` when the answer holds no list, and the next page's URL
/// when the body names one.
#[derive(Debug)]
pub struct ListPage<T> {
    pub items: Option<Vec<T>>,
    pub next: Option<String>,
}

/// Reads one page. An `Err` means the fast path could not read it; the `Value` path decides what
/// the error is.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<ListPage<T>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let page = de.deserialize_any(PageVisitor(PhantomData))?;
    de.end()?;
    Ok(page)
}

/// The `visit_*` methods of a visitor for every JSON scalar, each answering `$none`: a number,
/// a string, a boolean or null holds no list.
macro_rules! scalars_hold_no_list {
    ($none:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
    };
}

/// Where a list key's value leads.
enum Found<T> {
    /// An array: the list.
    List(Vec<T>),
    /// An object: its own first list key, when that holds an array.
    Nested(Option<Vec<T>>),
}

struct PageVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for PageVisitor<T> {
    type Value = ListPage<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list or an object holding one")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(ListPage {
            items: Some(Items(PhantomData).visit_seq(seq)?),
            next: None,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // (preference, what the key held): a key preferred to the best so far replaces it.
        let mut best: Option<(usize, Found<T>)> = None;
        let (mut next, mut next_page_url, mut links_next) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match LIST_KEYS.iter().position(|k| *k == key) {
                Some(rank) if best.as_ref().is_none_or(|(b, _)| rank < *b) => {
                    if let Some(found) = map.next_value_seed(ListOrObject(PhantomData))? {
                        best = Some((rank, found));
                    }
                }
                Some(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
                None => match key.as_str() {
                    "next" => next = map.next_value::<Text>()?.0,
                    "next_page_url" => next_page_url = map.next_value::<Text>()?.0,
                    "links" => links_next = map.next_value::<Links>()?.0,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
        }
        let items = best.and_then(|(_, found)| match found {
            Found::List(items) => Some(items),
            Found::Nested(items) => items,
        });
        let next = [next, next_page_url, links_next]
            .into_iter()
            .flatten()
            .find(|s| !s.is_empty());
        Ok(ListPage { items, next })
    }

    // Scalars hold no list.
    scalars_hold_no_list!(ListPage::none());
}

impl<T> ListPage<T> {
    fn none() -> Self {
        ListPage {
            items: None,
            next: None,
        }
    }
}

/// The items of an array, each deserialized as it is read.
struct Items<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for Items<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
}

/// The value of a top-level list key: `None` for anything but an array or an object.
struct ListOrObject<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ListOrObject<T> {
    type Value = Option<Found<T>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ListOrObject<T> {
    type Value = Option<Found<T>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(Some(Found::List(Items(PhantomData).visit_seq(seq)?)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // As `envelope::list_once`: the first list key present decides, array or not.
        let mut best: Option<(usize, Option<Vec<T>>)> = None;
        while let Some(key) = map.next_key::<String>()? {
            match LIST_KEYS.iter().position(|k| *k == key) {
                Some(rank) if best.as_ref().is_none_or(|(b, _)| rank < *b) => {
                    best = Some((rank, map.next_value_seed(OnlyList(PhantomData))?));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(Found::Nested(best.and_then(|(_, items)| items))))
    }

    scalars_hold_no_list!(None);
}

/// A nested list key's value: the items of an array, `None` for anything else (skipped).
struct OnlyList<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for OnlyList<T> {
    type Value = Option<Vec<T>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for OnlyList<T> {
    type Value = Option<Vec<T>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(Some(Items(PhantomData).visit_seq(seq)?))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    scalars_hold_no_list!(None);
}

/// A string, or nothing for any other value.
struct Text(Option<String>);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(Text(v.as_str().map(str::to_owned)))
    }
}

/// `links.next` when it is a string.
struct Links(Option<String>);

impl<'de> serde::Deserialize<'de> for Links {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(Links(
            v.get("next").and_then(|n| n.as_str()).map(str::to_owned),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::envelope::{self, RemoteKey};
    use serde_json::{json, Value};

    /// What the `Value` path gives for one body: the ids of the list, or `None`.
    fn reference(body: &Value) -> Option<Vec<String>> {
        let items = envelope::list(body.clone())?;
        let keys: Vec<RemoteKey> = envelope::parse_list(items).ok()?;
        Some(keys.into_iter().map(|k| k.id).collect())
    }

    fn fast(body: &Value) -> Option<Vec<String>> {
        let page: ListPage<RemoteKey> = parse(body.to_string().as_bytes()).unwrap();
        Some(page.items?.into_iter().map(|k| k.id).collect())
    }

    #[test]
    fn every_envelope_gives_what_the_value_path_gives() {
        let a = json!([{"id": 1, "extra": {"deep": [1, 2, {"x": null}]}}, {"id": "k2"}]);
        let b = json!([{"id": "b"}]);
        let bodies = [
            a.clone(),
            json!({"data": a}),
            json!({"success": true, "data": a, "meta": {"total": 2}}),
            json!({"items": a, "total": 2}),
            json!({"api_keys": a}),
            json!({"data": {"items": a}}),
            json!({"data": {"total": 2, "keys": a}}),
            // Preference, not order in the body: `data` wins over an earlier `items`.
            json!({"items": b, "data": a}),
            json!({"data": a, "items": b}),
            // An object under the preferred key decides, even when it holds no list.
            json!({"data": {"id": 5}, "items": a}),
            json!({"data": {"keys": "none", "items": b}, "items": a}),
            // A scalar under a list key is passed over.
            json!({"data": null, "items": a}),
            json!({"data": "x", "api_keys": a}),
            json!({"success": true}),
            json!("x"),
            json!(3),
            json!(null),
            json!([]),
            json!({"data": []}),
        ];
        for body in bodies {
            assert_eq!(fast(&body), reference(&body), "{body}");
        }
    }

    #[test]
    fn the_next_page_is_read_from_the_envelope() {
        let page: ListPage<RemoteKey> =
            parse(br#"{"data":[{"id":1}],"next_page_url":"/keys?page=2"}"#).unwrap();
        assert_eq!(page.next.as_deref(), Some("/keys?page=2"));
        let page: ListPage<RemoteKey> =
            parse(br#"{"links":{"next":"https://x/keys?after=9"},"data":[]}"#).unwrap();
        assert_eq!(page.next.as_deref(), Some("https://x/keys?after=9"));
        let page: ListPage<RemoteKey> =
            parse(br#"{"next":"","next_page_url":null,"data":[]}"#).unwrap();
        assert_eq!(page.next, None);
        let page: ListPage<RemoteKey> = parse(br#"[{"id":1}]"#).unwrap();
        assert_eq!(page.next, None);
    }

    #[test]
    fn a_bad_item_or_bad_json_is_an_error_for_the_value_path_to_name() {
        for body in [
            &br#"{"data":[{"id":1},{"id":null}]}"#[..],
            br#"{"data":[{"id":".."}]}"#,
            br#"{"data":[{"id":1}]"#,
            br#"[{"id":1}] trailing"#,
        ] {
            assert!(parse::<RemoteKey>(body).is_err(), "{body:?}");
        }
    }
}
