//! Routing of `module` + `action` to the module files, session checks, and rendering of
//! every answer into the OX envelope, the upload callback page or a raw response.

use crate::cookies;
use crate::modules;
use crate::request::ApiRequest;
use crate::response::{self, ApiResponse};
use crate::server::AppState;
use axum::response::Response;
use futures::future::BoxFuture;
use http::{HeaderValue, StatusCode};
use oxbow_core::{codes, OxError, OxResult};
use oxbow_domain::sessions::Session;
use std::sync::Arc;

/// Run one API request: the module's handler picks the action.
/// Boxed because `multiple` calls back into it.
pub fn dispatch<'a>(state: &'a AppState, req: &'a mut ApiRequest) -> BoxFuture<'a, OxResult<ApiResponse>> {
    Box::pin(async move {
        let module = req.module.clone();
        match module.as_str() {
            "login" => modules::login::handle(state, req).await,
            "multiple" => modules::multiple::handle(state, req).await,
            "user" => modules::user::handle(state, req).await,
            "user/me" => modules::user_me::handle(state, req).await,
            "image/user/picture" => modules::image_user_picture::handle(state, req).await,
            "group" => modules::group::handle(state, req).await,
            "resource" => modules::resource::handle(state, req).await,
            m if m == "config" || m.starts_with("config/") => modules::config::handle(state, req).await,
            "jslob" => modules::jslob::handle(state, req).await,
            "capabilities" => modules::capabilities::handle(state, req).await,
            "quota" => modules::quota::handle(state, req).await,
            "contacts" => modules::contacts::handle(state, req).await,
            "halo/contact" => modules::halo::handle(state, req).await,
            "halo/contact/picture" => modules::halo::picture(state, req).await,
            "image/contact/picture" => modules::image_contact::handle(state, req).await,
            "import" => modules::import::handle(state, req).await,
            "export" => modules::export::handle(state, req).await,
            m if m == "infostore" || m.starts_with("infostore/") => modules::infostore::handle(state, req).await,
            m if m == "attachment" || m.starts_with("attachment/") => modules::attachment::handle(state, req).await,
            "file" => modules::file::handle(state, req).await,
            "fileservice" => modules::fileservice::handle(state, req).await,
            "fileaccount" => modules::fileaccount::handle(state, req).await,
            "image/mfile/picture" => modules::image_file::mfile_picture(state, req).await,
            "image/file/mp3cover" => modules::image_file::mp3_cover(state, req).await,
            "mail" => modules::mail::handle(state, req).await,
            "image/mail/picture" => modules::image_mail::handle(state, req).await,
            "account" => modules::account::handle(state, req).await,
            "autoconfig" => modules::autoconfig::handle(state, req).await,
            "folders" => modules::folders::handle(state, req).await,
            "sync" => modules::sync::handle(state, req).await,
            "token" => modules::token::handle(state, req).await,
            "jump" => modules::jump::handle(state, req).await,
            "passwordchange" => modules::passwordchange::handle(state, req).await,
            _ => Err(codes::SVL_UNKNOWN_MODULE.with([&module])),
        }
    })
}

/// Whether a module authenticates by itself (the login flows) instead of by session.
fn authenticates_itself(module: &str) -> bool {
    module == "login"
}

/// Endpoints that browsers load directly (images, downloads): session failures answer
/// with an HTTP 403 page instead of a JSON error (behaviour notes 1.4).
fn is_direct_download(req: &ApiRequest) -> bool {
    req.module.starts_with("image/")
        || req.module == "halo/contact/picture"
        || matches!(
            req.action.as_str(),
            "document" | "zipdocuments" | "zipfolder" | "zip_attachments" | "zip_messages" | "attachment"
        ) && req.method == http::Method::GET
}

