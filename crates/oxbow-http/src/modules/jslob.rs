//! jslob module: per-user JSON documents (App Suite keeps its settings in them), stored in
//! `user_settings` under the kind `jslob:<serviceId>`.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use oxbow_store::settings;
use serde_json::{json, Map, Value};

const DEFAULT_SERVICE: &str = "com.openexchange.jslob.config";
/// Largest stored document, in bytes.
const MAX_DOCUMENT: usize = 1024 * 1024;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "all" => all(state, req).await,
        "list" => list(state, req).await,
        "get" => get(state, req).await,
        "set" => set(state, req).await,
        "update" => update(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "jslob"])),
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 256 && !s.chars().any(|c| c.is_control())
}

fn kind(req: &ApiRequest) -> OxResult<String> {
    let service = req.param_nonempty("serviceId").unwrap_or(DEFAULT_SERVICE);
    if !valid_name(service) {
        return Err(crate::request::invalid("serviceId", service));
    }
    Ok(format!("jslob:{service}"))
}

fn jslob_id(req: &ApiRequest) -> OxResult<String> {
    let id = req.require("id")?;
    if !valid_name(id) {
        return Err(crate::request::invalid("id", id));
    }
    Ok(id.to_string())
}

fn entry(id: &str, tree: Value) -> Value {
    json!({ "id": id, "tree": tree, "meta": {} })
}

fn parse_stored(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!({}))
}

async fn load(state: &AppState, req: &ApiRequest, kind: &str, id: &str) -> OxResult<Option<Value>> {
    let s = req.session()?;
    Ok(settings::get(&state.db, s.cid, s.user_id, kind, id).await?.map(|t| parse_stored(&t)))
}

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let kind = kind(req)?;
    let docs = settings::all(&state.db, s.cid, s.user_id, &kind).await?;
    Ok(ApiResponse::data(Value::Array(docs.iter().map(|(id, t)| entry(id, parse_stored(t))).collect())))
}

/// Requested documents in request order; unknown ones are empty trees.
async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let kind = kind(req)?;
    let body = req.json_array().await?;
    let mut out = Vec::with_capacity(body.len());
    for v in &body {
        let id = v.as_str().filter(|s| valid_name(s)).ok_or_else(|| codes::SVL_INVALID_JSON.with(["expected an array of JSlob ids"]))?;
        let tree = load(state, req, &kind, id).await?.unwrap_or_else(|| json!({}));
        out.push(entry(id, tree));
    }
    Ok(ApiResponse::data(Value::Array(out)))
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let kind = kind(req)?;
    let id = jslob_id(req)?;
    let tree = load(state, req, &kind, &id).await?.unwrap_or_else(|| json!({}));
    Ok(ApiResponse::data(entry(&id, tree)))
}

async fn store(state: &AppState, req: &ApiRequest, kind: &str, id: &str, tree: &Map<String, Value>) -> OxResult<()> {
    let s = req.session()?;
    let text = serde_json::to_string(tree).map_err(|e| codes::SVL_JSON_ERROR.with([e.to_string()]))?;
    if text.len() > MAX_DOCUMENT {
        return Err(codes::SVL_BODY_TOO_LARGE.with([MAX_DOCUMENT]));
    }
    settings::put(&state.db, s.cid, s.user_id, kind, id, &text).await
}

/// Replace a document; an empty body deletes it.
async fn set(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let kind = kind(req)?;
    let id = jslob_id(req)?;
    match req.json_opt().await? {
        None | Some(Value::Null) => {
            let s = req.session()?;
            settings::remove(&state.db, s.cid, s.user_id, &kind, &id).await?;
        }
        Some(Value::Object(tree)) => store(state, req, &kind, &id, &tree).await?,
        Some(_) => return Err(codes::SVL_INVALID_JSON.with(["expected a JSON object"])),
    }
    Ok(ApiResponse::data(json!({})))
}

/// Merge `patch` into `target`: objects merge recursively, anything else replaces.
fn merge(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match (target.get_mut(&k), v) {
            (Some(Value::Object(t)), Value::Object(p)) => merge(t, p),
            (_, v) => {
                target.insert(k, v);
            }
        }
    }
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let kind = kind(req)?;
    let id = jslob_id(req)?;
    let patch = req.json_object().await?;
    let mut tree = match load(state, req, &kind, &id).await? {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    merge(&mut tree, patch);
    store(state, req, &kind, &id, &tree).await?;
    Ok(ApiResponse::data(json!({})))
}
