//! `mail`: lists, reading, composing and organising messages of the user's mail accounts
//! (reference: mail actions; behaviour notes 3.5, 5.2, 7). Everything goes through the
//! account's `MailBackend`/`MailTransport`, so the built-in store and IMAP behave alike.

use crate::request::{invalid, multipart_error, ApiRequest};
use crate::response::ApiResponse;
use crate::server::AppState;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{header, HeaderValue, StatusCode};
use oxbow_core::columns::mail::TABLE;
use oxbow_core::time::to_wire_time;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_domain::mail::backend::*;
use oxbow_domain::mail::compose::{self, Compose, ComposeAttachment};
use oxbow_domain::mail::view::{self, View, ViewOptions};
use oxbow_domain::mail::share_reference::{ShareReference, SharedItem};
use oxbow_domain::mail::MailAccount;
use oxbow_store::infostore::{ItemRow, VersionRow};
use oxbow_domain::sessions::Session;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Largest raw message accepted by `new` (RFC 822 body) and `import`.
const MAX_RAW_MESSAGE: u64 = 200 * 1024 * 1024;
/// Most elements in one `list`/`delete` body.
const MAX_LIST: usize = 10_000;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "all" => all(state, req).await,
        "threadedAll" => threaded_all(state, req).await,
        "list" => list(state, req).await,
        "get" => get(state, req).await,
        "attachment" => attachment(state, req).await,
        "zip_attachments" => zip_attachments(state, req).await,
        "zip_messages" => zip_messages(state, req).await,
        "count" => count(state, req).await,
        "updates" => updates(state, req).await,
        "search" => search(state, req).await,
        "new" => new(state, req).await,
        "reply" => reply(state, req, false).await,
        "replyall" => reply(state, req, true).await,
        "forward" => forward(state, req).await,
        "update" => update(state, req).await,
        "copy" => copy(state, req).await,
        "delete" => delete(state, req).await,
        "clear" => clear(state, req).await,
        "all_seen" => all_seen(state, req).await,
        "import" => import(state, req).await,
        "receipt_ack" => receipt_ack(state, req).await,
        "resolve_share_reference" => resolve_share_reference(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "mail"])),
    }
}

// --- helpers -------------------------------------------------------------------------------

/// The account and full name of a mail folder id; MSG-0066 when it is not one.
pub async fn folder_of(state: &AppState, s: &Session, folder: &str) -> OxResult<(MailAccount, String)> {
    let resolved = oxbow_domain::mail::folders::resolve(&state.mail, &state.db, &state.config, s, folder).await?;
    match resolved {
        Some((a, full)) if !full.is_empty() => Ok((a, full)),
        _ => Err(codes::MSG_FOLDER_NOT_FOUND.with([folder])),
    }
}

fn parse_uid(id: &str, folder: &str) -> OxResult<u64> {
    id.trim().parse::<u64>().map_err(|_| codes::MSG_MAIL_NOT_FOUND.with([id, folder]))
}

fn not_found(id: &str, folder: &str) -> OxError {
    codes::MSG_MAIL_NOT_FOUND.with([id, folder])
}

/// One requested column: a known field, an unknown number (`null`), or a header name.
#[derive(Debug, Clone)]
enum Col {
    Field(&'static str),
    Unknown,
    Header(usize),
}

pub(crate) struct MailColumns {
    cols: Vec<Col>,
    pub(crate) headers: Vec<String>,
}

pub(crate) fn parse_columns(req: &ApiRequest) -> OxResult<MailColumns> {
    let raw = req.require("columns")?;
    let tokens: Vec<String> = match raw.trim() {
        "all" => TABLE.alias_all.iter().map(|i| i.to_string()).collect(),
        "list" => TABLE.alias_list.iter().map(|i| i.to_string()).collect(),
        other => other.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect(),
    };
    if tokens.is_empty() || tokens.len() > 200 {
        return Err(invalid("columns", raw));
    }
    let mut cols = Vec::new();
    let mut headers: Vec<String> = Vec::new();
    let header_col = |name: &str, headers: &mut Vec<String>| -> Col {
        let pos = headers.iter().position(|h| h.eq_ignore_ascii_case(name)).unwrap_or_else(|| {
            headers.push(name.to_string());
            headers.len() - 1
        });
        Col::Header(pos)
    };
    for t in &tokens {
        match t.parse::<u32>() {
            Ok(id) => cols.push(TABLE.field(id).map(Col::Field).unwrap_or(Col::Unknown)),
            Err(_) => {
                if !t.chars().all(|c| c.is_ascii_graphic() && c != ':') {
                    return Err(invalid("columns", raw));
                }
                let c = header_col(t, &mut headers);
                cols.push(c)
            }
        }
    }
    if let Some(h) = req.param_nonempty("headers") {
        for name in h.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !name.chars().all(|c| c.is_ascii_graphic() && c != ':') {
                return Err(invalid("headers", h));
            }
            let c = header_col(name, &mut headers);
            cols.push(c);
        }
    }
    Ok(MailColumns { cols, headers })
}

/// The list-view object of a message, keyed by field name.
pub(crate) fn summary_object(m: &MessageSummary, account: &MailAccount, folder_id: &str, tz: chrono_tz::Tz, level: u32) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(m.uid.to_string()));
    o.insert("folder_id".into(), json!(folder_id));
    o.insert("attachment".into(), json!(m.has_attachment));
    o.insert("from".into(), view::addresses_json(&m.from));
    o.insert("to".into(), view::addresses_json(&m.to));
    o.insert("cc".into(), view::addresses_json(&m.cc));
    o.insert("bcc".into(), view::addresses_json(&m.bcc));
    o.insert("subject".into(), json!(m.subject));
    o.insert("size".into(), json!(m.size));
    o.insert("sent_date".into(), m.sent_date.map(|d| json!(to_wire_time(d, tz))).unwrap_or(Value::Null));
    o.insert("received_date".into(), json!(to_wire_time(m.received_date, tz)));
    o.insert("flags".into(), json!(m.flags));
    o.insert("level".into(), json!(level));
    o.insert("disp_notification_to".into(), m.disp_notification_to.as_ref().map(|d| json!(d)).unwrap_or(Value::Null));
    o.insert("priority".into(), json!(m.priority));
    o.insert("msg_ref".into(), Value::Null);
    o.insert("flag_seen".into(), json!(if m.flags & flag::SEEN != 0 { "1" } else { "0" }));
    o.insert("account_name".into(), json!(account.name));
    o.insert("account_id".into(), json!(account.id));
    o.insert("color_label".into(), json!(m.color_label));
    o.insert("user".into(), json!(user_keywords(&m.keywords)));
    o
}

pub(crate) fn row(o: &Map<String, Value>, m: &MessageSummary, cols: &MailColumns) -> Value {
    Value::Array(
        cols.cols
            .iter()
            .map(|c| match c {
                Col::Field(f) => o.get(*f).cloned().unwrap_or(Value::Null),
                Col::Unknown => Value::Null,
                Col::Header(i) => m.headers.get(*i).cloned().flatten().map(Value::String).unwrap_or(Value::Null),
            })
            .collect(),
    )
}

enum SortSpec {
    Key(SortKey),
    Thread,
}

/// `sort`/`order`: `sort` without `order` is MSG-0001; a bad `order` is MSG-0031.
fn parse_sort(req: &ApiRequest) -> OxResult<(SortSpec, bool)> {
    let order = req.param_nonempty("order");
    let descending = match order {
        None => true,
        Some(o) if o.eq_ignore_ascii_case("asc") => false,
        Some(o) if o.eq_ignore_ascii_case("desc") => true,
        Some(o) => return Err(codes::MSG_INVALID_INT.with(["order", o])),
    };
    let Some(sort) = req.param_nonempty("sort") else { return Ok((SortSpec::Key(SortKey::ReceivedDate), descending)) };
    if order.is_none() {
        return Err(codes::MSG_MISSING_PARAM.with(["order"]));
    }
    if sort.eq_ignore_ascii_case("thread") {
        return Ok((SortSpec::Thread, descending));
    }
    let key = match sort.trim().parse::<u32>().map_err(|_| codes::MSG_INVALID_INT.with(["sort", sort]))? {
        600 => SortKey::Uid,
        602 => SortKey::Attachment,
        603 => SortKey::From,
        604 => SortKey::To,
        605 | 606 => SortKey::Cc,
        607 => SortKey::Subject,
        608 => SortKey::Size,
        609 => SortKey::SentDate,
        610 => SortKey::ReceivedDate,
        611 | 651 => SortKey::Seen,
        102 => SortKey::ColorLabel,
        614 => SortKey::Priority,
        _ => SortKey::ReceivedDate,
    };
    Ok((SortSpec::Key(key), descending))
}

fn window(req: &ApiRequest) -> OxResult<Option<(u64, u64)>> {
    let w = crate::columns::parse_window(req).map_err(|e| {
        if e.code == codes::SVL_INVALID_PARAM_VALUE.code {
            codes::MSG_INVALID_INT.with(["limit", req.param("limit").unwrap_or("")])
        } else {
            e
        }
    })?;
    Ok(match (w.start, w.end) {
        (0, None) => None,
        (s, None) => Some((s as u64, u64::MAX)),
        (s, Some(e)) => Some((s as u64, e as u64)),
    })
}

async fn backend_timestamp(account: &MailAccount, s: &Session, full: &str) -> OxResult<i64> {
    Ok(account.backend.folder(s, full).await?.map(|f| f.last_modified).unwrap_or(0))
}

// --- lists ---------------------------------------------------------------------------------

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let cols = parse_columns(req)?;
    let (sort, descending) = parse_sort(req)?;
    let range = window(req)?;
    let tz = req.tz()?;
    let (account, full) = folder_of(state, &s, &folder).await?;
    let key = match sort {
        SortSpec::Thread => {
            let rows = thread_rows(&account, &s, &full, &folder, &cols, descending, tz).await?;
            return Ok(ApiResponse::data(Value::Array(apply_range(rows, range))));
        }
        SortSpec::Key(k) => k,
    };
    let q = ListQuery { sort: key, descending, range, filter: SearchCriteria::All, headers: cols.headers.clone() };
    let page = account.backend.list_messages(&s, &full, &q).await?;
    let rows: Vec<Value> = page.messages.iter().map(|m| row(&summary_object(m, &account, &folder, tz, 0), m, &cols)).collect();
    Ok(ApiResponse::data(Value::Array(rows)))
}