/// Entry point from axum: authenticate, dispatch, render.
pub async fn dispatch_http(state: &AppState, mut req: ApiRequest) -> Response {
    if !authenticates_itself(&req.module) {
        match authenticate(state, &mut req).await {
            Ok(session) => req.session = Some(session),
            Err(e) => {
                if is_direct_download(&req) {
                    return with_cookies(response::forbidden_page(&e), &req.set_cookies);
                }
                // multiple without a session is a malformed call (notes 2.7).
                if req.module == "multiple" && e.code == codes::SES_NO_SESSION_PARAM.code {
                    return render_error(&req, &e.http_status(400));
                }
                return render_error(&req, &e);
            }
        }
    }
    let result = dispatch(state, &mut req).await;
    match result {
        Ok(ApiResponse::Data { data, timestamp, warnings }) => {
            let value = response::envelope(data, timestamp, &warnings);
            let resp = if req.upload {
                response::callback_page(&callback_name(&req), &value)
            } else {
                response::json_http(StatusCode::OK, &value)
            };
            with_cookies(resp, &req.set_cookies)
        }
        Ok(ApiResponse::Raw(resp)) => with_cookies(resp, &req.set_cookies),
        Err(e) => render_error(&req, &e),
    }
}

fn callback_name(req: &ApiRequest) -> String {
    if req.module == "import" { "import".into() } else { req.action.clone() }
}

/// An error as the client expects it: HTTP 200 with the error envelope (or the callback
/// page for uploads); a few errors carry their own HTTP status (429, 400, 403).
pub fn render_error(req: &ApiRequest, e: &OxError) -> Response {
    let value = response::error_envelope(e);
    let status = e.http_status.and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    let resp = if req.upload && status == StatusCode::OK {
        response::callback_page(&callback_name(req), &value)
    } else {
        response::json_http(status, &value)
    };
    with_cookies(resp, &req.set_cookies)
}

fn with_cookies(mut resp: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            resp.headers_mut().append(http::header::SET_COOKIE, v);
        }
    }
    resp
}

/// The session checks of behaviour notes 1.4, in order: session parameter, known
/// session, secret cookie, client IP. Image URLs may use the public-session cookie instead
/// of the session parameter.
pub async fn authenticate(state: &AppState, req: &mut ApiRequest) -> OxResult<Arc<Session>> {
    let config = &state.core.config;
    let Some(id) = req.param_nonempty("session").map(str::to_string) else {
        if req.module.starts_with("image/") || req.module == "halo/contact/picture" {
            if let Some(s) = public_session(state, req).await? {
                return Ok(s);
            }
        }
        return Err(codes::SES_NO_SESSION_PARAM.err());
    };
    let Some(session) = state.core.sessions.get(&id).await? else {
        return Err(codes::SES_EXPIRED.with([&id]));
    };
    let hash = cookies::cookie_hash(req.user_agent(), Some(&session.client), &config.cookie_hash_salt);
    let secret_cookie = format!("{}{hash}", cookies::SECRET_PREFIX);
    if req.cookies.get(&secret_cookie) != Some(&session.secret) {
        return Err(codes::SES_WRONG_SECRET.err());
    }
    if config.ip_check && session.client_ip != req.remote_ip.to_string() {
        state.core.sessions.remove(&session.id).await?;
        expire_session_cookies(req, &hash, config.cookie_secure);
        return Err(codes::SES_IP_MISMATCH.err());
    }
    let public_cookie = format!("{}{hash}", cookies::PUBLIC_SESSION_PREFIX);
    if !req.cookies.contains_key(&public_cookie) {
        req.set_cookies.push(cookies::set_cookie(&public_cookie, &session.alt_id, None, config.cookie_secure));
    }
    Ok(session)
}

async fn public_session(state: &AppState, req: &ApiRequest) -> OxResult<Option<Arc<Session>>> {
    let prefix = cookies::PUBLIC_SESSION_PREFIX;
    for (name, value) in &req.cookies {
        if name.starts_with(prefix) {
            if let Some(s) = state.core.sessions.by_alt_id(value).await? {
                return Ok(Some(s));
            }
        }
    }
    Ok(None)
}

/// Queue deletion of the secret, session and public-session cookies.
pub fn expire_session_cookies(req: &mut ApiRequest, hash: &str, secure: bool) {
    for prefix in [cookies::SECRET_PREFIX, cookies::SESSION_PREFIX, cookies::PUBLIC_SESSION_PREFIX] {
        req.set_cookies.push(cookies::delete_cookie(&format!("{prefix}{hash}"), secure));
    }
}

/// A panic inside a handler is a bug; the client still gets an OX error, not a broken
/// connection, and the panic is logged.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    tracing::error!("handler panicked: {detail}");
    let e = OxError::internal(detail);
    response::json_http(StatusCode::INTERNAL_SERVER_ERROR, &response::error_envelope(&e))
}
