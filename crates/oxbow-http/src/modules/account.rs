//! account module: the user's mail accounts (reference: /account). Account 0 is the primary
//! account from the `[mail]` configuration; external IMAP accounts (1, 2, ...) are stored
//! per user with sealed passwords and show up as `default<id>/...` mail folders.

use crate::columns;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::columns::accounts::TABLE;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_domain::imap::{ImapConnection, ImapTarget, SmtpTarget};
use oxbow_domain::mail_accounts::{self as accounts, AccountSecrets};
use oxbow_domain::sessions::Session;
use oxbow_store::mail_accounts::{self as store, MailAccountRow};
use serde_json::{json, Map, Value};
use std::time::Duration;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "all" => all(state, req).await,
        "get" => get(state, req).await,
        "new" => new(state, req).await,
        "update" => update(state, req).await,
        "delete" => delete(state, req).await,
        "validate" => validate(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "account"])),
    }
}

async fn primary(state: &AppState, s: &Session) -> OxResult<Map<String, Value>> {
    let user = oxbow_store::users::get(&state.db, s.cid, s.user_id)
        .await?
        .ok_or_else(|| codes::USR_NOT_FOUND.with([s.user_id, s.cid]))?;
    Ok(accounts::primary_json(&state.config, &s.login, &user.email, &user.display_name))
}

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cols = columns::parse(req, &TABLE)?;
    let s = req.session()?.clone();
    let mut objs = vec![primary(state, &s).await?];
    for row in store::list(&state.db, s.cid, s.user_id).await? {
        objs.push(accounts::row_json(&row));
    }
    Ok(ApiResponse::data(columns::rows(&objs, &cols)))
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let id = req.require_i64("id")?;
    if id == 0 {
        return Ok(ApiResponse::data(Value::Object(primary(state, &s).await?)));
    }
    let row = find(state, &s, id).await?;
    let ts = row.last_modified;
    Ok(ApiResponse::with_timestamp(Value::Object(accounts::row_json(&row)), ts))
}

async fn find(state: &AppState, s: &Session, id: i64) -> OxResult<MailAccountRow> {
    store::get(&state.db, s.cid, s.user_id, id)
        .await?
        .ok_or_else(|| codes::ACC_NOT_FOUND.with([id.to_string(), s.user_id.to_string(), s.cid.to_string()]))
}

/// An account as the client describes it, after parsing and checking every field.
#[derive(Debug, Clone, Default)]
struct AccountInput {
    name: Option<String>,
    primary_address: Option<String>,
    login: Option<String>,
    password: Option<String>,
    mail_server: Option<String>,
    mail_port: Option<i64>,
    mail_protocol: Option<String>,
    mail_secure: Option<bool>,
    mail_starttls: Option<bool>,
    transport_server: Option<String>,
    transport_port: Option<i64>,
    transport_secure: Option<bool>,
    transport_starttls: Option<bool>,
    transport_auth: Option<String>,
    transport_login: Option<String>,
    transport_password: Option<String>,
    settings: Map<String, Value>,
}

const MAX_TEXT: usize = 1024;

fn text_field(body: &Map<String, Value>, name: &str) -> OxResult<Option<String>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= MAX_TEXT => Ok(Some(s.trim().to_string())),
        Some(Value::String(_)) => Err(codes::SVL_INVALID_FIELD.with([name, "too long"])),
        Some(other) => Err(codes::SVL_INVALID_FIELD.with([name, other.to_string().as_str()])),
    }
}

fn bool_field(body: &Map<String, Value>, name: &str) -> OxResult<Option<bool>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
        Some(other) => Err(codes::SVL_INVALID_FIELD.with([name, other.to_string().as_str()])),
    }
}

fn port_field(body: &Map<String, Value>, name: &str) -> OxResult<Option<i64>> {
    let v = match body.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    match v {
        Some(p) if (1..=65535).contains(&p) => Ok(Some(p)),
        _ => Err(codes::SVL_INVALID_FIELD.with([name, body.get(name).map(|v| v.to_string()).unwrap_or_default().as_str()])),
    }
}

/// A host name or IP literal: letters, digits, dots, dashes (and colons/brackets for IPv6).
fn check_host(host: &str) -> OxResult<String> {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    if ok { Ok(h.to_string()) } else { Err(codes::ACC_INVALID_HOST_NAME.with([host])) }
}