fn apply_range<T>(mut items: Vec<T>, range: Option<(u64, u64)>) -> Vec<T> {
    if let Some((start, end)) = range {
        let end = (end.min(items.len() as u64)) as usize;
        let start = start.min(items.len() as u64) as usize;
        if start >= end {
            return Vec::new();
        }
        items.truncate(end);
        items.drain(..start);
    }
    items
}

async fn thread_rows(
    account: &MailAccount,
    s: &Session,
    full: &str,
    folder: &str,
    cols: &MailColumns,
    descending: bool,
    tz: chrono_tz::Tz,
) -> OxResult<Vec<Value>> {
    let mut threads = account.backend.threads(s, full).await?;
    let uids: Vec<u64> = threads.iter().flatten().map(|n| n.uid).collect();
    let summaries = account.backend.summaries(s, full, &uids, &cols.headers).await?;
    let by_uid: HashMap<u64, &MessageSummary> = summaries.iter().map(|m| (m.uid, m)).collect();
    if descending {
        threads.reverse();
    }
    let mut rows = Vec::new();
    for t in threads {
        for n in t {
            if let Some(m) = by_uid.get(&n.uid) {
                rows.push(row(&summary_object(m, account, folder, tz, n.level), m, cols));
            }
        }
    }
    Ok(rows)
}

async fn threaded_all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let cols = parse_columns(req)?;
    let (sort, descending) = parse_sort(req)?;
    let range = window(req)?;
    let tz = req.tz()?;
    let (account, full) = folder_of(state, &s, &folder).await?;
    let threads = account.backend.threads(&s, &full).await?;
    let uids: Vec<u64> = threads.iter().flatten().map(|n| n.uid).collect();
    let summaries = account.backend.summaries(&s, &full, &uids, &cols.headers).await?;
    let by_uid: HashMap<u64, &MessageSummary> = summaries.iter().map(|m| (m.uid, m)).collect();
    let key = match sort {
        SortSpec::Key(k) => k,
        SortSpec::Thread => SortKey::ReceivedDate,
    };
    // Threads are ordered by their newest message for date sorts, else by the root.
    let mut keyed: Vec<(Value, Vec<ThreadNode>)> = threads
        .into_iter()
        .filter(|t| t.iter().any(|n| by_uid.contains_key(&n.uid)))
        .map(|t| {
            let members: Vec<&MessageSummary> = t.iter().filter_map(|n| by_uid.get(&n.uid).copied()).collect();
            let k = match key {
                SortKey::ReceivedDate => json!(members.iter().map(|m| m.received_date).max().unwrap_or(0)),
                SortKey::SentDate => json!(members.iter().map(|m| m.sent_date.unwrap_or(m.received_date)).max().unwrap_or(0)),
                _ => sort_value(members[0], key),
            };
            (k, t)
        })
        .collect();
    keyed.sort_by(|a, b| {
        let o = crate::columns::compare_values(&a.0, &b.0);
        if descending { o.reverse() } else { o }
    });
    let keyed = apply_range(keyed, range);
    let mut out = Vec::with_capacity(keyed.len());
    for (_, t) in keyed {
        let members: Vec<(&MessageSummary, u32)> = t.iter().filter_map(|n| by_uid.get(&n.uid).map(|m| (*m, n.level))).collect();
        let Some((root, _)) = members.first() else { continue };
        let object_of = |m: &MessageSummary, level: u32| -> Value {
            let o = summary_object(m, &account, &folder, tz, level);
            columns_object(&o, m, &cols)
        };
        let mut root_obj = match object_of(root, 0) {
            Value::Object(o) => o,
            _ => Map::new(),
        };
        let thread: Vec<Value> = members.iter().map(|(m, l)| object_of(m, *l)).collect();
        let unread = members.iter().filter(|(m, _)| m.flags & flag::SEEN == 0).count();
        root_obj.insert("thread".into(), Value::Array(thread));
        root_obj.insert("unreadCount".into(), json!(unread));
        out.push(Value::Object(root_obj));
    }
    Ok(ApiResponse::data(Value::Array(out)))
}

/// The requested columns as an object keyed by field (or header) name.
fn columns_object(o: &Map<String, Value>, m: &MessageSummary, cols: &MailColumns) -> Value {
    let mut out = Map::new();
    for c in &cols.cols {
        match c {
            Col::Field(f) => {
                out.insert((*f).to_string(), o.get(*f).cloned().unwrap_or(Value::Null));
            }
            Col::Unknown => {}
            Col::Header(i) => {
                let name = cols.headers[*i].clone();
                out.insert(name, m.headers.get(*i).cloned().flatten().map(Value::String).unwrap_or(Value::Null));
            }
        }
    }
    Value::Object(out)
}

fn sort_value(m: &MessageSummary, key: SortKey) -> Value {
    match key {
        SortKey::Subject => json!(m.subject.to_lowercase()),
        SortKey::From => json!(m.from.first().map(|a| a.name.clone().unwrap_or(a.email.clone()).to_lowercase())),
        SortKey::To => json!(m.to.first().map(|a| a.name.clone().unwrap_or(a.email.clone()).to_lowercase())),
        SortKey::Cc => json!(m.cc.first().map(|a| a.email.to_lowercase())),
        SortKey::Size => json!(m.size),
        SortKey::Seen => json!(m.flags & flag::SEEN),
        SortKey::Flagged => json!(m.flags & flag::FLAGGED),
        SortKey::ColorLabel => json!(m.color_label),
        SortKey::Priority => json!(m.priority),
        SortKey::Attachment => json!(m.has_attachment),
        SortKey::Uid => json!(m.uid),
        SortKey::SentDate => json!(m.sent_date),
        SortKey::ReceivedDate => json!(m.received_date),
    }
}

/// `[{"folder": ..., "id": ...}]` bodies.
fn list_elements(body: &[Value]) -> OxResult<Vec<(String, String)>> {
    if body.len() > MAX_LIST {
        return Err(codes::SVL_BODY_TOO_LARGE.with([MAX_LIST]));
    }
    body.iter()
        .map(|e| {
            let folder = e.get("folder").or_else(|| e.get("folder_id")).and_then(|f| f.as_str());
            let id = e.get("id").and_then(|i| i.as_str().map(|s| s.to_string()).or_else(|| i.as_u64().map(|n| n.to_string())));
            match (folder, id) {
                (Some(f), Some(i)) => Ok((f.to_string(), i)),
                (None, _) => Err(codes::SVL_MISSING_FIELD.with(["folder"])),
                (_, None) => Err(codes::SVL_MISSING_FIELD.with(["id"])),
            }
        })
        .collect()
}

async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = parse_columns(req)?;
    let tz = req.tz()?;
    let body = req.json_array().await?;
    let elements = list_elements(&body)?;
    let mut by_folder: Vec<(String, Vec<u64>)> = Vec::new();
    for (f, id) in &elements {
        let Ok(uid) = id.trim().parse::<u64>() else { continue };
        match by_folder.iter_mut().find(|(x, _)| x == f) {
            Some((_, v)) => v.push(uid),
            None => by_folder.push((f.clone(), vec![uid])),
        }
    }
    let mut found: HashMap<(String, u64), Value> = HashMap::new();
    for (folder, uids) in &by_folder {
        let (account, full) = folder_of(state, &s, folder).await?;
        for m in account.backend.summaries(&s, &full, uids, &cols.headers).await? {
            found.insert((folder.clone(), m.uid), row(&summary_object(&m, &account, folder, tz, 0), &m, &cols));
        }
    }
    let rows: Vec<Value> = elements
        .iter()
        .filter_map(|(f, id)| id.trim().parse::<u64>().ok().and_then(|u| found.remove(&(f.clone(), u))))
        .collect();
    Ok(ApiResponse::data(Value::Array(rows)))
}

async fn count(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let (account, full) = folder_of(state, &s, &folder).await?;
    let info = account.backend.folder(&s, &full).await?.ok_or_else(|| codes::MSG_FOLDER_NOT_FOUND.with([folder.as_str()]))?;
    Ok(ApiResponse::data(json!(info.total)))
}

/// `updates`: mails new or changed since `timestamp` and the ids of mails removed since, when
/// the store can tell (IMAP with QRESYNC); otherwise an empty list, like OX on IMAP.
async fn updates(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let cols = parse_columns(req)?;
    let since = req.param_i64("timestamp")?;
    let ignore = req.param("ignore").unwrap_or("").to_ascii_lowercase();
    let tz = req.tz()?;
    let (account, full) = folder_of(state, &s, &folder).await?;
    // The stamp is taken first: whatever changes meanwhile is reported again next time.
    let ts = backend_timestamp(&account, &s, &full).await?;
    let changes = match since {
        Some(since) => account.backend.changes_since(&s, &full, since, &cols.headers).await?,
        None => None,
    };
    let Some(changes) = changes else { return Ok(ApiResponse::with_timestamp(json!([]), ts)) };
    let mut out = Vec::with_capacity(changes.changed.len() + changes.deleted.len());
    if !ignore.contains("changed") {
        out.extend(changes.changed.iter().map(|m| row(&summary_object(m, &account, &folder, tz, 0), m, &cols)));
    }
    if !ignore.contains("deleted") {
        out.extend(changes.deleted.iter().map(|u| json!(u.to_string())));
    }
    Ok(ApiResponse::with_timestamp(Value::Array(out), ts.max(since.unwrap_or(0))))
}

// --- search --------------------------------------------------------------------------------

fn search_field(name: &str) -> Option<&'static str> {
    Some(match name {
        "from" | "603" => "from",
        "to" | "604" => "to",
        "cc" | "605" => "cc",
        "bcc" | "606" => "bcc",
        "subject" | "607" => "subject",
        "content" | "body" => "content",
        "received_date" | "610" => "received_date",
        "sent_date" | "609" => "sent_date",
        "size" | "608" => "size",
        "flags" | "611" => "flags",
        _ => return None,
    })
}

