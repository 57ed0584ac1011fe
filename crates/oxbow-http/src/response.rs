//! The OX response envelope (introduction: "Response body") and the HTML callback page
//! that answers file uploads (introduction: "File uploads").

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use oxbow_core::OxError;
use serde_json::{Map, Value};

pub const JS_CONTENT_TYPE: &str = "text/javascript; charset=UTF-8";

pub enum ApiResponse {
    /// `{"data": ..., "timestamp": ...}`; warnings are added as in behaviour notes 2.1.
    Data { data: Value, timestamp: Option<i64>, warnings: Vec<OxError> },
    /// A complete HTTP response (downloads, images, unwrapped login answers, empty bodies).
    Raw(Response),
}

impl ApiResponse {
    pub fn data(data: impl Into<Value>) -> Self {
        ApiResponse::Data { data: data.into(), timestamp: None, warnings: Vec::new() }
    }

    pub fn with_timestamp(data: impl Into<Value>, timestamp: i64) -> Self {
        ApiResponse::Data { data: data.into(), timestamp: Some(timestamp), warnings: Vec::new() }
    }

    pub fn warn(mut self, warning: OxError) -> Self {
        if let ApiResponse::Data { warnings, .. } = &mut self {
            warnings.push(warning);
        }
        self
    }

    /// A JSON object as the whole body (OX "unwrapped" answers such as login).
    pub fn unwrapped(value: Value) -> Self {
        ApiResponse::Raw(json_http(StatusCode::OK, &value))
    }

    /// HTTP 200 with an empty body (logout).
    pub fn empty() -> Self {
        ApiResponse::Raw(Response::builder().status(StatusCode::OK).body(Body::empty()).unwrap_or_default())
    }
}

/// The envelope object of a successful answer.
pub fn envelope(data: Value, timestamp: Option<i64>, warnings: &[OxError]) -> Value {
    let mut m = Map::new();
    m.insert("data".into(), data);
    if let Some(ts) = timestamp {
        m.insert("timestamp".into(), Value::from(ts));
    }
    if let Some(first) = warnings.first() {
        let to_warning = |w: &OxError| {
            let mut e = w.to_envelope();
            e.insert("categories".into(), Value::from("WARNING"));
            e.insert("category".into(), Value::from(13));
            Value::Object(e)
        };
        // The first warning is mirrored into the top-level error fields.
        if let Value::Object(e) = to_warning(first) {
            for (k, v) in e {
                m.insert(k, v);
            }
        }
        let list: Vec<Value> = warnings.iter().map(to_warning).collect();
        m.insert("warnings".into(), if list.len() == 1 { list[0].clone() } else { Value::Array(list) });
    }
    Value::Object(m)
}

pub fn error_envelope(e: &OxError) -> Value {
    Value::Object(e.to_envelope())
}

pub fn json_http(status: StatusCode, value: &Value) -> Response {
    let mut r = Response::new(Body::from(value.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JS_CONTENT_TYPE));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache, must-revalidate"));
    r
}

/// The HTML page that hands an upload's JSON answer to `callback_<action>`.
pub fn callback_page(action: &str, value: &Value) -> Response {
    // The action name is echoed into script: only allow identifier characters.
    let action: String = action.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    // Escape "</" so the JSON cannot close the script element.
    let json = value.to_string().replace("</", "<\\/");
    let html = format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n<html>\n<head>\n<META http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n<script type=\"text/javascript\">\n(parent[\"callback_{action}\"] || window.opener && window.opener[\"callback_{action}\"])\n({json})\n</script>\n</head>\n</html>\n"
    );
    let mut r = Response::new(Body::from(html));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=UTF-8"));
    r
}

/// An HTML error page with HTTP 403, for session failures on non-JSON endpoints
/// (downloads, images).
pub fn forbidden_page(e: &OxError) -> Response {
    let text = e.display_message().replace('&', "&amp;").replace('<', "&lt;");
    let mut r = (StatusCode::FORBIDDEN, format!("<html><body><h1>403 Forbidden</h1><p>{text}</p></body></html>")).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=UTF-8"));
    r
}