/// `imap://host:143`, `imaps://host`, `smtp://[::1]:25` → (protocol, host, port, secure).
fn parse_url(url: &str) -> OxResult<(String, String, Option<i64>, bool)> {
    let bad = || codes::ACC_URI_PARSE_FAILED.with([url]);
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let scheme = scheme.to_ascii_lowercase();
    let (protocol, secure) = match scheme.as_str() {
        "imap" => ("imap", false),
        "imaps" => ("imap", true),
        "smtp" => ("smtp", false),
        "smtps" => ("smtp", true),
        "pop3" => ("pop3", false),
        "pop3s" => ("pop3", true),
        _ => return Err(bad()),
    };
    let authority = rest.split('/').next().unwrap_or("");
    let (host, port) = if let Some(stripped) = authority.strip_prefix('[') {
        let (h, after) = stripped.split_once(']').ok_or_else(bad)?;
        let port = after.strip_prefix(':').map(|p| p.parse::<i64>().map_err(|_| bad())).transpose()?;
        (h.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse::<i64>().map_err(|_| bad())?)),
            None => (authority.to_string(), None),
        }
    };
    if port.is_some_and(|p| !(1..=65535).contains(&p)) {
        return Err(bad());
    }
    Ok((protocol.to_string(), check_host(&host)?, port, secure))
}

fn parse_input(body: &Map<String, Value>) -> OxResult<AccountInput> {
    let mut a = AccountInput {
        name: text_field(body, "name")?,
        primary_address: text_field(body, "primary_address")?,
        login: text_field(body, "login")?,
        password: match body.get("password") {
            Some(Value::String(p)) if p.len() <= MAX_TEXT => Some(p.clone()),
            None | Some(Value::Null) => None,
            Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["password", "not a string"])),
        },
        mail_server: text_field(body, "mail_server")?.filter(|s| !s.is_empty()).map(|h| check_host(&h)).transpose()?,
        mail_port: port_field(body, "mail_port")?,
        mail_protocol: text_field(body, "mail_protocol")?,
        mail_secure: bool_field(body, "mail_secure")?,
        mail_starttls: bool_field(body, "mail_starttls")?,
        transport_server: text_field(body, "transport_server")?.map(|h| if h.is_empty() { Ok(h) } else { check_host(&h) }).transpose()?,
        transport_port: port_field(body, "transport_port")?,
        transport_secure: bool_field(body, "transport_secure")?,
        transport_starttls: bool_field(body, "transport_starttls")?,
        transport_auth: text_field(body, "transport_auth")?,
        transport_login: text_field(body, "transport_login")?,
        transport_password: match body.get("transport_password") {
            Some(Value::String(p)) if p.len() <= MAX_TEXT => Some(p.clone()),
            _ => None,
        },
        settings: Map::new(),
    };
    // URLs are preferred over single fields.
    if let Some(url) = text_field(body, "mail_url")?.filter(|u| !u.is_empty()) {
        let (protocol, host, port, secure) = parse_url(&url)?;
        a.mail_protocol = Some(protocol);
        a.mail_server = Some(host);
        a.mail_port = port.or(a.mail_port);
        a.mail_secure = Some(secure);
    }
    if let Some(url) = text_field(body, "transport_url")?.filter(|u| !u.is_empty()) {
        let (protocol, host, port, secure) = parse_url(&url)?;
        if protocol != "smtp" {
            return Err(codes::ACC_URI_PARSE_FAILED.with([url]));
        }
        a.transport_server = Some(host);
        a.transport_port = port.or(a.transport_port);
        a.transport_secure = Some(secure);
    }
    if let Some(p) = &a.mail_protocol {
        let p = p.to_ascii_lowercase();
        let base = p.trim_end_matches('s');
        if base != "imap" {
            return Err(codes::SVL_INVALID_FIELD.with(["mail_protocol", p.as_str()]).detail("only IMAP accounts are supported"));
        }
        a.mail_protocol = Some("imap".into());
    }
    if let Some(auth) = &a.transport_auth {
        if !matches!(auth.as_str(), "mail" | "custom" | "none") {
            return Err(codes::SVL_INVALID_FIELD.with(["transport_auth", auth.as_str()]));
        }
    }
    if let Some(addr) = &a.primary_address {
        if !valid_address(addr) {
            return Err(codes::IMAP_INVALID_ADDRESS.with([addr.as_str()]));
        }
    }
    if let Some(name) = &a.name {
        if name.is_empty() || name.chars().any(|c| c.is_control()) {
            return Err(codes::ACC_INVALID_NAME.with([name.as_str()]));
        }
    }
    for f in accounts::SETTINGS_FIELDS {
        if let Some(v) = body.get(*f) {
            if v.to_string().len() > 64 * 1024 {
                return Err(codes::SVL_INVALID_FIELD.with([*f, "too long"]));
            }
            a.settings.insert((*f).to_string(), v.clone());
        }
    }
    Ok(a)
}