fn json_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The advanced-search term (`["and", ["=", {"field": "to"}, "x"], ...]`).
fn search_term(v: &Value, depth: usize) -> OxResult<SearchCriteria> {
    let bad = || codes::SVL_INVALID_FIELD.with(["filter", &v.to_string().chars().take(100).collect::<String>()]);
    if depth > 50 {
        return Err(bad());
    }
    let arr = v.as_array().ok_or_else(bad)?;
    let op = arr.first().and_then(|o| o.as_str()).ok_or_else(bad)?.to_ascii_lowercase();
    match op.as_str() {
        "and" | "or" => {
            let subs = arr[1..].iter().map(|x| search_term(x, depth + 1)).collect::<OxResult<Vec<_>>>()?;
            Ok(if op == "and" { SearchCriteria::And(subs) } else { SearchCriteria::Or(subs) })
        }
        "not" => Ok(SearchCriteria::Not(Box::new(search_term(arr.get(1).ok_or_else(bad)?, depth + 1)?))),
        "=" | "<" | ">" => {
            let (a, b) = (arr.get(1).ok_or_else(bad)?, arr.get(2).ok_or_else(bad)?);
            let (field, value) = if a.get("field").is_some() { (a, b) } else { (b, a) };
            let name = field.get("field").and_then(|f| f.as_str()).ok_or_else(bad)?;
            let field = search_field(name).ok_or_else(|| codes::SVL_INVALID_FIELD.with(["field", name]))?;
            let text = value.as_str().map(|s| s.trim_matches('*').to_string()).unwrap_or_else(|| value.to_string());
            Ok(match (field, op.as_str()) {
                ("content", _) => SearchCriteria::Body(text),
                ("received_date", "<") => SearchCriteria::ReceivedBefore(json_i64(value).ok_or_else(bad)?),
                ("received_date", _) => SearchCriteria::ReceivedSince(json_i64(value).ok_or_else(bad)?),
                ("sent_date", "<") => SearchCriteria::SentBefore(json_i64(value).ok_or_else(bad)?),
                ("sent_date", _) => SearchCriteria::SentSince(json_i64(value).ok_or_else(bad)?),
                ("size", "<") => SearchCriteria::Smaller(json_i64(value).ok_or_else(bad)?),
                ("size", ">") => SearchCriteria::Larger(json_i64(value).ok_or_else(bad)?),
                ("size", _) => SearchCriteria::And(vec![
                    SearchCriteria::Larger(json_i64(value).ok_or_else(bad)? - 1),
                    SearchCriteria::Smaller(json_i64(value).ok_or_else(bad)? + 1),
                ]),
                ("flags", _) => SearchCriteria::FlagsSet(json_i64(value).ok_or_else(bad)? as u32),
                (h, _) => SearchCriteria::Header(h.to_string(), text),
            })
        }
        _ => Err(bad()),
    }
}

/// The search body: `{"filter": [...]}` or the older `[{"col": 603, "pattern": "x"}]`.
fn search_criteria(body: &Value) -> OxResult<SearchCriteria> {
    if let Some(f) = body.get("filter") {
        return search_term(f, 0);
    }
    if let Some(arr) = body.as_array() {
        let mut subs = Vec::new();
        for e in arr {
            let col = e.get("col").and_then(json_i64).ok_or_else(|| codes::SVL_MISSING_FIELD.with(["col"]))?;
            let pattern = e.get("pattern").and_then(|p| p.as_str()).unwrap_or("").trim_matches('*').to_string();
            subs.push(match col {
                -1 => SearchCriteria::Text(pattern),
                603 => SearchCriteria::Header("from".into(), pattern),
                604 => SearchCriteria::Header("to".into(), pattern),
                605 => SearchCriteria::Header("cc".into(), pattern),
                606 => SearchCriteria::Header("bcc".into(), pattern),
                607 => SearchCriteria::Header("subject".into(), pattern),
                _ => return Err(codes::SVL_INVALID_FIELD.with(["col", &col.to_string()])),
            });
        }
        return Ok(SearchCriteria::Or(subs));
    }
    Err(codes::SVL_MISSING_FIELD.with(["filter"]))
}

async fn search(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let cols = parse_columns(req)?;
    let (sort, descending) = parse_sort(req)?;
    let range = window(req)?;
    let tz = req.tz()?;
    let body = req.json().await?;
    let filter = search_criteria(&body)?;
    let (account, full) = folder_of(state, &s, &folder).await?;
    let key = match sort {
        SortSpec::Key(k) => k,
        SortSpec::Thread => SortKey::ReceivedDate,
    };
    let q = ListQuery { sort: key, descending, range, filter, headers: cols.headers.clone() };
    let page = account.backend.list_messages(&s, &full, &q).await?;
    let rows: Vec<Value> = page.messages.iter().map(|m| row(&summary_object(m, &account, &folder, tz, 0), m, &cols)).collect();
    Ok(ApiResponse::data(Value::Array(rows)))
}

// --- reading -------------------------------------------------------------------------------

/// The uid named by `id`, or found by `message_id`.
async fn target_uid(req: &ApiRequest, account: &MailAccount, s: &Session, full: &str, folder: &str) -> OxResult<u64> {
    if let Some(id) = req.param_nonempty("id") {
        return parse_uid(id, folder);
    }
    if let Some(mid) = req.param_nonempty("message_id") {
        let mid = mid.trim().trim_start_matches('<').trim_end_matches('>');
        let uids = account.backend.search(s, full, &SearchCriteria::Header("message-id".into(), mid.to_string())).await?;
        return uids.first().copied().ok_or_else(|| not_found(mid, folder));
    }
    Err(codes::SVL_MISSING_PARAM.with(["id"]))
}

async fn fetch(account: &MailAccount, s: &Session, full: &str, uid: u64, folder: &str) -> OxResult<Bytes> {
    account.backend.fetch_raw(s, full, uid).await?.ok_or_else(|| not_found(&uid.to_string(), folder))
}

fn download(bytes: Body, content_type: &str, filename: Option<&str>, attachment: bool, size: Option<i64>) -> OxResult<Response> {
    let mut b = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")))
        .header("X-Content-Type-Options", "nosniff")
        .header(header::CACHE_CONTROL, "private, no-cache");
    let disp_kind = if attachment { "attachment" } else { "inline" };
    let disp = match filename {
        Some(f) => {
            let ascii: String = f.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
            let encoded = percent_encoding::utf8_percent_encode(f, percent_encoding::NON_ALPHANUMERIC);
            format!("{disp_kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
        }
        None => disp_kind.to_string(),
    };
    b = b.header(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disp).unwrap_or(HeaderValue::from_static("attachment")));
    if let Some(n) = size {
        b = b.header(header::CONTENT_LENGTH, n);
    }
    b.body(bytes).map_err(OxError::internal)
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let (account, full) = folder_of(state, &s, &folder).await?;
    let uid = target_uid(req, &account, &s, &full, &folder).await?;
    let unseen = req.flag("unseen")?;
    let src = req.flag("src")?;
    let hdr = req.flag("hdr")?;
    let save = req.flag("save")?;
    let attach_src = req.flag("attach_src")?;
    let edit = req.flag("edit")?;
    let tz = req.tz()?;
    let max_size = match req.param_i64("max_size")? {
        Some(n) if n <= 0 => return Err(invalid("max_size", &n.to_string())),
        Some(n) => Some((n as usize).max(10_000)),
        None => None,
    };
    let mark_seen = |account: MailAccount, s: std::sync::Arc<Session>, full: String| async move {
        if !unseen {
            account.backend.set_flags(&s, &full, &[uid], &FlagChange { set: flag::SEEN, ..Default::default() }).await?;
        }
        OxResult::Ok(())
    };
    if src && save {
        let raw = account.backend.open_raw(&s, &full, uid).await?.ok_or_else(|| not_found(&uid.to_string(), &folder))?;
        let body = Body::from_stream(tokio_util::io::ReaderStream::new(raw.reader));
        mark_seen(account.clone(), s.clone(), full.clone()).await?;
        return Ok(ApiResponse::Raw(download(body, "message/rfc822", Some(&format!("{uid}.eml")), true, Some(raw.size))?));
    }
    let raw = fetch(&account, &s, &full, uid, &folder).await?;
    if src {
        mark_seen(account.clone(), s.clone(), full.clone()).await?;
        return Ok(ApiResponse::data(json!(String::from_utf8_lossy(&raw))));
    }
    if hdr {
        let end = oxbow_domain::mail::parse::header_block_end(&raw);
        return Ok(ApiResponse::data(json!(String::from_utf8_lossy(&raw[..end]))));
    }
    let summary = account.backend.summaries(&s, &full, &[uid], &[]).await?.into_iter().next().ok_or_else(|| not_found(&uid.to_string(), &folder))?;
    let image_base = format!(
        "/ajax/image/mail/picture?folder={}&id={uid}",
        percent_encoding::utf8_percent_encode(&folder, percent_encoding::NON_ALPHANUMERIC)
    );
    let opts = ViewOptions { view: View::parse(req.param("view")), max_size, tz, image_url_base: Some(&image_base) };
    let raw2 = raw.clone();
    let mut obj = {
        let parsed = view::parse_message(&raw2);
        match parsed {
            Some(msg) => view::message_json(&msg, &opts, 0),
            None => return Err(codes::MSG_INVALID_MESSAGE.with([format!("{folder}/{uid}")])),
        }
    };
    mark_seen(account.clone(), s.clone(), full.clone()).await?;
    let flags = if unseen { summary.flags } else { summary.flags | flag::SEEN };
    obj.insert("id".into(), json!(uid.to_string()));
    obj.insert("folder_id".into(), json!(folder));
    obj.insert("account_id".into(), json!(account.id));
    obj.insert("account_name".into(), json!(account.name));
    obj.insert("flags".into(), json!(flags));
    obj.insert("color_label".into(), json!(summary.color_label));
    obj.insert("user".into(), json!(user_keywords(&summary.keywords)));
    obj.insert("received_date".into(), json!(to_wire_time(summary.received_date, tz)));
    let unread = account.backend.folder(&s, &full).await?.map(|f| f.unread).unwrap_or(0);
    obj.insert("unread".into(), json!(unread));
    if edit || summary.flags & flag::DRAFT != 0 {
        obj.insert("msgref".into(), json!(format!("{folder}/{uid}")));
    }
    if attach_src {
        obj.insert("source".into(), json!(String::from_utf8_lossy(&raw)));
    }
    Ok(ApiResponse::data(Value::Object(obj)))
}

