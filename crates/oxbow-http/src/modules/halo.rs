//! halo/contact: everything known about a person (services, investigate) and
//! halo/contact/picture: the best picture for a contact, user or e-mail address.

use super::contacts::parse_columns;
use super::image_contact::{not_found, picture_response};
use crate::columns;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::codes;
use oxbow_core::columns::contacts as fields;
use oxbow_core::OxResult;
use oxbow_domain::contacts::{self as svc, query, search};
use oxbow_domain::mail::backend::{mail_folder_id, ListQuery, MessageSummary, SearchCriteria, SortKey, SpecialUse};
use oxbow_domain::sessions::Session;
use oxbow_store::contacts::Arg;
use serde_json::{Map, Value, json};

pub const CONTACTS_PROVIDER: &str = "com.openexchange.halo.contacts";
pub const MAIL_PROVIDER: &str = "com.openexchange.halo.mail";

/// Every provider `investigate` serves, as `services` lists them.
const PROVIDERS: &[&str] = &[CONTACTS_PROVIDER, MAIL_PROVIDER];

/// Mails per folder when the request names no `limit` (as OX), and the most it may ask for.
const DEFAULT_MAIL_LIMIT: i64 = 10;
const MAX_MAIL_LIMIT: i64 = 1000;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "services" => {
            req.session()?;
            Ok(ApiResponse::data(json!(PROVIDERS)))
        }
        "investigate" => investigate(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "halo/contact"])),
    }
}

/// The e-mail address a request names (`email`, `email1`..`email3`).
fn email_param(req: &ApiRequest) -> Option<String> {
    ["email", "email1", "email2", "email3"].iter().find_map(|k| req.param_nonempty(k)).map(str::to_string)
}

