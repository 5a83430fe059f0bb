//! Lists that come in pages: every page of a provider's key list, followed by the links the
//! provider gives.
//!
//! A next page is named by an RFC 8288 `Link: <URL>; rel="next"` header (GitHub, GitLab and many
//! others), or by a `next` / `next_page_url` URL in the body's envelope. Whatever the provider
//! names must be on its own origin (scheme, host and port of the page it answered): the
//! management token goes with every request, and a hostile answer must not send it elsewhere. A
//! page named twice, or more than [`MAX_PAGES`] pages, is an error rather than a loop.

use super::client::{parse_json, Client, Repeat};
use super::envelope::{self, RemoteKey};
use super::errors::{Kind, ProviderError};
use super::list_page;
use crate::{Error, Result};
use reqwest::Method;
use serde_json::Value;
use std::collections::HashSet;

/// The most pages one list may have (100,000 keys at a page size of 10).
pub const MAX_PAGES: usize = 10_000;

/// Every key the provider lists at `path`, all pages read.
///
/// Each page is read in one pass into its keys ([`list_page`]); a page that does not read that
/// way goes through the `Value` path ([`envelope::list`], [`envelope::parse_list`]), which says
/// what is wrong with it.
pub fn remote_keys(client: &Client<'_>, path: &str) -> Result<Vec<RemoteKey>> {
    let first = client.profile().url(path, None)?;
    let mut url = first.clone();
    let mut seen = HashSet::new();
    let mut keys = Vec::new();
    // A key that does not parse is reported against the list's path, whatever the page.
    let list_label = format!("GET {path}");
    loop {
        let label = format!("GET {}", url.path());
        let reply = client.management_at(Method::GET, url.clone(), None, Repeat::Idempotent)?;
        let (page, body_next) = read_page(&label, &list_label, &reply.body)?;
        // One page's keys are moved, not copied: the common single-page list costs nothing more.
        if keys.is_empty() {
            keys = page;
        } else {
            keys.extend(page);
        }
        let Some(next) = reply.link_next.or(body_next) else {
            return Ok(keys);
        };
        let next = url
            .join(&next)
            .map_err(|_| bad(&label, "the link to the next page is not a URL"))?;
        if next.origin() != first.origin() {
            return Err(bad(
                &label,
                "the link to the next page leads to another server; Keyshelf does not send the provider's token there",
            ));
        }
        seen.insert(url.to_string());
        if seen.contains(next.as_str()) || seen.len() >= MAX_PAGES {
            return Err(bad(
                &label,
                &format!("the list's pages do not end (a page repeats, or more than {MAX_PAGES})"),
            ));
        }
        url = next;
    }
}

/// One page's keys and the next page the body names (`list_label` names the list in an error
/// about one of its keys, `label` the page in any other).
fn read_page(
    label: &str,
    list_label: &str,
    body: &[u8],
) -> Result<(Vec<RemoteKey>, Option<String>)> {
    if let Ok(page) = list_page::parse::<RemoteKey>(body) {
        let keys = page
            .items
            .ok_or_else(|| bad(label, "the answer holds no list of keys"))?;
        return Ok((keys, page.next));
    }
    let value = parse_json(label, body)?;
    let next = body_next(&value);
    let items =
        envelope::list(value).ok_or_else(|| bad(label, "the answer holds no list of keys"))?;
    let keys = envelope::parse_list(items).map_err(|e| bad(list_label, &e))?;
    Ok((keys, next))
}

/// The `rel="next"` target of one `Link` header value, as sent.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p.strip_prefix("rel=").is_some_and(|rel| {
                rel.trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        is_next.then(|| target.to_owned())
    })
}

/// A next-page URL named in the body: `next`, `next_page_url`, or `links.next`.
fn body_next(v: &Value) -> Option<String> {
    ["/next", "/next_page_url", "/links/next"]
        .iter()
        .find_map(|p| v.pointer(p).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn bad(label: &str, what: &str) -> Error {
    ProviderError::new(Kind::BadResponse, format!("{label}: {what}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_next_link_is_found_among_others() {
        let h = r#"<https://api.example.com/keys?page=1>; rel="prev", <https://api.example.com/keys?page=3>; rel="next""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.example.com/keys?page=3")
        );
        assert_eq!(
            next_link(r#"</keys?page=2>; rel=next"#).as_deref(),
            Some("/keys?page=2")
        );
        assert_eq!(next_link(r#"<https://x/keys?page=9>; rel="last""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn a_body_can_name_the_next_page() {
        assert_eq!(
            body_next(&json!({"data": [], "next": "/keys?after=5"})).as_deref(),
            Some("/keys?after=5")
        );
        assert_eq!(
            body_next(&json!({"data": [], "links": {"next": "https://x/k?p=2"}})).as_deref(),
            Some("https://x/k?p=2")
        );
        assert_eq!(body_next(&json!({"data": [], "next": null})), None);
        assert_eq!(body_next(&json!([1, 2])), None);
    }
}