fn valid_address(addr: &str) -> bool {
    if addr.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>') {
        return false;
    }
    matches!(addr.rsplit_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty())
}

fn default_port(secure: bool, imap: bool) -> i64 {
    match (imap, secure) {
        (true, true) => 993,
        (true, false) => 143,
        (false, true) => 465,
        (false, false) => 25,
    }
}

/// Apply input to a row (a fresh one for `new`).
fn apply(row: &mut MailAccountRow, a: &AccountInput, secrets: &AccountSecrets) -> OxResult<()> {
    if let Some(v) = &a.name {
        row.name = v.clone();
    }
    if let Some(v) = &a.primary_address {
        row.primary_address = v.clone();
    }
    if let Some(v) = &a.login {
        row.login = v.clone();
    }
    if let Some(v) = &a.mail_server {
        row.mail_server = v.clone();
    }
    if let Some(v) = a.mail_secure {
        row.mail_secure = v;
    }
    if let Some(v) = a.mail_starttls {
        row.mail_starttls = v;
    }
    if let Some(v) = a.mail_port {
        row.mail_port = v;
    }
    if let Some(v) = &a.transport_server {
        row.transport_server = v.clone();
    }
    if let Some(v) = a.transport_secure {
        row.transport_secure = v;
    }
    if let Some(v) = a.transport_starttls {
        row.transport_starttls = v;
    }
    if let Some(v) = a.transport_port {
        row.transport_port = v;
    }
    if let Some(v) = &a.transport_auth {
        row.transport_auth = v.clone();
    }
    if let Some(v) = &a.transport_login {
        row.transport_login = v.clone();
    }
    if let Some(p) = &a.password {
        row.password_sealed = secrets.seal(p, &accounts::seal_context(row.cid, row.user_id, row.id, "password"))?;
    }
    if let Some(p) = &a.transport_password {
        row.transport_password_sealed =
            secrets.seal(p, &accounts::seal_context(row.cid, row.user_id, row.id, "transport_password"))?;
    }
    if !a.settings.is_empty() {
        let mut settings: Map<String, Value> = serde_json::from_str(&row.settings).unwrap_or_default();
        for (k, v) in &a.settings {
            settings.insert(k.clone(), v.clone());
        }
        row.settings = Value::Object(settings).to_string();
    }
    Ok(())
}

fn empty_row(s: &Session, id: i64) -> MailAccountRow {
    MailAccountRow {
        cid: s.cid,
        user_id: s.user_id,
        id,
        name: String::new(),
        primary_address: String::new(),
        login: String::new(),
        password_sealed: String::new(),
        mail_protocol: "imap".into(),
        mail_server: String::new(),
        mail_port: 0,
        mail_secure: false,
        mail_starttls: false,
        transport_server: String::new(),
        transport_port: 0,
        transport_secure: false,
        transport_starttls: false,
        transport_auth: "mail".into(),
        transport_login: String::new(),
        transport_password_sealed: String::new(),
        settings: "{}".into(),
        last_modified: 0,
    }
}

fn require<'a>(v: &'a Option<String>, name: &str) -> OxResult<&'a str> {
    match v.as_deref() {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(codes::SVL_MISSING_FIELD.with([name])),
    }
}

/// No two accounts of a user may share a primary address (the primary account included).
async fn check_address_unique(state: &AppState, s: &Session, address: &str, except: i64) -> OxResult<()> {
    let primary = primary(state, s).await?;
    let taken_by_primary = primary.get("primary_address").and_then(Value::as_str).is_some_and(|p| p.eq_ignore_ascii_case(address));
    let taken = taken_by_primary
        || store::list(&state.db, s.cid, s.user_id)
            .await?
            .iter()
            .any(|r| r.id != except && r.primary_address.eq_ignore_ascii_case(address));
    if taken {
        return Err(codes::ACC_CONFLICT_ADDR.with([address.to_string(), s.user_id.to_string(), s.cid.to_string()]));
    }
    Ok(())
}

