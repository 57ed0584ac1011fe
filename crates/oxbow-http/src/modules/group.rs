//! group module: groups of the caller's context. Everybody reads them; only context
//! administrators create, change or delete them. Group 0 ("All users") is virtual.

use crate::columns;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::columns::groups::TABLE;
use oxbow_core::{codes, ErrorDef, OxResult};
use oxbow_domain::directory::{self, GroupChanges, GroupData};
use serde_json::{json, Map, Value};

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "all" => all(state, req).await,
        "get" => get(state, req).await,
        "list" => list(state, req).await,
        "search" => search(state, req).await,
        "new" => create(state, req).await,
        "update" => update(state, req).await,
        "delete" => delete(state, req).await,
        "updates" => updates(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "group"])),
    }
}

async fn require_admin(state: &AppState, req: &ApiRequest, denied: &ErrorDef) -> OxResult<()> {
    if directory::is_context_admin(&state.db, req.session()?).await? { Ok(()) } else { Err(denied.err()) }
}

fn objects(groups: &[GroupData], req: &ApiRequest) -> OxResult<(Vec<Map<String, Value>>, i64)> {
    let tz = req.tz()?;
    let ts = groups.iter().map(|g| g.row.last_modified).max().unwrap_or(0);
    Ok((groups.iter().map(|g| directory::group_object(g, tz)).collect(), ts))
}

/// Objects, or rows when a `columns` parameter asks for them.
fn answer(req: &ApiRequest, objs: Vec<Map<String, Value>>, ts: i64) -> OxResult<ApiResponse> {
    if req.param_nonempty("columns").is_some() {
        let cols = columns::parse(req, &TABLE)?;
        return Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), ts));
    }
    Ok(ApiResponse::with_timestamp(Value::Array(objs.into_iter().map(Value::Object).collect()), ts))
}

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let groups = directory::all_groups(&state.db, cid).await?;
    let (objs, ts) = objects(&groups, req)?;
    answer(req, objs, ts)
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let id = req.require_i64("id")?;
    let g = directory::get_group(&state.db, cid, id).await?;
    let ts = g.row.last_modified;
    Ok(ApiResponse::with_timestamp(Value::Object(directory::group_object(&g, req.tz()?)), ts))
}

/// Ids from a list body: `[{"id": 1}, ...]` (bare ids are accepted too).
pub fn ids_from_list(body: &[Value]) -> OxResult<Vec<i64>> {
    body.iter()
        .map(|v| {
            let id = match v {
                Value::Object(o) => o.get("id").and_then(directory::id_value),
                other => directory::id_value(other),
            };
            id.ok_or_else(|| codes::SVL_INVALID_JSON.with(["expected an array of objects with an \"id\""]))
        })
        .collect()
}

async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let body = req.json_array().await?;
    let mut groups = Vec::new();
    for id in ids_from_list(&body)? {
        groups.push(directory::get_group(&state.db, cid, id).await?);
    }
    let (objs, ts) = objects(&groups, req)?;
    answer(req, objs, ts)
}

fn pattern_of(body: &Map<String, Value>) -> OxResult<String> {
    match body.get("pattern") {
        Some(Value::String(p)) if p.chars().count() <= 256 => Ok(p.clone()),
        Some(_) => Err(codes::SVL_INVALID_FIELD.with(["pattern", "expected a string"])),
        None => Err(codes::SVL_MISSING_FIELD.with(["pattern"])),
    }
}

async fn search(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let body = req.json_object().await?;
    let pattern = pattern_of(&body)?;
    let groups = directory::search_groups(&state.db, cid, &pattern).await?;
    let (objs, ts) = objects(&groups, req)?;
    answer(req, objs, ts)
}

async fn create(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    require_admin(state, req, &codes::GRP_NO_CREATE_PERMISSION).await?;
    let cid = req.session()?.cid;
    let body = req.json_object().await?;
    let (id, ts) = directory::create_group(&state.db, cid, GroupChanges::from_json(&body)?).await?;
    state.sessions.forget_all().await;
    Ok(ApiResponse::with_timestamp(json!({ "id": id }), ts))
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    require_admin(state, req, &codes::GRP_NO_PERMISSION).await?;
    let cid = req.session()?.cid;
    let id = req.require_i64("id")?;
    let client_ts = req.require_i64("timestamp")?;
    let body = req.json_object().await?;
    let ts = directory::update_group(&state.db, cid, id, Some(client_ts), GroupChanges::from_json(&body)?).await?;
    // Membership feeds every permission check; drop cached sessions now.
    state.sessions.forget_all().await;
    Ok(ApiResponse::with_timestamp(json!({}), ts))
}

async fn delete(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    require_admin(state, req, &codes::GRP_NO_DELETE_PERMISSION).await?;
    let s = req.session()?.clone();
    let client_ts = req.require_i64("timestamp")?;
    let ids = match req.json().await? {
        Value::Array(a) => ids_from_list(&a)?,
        other => ids_from_list(std::slice::from_ref(&other))?,
    };
    let mut ts = client_ts;
    for id in ids {
        ts = directory::delete_group(&state.db, s.cid, id, Some(client_ts), s.user_id).await?;
    }
    state.sessions.forget_all().await;
    Ok(ApiResponse::with_timestamp(json!([]), ts))
}

async fn updates(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let since = columns::require_since(req)?;
    let changed = directory::groups_modified_since(&state.db, cid, since).await?;
    let deleted = directory::deleted_since(&state.db, cid, "group", since).await?;
    let tz = req.tz()?;
    let mut ts = since;
    let (mut new, mut modified) = (Vec::new(), Vec::new());
    for g in &changed {
        ts = ts.max(g.row.last_modified);
        let obj = Value::Object(directory::group_object(g, tz));
        if g.row.created > since { new.push(obj) } else { modified.push(obj) }
    }
    let deleted: Vec<Value> = deleted
        .iter()
        .map(|(id, t)| {
            ts = ts.max(*t);
            json!({ "id": id, "last_modified_utc": t })
        })
        .collect();
    Ok(ApiResponse::with_timestamp(json!({ "new": new, "modified": modified, "deleted": deleted }), ts))
}
