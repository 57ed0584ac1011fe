//! capabilities module: what oxbow offers to the session's user. Each implemented feature
//! contributes its capability ids in `capabilities_of`; nothing is announced that the
//! server does not implement.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use oxbow_domain::directory;
use oxbow_domain::sessions::Session;
use serde_json::{json, Value};

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "all" => all(state, req).await,
        "get" => get(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "capabilities"])),
    }
}

/// Capability ids of the user, sorted.
pub async fn capabilities_of(state: &AppState, s: &Session) -> OxResult<Vec<String>> {
    let mut caps: Vec<String> = Vec::new();
    // Modules every user has: contacts with the global address book, Drive.
    caps.extend(["contacts", "gab", "infostore"].map(String::from));
    // Directory: context administrators manage groups and resources.
    if directory::is_context_admin(&state.db, s).await? {
        caps.push("edit_group".into());
        caps.push("edit_resource".into());
    }
    caps.sort();
    caps.dedup();
    Ok(caps)
}

fn capability(id: &str) -> Value {
    json!({ "id": id, "attributes": {} })
}

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let caps = capabilities_of(state, &s).await?;
    Ok(ApiResponse::data(Value::Array(caps.iter().map(|c| capability(c)).collect())))
}

/// One capability, or an empty answer when the user does not have it (reference).
async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let id = req.require("id")?.to_string();
    let caps = capabilities_of(state, &s).await?;
    if caps.iter().any(|c| *c == id) {
        Ok(ApiResponse::data(capability(&id)))
    } else {
        Ok(ApiResponse::data(json!({})))
    }
}