async fn new(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let body = req.json_object().await?;
    let input = parse_input(&body)?;
    let address = require(&input.primary_address, "primary_address")?.to_string();
    require(&input.mail_server, "mail_server")?;
    require(&input.login, "login")?;
    check_address_unique(state, &s, &address, -1).await?;
    let secrets = AccountSecrets::load(&state.config)?;
    let mut tx = state.db.begin().await?;
    let id = oxbow_store::ids::next_id(&mut tx, s.cid, "mail_account", 1).await?;
    let mut row = empty_row(&s, id);
    row.last_modified = oxbow_store::ids::next_timestamp(&mut tx, s.cid).await?;
    apply(&mut row, &input, &secrets)?;
    if row.name.is_empty() {
        row.name = address.clone();
    }
    if row.mail_port == 0 {
        row.mail_port = default_port(row.mail_secure, true);
    }
    if row.transport_port == 0 {
        row.transport_port = if row.transport_secure { 465 } else if row.transport_starttls { 587 } else { 25 };
    }
    store::insert(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(ApiResponse::with_timestamp(Value::Object(accounts::row_json(&row)), row.last_modified))
}

/// Fields a client may send unchanged for the primary account without being refused.
const PRIMARY_IGNORED: &[&str] = &["id", "password", "meta", "unified_inbox_enabled"];

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let body = req.json_object().await?;
    let id = match body.get("id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(t)) => t.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| codes::SVL_MISSING_FIELD.with(["id"]))?;
    if id == 0 {
        // The primary account comes from the server configuration: accept only what it
        // already says.
        let current = primary(state, &s).await?;
        for (k, v) in &body {
            if PRIMARY_IGNORED.contains(&k.as_str()) || current.get(k) == Some(v) {
                continue;
            }
            return Err(codes::ACC_NO_DEFAULT_UPDATE_ATTR.with([k.clone(), s.user_id.to_string(), s.cid.to_string()]));
        }
        return Ok(ApiResponse::data(Value::Object(current)));
    }
    let input = parse_input(&body)?;
    let mut row = find(state, &s, id).await?;
    if let Some(addr) = &input.primary_address {
        check_address_unique(state, &s, addr, id).await?;
    }
    let secrets = AccountSecrets::load(&state.config)?;
    let mut tx = state.db.begin().await?;
    apply(&mut row, &input, &secrets)?;
    row.last_modified = oxbow_store::ids::next_timestamp(&mut tx, s.cid).await?;
    if !store::update(&mut tx, &row).await? {
        return Err(codes::ACC_NOT_FOUND.with([id.to_string(), s.user_id.to_string(), s.cid.to_string()]));
    }
    tx.commit().await?;
    accounts::imap_pool(&state.config).forget((s.cid, s.user_id, id));
    Ok(ApiResponse::with_timestamp(Value::Object(accounts::row_json(&row)), row.last_modified))
}

async fn delete(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let body = req.json().await?;
    let ids: Vec<i64> = match &body {
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(t) => t.parse().ok(),
                _ => None,
            })
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| codes::SVL_INVALID_JSON.with(["expected an array of account ids"]))?,
        Value::Number(n) => vec![n.as_i64().unwrap_or(-1)],
        _ => return Err(codes::SVL_INVALID_JSON.with(["expected an array of account ids"])),
    };
    if ids.len() > 1000 {
        return Err(codes::SVL_INVALID_JSON.with(["too many ids"]));
    }
    if ids.contains(&0) {
        return Err(codes::ACC_NO_DEFAULT_DELETE.with([s.user_id.to_string(), s.cid.to_string()]));
    }
    let mut tx = state.db.begin().await?;
    for id in &ids {
        if !store::delete(&mut tx, s.cid, s.user_id, *id).await? {
            return Err(codes::ACC_NOT_FOUND.with([id.to_string(), s.user_id.to_string(), s.cid.to_string()]));
        }
    }
    tx.commit().await?;
    for id in &ids {
        accounts::imap_pool(&state.config).forget((s.cid, s.user_id, *id));
    }
    Ok(ApiResponse::data(json!(ids)))
}