/// Serve one part of a message: by section id or Content-ID.
pub async fn serve_part(
    state: &AppState,
    s: &Session,
    folder: &str,
    id: &str,
    section: Option<&str>,
    cid: Option<&str>,
    save: bool,
    images_only: bool,
) -> OxResult<Response> {
    let (account, full) = folder_of(state, s, folder).await?;
    let uid = parse_uid(id, folder)?;
    let raw = fetch(&account, s, &full, uid, folder).await?;
    // The part leaves the parsed message without a copy: decoded contents are moved out,
    // undecoded ones stay a slice of the raw message.
    let part = {
        let mut msg = view::parse_message(&raw).ok_or_else(|| codes::MSG_INVALID_MESSAGE.with([format!("{folder}/{uid}")]))?;
        view::take_part(&mut msg, section, cid).map(|(ct, name, bytes)| {
            let bytes = match bytes {
                std::borrow::Cow::Borrowed(b) => raw.slice_ref(b),
                std::borrow::Cow::Owned(v) => Bytes::from(v),
            };
            (ct, name, bytes)
        })
    };
    drop(raw);
    let (ct, name, bytes) = part.ok_or_else(|| not_found(&format!("{id}/{}", section.or(cid).unwrap_or("")), folder))?;
    if images_only && !ct.starts_with("image/") {
        return Err(not_found(&format!("{id}/{}", cid.unwrap_or("")), folder));
    }
    // Active content is never shown inline from our origin: HTML is sanitised, SVG and
    // anything not clearly passive is offered as a download.
    let (bytes, ct, force_download) = if ct == "text/html" && !save {
        let clean = view::sanitize_html(&String::from_utf8_lossy(&bytes), true, None);
        (Bytes::from(clean.into_bytes()), "text/html; charset=UTF-8".to_string(), false)
    } else {
        let passive = ct.starts_with("image/") && ct != "image/svg+xml" || ct == "text/plain" || ct == "application/pdf";
        let ct = if ct.starts_with("text/") { format!("{ct}; charset=UTF-8") } else { ct };
        (bytes, ct, !passive)
    };
    let n = bytes.len() as i64;
    download(Body::from(bytes), &ct, name.as_deref(), save || force_download, Some(n))
}

async fn attachment(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let id = req.require("id")?.to_string();
    let section = req.param_nonempty("attachment").map(|x| x.to_string());
    let cid = req.param_nonempty("cid").map(|x| x.to_string());
    if section.is_none() && cid.is_none() {
        return Err(codes::SVL_MISSING_PARAM.with(["attachment"]));
    }
    let save = req.flag("save")?;
    Ok(ApiResponse::Raw(serve_part(state, &s, &folder, &id, section.as_deref(), cid.as_deref(), save, false).await?))
}

fn unique_name(used: &mut Vec<String>, name: &str) -> String {
    let mut candidate = name.to_string();
    let mut i = 1;
    while used.contains(&candidate) {
        candidate = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem} ({i}).{ext}"),
            None => format!("{name} ({i})"),
        };
        i += 1;
    }
    used.push(candidate.clone());
    candidate
}

/// `zip_attachments`: the parts as entries of a ZIP written while it is sent. The message is
/// parsed once on a blocking thread, which reports a missing part before the first byte.
async fn zip_attachments(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    use std::io::Write;
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let id = req.require("id")?.to_string();
    let wanted: Vec<String> = req.require("attachment")?.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect();
    if wanted.len() > 1000 {
        return Err(invalid("attachment", "too many attachments"));
    }
    let (account, full) = folder_of(state, &s, &folder).await?;
    let uid = parse_uid(&id, &folder)?;
    let raw = fetch(&account, &s, &full, uid, &folder).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(8);
    let (checked_tx, checked_rx) = tokio::sync::oneshot::channel::<OxResult<()>>();
    let mail_path = format!("{folder}/{uid}");
    tokio::task::spawn_blocking(move || {
        let Some(msg) = view::parse_message(&raw) else {
            let _ = checked_tx.send(Err(codes::MSG_INVALID_MESSAGE.with([mail_path])));
            return;
        };
        let mut parts = Vec::with_capacity(wanted.len());
        for section in &wanted {
            match view::find_part(&msg, Some(section), None) {
                Some(p) => parts.push((section, p)),
                None => {
                    let _ = checked_tx.send(Err(not_found(&format!("{id}/{section}"), &folder)));
                    return;
                }
            }
        }
        if checked_tx.send(Ok(())).is_err() {
            return;
        }
        let mut zip = oxbow_domain::infostore::zip::ZipStreamWriter::new(Vec::<u8>::with_capacity(256 * 1024));
        let mut used = Vec::new();
        let now = oxbow_core::time::now_ms();
        for (section, (ct, name, bytes)) in parts {
            let ext = mime_guess::get_mime_extensions_str(&ct).and_then(|e| e.first().copied()).unwrap_or("bin");
            let name = name.unwrap_or_else(|| format!("attachment-{section}.{ext}")).replace(['/', '\\'], "_");
            let name = unique_name(&mut used, &name);
            if zip.start_entry(&name, now).is_err() {
                return;
            }
            for chunk in bytes.chunks(128 * 1024) {
                if zip.write_all(chunk).is_err() {
                    let _ = tx.blocking_send(Err(std::io::Error::other("writing the archive failed")));
                    return;
                }
                if zip.inner_mut().len() >= 128 * 1024 && tx.blocking_send(Ok(Bytes::from(std::mem::take(zip.inner_mut())))).is_err() {
                    return; // the client went away
                }
            }
        }
        if let Ok(rest) = zip.finish() {
            let _ = tx.blocking_send(Ok(Bytes::from(rest)));
        }
    });
    checked_rx.await.map_err(|_| OxError::internal("reading the attachments failed"))??;
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    Ok(ApiResponse::Raw(download(body, "application/zip", Some("attachments.zip"), true, None)?))
}

/// `zip_messages`: the mails as `.eml` entries of a ZIP that is written while it is sent,
/// one message at a time (the built-in store streams each message from its blob).
async fn zip_messages(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    use futures::StreamExt;
    use std::io::Write;
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let ids: Vec<String> = req.require("id")?.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect();
    if ids.len() > 1000 {
        return Err(invalid("id", "too many ids"));
    }
    let (account, full) = folder_of(state, &s, &folder).await?;
    let uids = ids.iter().map(|id| parse_uid(id, &folder)).collect::<OxResult<Vec<u64>>>()?;
    // Every mail must exist before the first byte goes out: errors after that cannot be reported.
    let summaries = account.backend.summaries(&s, &full, &uids, &[]).await?;
    let mut used = Vec::new();
    let mut entries = Vec::with_capacity(uids.len());
    for uid in &uids {
        let m = summaries.iter().find(|m| m.uid == *uid).ok_or_else(|| not_found(&uid.to_string(), &folder))?;
        let base: String = m.subject.chars().filter(|c| !c.is_control() && !"/\\:*?\"<>|".contains(*c)).take(64).collect();
        let base = if base.trim().is_empty() { format!("mail-{uid}") } else { base.trim().to_string() };
        entries.push((*uid, unique_name(&mut used, &format!("{base}.eml")), m.received_date));
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(8);
    tokio::spawn(async move {
        let fail = |what: String| std::io::Error::other(what);
        let mut zip = oxbow_domain::infostore::zip::ZipStreamWriter::new(Vec::<u8>::with_capacity(256 * 1024));
        for (uid, name, received) in entries {
            let raw = match account.backend.open_raw(&s, &full, uid).await {
                Ok(Some(r)) => r,
                Ok(None) => {
                    let _ = tx.send(Err(fail(format!("mail {uid} disappeared")))).await;
                    return;
                }
                Err(e) => {
                    let _ = tx.send(Err(fail(e.to_string()))).await;
                    return;
                }
            };
            if zip.start_entry(&name, received).is_err() {
                return;
            }
            let mut chunks = tokio_util::io::ReaderStream::new(raw.reader);
            while let Some(chunk) = chunks.next().await {
                let written = match chunk {
                    Ok(c) => zip.write_all(&c).is_ok(),
                    Err(_) => false,
                };
                if !written {
                    let _ = tx.send(Err(fail(format!("reading mail {uid} failed")))).await;
                    return;
                }
                if zip.inner_mut().len() >= 128 * 1024 {
                    let out = Bytes::from(std::mem::take(zip.inner_mut()));
                    if tx.send(Ok(out)).await.is_err() {
                        return; // the client went away
                    }
                }
            }
        }
        if let Ok(rest) = zip.finish() {
            let _ = tx.send(Ok(Bytes::from(rest))).await;
        }
    });
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    Ok(ApiResponse::Raw(download(body, "application/zip", Some("mails.zip"), true, None)?))
}

// --- changing ------------------------------------------------------------------------------

/// Flag bits a client may change (recent and the user-flag marker are the server's).
const CLIENT_FLAGS: u32 = flag::SYSTEM & !flag::RECENT | flag::KEYWORD_BITS;

fn flag_change(body: &Map<String, Value>) -> OxResult<FlagChange> {
    let mut change = FlagChange::default();
    let int = |name: &str| -> OxResult<Option<i64>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => json_i64(v).map(Some).ok_or_else(|| codes::SVL_INVALID_FIELD.with([name, &v.to_string()])),
        }
    };
    if let Some(f) = int("flags")? {
        let value = match body.get("value") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(v) => return Err(codes::SVL_INVALID_FIELD.with(["value", &v.to_string()])),
        };
        if value {
            change.set |= f as u32 & CLIENT_FLAGS;
        } else {
            change.clear |= f as u32 & CLIENT_FLAGS;
        }
    }
    if let Some(f) = int("set_flags")? {
        change.set |= f as u32 & CLIENT_FLAGS;
    }
    if let Some(f) = int("clear_flags")? {
        change.clear |= f as u32 & CLIENT_FLAGS;
    }
    if let Some(c) = int("color_label")? {
        if !(0..=10).contains(&c) {
            return Err(codes::SVL_INVALID_FIELD.with(["color_label", &c.to_string()]));
        }
        change.color_label = Some(c as u8);
    }
    Ok(change)
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let body = req.json_object().await?;
    let change = flag_change(&body)?;
    let target = body.get("folder_id").and_then(|f| f.as_str()).map(|f| f.to_string());
    let (account, full) = folder_of(state, &s, &folder).await?;
    let has_id = req.param_nonempty("id").is_some() || req.param_nonempty("message_id").is_some();
    let uids = if has_id {
        let uid = target_uid(req, &account, &s, &full, &folder).await?;
        if account.backend.summaries(&s, &full, &[uid], &[]).await?.is_empty() {
            return Err(not_found(&uid.to_string(), &folder));
        }
        vec![uid]
    } else {
        if target.is_some() {
            return Err(codes::SVL_MISSING_PARAM.with(["id"]));
        }
        account.backend.search(&s, &full, &SearchCriteria::All).await?
    };
    let changes_flags = change.set != 0 || change.clear != 0 || change.color_label.is_some();
    if changes_flags && !uids.is_empty() {
        account.backend.set_flags(&s, &full, &uids, &change).await?;
    }
    match (target, has_id) {
        (Some(t), _) if t != folder => {
            let (ta, tfull) = folder_of(state, &s, &t).await?;
            let new_uid = if ta.id == account.id {
                account.backend.move_messages(&s, &full, &uids, &tfull).await?.into_iter().next().flatten()
            } else {
                let raw = fetch(&account, &s, &full, uids[0], &folder).await?;
                let sum = account.backend.summaries(&s, &full, &uids[..1], &[]).await?;
                let (flags, keywords) = sum.first().map(|m| (m.flags, m.keywords.clone())).unwrap_or_default();
                let nu = ta.backend.append(&s, &tfull, AppendMessage { raw, flags, keywords, received_date: None }).await?;
                account.backend.delete_messages(&s, &full, &uids[..1]).await?;
                Some(nu)
            };
            let new_uid = new_uid.ok_or_else(|| not_found(&uids[0].to_string(), &folder))?;
            Ok(ApiResponse::data(json!({"folder_id": t, "id": new_uid.to_string()})))
        }
        (_, true) => Ok(ApiResponse::data(json!({"folder_id": folder, "id": uids[0].to_string()}))),
        (_, false) => Ok(ApiResponse::data(json!({"folder_id": folder}))),
    }
}

