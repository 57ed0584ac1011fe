//! `ApiRequest`: one call of `/ajax/<module>?action=...`, whether it came over HTTP or as an
//! element of `multiple`. Parameter accessors return OX errors naming the parameter.

use axum::body::Body;
use http::{HeaderMap, Method};
use oxbow_core::codes;
use oxbow_core::{OxError, OxResult};
use oxbow_domain::sessions::Session;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

pub enum RequestBody {
    Empty,
    /// Already-parsed JSON (the `data` of a `multiple` element).
    Json(Value),
    /// The unread HTTP body (in a mutex only so that `&ApiRequest` is `Send` across awaits).
    Stream { body: std::sync::Mutex<Body>, content_type: String },
    /// The body has been consumed.
    Taken,
}

pub struct ApiRequest {
    /// Module path below `/ajax/`, e.g. `folders`, `image/user/picture`, `config/modules/mail`.
    pub module: String,
    pub action: String,
    pub method: Method,
    /// Query parameters plus form-encoded body parameters.
    pub params: HashMap<String, String>,
    /// Names of the parameters that came in the URI query (for SVL-0030 checks).
    pub query_keys: Vec<String>,
    pub headers: HeaderMap,
    pub cookies: HashMap<String, String>,
    pub remote_ip: IpAddr,
    pub body: RequestBody,
    pub session: Option<Arc<Session>>,
    /// Set once a multipart body was read: the answer goes out as the HTML callback page.
    pub upload: bool,
    /// `Set-Cookie` values to add to the response.
    pub set_cookies: Vec<String>,
    pub max_body_size: u64,
    pub max_upload_size: u64,
}

impl ApiRequest {
    /// A parameter as sent (may be empty).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A parameter, with the empty string treated as absent.
    pub fn param_nonempty(&self, name: &str) -> Option<&str> {
        self.param(name).filter(|v| !v.is_empty())
    }

    /// A required parameter: missing or empty gives SVL-0002 naming it.
    pub fn require(&self, name: &str) -> OxResult<&str> {
        self.param_nonempty(name).ok_or_else(|| codes::SVL_MISSING_PARAM.with([name]))
    }