fn user_param(req: &ApiRequest) -> OxResult<Option<i64>> {
    for k in ["internal_userid", "user_id", "userid"] {
        if let Some(v) = req.param_i64(k)? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// Contacts that describe the person: the user's entry, the contact by id, or every
/// visible contact with the address (global address book first).
async fn matching(state: &AppState, s: &Session, req: &ApiRequest, wanted: &[&'static fields::ContactField]) -> OxResult<Vec<Map<String, Value>>> {
    let db = &state.core.db;
    let tz = req.tz()?;
    if let Some(user) = user_param(req)? {
        let row = svc::user_contact(db, s, user, wanted).await?;
        let mut rows = vec![row];
        svc::finish(db, s, &mut rows, tz).await?;
        return Ok(rows);
    }
    if let Some(id) = req.param_i64("id")? {
        let folders = svc::search_folders(db, s, req.param_i64("folder")?.map(|f| vec![f])).await?;
        let mut sql = query::Sql::default();
        let p = sql.bind(Arg::Int(Some(id)));
        return svc::find(db, s, &folders, sql, &format!("id = {p}"), wanted, tz).await;
    }
    if let Some(email) = email_param(req) {
        let folders = svc::search_folders(db, s, None).await?;
        let mut sql = query::Sql::default();
        let filter = search::by_email(&email, &mut sql);
        let mut rows = svc::find(db, s, &folders, sql, &filter, wanted, tz).await?;
        rows.sort_by_key(|r| {
            let gab = r.get("folder_id").and_then(Value::as_str) == Some("6");
            (!gab, -r.get("last_modified_utc").and_then(Value::as_i64).unwrap_or(0))
        });
        return Ok(rows);
    }
    Err(codes::SVL_MISSING_PARAM.with(["email1"]))
}

async fn investigate(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let provider = req.require("provider")?.to_string();
    if !PROVIDERS.contains(&provider.as_str()) {
        return Err(codes::HALO_UNKNOWN_PROVIDER.with([&provider]));
    }
    // OX needs an internal user or an address to investigate; oxbow also takes a contact id.
    if email_param(req).is_none() && user_param(req)?.is_none() && req.param_nonempty("id").is_none() {
        return Err(codes::HALO_INVALID_CONTACT.err());
    }
    if provider == MAIL_PROVIDER {
        return investigate_mail(state, &s, req).await;
    }
    let cols = parse_columns(req)?;
    let wanted = query::fields_for(&cols.ids);
    let mut rows = matching(state, &s, req, &wanted).await?;
    if rows.is_empty() {
        // Nobody known: describe the address itself, as OX does.
        if let Some(email) = email_param(req) {
            let mut m = Map::new();
            m.insert("email1".into(), Value::from(email.clone()));
            m.insert("display_name".into(), Value::from(email));
            rows.push(m);
        }
    }
    let ts = rows.iter().filter_map(|r| r.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(rows.iter(), &cols), ts))
}

/// `com.openexchange.halo.mail`: the newest mails exchanged with the person in the primary
/// account: received in the inbox from one of the person's addresses, and sent (sent folder)
/// to or copied to one of them; newest first by sent date, at most `limit` (default 10).
async fn investigate_mail(state: &AppState, s: &Session, req: &ApiRequest) -> OxResult<ApiResponse> {
    let cols = super::mail::parse_columns(req)?;
    let limit = match req.param_i64("limit")? {
        Some(n) if n > MAX_MAIL_LIMIT => return Err(crate::request::invalid("limit", &n.to_string())),
        Some(n) if n >= 0 => n,
        _ => DEFAULT_MAIL_LIMIT,
    };
    let tz = req.tz()?;
    let (account, own_address) = super::mail::primary(state, s).await?;
    let addresses = person_addresses(state, s, req).await?;
    // Nothing to show for the user's own addresses (or for a person without any).
    if limit == 0 || addresses.iter().all(|a| a.eq_ignore_ascii_case(&own_address)) {
        return Ok(ApiResponse::data(json!([])));
    }
    let any_of = |terms: Vec<SearchCriteria>| if terms.len() == 1 { terms.into_iter().next().unwrap_or(SearchCriteria::All) } else { SearchCriteria::Or(terms) };
    let from = any_of(addresses.iter().map(|a| SearchCriteria::Header("from".into(), a.clone())).collect());
    let to_or_cc = any_of(
        addresses
            .iter()
            .flat_map(|a| [SearchCriteria::Header("to".into(), a.clone()), SearchCriteria::Header("cc".into(), a.clone())])
            .collect(),
    );
    let mut found: Vec<(String, MessageSummary)> = Vec::new();
    let inbox = account.backend.special_folder(s, SpecialUse::Inbox).await?.unwrap_or_else(|| "INBOX".into());
    let sent = account.backend.special_folder(s, SpecialUse::Sent).await?;
    for (folder, filter) in [(Some(inbox), from), (sent, to_or_cc)] {
        let Some(folder) = folder else { continue };
        let q = ListQuery {
            sort: SortKey::ReceivedDate,
            descending: true,
            range: Some((0, limit as u64)),
            filter,
            headers: cols.headers.clone(),
        };
        let page = account.backend.list_messages(s, &folder, &q).await?;
        let folder_id = mail_folder_id(account.id, &folder);
        found.extend(page.messages.into_iter().map(|m| (folder_id.clone(), m)));
    }
    // Newest first; mails without a Date header last.
    found.sort_by(|a, b| b.1.sent_date.cmp(&a.1.sent_date));
    found.truncate(limit as usize);
    let rows: Vec<Value> = found
        .iter()
        .map(|(folder_id, m)| super::mail::row(&super::mail::summary_object(m, &account, folder_id, tz, 0), m, &cols))
        .collect();
    Ok(ApiResponse::data(Value::Array(rows)))
}

/// The e-mail addresses of the person a halo request names: the given address plus every
/// address of the matching contacts (the user's own entry for a user id).
async fn person_addresses(state: &AppState, s: &Session, req: &ApiRequest) -> OxResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |a: &str| {
        let a = a.trim();
        if !a.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(a)) {
            out.push(a.to_string());
        }
    };
    if let Some(email) = email_param(req) {
        add(&email);
    }
    let wanted: Vec<&'static fields::ContactField> = ["email1", "email2", "email3"].iter().filter_map(|n| fields::by_name(n)).collect();
    let rows = match matching(state, s, req, &wanted).await {
        Ok(rows) => rows,
        // A contact or user that cannot be read contributes no addresses.
        Err(e) if e.code.starts_with("CON-") => Vec::new(),
        Err(e) => return Err(e),
    };
    for r in &rows {
        for k in ["email1", "email2", "email3"] {
            if let Some(a) = r.get(k).and_then(Value::as_str) {
                add(a);
            }
        }
    }
    Ok(out)
}

/// GET halo/contact/picture: the first matching contact with a picture, else 404.
pub async fn picture(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let wanted: Vec<&'static fields::ContactField> = ["image1_url"].iter().filter_map(|n| fields::by_name(n)).collect();
    let rows = match matching(state, &s, req, &wanted).await {
        Ok(r) => r,
        Err(_) => return Ok(not_found()),
    };
    for r in rows {
        if r.get("number_of_images").and_then(Value::as_i64).unwrap_or(0) == 0 {
            continue;
        }
        let (Some(id), Some(folder)) = (
            r.get("id").and_then(Value::as_str).and_then(|v| v.parse::<i64>().ok()),
            r.get("folder_id").and_then(Value::as_str).and_then(|v| v.parse::<i64>().ok()),
        ) else {
            continue;
        };
        if let Ok(Some((ct, data, ts))) = svc::picture(&state.core.db, &s, folder, id).await {
            return Ok(picture_response(req, &ct, data, id, ts));
        }
    }
    Ok(not_found())
}
