//! resource module: bookable resources of the caller's context. Everybody reads them;
//! only context administrators create, change or delete them.

use crate::columns;
use crate::modules::group::ids_from_list;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::columns::resources::TABLE;
use oxbow_core::{codes, OxResult};
use oxbow_domain::directory::{self, ResourceChanges};
use oxbow_store::resources::{self, ResourceRow};
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
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "resource"])),
    }
}

async fn require_admin(state: &AppState, req: &ApiRequest) -> OxResult<i64> {
    let s = req.session()?;
    if directory::is_context_admin(&state.db, s).await? { Ok(s.cid) } else { Err(codes::RES_NO_PERMISSION.with([s.cid])) }
}

fn newest(rows: &[ResourceRow]) -> i64 {
    rows.iter().map(|r| r.last_modified).max().unwrap_or(0)
}

fn answer(req: &ApiRequest, rows: &[ResourceRow]) -> OxResult<ApiResponse> {
    let tz = req.tz()?;
    let objs: Vec<Map<String, Value>> = rows.iter().map(|r| directory::resource_object(r, tz)).collect();
    if req.param_nonempty("columns").is_some() {
        let cols = columns::parse(req, &TABLE)?;
        return Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), newest(rows)));
    }
    Ok(ApiResponse::with_timestamp(Value::Array(objs.into_iter().map(Value::Object).collect()), newest(rows)))
}

/// `all` answers the ids only (reference: AllResourcesResponse).
async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let rows = resources::list(&state.db, cid).await?;
    if req.param_nonempty("columns").is_some() {
        return answer(req, &rows);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    Ok(ApiResponse::with_timestamp(json!(ids), newest(&rows)))
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let id = req.require_i64("id")?;
    let r = directory::get_resource(&state.db, cid, id).await?;
    Ok(ApiResponse::with_timestamp(Value::Object(directory::resource_object(&r, req.tz()?)), r.last_modified))
}

async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let body = req.json_array().await?;
    let mut rows = Vec::new();
    for id in ids_from_list(&body)? {
        rows.push(directory::get_resource(&state.db, cid, id).await?);
    }
    answer(req, &rows)
}

async fn search(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let body = req.json_object().await?;
    let pattern = match body.get("pattern") {
        Some(Value::String(p)) if p.chars().count() <= 256 => p.clone(),
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["pattern", "expected a string"])),
        None => return Err(codes::SVL_MISSING_FIELD.with(["pattern"])),
    };
    let rows = directory::search_resources(&state.db, cid, &pattern).await?;
    answer(req, &rows)
}

async fn create(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = require_admin(state, req).await?;
    let body = req.json_object().await?;
    let (id, ts) = directory::create_resource(&state.db, cid, ResourceChanges::from_json(&body)?).await?;
    Ok(ApiResponse::with_timestamp(json!({ "id": id }), ts))
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = require_admin(state, req).await?;
    let id = req.require_i64("id")?;
    let client_ts = req.require_i64("timestamp")?;
    let body = req.json_object().await?;
    let ts = directory::update_resource(&state.db, cid, id, Some(client_ts), ResourceChanges::from_json(&body)?).await?;
    Ok(ApiResponse::with_timestamp(json!({}), ts))
}

async fn delete(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = require_admin(state, req).await?;
    let by = req.session()?.user_id;
    let client_ts = req.require_i64("timestamp")?;
    let ids = match req.json().await? {
        Value::Array(a) => ids_from_list(&a)?,
        other => ids_from_list(std::slice::from_ref(&other))?,
    };
    let ts = directory::delete_resources(&state.db, cid, &ids, Some(client_ts), by).await?;
    Ok(ApiResponse::with_timestamp(json!([]), ts))
}

async fn updates(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let cid = req.session()?.cid;
    let since = columns::require_since(req)?;
    let tz = req.tz()?;
    let changed = resources::modified_since(&state.db, cid, since).await?;
    let deleted = directory::deleted_since(&state.db, cid, "resource", since).await?;
    let mut ts = since.max(newest(&changed));
    let (mut new, mut modified) = (Vec::new(), Vec::new());
    for r in &changed {
        let obj = Value::Object(directory::resource_object(r, tz));
        if r.created > since { new.push(obj) } else { modified.push(obj) }
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
