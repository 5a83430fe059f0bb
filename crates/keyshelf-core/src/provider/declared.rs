//! The management calls of a declared provider (a preset or a profile file): each operation's
//! method, path, query, body and answer as its profile says, over the same [`Client`] (HTTPS
//! rule, timeouts, retries, body limits, scrubbing) as the standard API.
//!
//! Whether a request may be repeated after an unknown outcome is the operation's, not the
//! file's: create and roll are never repeated (a second key, or a second roll that revokes the
//! first roll's key); list, get, set status, delete and verify are idempotent even where a
//! service uses POST for them.

use super::client::{parse_json, Client, Payload, Repeat, Reply};
use super::errors::{scrub, scrub_value, Kind, ProviderError};
use super::issued::check_issued;
use super::pagination::MAX_PAGES;
use super::profile::format::{BodyFormat, OpSpec, Pagination, ParamKind};
use super::profile::item::{self, Item};
use super::profile::template::{self, Ctx};
use super::profile::usage_row;
use super::profile::Declared;
use crate::{Error, Result, Secret};
use reqwest::{Method, Url};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// What a create or roll call is given on the command line: `--param NAME=VALUE`.
pub type Params = BTreeMap<String, String>;

/// A declared provider's API.
pub struct Api<'c, 'p> {
    client: &'c Client<'p>,
    d: &'c Declared,
}

impl<'c, 'p> Api<'c, 'p> {
    /// The API of `client`'s provider; `None` for the standard API.
    pub fn of(client: &'c Client<'p>) -> Option<Self> {
        client.declared().map(|d| Api { client, d })
    }

    fn provider(&self) -> &str {
        &self.client.profile().name
    }