async fn copy(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let id = req.require("id")?.to_string();
    let body = req.json_object().await?;
    let target = body.get("folder_id").and_then(|f| f.as_str()).ok_or_else(|| codes::SVL_MISSING_FIELD.with(["folder_id"]))?.to_string();
    let (account, full) = folder_of(state, &s, &folder).await?;
    let (ta, tfull) = folder_of(state, &s, &target).await?;
    let uid = parse_uid(&id, &folder)?;
    let new_uid = if ta.id == account.id {
        account.backend.copy(&s, &full, &[uid], &tfull).await?.into_iter().next().flatten()
    } else {
        let raw = fetch(&account, &s, &full, uid, &folder).await?;
        let sum = account.backend.summaries(&s, &full, &[uid], &[]).await?;
        let (flags, keywords) = sum.first().map(|m| (m.flags, m.keywords.clone())).unwrap_or_default();
        Some(ta.backend.append(&s, &tfull, AppendMessage { raw, flags, keywords, received_date: None }).await?)
    };
    let new_uid = new_uid.ok_or_else(|| not_found(&id, &folder))?;
    Ok(ApiResponse::data(json!({"folder_id": target, "id": new_uid.to_string()})))
}

async fn delete(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let hard = req.flag("harddelete")?;
    let body = req.json_array().await?;
    let elements = list_elements(&body)?;
    let mut by_folder: Vec<(String, Vec<u64>)> = Vec::new();
    for (f, id) in &elements {
        let uid = parse_uid(id, f)?;
        match by_folder.iter_mut().find(|(x, _)| x == f) {
            Some((_, v)) => v.push(uid),
            None => by_folder.push((f.clone(), vec![uid])),
        }
    }
    for (folder, uids) in &by_folder {
        let (account, full) = folder_of(state, &s, folder).await?;
        let trash = account.backend.special_folder(&s, SpecialUse::Trash).await?;
        match trash {
            Some(t) if !hard && t != *full => {
                account.backend.move_messages(&s, full.as_str(), uids, &t).await.map_err(|e| {
                    if e.code == codes::MSG_QUOTA_EXCEEDED.code { codes::MSG_DELETE_QUOTA.err() } else { e }
                })?;
            }
            _ => account.backend.delete_messages(&s, &full, uids).await?,
        }
    }
    Ok(ApiResponse::data(json!([])))
}

async fn clear(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let body = req.json_array().await?;
    let mut failed = Vec::new();
    for f in &body {
        let Some(folder) = f.as_str() else {
            return Err(codes::SVL_INVALID_JSON.with(["expected an array of folder ids"]));
        };
        match folder_of(state, &s, folder).await {
            Ok((account, full)) => {
                if account.backend.clear_folder(&s, &full).await.is_err() {
                    failed.push(json!(folder));
                }
            }
            Err(_) => failed.push(json!(folder)),
        }
    }
    Ok(ApiResponse::data(Value::Array(failed)))
}

async fn all_seen(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let (account, full) = folder_of(state, &s, &folder).await?;
    let uids = account.backend.search(&s, &full, &SearchCriteria::FlagsUnset(flag::SEEN)).await?;
    if !uids.is_empty() {
        account.backend.set_flags(&s, &full, &uids, &FlagChange { set: flag::SEEN, ..Default::default() }).await?;
    }
    Ok(ApiResponse::data(json!(true)))
}

fn flags_param(req: &ApiRequest) -> OxResult<u32> {
    Ok(match req.param_i64("flags")? {
        Some(f) if f < 0 => return Err(invalid("flags", &f.to_string())),
        Some(f) => f as u32 & CLIENT_FLAGS,
        None => 0,
    })
}

