//! `image/user/picture`: a user's profile image. The image is the picture of the user's
//! address-book contact; the contacts module supplies it through
//! `oxbow_domain::directory::user_picture` once contact images exist. Without a picture
//! the answer is HTTP 404, never a placeholder.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};
use oxbow_core::OxResult;
use oxbow_domain::directory;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let Some(id) = req.param_nonempty("id").and_then(|v| v.trim().parse::<i64>().ok()) else {
        return Ok(ApiResponse::Raw(plain(StatusCode::BAD_REQUEST, "missing or invalid id")));
    };
    let Some(user) = oxbow_store::users::get(&state.db, s.cid, id).await? else {
        return Ok(ApiResponse::Raw(plain(StatusCode::NOT_FOUND, "no such user")));
    };
    match directory::user_picture(&state.db, &user).await? {
        Some((bytes, content_type)) => {
            let mut r = Response::new(Body::from(bytes));
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
            Ok(ApiResponse::Raw(r))
        }
        None => Ok(ApiResponse::Raw(plain(StatusCode::NOT_FOUND, "no picture"))),
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=UTF-8"));
    r
}
