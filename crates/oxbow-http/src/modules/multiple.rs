//! multiple: several requests in one PUT, answered in the same order, each with its own
//! envelope (behaviour notes 6). Every element runs; an error in one does not stop others
//! (`continue` is accepted but, as in OX 7.8, changes nothing). The outer session
//! authenticates every element; `login` and `multiple` cannot be nested.

use crate::dispatch;
use crate::request::{ApiRequest, RequestBody};
use crate::response::{self, ApiResponse};
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use oxbow_domain::sessions::Session;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let session = req.session()?.clone();
    req.param_bool("continue")?;
    let elements = match req.json().await {
        Ok(Value::Array(a)) => a,
        Ok(_) => return Err(codes::SVL_INVALID_JSON.with(["expected a JSON array"]).http_status(400)),
        Err(e) => return Err(e.http_status(400)),
    };
    check_elements(&elements).map_err(|e| e.http_status(400))?;
    let results = run(state, req, &session, elements).await;
    Ok(ApiResponse::Raw(response::json_http(http::StatusCode::OK, &Value::Array(results))))
}

/// An element without a `module` makes the whole call fail (notes 6.1).
pub fn check_elements(elements: &[Value]) -> OxResult<()> {
    for element in elements {
        if let Value::Object(obj) = element {
            if !obj.get("module").is_some_and(Value::is_string) {
                return Err(codes::SVL_MISSING_FIELD.with(["module"]));
            }
        }
    }
    Ok(())
}

/// Run the elements in order as `session`; one answer object per element.
pub async fn run(state: &AppState, parent: &ApiRequest, session: &Arc<Session>, elements: Vec<Value>) -> Vec<Value> {
    let mut results = Vec::with_capacity(elements.len());
    for element in elements {
        let Value::Object(mut obj) = element else {
            results.push(response::error_envelope(&codes::SVL_BAD_REQUEST.with(["element is not an object"])));
            continue;
        };
        let module = obj.remove("module").and_then(|m| m.as_str().map(str::to_string)).unwrap_or_default();
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
            headers: parent.headers.clone(),
            cookies: parent.cookies.clone(),
            remote_ip: parent.remote_ip,
            body: data.map(RequestBody::Json).unwrap_or(RequestBody::Empty),
            session: Some(session.clone()),
            upload: false,
            set_cookies: Vec::new(),
            max_body_size: parent.max_body_size,
            max_upload_size: parent.max_upload_size,
        };
        let outcome = if sub.module == "login" || sub.module == "multiple" {
            Err(codes::SVL_BAD_REQUEST.with([format!("module {} cannot be part of a multiple request", sub.module)]))
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
    results
}
