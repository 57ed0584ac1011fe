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
use oxbow_domain::sessions::Session;
use oxbow_store::contacts::Arg;
use serde_json::{Map, Value, json};

pub const CONTACTS_PROVIDER: &str = "com.openexchange.halo.contacts";

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "services" => {
            req.session()?;
            Ok(ApiResponse::data(json!([CONTACTS_PROVIDER])))
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
    if provider != CONTACTS_PROVIDER {
        return Err(codes::SVL_INVALID_PARAM_VALUE.with(["provider", &provider]));
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