    fn op(&self, name: &str) -> Result<&'c OpSpec> {
        self.d.require(self.provider(), name)
    }

    fn ctx<'a>(&'a self) -> Ctx<'a> {
        Ctx {
            vars: Some(&self.d.vars),
            ..Default::default()
        }
    }

    /// The URL of an operation: base URL, rendered path, rendered query.
    fn url(&self, op: &OpSpec, ctx: &Ctx<'_>) -> Result<Url> {
        let path = template::render_path(op.path.as_deref().unwrap_or("/"), ctx)?;
        let mut url = match &op.base_url {
            // Another host of the service (its templates use variables only; checked on add).
            Some(t) => {
                let base = template::render(t, ctx)?.ok_or_else(|| {
                    Error::invalid(
                        "base_url",
                        "this operation's base URL needs a variable that is not set (--set)",
                    )
                })?;
                super::profile::url_at(&base, &path)?
            }
            None => self.client.profile().url(&path, None)?,
        };
        if !op.query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, t) in &op.query {
                if let Some(v) = template::render(t, ctx)? {
                    q.append_pair(k, &v);
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        Ok(url)
    }

    fn call(&self, op: &OpSpec, ctx: &Ctx<'_>, repeat: Repeat) -> Result<Reply> {
        let url = self.url(op, ctx)?;
        self.call_at(op, url, ctx, repeat)
    }

    fn call_at(&self, op: &OpSpec, url: Url, ctx: &Ctx<'_>, repeat: Repeat) -> Result<Reply> {
        let method = method(op);
        let body = op
            .body
            .as_ref()
            .map(|b| template::render_body(b, ctx))
            .transpose()?;
        match (op.body_format, &body) {
            (BodyFormat::Form, Some(v)) => {
                let form = form_encoded(v);
                self.client
                    .management_at(method, url, Some(Payload::Form(&form)), repeat)
            }
            _ => self
                .client
                .management_at(method, url, body.as_ref().map(Payload::Json), repeat),
        }
    }

    fn label(&self, op: &OpSpec) -> String {
        format!("{} {}", method(op), op.path.as_deref().unwrap_or("/"))
    }

    /// The key object of an answer, at the operation's `object` pointer.
    fn object<'v>(&self, op: &OpSpec, v: &'v Value) -> Option<&'v Value> {
        v.pointer(op.object.as_deref().unwrap_or(""))
    }

    // --- list ---------------------------------------------------------------------------------

    /// Every key the service lists, every page read; revoked or archived keys are left out
    /// (a sync then marks them gone).
    pub fn list(&self) -> Result<Vec<Item>> {
        let op = self.op("list")?;
        let label = self.label(op);
        let mut items = Vec::new();
        self.each_page(op, &self.ctx(), "keys", |list| {
            for (i, raw) in list.iter().enumerate() {
                if let Some(f) = &self.d.file.item.filter {
                    if !item::matches(raw, f) {
                        continue;
                    }
                }
                let it = item::read(raw, &self.d.file.item)
                    .map_err(|e| bad(&label, &format!("key {} of the page: {e}", i)))?;
                if !it.gone {
                    items.push(it);
                }
            }
            Ok(())
        })?;
        Ok(items)
    }

    /// The service's usage since `since` (RFC 3339, the `{since}` of the usage query), every
    /// page read, as rows the usage report reads; and what their counts count.
    pub fn usage(&self, since: &str) -> Result<(Vec<Value>, String)> {
        let op = self.op("usage")?;
        let label = self.label(op);
        let spec = op
            .row
            .as_ref()
            .ok_or_else(|| bad(&label, "the profile does not say how a usage row reads"))?;
        let ctx = Ctx {
            since: Some(since),
            ..self.ctx()
        };
        let mut rows = Vec::new();
        self.each_page(op, &ctx, "usage", |list| {
            for entry in list {
                rows.extend(usage_row::rows(entry, op.rows.as_deref(), spec));
            }
            Ok(())
        })?;
        Ok((
            rows,
            spec.unit.clone().unwrap_or_else(|| "calls".to_owned()),
        ))
    }

    /// The service's export of its keys (their metadata, as the service words it: CSV, JSON…),
    /// as text.
    pub fn export(&self) -> Result<String> {
        let op = self.op("export")?;
        let reply = self.call(op, &self.ctx(), Repeat::Idempotent)?;
        String::from_utf8(reply.body)
            .map_err(|_| bad(&self.label(op), "the export is not UTF-8 text"))
    }

    /// Calls `op` for every page of its list, handing `take` each page's array (at `items`):
    /// the first page as the profile's query says, the next ones as its pagination says.
    fn each_page(
        &self,
        op: &OpSpec,
        ctx: &Ctx<'_>,
        what: &str,
        mut take: impl FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        let label = self.label(op);
        let first = self.url(op, ctx)?;
        let mut url = first.clone();
        let mut seen: HashSet<String> = HashSet::new();
        let mut page_no = match &op.pagination {
            Some(Pagination::Page { first, .. }) => *first,
            _ => 1,
        };
        // The page size: the size parameter as the query sends it, else `size`.
        let mut page_size: Option<usize> = None;
        if let Some(Pagination::Page {
            page_param,
            size_param,
            size,
            ..
        }) = &op.pagination
        {
            set_param(&mut url, page_param, &page_no.to_string());
            if let Some(p) = size_param {
                let sent = url
                    .query_pairs()
                    .find(|(k, _)| k == p)
                    .map(|(_, v)| v.into_owned());
                match (sent, size) {
                    (Some(v), _) => page_size = v.parse().ok(),
                    (None, Some(n)) => {
                        set_param(&mut url, p, &n.to_string());
                        page_size = Some(*n as usize);
                    }
                    (None, None) => {}
                }
            }
        }
        loop {
            let reply = self.call_at(op, url.clone(), ctx, Repeat::Idempotent)?;
            let v = parse_json(&label, &reply.body)?;
            let list = v
                .pointer(op.items.as_deref().unwrap_or(""))
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    bad(
                        &label,
                        &format!("the answer holds no list of {what} where the profile says"),
                    )
                })?;
            take(list)?;
            let count = list.len();
            let next = self.next_page(op, &url, &reply, &v, (count, page_size), &mut page_no)?;
            let Some(next) = next else {
                return Ok(());
            };
            if next.origin() != first.origin() {
                return Err(bad(&label, "the link to the next page leads to another server; Keyshelf does not send the provider's token there"));
            }
            seen.insert(url.to_string());
            if seen.contains(next.as_str()) || seen.len() >= MAX_PAGES {
                return Err(bad(
                    &label,
                    &format!(
                        "the list's pages do not end (a page repeats, or more than {MAX_PAGES})"
                    ),
                ));
            }
            url = next;
        }
    }

    /// The URL of the page after `url`, `None` on the last page.
    fn next_page(
        &self,
        op: &OpSpec,
        url: &Url,
        reply: &Reply,
        v: &Value,
        (count, page_size): (usize, Option<usize>),
        page_no: &mut u32,
    ) -> Result<Option<Url>> {
        let label = self.label(op);
        let text_at = |p: &str| {
            v.pointer(p).and_then(|x| match x {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let truthy = |p: &str| v.pointer(p).is_some_and(|x| x.as_bool() == Some(true));
        let join = |next: &str| {
            url.join(next)
                .map(Some)
                .map_err(|_| bad(&label, "the link to the next page is not a URL"))
        };
        match &op.pagination {
            None | Some(Pagination::None) => Ok(None),
            Some(Pagination::Link) => reply.link_next.as_deref().map_or(Ok(None), join),
            Some(Pagination::NextUrl { next }) => {
                match item::first(v, next).and_then(Value::as_str) {
                    Some(n) if !n.is_empty() => join(n),
                    _ => Ok(None),
                }
            }
            Some(Pagination::Header { header, page_param }) => {
                let next = reply
                    .headers
                    .get(header.as_str())
                    .and_then(|h| h.to_str().ok())
                    .map(str::trim)
                    .filter(|h| !h.is_empty());
                match next {
                    None => Ok(None),
                    Some(n) if n.parse::<u64>().is_ok() => {
                        let mut u = url.clone();
                        set_param(&mut u, page_param, n);
                        Ok(Some(u))
                    }
                    Some(_) => Err(bad(
                        &label,
                        &format!("the {header} header is not a page number"),
                    )),
                }
            }
            Some(Pagination::Page {
                page_param,
                total_pages,
                ..
            }) => {
                let last = match total_pages.as_deref().and_then(text_at) {
                    Some(t) => t.parse::<u32>().is_ok_and(|total| *page_no >= total),
                    None => count == 0 || page_size.is_some_and(|s| count < s),
                };
                if last {
                    return Ok(None);
                }
                *page_no += 1;
                let mut u = url.clone();
                set_param(&mut u, page_param, &page_no.to_string());
                Ok(Some(u))
            }
            Some(Pagination::Cursor {
                cursor_param,
                cursor,
                has_more,
            }) => {
                if !truthy(has_more) {
                    return Ok(None);
                }
                let c = if cursor == "last-item-id" {
                    let items = v
                        .pointer(op.items.as_deref().unwrap_or(""))
                        .and_then(Value::as_array);
                    items
                        .and_then(|l| l.last())
                        .and_then(|last| item::read(last, &self.d.file.item).ok())
                        .map(|i| i.id)
                } else {
                    text_at(cursor)
                };
                let c = c.ok_or_else(|| {
                    bad(&label, "more pages are announced but no cursor is given")
                })?;
                let mut u = url.clone();
                set_param(&mut u, cursor_param, &c);
                Ok(Some(u))
            }
            Some(Pagination::Token {
                token_param,
                token,
                has_more,
            }) => {
                if has_more.as_deref().is_some_and(|h| !truthy(h)) {
                    return Ok(None);
                }
                match text_at(token) {
                    None => Ok(None),
                    Some(t) => {
                        let mut u = url.clone();
                        set_param(&mut u, token_param, &t);
                        Ok(Some(u))
                    }
                }
            }
        }
    }

    /// One key object by id as the service gives it (`get`).
    fn get_raw(&self, id: &str) -> Result<Value> {
        let op = self.op("get")?;
        let ctx = Ctx {
            id: Some(id),
            ..self.ctx()
        };
        let reply = self.call(op, &ctx, Repeat::Idempotent)?;
        let label = self.label(op);
        let v = parse_json(&label, &reply.body)?;
        self.object(op, &v)
            .cloned()
            .ok_or_else(|| bad(&label, "the answer holds no key object"))
    }

    /// One key by id, through `get` when the profile has it, else from the list.
    pub fn get(&self, id: &str) -> Result<Option<Item>> {
        let Some(op) = self.d.op("get") else {
            return Ok(self.list()?.into_iter().find(|i| i.id == id));
        };
        let ctx = Ctx {
            id: Some(id),
            ..self.ctx()
        };
        let reply = match self.call(op, &ctx, Repeat::Idempotent) {
            Ok(r) => r,
            Err(Error::Provider(e)) if e.kind == Kind::NotFoundRemote => return Ok(None),
            Err(e) => return Err(e),
        };
        let label = self.label(op);
        let v = parse_json(&label, &reply.body)?;
        let obj = self
            .object(op, &v)
            .ok_or_else(|| bad(&label, "the answer holds no key object"))?;
        let it = item::read(obj, &self.d.file.item).map_err(|e| bad(&label, &e))?;
        Ok((!it.gone).then_some(it))
    }

    // --- create, roll -------------------------------------------------------------------------

    /// The parameters of `op` from `given`, typed, with defaults; every missing required one is
    /// named at once, before any request.
    pub fn params(&self, op_name: &str, given: &Params) -> Result<BTreeMap<String, Value>> {
        let op = self.op(op_name)?;
        let mut problems = Vec::new();
        for k in given.keys() {
            if !op.params.contains_key(k) {
                let known: Vec<&str> = op.params.keys().map(String::as_str).collect();
                problems.push(format!(
                    "{k} is not a parameter of {} here (it takes: {})",
                    op_name.replace('_', " "),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ));
            }
        }
        let mut out = BTreeMap::new();
        for (name, spec) in &op.params {
            let raw = match given.get(name) {
                Some(v) => Some(v.clone()),
                None => match &spec.default {
                    Some(d) => template::render(d, &self.ctx())?,
                    None => None,
                },
            };
            match raw {
                None if spec.required => problems.push(format!(
                    "--param {name}=… is required: {}",
                    spec.description
                )),
                None => {}
                Some(v) => match typed(spec.kind, &v) {
                    Ok(j) => {
                        out.insert(name.clone(), j);
                    }
                    Err(why) => problems.push(format!("--param {name}: {why}")),
                },
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(Error::invalid("parameters", problems.join("; ")))
        }
    }

    /// Creates a key; never repeated. Returns it and its value.
    pub fn create(
        &self,
        name: &str,
        user: Option<&str>,
        params: &BTreeMap<String, Value>,
    ) -> Result<(Item, Secret)> {
        let op = self.op("create")?;
        let ctx = Ctx {
            name: Some(name),
            user,
            params: Some(params),
            ..self.ctx()
        };
        let reply = self.call(op, &ctx, Repeat::Never)?;
        self.issued(op, &reply)
    }

    /// Rolls a key; never repeated. Returns the key's id afterwards (a new one for `new-id`
    /// services) and the new value.
    pub fn roll(&self, id: &str, params: &BTreeMap<String, Value>) -> Result<(String, Secret)> {
        let op = self.op("roll")?;
        let ctx = Ctx {
            id: Some(id),
            params: Some(params),
            ..self.ctx()
        };
        let reply = self.call(op, &ctx, Repeat::Never)?;
        let label = self.label(op);
        let v = parse_json(&label, &reply.body)?;
        let obj = self.object(op, &v).unwrap_or(&v);
        let new_id = match &op.new_id {
            Some(p) => {
                let raw = obj
                    .pointer(p)
                    .ok_or_else(|| bad(&label, "the answer holds no id for the new key"))?;
                let it = item::read(&serde_json::json!({ "id": raw }), &id_only())
                    .map_err(|e| bad(&label, &e))?;
                it.id
            }
            None => id.to_owned(),
        };
        let secret = value_at(obj, op.secret.as_deref().unwrap_or("")).ok_or_else(|| {
            bad(
                &label,
                "the answer holds no key value where the profile says",
            )
        })?;
        let secret = check_issued(secret, self.provider(), &new_id, &label)?;
        Ok((new_id, secret))
    }

    /// The key and value of a create answer.
    fn issued(&self, op: &OpSpec, reply: &Reply) -> Result<(Item, Secret)> {
        let label = self.label(op);
        let v = parse_json(&label, &reply.body)?;
        let obj = self.object(op, &v).ok_or_else(|| {
            bad(
                &label,
                "the answer holds no key object where the profile says",
            )
        })?;
        let it = item::read(obj, &self.d.file.item).map_err(|e| bad(&label, &e))?;
        let secret = value_at(obj, op.secret.as_deref().unwrap_or(""))
            .or_else(|| value_at(&v, op.secret.as_deref().unwrap_or("")))
            .ok_or_else(|| {
                bad(
                    &label,
                    "the answer holds no key value where the profile says",
                )
            })?;
        let secret = check_issued(secret, self.provider(), &it.id, &label)?;
        Ok((it, secret))
    }

    // --- status, delete, verify ---------------------------------------------------------------

    /// Sets a key active or inactive.
    pub fn set_active(&self, id: &str, active: bool) -> Result<()> {
        let op = self.op("set_status")?;
        let want = if active { "active" } else { "inactive" };
        let status = self
            .d
            .file
            .item
            .status
            .as_ref()
            .and_then(|s| s.set.get(want))
            .cloned()
            .unwrap_or_else(|| want.to_owned());
        // A full-replace update echoes the key's other fields, read just before.
        let current = if op.fetch_first {
            Some(self.get_raw(id)?)
        } else {
            None
        };
        let ctx = Ctx {
            id: Some(id),
            status: Some(&status),
            current: current.as_ref(),
            ..self.ctx()
        };
        self.call(op, &ctx, Repeat::Idempotent).map(drop)
    }

    /// Deletes (or revokes) a key; `true` when the service had already lost it (404).
    pub fn delete(&self, id: &str) -> Result<bool> {
        let op = self.op("delete")?;
        let ctx = Ctx {
            id: Some(id),
            ..self.ctx()
        };
        match self.call(op, &ctx, Repeat::Idempotent) {
            Ok(_) => Ok(false),
            Err(Error::Provider(e)) if e.kind == Kind::NotFoundRemote => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Presents a key as the service's normal API takes it, on the verify route.
    pub fn verify(
        &self,
        secret: &Secret,
        id: Option<&str>,
        user: Option<&str>,
    ) -> Result<(u16, Value, String)> {
        let op = self.op("verify")?;
        // A service whose check takes the management credential beside the key (Datadog's
        // application keys go with the organization's API key): read it only then.
        let credential = if op.headers.values().any(|t| t.contains("{credential")) {
            Some(self.client.declared_credential()?)
        } else {
            None
        };
        let ctx = Ctx {
            id,
            user,
            secret: Some(secret),
            credential: credential.as_deref(),
            ..self.ctx()
        };
        let url = self.url(op, &ctx)?;
        let label = format!("{} {}", method(op), url.path());
        let mut headers = super::presentation::headers(self.d, &ctx)?;
        for (k, t) in &op.headers {
            if let Some(v) = template::render(t, &ctx)? {
                headers.push((k.clone(), Secret::new(v)));
            }
        }
        let mut secrets: Vec<&Secret> = vec![secret];
        secrets.extend(headers.iter().map(|(_, v)| v));
        let reply = self.client.send(
            &method(op),
            url.clone(),
            &label,
            &headers,
            None,
            None,
            Repeat::Idempotent,
            &secrets,
        )?;
        if !(200..300).contains(&reply.status) {
            return Err(scrub(self.client.error_of(&label, &reply, false), &secrets).into());
        }
        let v = if reply.body.is_empty() {
            Value::Null
        } else {
            parse_json(&label, &reply.body)?
        };
        if let Some(ok) = &op.ok_when {
            if !item::matches(&v, ok) {
                let got = v.pointer(&ok.at).cloned().unwrap_or(Value::Null);
                return Err(ProviderError::new(
                    Kind::Unauthorized,
                    format!(
                        "{label}: the service knows the key but says {} is {got}; it does not work",
                        ok.at.trim_start_matches('/')
                    ),
                )
                .into());
            }
        }
        Ok((
            reply.status,
            scrub_value(v, &secrets),
            url.path().to_owned(),
        ))
    }
}

/// A spec that reads only `/id` (the id of a roll answer, checked like a listed one).
fn id_only() -> super::profile::format::ItemSpec {
    super::profile::format::ItemSpec {
        id: super::profile::format::Pointers::One("/id".into()),
        name: None,
        user: None,
        created: None,
        expires: None,
        last_used: None,
        filter: None,
        status: None,
    }
}

/// The text at `ptr` (a string value, or the bare value when the body is a string); checked by
/// `check_issued` before it becomes a `Secret`.
fn value_at(v: &Value, ptr: &str) -> Option<String> {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn method(op: &OpSpec) -> Method {
    match op.method.as_deref().unwrap_or("GET") {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    }
}

/// Sets (or replaces) one query parameter.
fn set_param(url: &mut Url, name: &str, value: &str) {
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut q = url.query_pairs_mut();
    q.clear();
    for (k, v) in &others {
        q.append_pair(k, v);
    }
    q.append_pair(name, value);
}

/// A parameter's text as its type.
fn typed(kind: ParamKind, v: &str) -> std::result::Result<Value, String> {
    Ok(match kind {
        ParamKind::String => Value::String(v.to_owned()),
        ParamKind::Integer => Value::from(
            v.trim()
                .parse::<i64>()
                .map_err(|_| format!("{v:?} is not an integer"))?,
        ),
        ParamKind::Bool => Value::Bool(match v.trim() {
            "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            _ => return Err(format!("{v:?} is not true or false")),
        }),
        ParamKind::Date => {
            chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map_err(|_| format!("{v:?} is not a date YYYY-MM-DD"))?;
            Value::String(v.trim().to_owned())
        }
        ParamKind::StringList => Value::Array(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        ParamKind::Json => serde_json::from_str(v).map_err(|e| format!("not JSON ({e})"))?,
    })
}

fn bad(label: &str, what: &str) -> Error {
    ProviderError::new(Kind::BadResponse, format!("{label}: {what}")).into()
}

/// A rendered body as `application/x-www-form-urlencoded`: text fields as they are, other values
/// (a policy object, a number) as their JSON. Kept as a secret: a field may hold one.
fn form_encoded(body: &Value) -> Secret {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    if let Some(fields) = body.as_object() {
        for (k, v) in fields {
            match v {
                Value::String(text) => s.append_pair(k, text),
                Value::Null => continue,
                other => s.append_pair(k, &other.to_string()),
            };
        }
    }
    Secret::new(s.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_typed_from_their_text() {
        assert_eq!(
            typed(ParamKind::StringList, "api, read_api,").unwrap(),
            serde_json::json!(["api", "read_api"])
        );
        assert_eq!(
            typed(ParamKind::Integer, "42").unwrap(),
            serde_json::json!(42)
        );
        assert!(typed(ParamKind::Date, "2026-13-01").is_err());
        assert!(typed(ParamKind::Integer, "4x").is_err());
        assert_eq!(
            typed(ParamKind::Json, "{\"a\":1}").unwrap(),
            serde_json::json!({"a": 1})
        );
    }

    #[test]
    fn a_query_parameter_is_replaced_not_repeated() {
        let mut u = Url::parse("https://x.test/a?per_page=5&page=1").unwrap();
        set_param(&mut u, "page", "2");
        assert_eq!(u.as_str(), "https://x.test/a?per_page=5&page=2");
    }
}
