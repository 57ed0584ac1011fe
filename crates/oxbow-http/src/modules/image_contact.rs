//! image/contact/picture: a contact's picture by folder and id, for `image1_url`.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};
use oxbow_core::OxResult;
use oxbow_domain::contacts as svc;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require_i64("folder")?;
    let id = req.require_i64("id")?;
    match svc::picture(&state.core.db, &s, folder, id).await {
        Ok(Some((content_type, data, ts))) => Ok(picture_response(req, &content_type, data, id, ts)),
        Ok(None) | Err(_) => Ok(not_found()),
    }
}

/// An empty 404: there is no picture (or none the caller may see).
pub fn not_found() -> ApiResponse {
    ApiResponse::Raw(Response::builder().status(StatusCode::NOT_FOUND).body(Body::empty()).unwrap_or_default())
}

/// The picture bytes with content type, ETag and caching headers; 304 when the client's
/// copy is current.
pub fn picture_response(req: &ApiRequest, content_type: &str, data: Vec<u8>, id: i64, ts: i64) -> ApiResponse {
    let etag = format!("\"{id}-{ts}\"");
    let cache = "private, max-age=3600";
    if req.header("if-none-match").is_some_and(|v| v.split(',').any(|t| t.trim() == etag)) {
        let mut r = Response::builder().status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            r.headers_mut().insert(header::ETAG, v);
        }
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        return ApiResponse::Raw(r);
    }
    let mut r = Response::new(Body::from(data));
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    ApiResponse::Raw(r)
}
