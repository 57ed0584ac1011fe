//! fileservice module: the file storage services (the built-in Drive and any plugged in).

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use oxbow_domain::infostore::services;
use serde_json::Value;

pub async fn handle(_state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    req.session()?;
    match req.action.as_str() {
        "all" => Ok(ApiResponse::data(Value::Array(services::registry().into_iter().map(services::service_json).collect()))),
        "get" => {
            let id = req.require("id")?;
            Ok(ApiResponse::data(services::service_json(services::service(id)?)))
        }
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "fileservice"])),
    }
}