/// Read one multipart field completely, refusing more than `limit` bytes.
async fn read_field(field: &mut multer::Field<'static>, limit: u64) -> OxResult<Bytes> {
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limit))? {
        if buf.len() as u64 + chunk.len() as u64 > limit {
            return Err(codes::SVL_BODY_TOO_LARGE.with([limit]));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

async fn import(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let flags = flags_param(req)?;
    let (account, full) = folder_of(state, &s, &folder).await?;
    if account.backend.folder(&s, &full).await?.is_none() {
        return Err(codes::MSG_FOLDER_NOT_FOUND.with([folder.as_str()]));
    }
    let limit = req.max_upload_size.min(MAX_RAW_MESSAGE);
    let mut mp = req.multipart()?;
    let mut out = Vec::new();
    while let Some(mut field) = mp.next_field().await.map_err(|e| multipart_error(e, limit))? {
        if field.file_name().is_none() && field.name().is_some_and(|n| !n.starts_with("file")) {
            continue;
        }
        let raw = read_field(&mut field, limit).await?;
        if raw.is_empty() {
            continue;
        }
        let uid = account.backend.append(&s, &full, AppendMessage { raw, flags, keywords: Vec::new(), received_date: None }).await?;
        out.push(json!({"folder_id": folder, "id": uid.to_string()}));
    }
    if out.is_empty() {
        return Err(codes::SVL_MISSING_PARAM.with(["file"]));
    }
    Ok(ApiResponse::data(Value::Array(out)))
}

// --- compose -------------------------------------------------------------------------------

/// A mail path `folder/id` split at the last separator.
fn split_mail_path(path: &str) -> OxResult<(String, String)> {
    path.rsplit_once('/')
        .filter(|(f, i)| !f.is_empty() && !i.is_empty())
        .map(|(f, i)| (f.to_string(), i.to_string()))
        .ok_or_else(|| codes::MSG_REFERENCE_NOT_FOUND.with([path]))
}

async fn referenced(state: &AppState, s: &Session, msgref: &str) -> OxResult<(MailAccount, String, String, u64, Bytes)> {
    let (folder, id) = split_mail_path(msgref)?;
    let (account, full) = folder_of(state, s, &folder).await.map_err(|_| codes::MSG_REFERENCE_NOT_FOUND.with([msgref]))?;
    let uid = id.parse::<u64>().map_err(|_| codes::MSG_REFERENCE_NOT_FOUND.with([msgref]))?;
    let raw = account.backend.fetch_raw(s, &full, uid).await?.ok_or_else(|| codes::MSG_REFERENCE_NOT_FOUND.with([msgref]))?;
    Ok((account, full, folder, uid, raw))
}

/// The Message-ID and References of a message (for the reply headers).
fn thread_ids(raw: &[u8]) -> (Option<String>, Vec<String>) {
    let (sum, _, _) = oxbow_domain::mail::parse::summarize(&raw[..oxbow_domain::mail::parse::header_block_end(raw)]);
    (sum.message_id, sum.references)
}

async fn new(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let mut uploads: Vec<ComposeAttachment> = Vec::new();
    let mail_json: Value = if req.is_multipart() {
        let limit = req.max_upload_size;
        let mut mp = req.multipart()?;
        let mut json_field = None;
        while let Some(mut field) = mp.next_field().await.map_err(|e| multipart_error(e, limit))? {
            let name = field.name().unwrap_or("").to_string();
            if name == "json_0" || (json_field.is_none() && field.file_name().is_none() && name.starts_with("json")) {
                let bytes = read_field(&mut field, 10 * 1024 * 1024).await?;
                json_field = Some(serde_json::from_slice::<Value>(&bytes).map_err(|e| codes::MSG_JSON_ERROR.with([e.to_string()]))?);
            } else if field.file_name().is_some() || name.starts_with("file") {
                let filename = field.file_name().unwrap_or("attachment").to_string();
                let content_type = field.content_type().map(|m| m.essence_str().to_string()).unwrap_or_else(|| {
                    mime_guess::from_path(&filename).first_or_octet_stream().essence_str().to_string()
                });
                let data = read_field(&mut field, limit).await?;
                uploads.push(ComposeAttachment { content_type, filename, data, cid: None });
            }
        }
        json_field.ok_or_else(|| codes::SVL_MISSING_PARAM.with(["json_0"]))?
    } else {
        let body = req.bytes(MAX_RAW_MESSAGE).await?;
        let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first == Some(b'{') {
            serde_json::from_slice(&body).map_err(|e| codes::SVL_INVALID_JSON.with([e.to_string()]))?
        } else if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(codes::SVL_MISSING_BODY.err());
        } else {
            return new_raw(state, req, &s, body).await;
        }
    };
    let Value::Object(mail) = mail_json else { return Err(codes::SVL_INVALID_JSON.with(["expected a JSON object"])) };
    let link_base = ui_link_base(state, req);
    new_from_json(state, &s, mail, uploads, &link_base).await
}

/// `PUT new` with an RFC 822 body: append to `folder`, or send it.
async fn new_raw(state: &AppState, req: &ApiRequest, s: &Session, raw: Bytes) -> OxResult<ApiResponse> {
    if let Some(folder) = req.param_nonempty("folder") {
        let folder = folder.to_string();
        let flags = flags_param(req)?;
        let (account, full) = folder_of(state, s, &folder).await?;
        let uid = account.backend.append(s, &full, AppendMessage { raw, flags, keywords: Vec::new(), received_date: None }).await?;
        return Ok(ApiResponse::data(json!({"folder_id": folder, "id": uid.to_string()})));
    }
    let (sum, _, _) = oxbow_domain::mail::parse::summarize(&raw);
    let from = sum.from.first().map(|a| a.email.clone()).ok_or_else(|| codes::MSG_MISSING_PARAM.with(["from"]))?;
    let recipients: Vec<String> = sum.to.iter().chain(&sum.cc).chain(&sum.bcc).map(|a| a.email.clone()).collect();
    let (account, _) = primary(state, s).await?;
    // Bcc recipients must not see each other: drop the header from what is transported.
    let transported = if sum.bcc.is_empty() { raw.clone() } else { Bytes::from(strip_header(&raw, "bcc")) };
    account.transport.send(s, &OutgoingMessage { from, recipients, raw: transported }).await?;
    match store_sent(&account, s, raw).await? {
        Some((folder, uid)) => Ok(ApiResponse::data(json!({"folder_id": folder, "id": uid.to_string()}))),
        None => Ok(ApiResponse::data(Value::Null)),
    }
}

fn strip_header(raw: &[u8], name: &str) -> Vec<u8> {
    let end = oxbow_domain::mail::parse::header_block_end(raw);
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut out = String::new();
    let mut skipping = false;
    for line in head.split_inclusive('\n') {
        if line.starts_with([' ', '\t']) {
            if !skipping {
                out.push_str(line);
            }
            continue;
        }
        skipping = line.split(':').next().is_some_and(|n| n.trim().eq_ignore_ascii_case(name));
        if !skipping {
            out.push_str(line);
        }
    }
    let mut v = out.into_bytes();
    v.extend_from_slice(&raw[end..]);
    v
}

pub(crate) async fn primary(state: &AppState, s: &Session) -> OxResult<(MailAccount, String)> {
    let address = oxbow_domain::mail::transport::user_address(&state.db, &state.config, s.cid, s.user_id).await?;
    let account = state.mail.account(s, 0, address.clone()).await?.ok_or_else(|| codes::MSG_NO_ACCESS.err())?;
    Ok((account, address))
}

/// Keep a sent message in the account's Sent folder; `(folder id, uid)`.
async fn store_sent(account: &MailAccount, s: &Session, raw: Bytes) -> OxResult<Option<(String, u64)>> {
    let Some(sent) = account.backend.special_folder(s, SpecialUse::Sent).await? else { return Ok(None) };
    let uid = account.backend.append(s, &sent, AppendMessage { raw, flags: flag::SEEN, keywords: Vec::new(), received_date: None }).await?;
    Ok(Some((mail_folder_id(account.id, &sent), uid)))
}

async fn new_from_json(state: &AppState, s: &Session, mail: Map<String, Value>, mut uploads: Vec<ComposeAttachment>, link_base: &str) -> OxResult<ApiResponse> {
    let flags = mail.get("flags").and_then(json_i64).unwrap_or(0) as u32;
    let sendtype = mail.get("sendtype").and_then(json_i64).unwrap_or(0);
    let is_draft = flags & flag::DRAFT != 0;
    let msgref = mail.get("msgref").and_then(|m| m.as_str()).map(|m| m.to_string());
    let mut c = Compose {
        from: compose::addresses_from_value(mail.get("from"), "from")?,
        to: compose::addresses_from_value(mail.get("to"), "to")?,
        cc: compose::addresses_from_value(mail.get("cc"), "cc")?,
        bcc: compose::addresses_from_value(mail.get("bcc"), "bcc")?,
        reply_to: compose::addresses_from_value(mail.get("reply_to"), "reply_to")?,
        subject: mail.get("subject").and_then(|v| v.as_str()).unwrap_or("").to_string(),
        priority: mail.get("priority").and_then(json_i64),
        ..Default::default()
    };
    let (account, address) = primary(state, s).await?;
    if c.from.is_empty() {
        if !is_draft {
            return Err(codes::MSG_MISSING_PARAM.with(["from"]));
        }
        c.from.push(MailAddress { name: None, email: address.clone() });
    }
    match mail.get("disp_notification_to") {
        Some(Value::Bool(true)) => c.disp_notification_to = Some(c.from[0].email.clone()),
        Some(Value::String(a)) if !a.is_empty() && a != "false" => c.disp_notification_to = Some(a.clone()),
        _ => {}
    }
    if let Some(Value::Object(h)) = mail.get("headers") {
        for (k, v) in h {
            let lower = k.to_ascii_lowercase();
            if lower.starts_with("x-") && lower != "x-mailer" || lower == "in-reply-to" || lower == "references" {
                if let Some(v) = v.as_str() {
                    c.headers.push((k.clone(), v.to_string()));
                }
            }
        }
    }
    // Body: attachments[0].
    let attachments = mail.get("attachments").and_then(|a| a.as_array()).cloned().unwrap_or_default();
    if let Some(body) = attachments.first() {
        let ct = body.get("content_type").and_then(|c| c.as_str()).unwrap_or("text/plain").to_ascii_lowercase();
        let content = body.get("content").and_then(|c| c.as_str()).unwrap_or("").to_string();
        let raw_body = body.get("raw").and_then(|r| r.as_bool()).unwrap_or(false);
        match ct.as_str() {
            "text/html" => {
                let html = if raw_body { content } else { view::sanitize_html(&content, false, None) };
                c.html_body = Some(html);
            }
            "alternative" | "multipart/alternative" => {
                let html = if raw_body { content } else { view::sanitize_html(&content, false, None) };
                c.text_body = Some(view::html_to_text(&html));
                c.html_body = Some(html);
            }
            _ => c.text_body = Some(content),
        }
    }
    // The referenced mail (reply/forward/draft) and its parts.
    let original = match &msgref {
        Some(r) => Some(referenced(state, s, r).await?),
        None => None,
    };
    if let Some((_, _, _, _, raw)) = &original {
        if sendtype == 1 {
            let (mid, mut refs) = thread_ids(raw);
            if let Some(mid) = mid {
                c.in_reply_to = Some(mid.clone());
                refs.push(mid);
                c.references = refs;
            }
        }
    }
    for a in attachments.iter().skip(1) {
        if let Some(id) = a.get("id").and_then(|i| i.as_str()) {
            let source = match a.get("msgref").and_then(|m| m.as_str()) {
                Some(r) => referenced(state, s, r).await?.4,
                None => original.as_ref().map(|o| o.4.clone()).ok_or_else(|| codes::MSG_REFERENCE_NOT_FOUND.with([id]))?,
            };
            let msg = view::parse_message(&source).ok_or_else(|| codes::MSG_REFERENCE_NOT_FOUND.with([id]))?;
            let (ct, name, bytes) = view::find_part(&msg, Some(id), None).ok_or_else(|| codes::MSG_REFERENCE_NOT_FOUND.with([id]))?;
            let filename = a.get("filename").and_then(|f| f.as_str()).map(|f| f.to_string()).or(name).unwrap_or_else(|| format!("attachment-{id}"));
            uploads.push(ComposeAttachment { content_type: ct, filename, data: Bytes::from(bytes.into_owned()), cid: None });
        } else if let Some(content) = a.get("content").and_then(|c| c.as_str()) {
            let ct = a.get("content_type").and_then(|c| c.as_str()).unwrap_or("text/plain").to_string();
            let filename = a.get("filename").and_then(|f| f.as_str()).unwrap_or("attachment.txt").to_string();
            uploads.push(ComposeAttachment { content_type: ct, filename, data: Bytes::from(content.as_bytes().to_vec()), cid: None });
        }
    }
    // Drive files are checked (the sender's read permission) before anything is sent; they
    // are attached, or linked with a share reference when `share_attachments` asks for that.
    let drive = drive_versions(state, s, mail.get("infostore_ids")).await?;
    let share = share_settings(mail.get("share_attachments"))?;
    let mut share_header = None;
    match share {
        Some(settings) if !drive.is_empty() && !is_draft => {
            share_header = Some(share_drive_files(state, s, &mut c, &drive, settings, link_base).await?);
        }
        _ => uploads.extend(drive_attachments(state, &drive).await?),
    }
    // Inline images: uploaded parts whose Content-ID the HTML body references.
    if let Some(html) = &c.html_body {
        for u in uploads.iter_mut() {
            let marker = format!("cid:{}", u.filename);
            if u.content_type.starts_with("image/") && html.contains(&marker) {
                u.cid = Some(u.filename.clone());
            }
        }
    }
    c.attachments = uploads;
    let domain = c.from[0].email.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_else(|| state.config.mail.domain.clone());
    let message_id = compose::new_message_id(&domain);
    let bcc = c.bcc.clone();
    let recipients: Vec<String> = c.to.iter().chain(&c.cc).chain(&c.bcc).map(|a| a.email.clone()).collect();
    let from = c.from[0].email.clone();
    let raw = Bytes::from(tokio::task::spawn_blocking(move || compose::build(c, &message_id)).await.map_err(OxError::internal)??);

    if is_draft {
        let drafts = account.backend.special_folder(s, SpecialUse::Drafts).await?.ok_or_else(|| codes::MSG_FOLDER_NOT_FOUND.with(["Drafts"]))?;
        let stored = compose::with_bcc_header(&raw, &bcc);
        let uid = account
            .backend
            .append(s, &drafts, AppendMessage { raw: stored, flags: flag::DRAFT | flag::SEEN, keywords: Vec::new(), received_date: None })
            .await?;
        // Editing a draft replaces the previous version.
        if let Some((oa, ofull, _, ouid, _)) = &original {
            if sendtype == 3 || sendtype == 4 || sendtype == 6 {
                oa.backend.delete_messages(s, ofull, &[*ouid]).await?;
            }
        }
        return Ok(ApiResponse::data(json!(format!("{}/{uid}", mail_folder_id(account.id, &drafts)))));
    }
    if recipients.is_empty() {
        return Err(codes::MSG_MISSING_PARAM.with(["to"]));
    }
    account.transport.send(s, &OutgoingMessage { from, recipients, raw: raw.clone() }).await?;
    if let Some((oa, ofull, _, ouid, _)) = &original {
        let change = match sendtype {
            1 => Some(FlagChange { set: flag::ANSWERED, ..Default::default() }),
            2 => Some(FlagChange { set: flag::FORWARDED, ..Default::default() }),
            _ => None,
        };
        if let Some(ch) = change {
            oa.backend.set_flags(s, ofull, &[*ouid], &ch).await?;
        }
        let delete_draft = sendtype == 6 || (sendtype == 4 && mail.get("deleteDraftOnTransport").and_then(|v| v.as_bool()).unwrap_or(false));
        if delete_draft {
            oa.backend.delete_messages(s, ofull, &[*ouid]).await?;
        }
    }
    let copy = match mail.get("copy2Sent") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(v)) => v != "false" && v != "0",
        Some(Value::Number(n)) => n.as_i64() != Some(0),
        _ => true,
    };
    if copy {
        let mut stored = compose::with_bcc_header(&raw, &bcc);
        if let Some(line) = &share_header {
            let mut with_reference = line.clone().into_bytes();
            with_reference.extend_from_slice(&stored);
            stored = Bytes::from(with_reference);
        }
        if let Some((folder, uid)) = store_sent(&account, s, stored).await? {
            return Ok(ApiResponse::data(json!(format!("{folder}/{uid}"))));
        }
    }
    Ok(ApiResponse::data(Value::Null))
}