    pub fn param_i64(&self, name: &str) -> OxResult<Option<i64>> {
        match self.param_nonempty(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| invalid(name, v)),
        }
    }

    pub fn require_i64(&self, name: &str) -> OxResult<i64> {
        self.param_i64(name)?.ok_or_else(|| codes::SVL_MISSING_PARAM.with([name]))
    }

    /// `true`/`false`/`1`/`0` (case-insensitive); anything else is SVL-0010.
    pub fn param_bool(&self, name: &str) -> OxResult<Option<bool>> {
        match self.param_nonempty(name) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(Some(true)),
                "false" | "0" | "no" => Ok(Some(false)),
                _ => Err(invalid(name, v)),
            },
        }
    }

    pub fn flag(&self, name: &str) -> OxResult<bool> {
        Ok(self.param_bool(name)?.unwrap_or(false))
    }

    /// The authenticated session (set by the dispatcher for every module but `login`).
    pub fn session(&self) -> OxResult<&Arc<Session>> {
        self.session.as_ref().ok_or_else(|| codes::SES_NO_SESSION_PARAM.err())
    }

    /// Time zone for `Time` fields: the `timezone` parameter, else the user's.
    pub fn tz(&self) -> OxResult<chrono_tz::Tz> {
        if let Some(name) = self.param_nonempty("timezone") {
            return oxbow_core::time::parse_tz(name).ok_or_else(|| invalid("timezone", name));
        }
        Ok(self.session.as_ref().map(|s| s.tz()).unwrap_or(chrono_tz::UTC))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn user_agent(&self) -> &str {
        self.header("user-agent").unwrap_or("")
    }

    pub fn has_body(&self) -> bool {
        !matches!(self.body, RequestBody::Empty | RequestBody::Taken)
    }

    /// The JSON request body (PUT-style actions). Missing: SVL-0023; broken: SVL-0029;
    /// larger than the configured limit: SVL-0024.
    pub async fn json(&mut self) -> OxResult<Value> {
        match std::mem::replace(&mut self.body, RequestBody::Taken) {
            RequestBody::Json(v) => Ok(v),
            RequestBody::Empty | RequestBody::Taken => Err(codes::SVL_MISSING_BODY.err()),
            RequestBody::Stream { body, .. } => {
                let bytes = read_limited(unlock(body), self.max_body_size).await?;
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return Err(codes::SVL_MISSING_BODY.err());
                }
                serde_json::from_slice(&bytes).map_err(|e| codes::SVL_INVALID_JSON.with([e.to_string()]))
            }
        }
    }

    /// The JSON body when one was sent, else `None`.
    pub async fn json_opt(&mut self) -> OxResult<Option<Value>> {
        if !self.has_body() {
            return Ok(None);
        }
        match self.json().await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code == codes::SVL_MISSING_BODY.code => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The JSON body as an object (SVL-0029 otherwise).
    pub async fn json_object(&mut self) -> OxResult<serde_json::Map<String, Value>> {
        match self.json().await? {
            Value::Object(m) => Ok(m),
            _ => Err(codes::SVL_INVALID_JSON.with(["expected a JSON object"])),
        }
    }

    /// The JSON body as an array (SVL-0029 otherwise).
    pub async fn json_array(&mut self) -> OxResult<Vec<Value>> {
        match self.json().await? {
            Value::Array(a) => Ok(a),
            _ => Err(codes::SVL_INVALID_JSON.with(["expected a JSON array"])),
        }
    }

    /// The raw body bytes, up to `limit` bytes.
    pub async fn bytes(&mut self, limit: u64) -> OxResult<bytes::Bytes> {
        match std::mem::replace(&mut self.body, RequestBody::Taken) {
            RequestBody::Stream { body, .. } => read_limited(unlock(body), limit).await,
            RequestBody::Json(v) => Ok(bytes::Bytes::from(v.to_string())),
            _ => Err(codes::SVL_MISSING_BODY.err()),
        }
    }

    pub fn is_multipart(&self) -> bool {
        matches!(&self.body, RequestBody::Stream { content_type, .. } if content_type.starts_with("multipart/"))
    }

    /// A streaming multipart reader over the body (file uploads). Marks the request as an
    /// upload so the answer is the HTML callback page. Fields are read in order; file parts
    /// stream, so large files never sit in memory.
    pub fn multipart(&mut self) -> OxResult<multer::Multipart<'static>> {
        match std::mem::replace(&mut self.body, RequestBody::Taken) {
            RequestBody::Stream { body, content_type } => {
                let boundary = multer::parse_boundary(&content_type)
                    .map_err(|_| codes::SVL_BAD_REQUEST.with(["expected a multipart body with a boundary"]))?;
                self.upload = true;
                let constraints = multer::Constraints::new()
                    .size_limit(multer::SizeLimit::new().whole_stream(self.max_upload_size));
                Ok(multer::Multipart::with_constraints(unlock(body).into_data_stream(), boundary, constraints))
            }
            _ => Err(codes::SVL_MISSING_BODY.err()),
        }
    }
}

fn unlock(body: std::sync::Mutex<Body>) -> Body {
    body.into_inner().unwrap_or_else(|e| e.into_inner())
}

pub fn invalid(name: &str, value: &str) -> OxError {
    let shown: String = value.chars().take(100).collect();
    codes::SVL_INVALID_PARAM_VALUE.with([name, &shown])
}

/// Map a multipart reading error to an OX error (size limit → SVL-0024).
pub fn multipart_error(e: multer::Error, limit: u64) -> OxError {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            codes::SVL_BODY_TOO_LARGE.with([limit])
        }
        other => codes::SVL_BAD_REQUEST.with([other.to_string()]),
    }
}

/// Read a body completely, refusing it as soon as it exceeds `limit`.
pub async fn read_limited(body: Body, limit: u64) -> OxResult<bytes::Bytes> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if is_length_limit(&e) {
                codes::SVL_BODY_TOO_LARGE.with([limit])
            } else {
                codes::SVL_BAD_REQUEST.with([e.to_string()])
            }
        })?;
        if buf.len() as u64 + chunk.len() as u64 > limit {
            return Err(codes::SVL_BODY_TOO_LARGE.with([limit]));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util_limit::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

// tower-http's body limit error type, re-exported under a descriptive name.
mod http_body_util_limit {
    pub use http_body_util::LengthLimitError;
}
