//! `image/user/picture`: a user's profile image, which is the picture of the user's
//! global-address-book contact. Without a picture the answer is HTTP 404, never a
//! placeholder.

use crate::modules::image_contact::{not_found, picture_response};
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};
use oxbow_core::OxResult;
use oxbow_domain::folders::GLOBAL_ADDRESS_BOOK;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let Some(id) = req.param_nonempty("id").and_then(|v| v.trim().parse::<i64>().ok()) else {
        let mut r = Response::new(Body::from("missing or invalid id"));
        *r.status_mut() = StatusCode::BAD_REQUEST;
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=UTF-8"));
        return Ok(ApiResponse::Raw(r));
    };
    let Some(contact_id) = oxbow_store::users::get(&state.db, s.cid, id).await?.and_then(|u| u.contact_id) else {
        return Ok(not_found());
    };
    match oxbow_domain::contacts::picture(&state.db, &s, GLOBAL_ADDRESS_BOOK, contact_id).await {
        Ok(Some((content_type, data, ts))) => Ok(picture_response(req, &content_type, data, contact_id, ts)),
        Ok(None) | Err(_) => Ok(not_found()),
    }
}