/// Most Drive files one mail may attach.
const MAX_DRIVE_ATTACHMENTS: usize = 100;

/// One `infostore_ids` element: `"<folder>/<id>"`, `"<id>"`, a number, or
/// `{"id": ..., "version": n}` for a specific version.
fn drive_reference(v: &Value) -> OxResult<(i64, Option<i64>)> {
    let bad = || codes::SVL_INVALID_FIELD.with(["infostore_ids", &v.to_string().chars().take(100).collect::<String>()]);
    let id_of = |x: &Value| match x {
        Value::String(s) => oxbow_domain::infostore::parse_id(s),
        Value::Number(n) => n.as_i64().filter(|n| *n > 0),
        _ => None,
    };
    match v {
        Value::Object(o) => {
            let id = o.get("id").and_then(id_of).ok_or_else(bad)?;
            let version = match o.get("version") {
                None | Some(Value::Null) => None,
                Some(x) => Some(json_i64(x).filter(|n| *n > 0).ok_or_else(bad)?),
            };
            Ok((id, version))
        }
        other => Ok((id_of(other).ok_or_else(bad)?, None)),
    }
}

/// The Drive file versions named by `infostore_ids`, each checked for the sender's read
/// permission: IFO-0300/IFO-0400/IFO-0438 when one is unknown, unreadable or has no such version.
async fn drive_versions(state: &AppState, s: &Session, ids: Option<&Value>) -> OxResult<Vec<(ItemRow, VersionRow)>> {
    let refs: Vec<(i64, Option<i64>)> = match ids {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => {
            if items.len() > MAX_DRIVE_ATTACHMENTS {
                return Err(codes::SVL_INVALID_FIELD.with(["infostore_ids", &format!("at most {MAX_DRIVE_ATTACHMENTS} files")]));
            }
            items.iter().map(drive_reference).collect::<OxResult<_>>()?
        }
        Some(other) => return Err(codes::SVL_INVALID_FIELD.with(["infostore_ids", &other.to_string().chars().take(100).collect::<String>()])),
    };
    let mut out = Vec::with_capacity(refs.len());
    for (id, version) in refs {
        out.push(oxbow_domain::infostore::document(&state.core, s, id, version).await?);
    }
    Ok(out)
}

/// The bytes of checked Drive file versions as attachments, with their names and MIME types.
async fn drive_attachments(state: &AppState, versions: &[(ItemRow, VersionRow)]) -> OxResult<Vec<ComposeAttachment>> {
    use futures::TryStreamExt;
    let total: u64 = versions.iter().map(|(_, v)| v.file_size.max(0) as u64).sum();
    if total > MAX_RAW_MESSAGE {
        return Err(codes::MSG_TOO_LARGE.with([MAX_RAW_MESSAGE]));
    }
    let mut out = Vec::with_capacity(versions.len());
    for (_, v) in versions {
        let read = oxbow_domain::infostore::open_blob(&state.core, &v.blob_key, None)
            .await
            .map_err(|e| OxError::internal(format!("reading Drive file {}: {e:?}", v.item_id)))?;
        let mut buf = bytes::BytesMut::with_capacity(read.size.min(MAX_RAW_MESSAGE) as usize);
        let mut stream = read.stream;
        while let Some(chunk) = stream.try_next().await.map_err(OxError::internal)? {
            if buf.len() as u64 + chunk.len() as u64 > MAX_RAW_MESSAGE {
                return Err(codes::MSG_TOO_LARGE.with([MAX_RAW_MESSAGE]));
            }
            buf.extend_from_slice(&chunk);
        }
        let content_type = if v.file_mimetype.trim().is_empty() {
            mime_guess::from_path(&v.filename).first_or_octet_stream().essence_str().to_string()
        } else {
            v.file_mimetype.clone()
        };
        let filename = if v.filename.is_empty() { format!("file-{}", v.item_id) } else { v.filename.clone() };
        out.push(ComposeAttachment { content_type, filename, data: buf.freeze(), cid: None });
    }
    Ok(out)
}

/// `share_attachments` of a mail: `{"enable": true, "expiry_date": <ms>, "password": "..."}`;
/// `None` when absent or not enabled.
fn share_settings(v: Option<&Value>) -> OxResult<Option<(Option<i64>, Option<String>)>> {
    let Some(Value::Object(o)) = v else {
        return match v {
            None | Some(Value::Null) => Ok(None),
            Some(other) => Err(codes::SVL_INVALID_FIELD.with(["share_attachments", &other.to_string().chars().take(100).collect::<String>()])),
        };
    };
    let enabled = match o.get("enable") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(x)) => x.eq_ignore_ascii_case("true"),
        _ => false,
    };
    if !enabled {
        return Ok(None);
    }
    let expiry = match o.get("expiry_date") {
        None | Some(Value::Null) => None,
        Some(x) => Some(json_i64(x).ok_or_else(|| codes::SVL_INVALID_FIELD.with(["expiry_date", &x.to_string()]))?),
    };
    let password = o.get("password").and_then(|p| p.as_str()).filter(|p| !p.is_empty()).map(str::to_string);
    Ok(Some((expiry, password)))
}

/// Link the Drive files in the body instead of attaching them, and describe them in a
/// share reference for the sender's copy; returns the header line for that copy.
async fn share_drive_files(
    state: &AppState,
    s: &Session,
    c: &mut Compose,
    versions: &[(ItemRow, VersionRow)],
    settings: (Option<i64>, Option<String>),
    link_base: &str,
) -> OxResult<String> {
    let (first, _) = &versions[0];
    let folder_name = oxbow_domain::folders::access(&state.db, s, first.folder_id).await?.map(|a| a.folder.title).unwrap_or_default();
    let mut items = Vec::with_capacity(versions.len());
    let mut text = String::from("\n\nShared files:\n");
    let mut html = String::from("<p>Shared files:</p><ul>");
    for (item, v) in versions {
        let id = oxbow_domain::infostore::wire_id(item.folder_id, item.id);
        let link = format!("{link_base}#!!&app=io.ox/files&folder={}&id={}", item.folder_id, percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC));
        text.push_str(&format!("- {}: {link}\n", v.filename));
        html.push_str(&format!("<li><a href=\"{}\">{}</a></li>", compose::escape_html(&link), compose::escape_html(&v.filename)));
        items.push(SharedItem { id, name: v.filename.clone() });
    }
    html.push_str("</ul>");
    if let Some(t) = c.text_body.as_mut() {
        t.push_str(&text);
    }
    if let Some(h) = c.html_body.as_mut() {
        h.push_str(&html);
    }
    if c.text_body.is_none() && c.html_body.is_none() {
        c.text_body = Some(text.trim_start().to_string());
    }
    let reference = ShareReference {
        share_token: ShareReference::new_token(),
        context_id: s.cid,
        user_id: s.user_id,
        folder: SharedItem { id: first.folder_id.to_string(), name: folder_name },
        items,
        expiration: settings.0,
        password: settings.1,
    };
    let secrets = oxbow_domain::mail_accounts::AccountSecrets::load(&state.config)?;
    reference.header_line(&secrets)
}

/// Where the web UI is, for links in mails: scheme and host of the request and the UI path.
fn ui_link_base(state: &AppState, req: &ApiRequest) -> String {
    let host: String = req.header("x-forwarded-host").or_else(|| req.header("host")).unwrap_or("localhost").chars().filter(|c| c.is_ascii_graphic()).collect();
    let https = state.config.cookie_secure || req.header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let path = if state.config.ui_web_path.starts_with('/') { state.config.ui_web_path.clone() } else { format!("/{}", state.config.ui_web_path) };
    format!("{}://{host}{path}", if https { "https" } else { "http" })
}

