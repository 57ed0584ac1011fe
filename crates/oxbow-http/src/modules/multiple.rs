//! multiple: several requests in one PUT, answered in the same order, each with its own
//! envelope (behaviour notes 6). Every element runs; an error in one does not stop others.

use crate::dispatch;
use crate::request::{ApiRequest, RequestBody};
use crate::response::{self, ApiResponse};
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use serde_json::Value;
use std::collections::HashMap;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let session = req.session()?.clone();
    let elements = match req.json().await {
        Ok(Value::Array(a)) => a,
        Ok(_) => return Err(codes::SVL_INVALID_JSON.with(["expected a JSON array"]).http_status(400)),
        Err(e) => return Err(e.http_status(400)),
    };
    let mut results = Vec::with_capacity(elements.len());
    for element in elements {
        let Value::Object(mut obj) = element else {
            results.push(response::error_envelope(&codes::SVL_BAD_REQUEST.with(["element is not an object"])));
            continue;
        };
        let Some(module) = obj.remove("module").and_then(|m| m.as_str().map(str::to_string)) else {
            return Err(codes::SVL_MISSING_FIELD.with(["module"]).http_status(400));
        };
        let data = obj.remove("data");
        let mut params: HashMap<String, String> = HashMap::new();
        for (k, v) in obj {
            let s = match v {
                Value::String(s) => s,
                Value::Null => continue,
                other => other.to_string(),
            };
            params.insert(k, s);
        }
        let action = params.get("action").cloned().unwrap_or_default();
        let mut sub = ApiRequest {
            module: module.trim_matches('/').to_string(),
            action,
            method: if data.is_some() { http::Method::PUT } else { http::Method::GET },
            params,
            query_keys: Vec::new(),
            headers: req.headers.clone(),
            cookies: req.cookies.clone(),
            remote_ip: req.remote_ip,
            body: data.map(RequestBody::Json).unwrap_or(RequestBody::Empty),
            session: Some(session.clone()),
            upload: false,
            set_cookies: Vec::new(),
            max_body_size: req.max_body_size,
            max_upload_size: req.max_upload_size,
        };
        let outcome = if sub.module == "login" || sub.module == "multiple" {
            Err(codes::SVL_UNKNOWN_MODULE.with([&sub.module]))
        } else {
            dispatch::dispatch(state, &mut sub).await
        };
        results.push(match outcome {
            Ok(ApiResponse::Data { data, timestamp, warnings }) => response::envelope(data, timestamp, &warnings),
            Ok(ApiResponse::Raw(_)) => response::error_envelope(
                &codes::SVL_BAD_REQUEST.with(["this action cannot be part of a multiple request"]),
            ),
            Err(e) => response::error_envelope(&e),
        });
    }
    Ok(ApiResponse::Raw(response::json_http(http::StatusCode::OK, &Value::Array(results))))
}
