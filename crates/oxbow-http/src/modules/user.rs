//! user module: the accounts of the caller's context (get, all, list, search, update,
//! getAttribute, setAttribute). Everybody reads the directory; an account is changed by
//! its owner or a context administrator.

use crate::columns;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::columns::users::TABLE;
use oxbow_core::{codes, OxResult};
use oxbow_domain::directory::{self, UserChanges, UserSearch};
use oxbow_store::{settings, users};
use serde_json::{json, Map, Value};

/// Largest attribute value accepted, in bytes.
const MAX_ATTRIBUTE_VALUE: usize = 64 * 1024;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "get" => get(state, req).await,
        "all" => all(state, req).await,
        "list" => list(state, req).await,
        "search" => search(state, req).await,
        "update" => update(state, req).await,
        "getAttribute" => get_attribute(state, req).await,
        "setAttribute" => set_attribute(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "user"])),
    }
}

fn newest(objs: &[Map<String, Value>]) -> i64 {
    objs.iter().filter_map(|o| o.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0)
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let id = req.param_i64("id")?.unwrap_or(s.user_id);
    let user = directory::require_user(&state.db, s.cid, id).await?;
    let obj = directory::user_objects(&state.db, s.cid, std::slice::from_ref(&user), req.tz()?).await?.remove(0);
    Ok(ApiResponse::with_timestamp(Value::Object(obj), user.last_modified))
}

/// Sort by `sort`/`order` (default: by display name) and cut the requested window.
fn sorted_rows(req: &ApiRequest, mut objs: Vec<Map<String, Value>>, cols: &columns::Columns) -> OxResult<(Value, i64)> {
    let ts = newest(&objs);
    match columns::parse_sort(req, &TABLE)? {
        Some((field, desc)) => columns::sort_by_field(&mut objs, field, desc),
        None => columns::sort_by_field(&mut objs, "display_name", false),
    }
    let objs = columns::parse_window(req)?.apply(objs);
    Ok((columns::rows(&objs, cols), ts))
}

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = columns::parse(req, &TABLE)?;
    let list = users::list(&state.db, s.cid).await?;
    let objs = directory::user_objects(&state.db, s.cid, &list, req.tz()?).await?;
    let (rows, ts) = sorted_rows(req, objs, &cols)?;
    Ok(ApiResponse::with_timestamp(rows, ts))
}

async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = columns::parse(req, &TABLE)?;
    let tz = req.tz()?;
    let body = req.json_array().await?;
    let mut wanted = Vec::with_capacity(body.len());
    for v in &body {
        // `null` stands for the caller; objects `{"id": ...}` are accepted like bare ids.
        let id = match v {
            Value::Null => Some(s.user_id),
            Value::Object(o) => o.get("id").and_then(directory::id_value),
            other => directory::id_value(other),
        };
        wanted.push(id.ok_or_else(|| codes::SVL_INVALID_JSON.with(["expected an array of user ids"]))?);
    }
    let mut found = Vec::with_capacity(wanted.len());
    for id in wanted {
        found.push(directory::require_user(&state.db, s.cid, id).await?);
    }
    let objs = directory::user_objects(&state.db, s.cid, &found, tz).await?;
    let ts = newest(&objs);
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), ts))
}

fn optional_string(body: &Map<String, Value>, name: &str) -> OxResult<Option<String>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= 256 => Ok(Some(s.clone())),
        Some(_) => Err(codes::SVL_INVALID_FIELD.with([name, "expected a string"])),
    }
}

fn optional_bool(body: &Map<String, Value>, name: &str) -> OxResult<bool> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
        Some(_) => Err(codes::SVL_INVALID_FIELD.with([name, "expected a boolean"])),
    }
}

async fn search(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = columns::parse(req, &TABLE)?;
    let tz = req.tz()?;
    let body = req.json_object().await?;
    let q = UserSearch {
        pattern: optional_string(&body, "pattern")?,
        display_name: optional_string(&body, "display_name")?,
        first_name: optional_string(&body, "first_name")?,
        last_name: optional_string(&body, "last_name")?,
        or_search: optional_bool(&body, "orSearch")?,
        startletter: optional_bool(&body, "startletter")?,
        email_auto_complete: optional_bool(&body, "emailAutoComplete")?,
    };
    let found = directory::search_users(&state.db, s.cid, &q).await?;
    let objs = directory::user_objects(&state.db, s.cid, &found, tz).await?;
    let (rows, ts) = sorted_rows(req, objs, &cols)?;
    Ok(ApiResponse::with_timestamp(rows, ts))
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let id = req.require_i64("id")?;
    let client_ts = req.require_i64("timestamp")?;
    let body = req.json_object().await?;
    let changes = UserChanges::from_json(&body)?;
    let ts = directory::update_user(&state.db, &s, id, client_ts, changes).await?;
    // Time zone and locale live in cached sessions.
    state.sessions.forget_all().await;
    Ok(ApiResponse::with_timestamp(json!({}), ts))
}

/// The attribute name parameter/field, validated.
fn attribute_name(name: &str) -> OxResult<String> {
    if directory::valid_attribute_name(name) {
        Ok(name.to_string())
    } else {
        Err(codes::USR_ATTR_NAME.with([name.chars().take(100).collect::<String>()]))
    }
}

/// Attributes are private to their user (and the context administrators).
async fn attribute_owner(state: &AppState, req: &ApiRequest) -> OxResult<i64> {
    let s = req.session()?;
    let id = req.require_i64("id")?;
    if id != s.user_id && !directory::is_context_admin(&state.db, s).await? {
        return Err(codes::USR_NO_PERMISSION.err());
    }
    directory::require_user(&state.db, s.cid, id).await?;
    Ok(id)
}

async fn get_attribute(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let name = attribute_name(req.require("name")?)?;
    let id = attribute_owner(state, req).await?;
    let cid = req.session()?.cid;
    let value = settings::get_attribute(&state.db, cid, id, &name).await?;
    Ok(ApiResponse::data(json!({ "name": name, "value": value })))
}

async fn set_attribute(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let id = attribute_owner(state, req).await?;
    let cid = req.session()?.cid;
    let if_absent = req.flag("setIfAbsent")?;
    let body = req.json_object().await?;
    let name = match body.get("name") {
        Some(Value::String(n)) => attribute_name(n)?,
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["name", "expected a string"])),
        None => return Err(codes::SVL_MISSING_FIELD.with(["name"])),
    };
    let value = match body.get("value") {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["value", "expected a string"])),
    };
    if value.as_ref().is_some_and(|v| v.len() > MAX_ATTRIBUTE_VALUE) {
        return Err(codes::SVL_INVALID_FIELD.with(["value", "too long"]));
    }
    let done = match value {
        None => {
            settings::remove_attribute(&state.db, cid, id, &name).await?;
            true
        }
        Some(v) if if_absent => settings::set_attribute_if_absent(&state.db, cid, id, &name, &v).await?,
        Some(v) => {
            settings::set_attribute(&state.db, cid, id, &name, &v).await?;
            true
        }
    };
    Ok(ApiResponse::data(json!(done)))
}