/// `resolve_share_reference`: the share a reference from the user's own sent mail names,
/// with the current metadata of its files (those still readable).
async fn resolve_share_reference(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let body = req.json_object().await?;
    let reference = body.get("reference").and_then(|r| r.as_str()).ok_or_else(|| codes::SVL_MISSING_FIELD.with(["reference"]))?;
    let secrets = oxbow_domain::mail_accounts::AccountSecrets::load(&state.config)?;
    let share = ShareReference::decode(reference, &secrets).ok_or_else(|| codes::SVL_INVALID_JSON.with(["reference: not a valid share reference"]))?;
    // Only the sharing user resolves a reference; for anyone else the share does not exist.
    if share.context_id != s.cid || share.user_id != s.user_id {
        return Err(codes::SHR_UNKNOWN_SHARE.with([share.share_token.as_str()]));
    }
    let folder_id = share.folder.id.parse::<i64>().map_err(|_| codes::FILE_STORAGE_NO_SUCH_FOLDER.err())?;
    if oxbow_domain::folders::access(&state.db, &s, folder_id).await?.is_none() {
        return Err(codes::FILE_STORAGE_NO_SUCH_FOLDER.err());
    }
    let tz = req.tz()?;
    let mut rows = Vec::new();
    let mut rights = HashMap::new();
    for item in &share.items {
        let Some(id) = oxbow_domain::infostore::parse_id(&item.id) else { continue };
        // Files deleted or no longer readable since the mail was sent are left out.
        if let Ok((row, access)) = oxbow_domain::infostore::readable_item(&state.db, &s, id).await {
            rights.insert(row.folder_id, access.rights);
            rows.push(row);
        }
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts: HashMap<i64, i64> = oxbow_store::infostore::version_counts(&state.db, s.cid, &ids).await?.into_iter().collect();
    let files: Vec<Value> = rows
        .iter()
        .map(|r| Value::Object(oxbow_domain::infostore::item_json(r, counts.get(&r.id).copied().unwrap_or(0), tz, rights.get(&r.folder_id).copied().unwrap_or_default())))
        .collect();
    let mut out = Map::new();
    out.insert("shareToken".into(), json!(share.share_token));
    out.insert("contextId".into(), json!(share.context_id));
    out.insert("userId".into(), json!(share.user_id));
    out.insert("files".into(), Value::Array(files));
    if let Some(e) = share.expiration {
        out.insert("expiration".into(), json!(e));
    }
    if let Some(p) = share.password {
        out.insert("password".into(), json!(p));
    }
    Ok(ApiResponse::data(Value::Object(out)))
}

fn prefixed(prefix: &str, subject: &str) -> String {
    if subject.to_ascii_lowercase().starts_with(&prefix.to_ascii_lowercase()) {
        subject.to_string()
    } else {
        format!("{prefix} {subject}")
    }
}

/// The body of a reply/forward in the requested view: quoted text, or HTML in a blockquote.
fn quoted_body(msg: &mail_parser::Message, view: View, intro: &str, blockquote: bool) -> Value {
    let (text, is_html) = view::quotable_text(msg);
    let wants_html = matches!(view, View::Html | View::NoImg | View::Raw);
    if is_html && wants_html {
        let clean = view::sanitize_html(&text, view == View::NoImg, None);
        let inner = if blockquote { format!("<blockquote type=\"cite\">{clean}</blockquote>") } else { clean };
        json!({"id": "1", "content_type": "text/html", "content": format!("<p></p><div>{}</div>{inner}", compose::escape_html(intro)), "disp": "inline", "size": 0})
    } else {
        let plain = if is_html { view::html_to_text(&text) } else { text };
        let body = if blockquote { compose::quote_text(&plain) } else { plain };
        json!({"id": "1", "content_type": "text/plain", "content": format!("\n\n{intro}\n{body}"), "disp": "inline", "size": 0})
    }
}

fn address_list(a: &[MailAddress]) -> String {
    a.iter().map(|x| match &x.name { Some(n) => format!("{n} <{}>", x.email), None => x.email.clone() }).collect::<Vec<_>>().join(", ")
}

async fn reply(state: &AppState, req: &mut ApiRequest, all: bool) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let id = req.require("id")?.to_string();
    let view_mode = View::parse(req.param("view"));
    let (account, full) = folder_of(state, &s, &folder).await?;
    let uid = parse_uid(&id, &folder)?;
    let raw = fetch(&account, &s, &full, uid, &folder).await?;
    let msg = view::parse_message(&raw).ok_or_else(|| codes::MSG_INVALID_MESSAGE.with([format!("{folder}/{uid}")]))?;
    let (_, me) = primary(state, &s).await?;
    let from = oxbow_domain::mail::parse::addresses(msg.from());
    let reply_to = oxbow_domain::mail::parse::addresses(msg.reply_to());
    let mut to = if reply_to.is_empty() { from.clone() } else { reply_to };
    let mut cc = Vec::new();
    if all {
        let seen: Vec<String> = to.iter().map(|a| a.email.to_lowercase()).collect();
        for a in oxbow_domain::mail::parse::addresses(msg.to()).into_iter().chain(oxbow_domain::mail::parse::addresses(msg.cc())) {
            let e = a.email.to_lowercase();
            if e != me.to_lowercase() && !seen.contains(&e) && !cc.iter().any(|x: &MailAddress| x.email.to_lowercase() == e) {
                cc.push(a);
            }
        }
    }
    // Replying to one's own message goes to its recipients.
    if to.iter().all(|a| a.email.eq_ignore_ascii_case(&me)) {
        let orig_to = oxbow_domain::mail::parse::addresses(msg.to());
        if !orig_to.is_empty() {
            to = orig_to;
        }
    }
    let date = msg.date().map(|d| d.to_rfc822()).unwrap_or_default();
    let intro = format!("On {date}, {} wrote:", address_list(&from));
    let body = quoted_body(&msg, view_mode, &intro, true);
    let (mid, mut refs) = thread_ids(&raw);
    let mut headers = Map::new();
    if let Some(mid) = mid {
        headers.insert("In-Reply-To".into(), json!(mid.clone()));
        refs.push(mid);
        headers.insert("References".into(), json!(refs.iter().map(|r| format!("<{r}>")).collect::<Vec<_>>().join(" ")));
    }
    let obj = json!({
        "folder_id": folder,
        "from": [[null, me]],
        "to": view::addresses_json(&to),
        "cc": view::addresses_json(&cc),
        "bcc": [],
        "subject": prefixed("Re:", msg.subject().unwrap_or("")),
        "attachments": [body],
        "headers": headers,
        "msgref": format!("{folder}/{uid}"),
        "sendtype": 1,
        "account_id": account.id,
    });
    Ok(ApiResponse::data(obj))
}

async fn forward(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let id = req.require("id")?.to_string();
    let view_mode = View::parse(req.param("view"));
    let (account, full) = folder_of(state, &s, &folder).await?;
    let uid = parse_uid(&id, &folder)?;
    let raw = fetch(&account, &s, &full, uid, &folder).await?;
    let msg = view::parse_message(&raw).ok_or_else(|| codes::MSG_INVALID_MESSAGE.with([format!("{folder}/{uid}")]))?;
    let (_, me) = primary(state, &s).await?;
    let from = oxbow_domain::mail::parse::addresses(msg.from());
    let to = oxbow_domain::mail::parse::addresses(msg.to());
    let intro = format!(
        "---------- Original Message ----------\nFrom: {}\nTo: {}\nDate: {}\nSubject: {}\n",
        address_list(&from),
        address_list(&to),
        msg.date().map(|d| d.to_rfc822()).unwrap_or_default(),
        msg.subject().unwrap_or("")
    );
    let mut attachments = vec![quoted_body(&msg, view_mode, &intro, false)];
    for (section, ct, filename, size) in view::attachment_parts(&msg) {
        attachments.push(json!({"id": section, "content_type": ct, "filename": filename, "size": size, "disp": "attachment", "content": null}));
    }
    let obj = json!({
        "folder_id": folder,
        "from": [[null, me]],
        "to": [], "cc": [], "bcc": [],
        "subject": prefixed("Fwd:", msg.subject().unwrap_or("")),
        "attachments": attachments,
        "msgref": format!("{folder}/{uid}"),
        "sendtype": 2,
        "account_id": account.id,
    });
    Ok(ApiResponse::data(obj))
}

/// Send the read receipt a message asks for (`Disposition-Notification-To`) and mark it.
async fn receipt_ack(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let body = req.json_object().await?;
    let folder = body.get("folder").and_then(|f| f.as_str()).ok_or_else(|| codes::SVL_MISSING_FIELD.with(["folder"]))?.to_string();
    let id = body.get("id").and_then(|f| f.as_str()).ok_or_else(|| codes::SVL_MISSING_FIELD.with(["id"]))?.to_string();
    let (account, full) = folder_of(state, &s, &folder).await?;
    let uid = parse_uid(&id, &folder)?;
    let sum = account.backend.summaries(&s, &full, &[uid], &[]).await?.into_iter().next().ok_or_else(|| not_found(&id, &folder))?;
    let target = sum.disp_notification_to.clone().ok_or_else(|| codes::SVL_INVALID_FIELD.with(["id", "the mail requests no receipt"]))?;
    let (_, me) = primary(state, &s).await?;
    let from = body.get("from").and_then(|f| f.as_str()).map(|f| compose::parse_address_list(f)).and_then(|l| l.into_iter().next()).map(|a| a.email).unwrap_or(me);
    let c = Compose {
        from: vec![MailAddress { name: None, email: from.clone() }],
        to: vec![MailAddress { name: None, email: target.clone() }],
        subject: format!("Read: {}", sum.subject),
        text_body: Some(format!(
            "This is a receipt for the mail you sent to {from}.\n\nSubject: {}\n\nThe mail has been displayed. This is no guarantee that it has been read or understood.",
            sum.subject
        )),
        in_reply_to: sum.message_id.clone(),
        ..Default::default()
    };
    let domain = from.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
    let raw = Bytes::from(compose::build(c, &compose::new_message_id(&domain))?);
    account.transport.send(&s, &OutgoingMessage { from, recipients: vec![target], raw }).await?;
    account.backend.set_flags(&s, &full, &[uid], &FlagChange { set: flag::READ_ACK, ..Default::default() }).await?;
    Ok(ApiResponse::data(Value::Null))
}

// --- quota ---------------------------------------------------------------------------------

/// Mail accounts for `quota?action=get` (storage in bytes; -1 style "no limit" omitted).
pub fn quota_accounts<'a>(state: &'a AppState, s: &'a Session) -> futures::future::BoxFuture<'a, OxResult<Vec<super::quota::QuotaAccount>>> {
    Box::pin(async move {
        let (account, _) = primary(state, s).await?;
        let q = account.backend.quota(s).await?.unwrap_or_default();
        Ok(vec![super::quota::QuotaAccount {
            account_id: account.id.to_string(),
            account_name: account.name.clone(),
            quota: q.limit_bytes,
            usage: Some(q.used_bytes),
            count_quota: q.limit_messages,
            count_usage: Some(q.used_messages),
        }])
    })
}

/// `quota?action=mail`: `{"quota": <bytes or -1>, "use": <bytes>}` of the primary account.
pub async fn quota_mail(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let (account, _) = primary(state, &s).await?;
    let q = account.backend.quota(&s).await?.unwrap_or_default();
    Ok(ApiResponse::data(json!({"quota": q.limit_bytes.unwrap_or(-1), "use": q.used_bytes})))
}
