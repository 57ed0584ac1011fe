//! sync module: `refresh_server` clears folders like `folders?action=clear`, but one error
//! aborts the whole request (reference: "the complete request is going to be aborted").

use crate::modules::folders::{clear_one, ids_from};
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use serde_json::Value;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "refresh_server" => refresh_server(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "sync"])),
    }
}

async fn refresh_server(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let ids = match req.json_opt().await? {
        Some(body) => ids_from(body)?,
        None => Vec::new(),
    };
    let s = req.session()?.clone();
    let mut ts = 0;
    for id in &ids {
        ts = ts.max(clear_one(state, &s, id, "0").await?);
    }
    let data = Value::Array(Vec::new());
    Ok(if ts > 0 { ApiResponse::with_timestamp(data, ts) } else { ApiResponse::data(data) })
}