/// Really connect: IMAP login (and list the folders for `tree=true`), then SMTP.
async fn validate(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let tree = req.flag("tree")?;
    let body = req.json_object().await?;
    let input = parse_input(&body)?;
    let timeout = Duration::from_secs(state.config.mail.connect_timeout_secs.max(1));
    // An existing account may be validated without sending its password again.
    let existing_id = match body.get("id") {
        Some(Value::Number(n)) => n.as_i64().filter(|id| *id > 0),
        _ => None,
    };
    let secrets = AccountSecrets::load(&state.config)?;
    let mut row = match existing_id {
        Some(id) => find(state, &s, id).await?,
        None => empty_row(&s, 0),
    };
    apply(&mut row, &input, &secrets)?;
    let host = if row.mail_server.is_empty() { return Err(codes::SVL_MISSING_FIELD.with(["mail_server"])) } else { row.mail_server.clone() };
    if row.login.is_empty() {
        return Err(codes::SVL_MISSING_FIELD.with(["login"]));
    }
    let password = match &input.password {
        Some(p) => p.clone(),
        None => secrets
            .open(&row.password_sealed, &accounts::seal_context(row.cid, row.user_id, row.id, "password"))
            .unwrap_or_default(),
    };
    let imap = ImapTarget {
        host,
        port: u16::try_from(if row.mail_port > 0 { row.mail_port } else { default_port(row.mail_secure, true) }).unwrap_or(143),
        security: accounts::security(row.mail_secure, row.mail_starttls),
        login: row.login.clone(),
        password: password.clone(),
        timeout,
    };
    let mut conn = ImapConnection::open(&imap).await?;
    let folders = if tree { Some(conn.list().await) } else { None };
    conn.logout().await;
    let folders = folders.transpose()?;
    if !row.transport_server.is_empty() {
        let credentials = match row.transport_auth.as_str() {
            "none" => None,
            "custom" => Some((row.transport_login.clone(), input.transport_password.clone().unwrap_or_default())),
            _ => Some((row.login.clone(), password)),
        };
        let smtp = SmtpTarget {
            host: row.transport_server.clone(),
            port: u16::try_from(if row.transport_port > 0 { row.transport_port } else { 25 }).unwrap_or(25),
            security: accounts::security(row.transport_secure, row.transport_starttls),
            credentials,
            timeout,
        };
        smtp.check().await.map_err(|e| transport_failure(e, &row))?;
    }
    match folders {
        None => Ok(ApiResponse::data(json!(true))),
        Some(list) => Ok(ApiResponse::data(folder_tree(existing_id.unwrap_or(0), &row, &list))),
    }
}

fn transport_failure(e: OxError, row: &MailAccountRow) -> OxError {
    if e.code == codes::IMAP_TRANSPORT_INVALID_CREDENTIALS.code {
        return e;
    }
    codes::ACC_VALIDATE_FAILED_TRANSPORT.with([row.transport_server.clone(), row.login.clone()]).detail(e.to_string())
}

/// The account root with nested `subfolder_array`s.
fn folder_tree(account_id: i64, row: &MailAccountRow, list: &[(oxbow_domain::imap::conn::ListedMailbox, bool)]) -> Value {
    let sep = list.iter().find_map(|(m, _)| m.delimiter.clone()).unwrap_or_else(|| "/".into());
    fn children(account_id: i64, parent: &str, sep: &str, list: &[(oxbow_domain::imap::conn::ListedMailbox, bool)]) -> Vec<Value> {
        let mut out: Vec<Value> = list
            .iter()
            .filter(|(m, _)| {
                let p = m.name.rfind(sep).map(|i| &m.name[..i]).unwrap_or("");
                p == parent
            })
            .map(|(m, subscribed)| {
                let kids = children(account_id, &m.name, sep, list);
                let title = m.name.rsplit(sep).next().unwrap_or(&m.name).to_string();
                json!({
                    "id": format!("default{account_id}/{}", m.name),
                    "folder_id": if parent.is_empty() { format!("default{account_id}") } else { format!("default{account_id}/{parent}") },
                    "title": title,
                    "module": "mail",
                    "type": 1,
                    "subscribed": subscribed,
                    "subfolders": !kids.is_empty(),
                    "subfolder_array": kids,
                })
            })
            .collect();
        out.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        out
    }
    let kids = children(account_id, "", &sep, list);
    json!({
        "id": format!("default{account_id}"),
        "folder_id": "1",
        "title": if row.name.is_empty() { row.primary_address.clone() } else { row.name.clone() },
        "module": "mail",
        "type": 1,
        "subfolders": !kids.is_empty(),
        "subfolder_array": kids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse() {
        assert_eq!(parse_url("imaps://imap.x.test").unwrap(), ("imap".into(), "imap.x.test".into(), None, true));
        assert_eq!(parse_url("smtp://[::1]:2525").unwrap(), ("smtp".into(), "::1".into(), Some(2525), false));
        assert!(parse_url("imap://bad host:1").is_err());
        assert!(parse_url("imap://h:99999").is_err());
        assert!(parse_url("http://h").is_err());
    }

    #[test]
    fn addresses() {
        assert!(valid_address("a@b.test"));
        assert!(!valid_address("a b@c.test"));
        assert!(!valid_address("nobody"));
    }
}
