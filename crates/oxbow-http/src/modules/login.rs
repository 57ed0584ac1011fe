//! login module: session creation and the session-related flows (behaviour notes 1, 8).
//! This module authenticates by itself; actions that work on an existing session call
//! `dispatch::authenticate`.

use crate::cookies;
use crate::dispatch;
use crate::modules::multiple;
use crate::request::{invalid, ApiRequest};
use crate::response::{self, ApiResponse};
use crate::server::AppState;
use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};
use oxbow_core::time::now_ms;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_domain::sessions::{random_id, NewSession, Session};
use oxbow_store::{tokens, users};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use std::net::IpAddr;
use std::sync::Arc;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "login" => login(state, req).await,
        "logout" => logout(state, req).await,
        "formlogin" => Ok(formlogin(state, req).await.unwrap_or_else(|e| ApiResponse::Raw(form_error_page(req, &e)))),
        "store" => store(state, req).await,
        "autologin" => autologin(state, req).await,
        "refreshSecret" => refresh_secret(state, req).await,
        "changeip" => change_ip(state, req).await,
        "redirect" => redirect(state, req, false).await,
        "redeem" => redirect(state, req, true).await,
        "tokenLogin" => token_login(state, req).await,
        "tokens" => tokens_action(state, req).await,
        "redeemToken" => redeem_token(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "login"])),
    }
}

const DEFAULT_CLIENT: &str = "com.openexchange.ox.gui.dhtml";

fn client_of(req: &ApiRequest) -> String {
    req.param_nonempty("client").unwrap_or(DEFAULT_CLIENT).to_string()
}

/// The unwrapped login answer shared by login, autologin, tokens and redeem flows.
pub fn login_answer(session: &Session) -> Value {
    json!({
        "session": session.id,
        "user": session.login,
        "user_id": session.user_id,
        "context_id": session.cid,
        "locale": session.locale,
    })
}

/// Queue the secret and public-session cookies of `session` (and the session cookie for
/// long-term sessions, which autologin uses).
pub fn write_session_cookies(state: &AppState, req: &mut ApiRequest, session: &Session, user_agent: &str) {
    let config = &state.core.config;
    let hash = cookies::cookie_hash(user_agent, Some(&session.client), &config.cookie_hash_salt);
    let max_age = session.long_term.then_some(config.session_long_lifetime_secs);
    req.set_cookies.push(cookies::set_cookie(&format!("{}{hash}", cookies::SECRET_PREFIX), &session.secret, max_age, config.cookie_secure));
    req.set_cookies.push(cookies::set_cookie(&format!("{}{hash}", cookies::PUBLIC_SESSION_PREFIX), &session.alt_id, max_age, config.cookie_secure));
    if session.long_term {
        req.set_cookies.push(cookies::set_cookie(&format!("{}{hash}", cookies::SESSION_PREFIX), &session.id, max_age, config.cookie_secure));
    }
}

/// The password must travel in the body, never in the URI (SVL-0030).
fn reject_password_in_uri(req: &ApiRequest) -> OxResult<()> {
    if req.query_keys.iter().any(|k| k == "password") {
        return Err(codes::SVL_PARAM_IN_URI.with(["password"]));
    }
    Ok(())
}

/// Check credentials under the failed-login throttle (HTTP 429 once a remote address
/// failed too often within the window).
async fn check_credentials(state: &AppState, req: &ApiRequest, name: &str, password: &str) -> OxResult<users::User> {
    let throttle_key = req.remote_ip.to_string();
    state.core.login_throttle.check(&throttle_key)?;
    match oxbow_domain::auth::authenticate(&state.core.db, name, password).await {
        Ok(user) => {
            state.core.login_throttle.record_success(&throttle_key);
            Ok(user)
        }
        Err(e) => {
            state.core.login_throttle.record_failure(&throttle_key);
            Err(e)
        }
    }
}

/// The User-Agent the cookie hash of a new session is computed from.
fn login_user_agent(req: &ApiRequest) -> String {
    req.param_nonempty("clientUserAgent").unwrap_or(req.user_agent()).to_string()
}

/// `clientIP` when given (it must be an IP address), else the request's address.
fn login_client_ip(req: &ApiRequest) -> OxResult<String> {
    match req.param_nonempty("clientIP") {
        Some(ip) => ip.trim().parse::<IpAddr>().map(|ip| ip.to_string()).map_err(|_| invalid("clientIP", ip)),
        None => Ok(req.remote_ip.to_string()),
    }
}

/// Open a session for `user` with the request's client, version, authId and addresses.
async fn open_session(state: &AppState, req: &ApiRequest, user: &users::User, long_term: bool) -> OxResult<Arc<Session>> {
    let auth_id = req.param_nonempty("authId").map(str::to_string).unwrap_or_else(random_id);
    state
        .core
        .sessions
        .create(NewSession {
            cid: user.cid,
            user_id: user.id,
            login: user.login.clone(),
            client: client_of(req),
            client_ip: login_client_ip(req)?,
            user_agent: login_user_agent(req),
            auth_id,
            version: req.param("version").unwrap_or("").to_string(),
            long_term,
        })
        .await
}

/// A one-time token pointing at `session`, valid for `token_lifetime_secs`.
async fn issue_token(state: &AppState, kind: &str, session_id: &str, extra: &str) -> OxResult<String> {
    let token = random_id();
    let expires = now_ms() + state.core.config.token_lifetime_secs.saturating_mul(1000);
    tokens::insert(&state.core.db, &token, kind, session_id, extra, expires).await?;
    Ok(token)
}

/// `language`/`locale` as sent, checked to look like `de` or `de_DE`.
fn requested_locale(req: &ApiRequest) -> OxResult<Option<String>> {
    for name in ["locale", "language"] {
        if let Some(v) = req.param_nonempty(name) {
            let v = v.replace('-', "_");
            let ok = match v.split_once('_') {
                Some((lang, country)) => is_alpha(lang, 2, 3, false) && is_alpha(country, 2, 2, true),
                None => is_alpha(&v, 2, 3, false),
            };
            if !ok {
                return Err(invalid(name, &v));
            }
            return Ok(Some(v));
        }
    }
    Ok(None)
}

fn is_alpha(s: &str, min: usize, max: usize, upper: bool) -> bool {
    (min..=max).contains(&s.len())
        && s.chars().all(|c| if upper { c.is_ascii_uppercase() } else { c.is_ascii_lowercase() })
}

async fn login(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    reject_password_in_uri(req)?;
    let name = req.require("name")?.to_string();
    let password = req.param("password").ok_or_else(|| codes::SVL_MISSING_PARAM.with(["password"]))?.to_string();
    // Validate everything the client sent before a session exists.
    let long_term = req.flag("staySignedIn")?;
    let locale = requested_locale(req)?;
    let store_locale = req.flag("storeLanguage")? || req.flag("storeLocale")?;
    let multiple_elements = match req.param("multiple") {
        None => None,
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Array(a)) => {
                multiple::check_elements(&a)?;
                Some(a)
            }
            Ok(_) => return Err(invalid("multiple", "expected a JSON array")),
            Err(e) => return Err(codes::SVL_INVALID_JSON.with([e.to_string()])),
        },
    };
    login_client_ip(req)?;
    req.flag("modules")?;
    req.flag("rampup")?;

    let mut user = check_credentials(state, req, &name, &password).await?;
    if let (Some(l), true) = (&locale, store_locale) {
        if *l != user.locale {
            user.locale = l.clone();
            user.last_modified = now_ms();
            users::update(&state.core.db, &user).await?;
        }
    }
    let session = open_session(state, req, &user, long_term).await?;
    write_session_cookies(state, req, &session, &login_user_agent(req));

    let mut answer = login_answer(&session);
    if let Some(l) = locale {
        answer["locale"] = Value::from(l);
    }
    if state.core.config.random_token {
        answer["random"] = Value::from(issue_token(state, tokens::KIND_RANDOM, &session.id, "").await?);
    }
    super::rampup::extend_login_answer(state, req, &session, &mut answer).await?;
    if let Some(elements) = multiple_elements {
        answer["multiple"] = Value::Array(multiple::run(state, req, &session, elements).await);
    }
    if req.param_nonempty("callback").is_some() {
        return Ok(ApiResponse::Raw(response::callback_page("login", &answer)));
    }
    Ok(ApiResponse::unwrapped(answer))
}

/// logout: no session → HTTP 400; unknown session or wrong secret → HTTP 403; otherwise
/// the session ends, its cookies are expired, and the body is empty.
async fn logout(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    if req.param_nonempty("session").is_none() {
        return Err(codes::SES_NO_SESSION_PARAM.err().http_status(400));
    }
    let session = dispatch::authenticate(state, req).await.map_err(|e| e.http_status(403))?;
    state.core.sessions.remove(&session.id).await?;
    let hash = cookies::cookie_hash(req.user_agent(), Some(&session.client), &state.core.config.cookie_hash_salt);
    dispatch::expire_session_cookies(req, &hash, state.core.config.cookie_secure);
    Ok(ApiResponse::empty())
}

/// The UI URL with login data in the fragment (notes 8.1): CR/LF and extra leading
/// slashes are removed and only paths are accepted, so the target stays on this host.
pub fn ui_url(ui_web_path: &str, fragment: &[(&str, String)]) -> String {
    let cleaned: String = ui_web_path.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let mut path = format!("/{}", cleaned.trim_start_matches(['/', '\\']));
    let encoded: Vec<String> = fragment
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect();
    path.push(if path.contains('#') { '&' } else { '#' });
    path.push_str(&encoded.join("&"));
    path
}

fn redirect_response(location: &str) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn ui_web_path<'a>(state: &'a AppState, req: &'a ApiRequest) -> &'a str {
    req.param_nonempty("uiWebPath").unwrap_or(&state.core.config.ui_web_path)
}

/// formlogin: an HTML form post from a portal page; success redirects into the UI with
/// the session in the URL fragment, failure shows an HTML page (notes 8.1).
async fn formlogin(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    reject_password_in_uri(req)?;
    if !state.core.config.form_login_without_auth_id {
        req.require("authId")?;
    }
    let login = req.require("login")?.to_string();
    let password = req.param("password").ok_or_else(|| codes::SVL_MISSING_PARAM.with(["password"]))?.to_string();
    let autologin = req.flag("autologin")?;
    login_client_ip(req)?;
    let user = check_credentials(state, req, &login, &password).await?;
    let session = open_session(state, req, &user, false).await?;
    write_session_cookies(state, req, &session, &login_user_agent(req));
    let mut fragment = vec![
        ("session", session.id.clone()),
        ("user", session.login.clone()),
        ("user_id", session.user_id.to_string()),
        ("context_id", session.cid.to_string()),
        ("language", session.locale.clone()),
    ];
    if autologin {
        fragment.push(("store", "true".into()));
    }
    Ok(ApiResponse::Raw(redirect_response(&ui_url(ui_web_path(state, req), &fragment))))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The form-login failure page: the message, then back to the referring page with
/// `login=failed` after five seconds (only to http(s) or same-host referrers).
fn form_error_page(req: &ApiRequest, e: &OxError) -> Response {
    let back = req
        .header("referer")
        .filter(|r| r.starts_with("https://") || r.starts_with("http://") || (r.starts_with('/') && !r.starts_with("//")))
        .map(|r| {
            let r: String = r.chars().filter(|c| !c.is_control()).collect();
            let sep = if r.contains('?') { '&' } else { '?' };
            format!("{r}{sep}login=failed")
        });
    let refresh = back
        .map(|url| format!("<meta http-equiv=\"refresh\" content=\"5; URL={}\">\n", html_escape(&url)))
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\">\n{refresh}<title>Login failed</title>\n</head>\n<body>\n<h1>Login failed</h1>\n<p>{}</p>\n</body>\n</html>\n",
        html_escape(&e.display_message())
    );
    let mut r = Response::new(Body::from(html));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=UTF-8"));
    if let Some(status) = e.http_status.and_then(|s| StatusCode::from_u16(s).ok()) {
        *r.status_mut() = status;
    }
    r
}

/// store: write the session cookie so that `autologin` finds the session after a reload.
async fn store(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    if !state.core.config.autologin {
        return Err(codes::SVL_ACTION_DISABLED.with(["store"]));
    }
    let session = dispatch::authenticate(state, req).await?;
    let config = &state.core.config;
    let hash = cookies::cookie_hash(req.user_agent(), Some(&session.client), &config.cookie_hash_salt);
    req.set_cookies.push(cookies::set_cookie(
        &format!("{}{hash}", cookies::SESSION_PREFIX),
        &session.id,
        Some(config.session_long_lifetime_secs),
        config.cookie_secure,
    ));
    Ok(ApiResponse::data("1"))
}

/// autologin: the session and secret cookies of this browser (hash over the current
/// User-Agent and `client`) re-open the session without credentials (notes 1.8).
async fn autologin(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let config = &state.core.config;
    if !config.autologin {
        return Err(codes::SVL_ACTION_DISABLED.with(["autologin"]));
    }
    let hash = cookies::cookie_hash(req.user_agent(), req.param_nonempty("client"), &config.cookie_hash_salt);
    let session_id = req.cookies.get(&format!("{}{hash}", cookies::SESSION_PREFIX)).cloned();
    let secret = req.cookies.get(&format!("{}{hash}", cookies::SECRET_PREFIX)).cloned();
    let session = match (session_id, secret) {
        (Some(id), Some(secret)) => match state.core.sessions.get(&id).await? {
            Some(s) if s.secret == secret => Some(s),
            _ => None,
        },
        _ => None,
    };
    let Some(session) = session else {
        dispatch::expire_session_cookies(req, &hash, config.cookie_secure);
        return Err(codes::SVL_INVALID_COOKIE.err());
    };
    if config.ip_check && session.client_ip != req.remote_ip.to_string() {
        state.core.sessions.remove(&session.id).await?;
        dispatch::expire_session_cookies(req, &hash, config.cookie_secure);
        return Err(codes::SES_IP_MISMATCH.err());
    }
    req.set_cookies.push(cookies::set_cookie(
        &format!("{}{hash}", cookies::PUBLIC_SESSION_PREFIX),
        &session.alt_id,
        session.long_term.then_some(config.session_long_lifetime_secs),
        config.cookie_secure,
    ));
    let mut answer = login_answer(&session);
    super::rampup::extend_login_answer(state, req, &session, &mut answer).await?;
    Ok(ApiResponse::unwrapped(answer))
}

/// refreshSecret: send the secret and public-session cookies of the session again (their
/// lifetime starts anew).
async fn refresh_secret(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let session = dispatch::authenticate(state, req).await?;
    let ua = req.user_agent().to_string();
    write_session_cookies(state, req, &session, &ua);
    Ok(ApiResponse::data("1"))
}

/// changeip: the IP check compares against `clientIP` from now on.
async fn change_ip(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let session = dispatch::authenticate(state, req).await?;
    let raw = req.require("clientIP")?;
    let ip = raw.trim().parse::<IpAddr>().map_err(|_| invalid("clientIP", raw))?;
    state.core.sessions.set_client_ip(&session.id, &ip.to_string()).await?;
    Ok(ApiResponse::data("1"))
}

/// Hand an existing session to the browser making this request: adopt its `client`
/// (part of the cookie hash) when given, and write the cookies for its User-Agent.
async fn adopt_session(state: &AppState, req: &mut ApiRequest, session: Arc<Session>) -> OxResult<Arc<Session>> {
    let session = match req.param_nonempty("client") {
        Some(client) if client != session.client => state
            .core
            .sessions
            .set_client(&session.id, client)
            .await?
            .ok_or_else(|| codes::SES_EXPIRED.with([&session.id]))?,
        _ => session,
    };
    let ua = req.user_agent().to_string();
    write_session_cookies(state, req, &session, &ua);
    Ok(session)
}

/// redirect / redeem: the one-time `random` token of a login (only with `random_token`
/// configured) opens the session in this browser (notes 8.3).
async fn redirect(state: &AppState, req: &mut ApiRequest, redeem: bool) -> OxResult<ApiResponse> {
    let action = if redeem { "redeem" } else { "redirect" };
    if !state.core.config.random_token {
        return Err(codes::SVL_ACTION_DISABLED.with([action]).http_status(400));
    }
    let random = req.require("random").map_err(|e| e.http_status(400))?.to_string();
    let store = req.flag("store")?;
    let denied = || codes::TOKEN_INVALID.err().http_status(403);
    let row = tokens::take(&state.core.db, &random, tokens::KIND_RANDOM, now_ms()).await?.ok_or_else(denied)?;
    let session = state.core.sessions.get(&row.session_id).await?.ok_or_else(denied)?;
    let session = adopt_session(state, req, session).await?;
    if redeem {
        return Ok(ApiResponse::unwrapped(login_answer(&session)));
    }
    let mut fragment = vec![("session", session.id.clone())];
    if store {
        fragment.push(("store", "true".into()));
    }
    Ok(ApiResponse::Raw(redirect_response(&ui_url(ui_web_path(state, req), &fragment))))
}

/// tokenLogin: step one of the two-token login (notes 8.2). The session is parked behind
/// a server token; only the server token together with the client's own token opens it,
/// within `token_lifetime_secs`.
async fn token_login(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    reject_password_in_uri(req)?;
    let login = req.require("login")?.to_string();
    let password = req.param("password").ok_or_else(|| codes::SVL_MISSING_PARAM.with(["password"]))?.to_string();
    let client_token = req.require("clientToken")?.to_string();
    let json_response = req.flag("jsonResponse")?;
    let autologin = req.flag("autologin")?;
    login_client_ip(req)?;
    let user = check_credentials(state, req, &login, &password).await?;
    let session = open_session(state, req, &user, false).await?;
    let server_token = issue_token(state, tokens::KIND_SERVER_TOKEN, &session.id, &client_token).await?;
    let mut fragment = vec![
        ("serverToken", server_token.clone()),
        ("user", session.login.clone()),
        ("user_id", session.user_id.to_string()),
        ("language", session.locale.clone()),
    ];
    if autologin {
        fragment.push(("store", "true".into()));
    }
    let url = ui_url(ui_web_path(state, req), &fragment);
    if json_response {
        return Ok(ApiResponse::unwrapped(json!({
            "serverToken": server_token,
            "user": session.login,
            "user_id": session.user_id,
            "url": url,
        })));
    }
    Ok(ApiResponse::Raw(redirect_response(&url)))
}

/// tokens: step two; both tokens must match, else the parked session is ended.
async fn tokens_action(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let client_token = req.require("clientToken")?.to_string();
    let server_token = req.require("serverToken")?.to_string();
    let row = tokens::take(&state.core.db, &server_token, tokens::KIND_SERVER_TOKEN, now_ms())
        .await?
        .ok_or_else(|| codes::SES_NO_SERVER_TOKEN.err())?;
    if row.extra != client_token {
        state.core.sessions.remove(&row.session_id).await?;
        return Err(codes::SES_NO_CLIENT_TOKEN.err());
    }
    let session = state.core.sessions.get(&row.session_id).await?.ok_or_else(|| codes::SES_NO_SERVER_TOKEN.err())?;
    let session = adopt_session(state, req, session).await?;
    Ok(ApiResponse::data(login_answer(&session)))
}

/// redeemToken: a trusted application (identified by one of the configured
/// `token_secrets`) turns a token from `token?action=acquireToken` into a new session of
/// the same user. The token works once and only while the session it came from lives.
async fn redeem_token(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let secrets = &state.core.config.token_secrets;
    let secret = req.param_nonempty("secret").unwrap_or("");
    if secret.is_empty() || !secrets.iter().any(|s| !s.is_empty() && s == secret) {
        return Err(codes::TOKEN_REDEEM_DENIED.err());
    }
    let token = req.require("token")?.to_string();
    login_client_ip(req)?;
    let row = tokens::take(&state.core.db, &token, tokens::KIND_ACQUIRED, now_ms())
        .await?
        .ok_or_else(|| codes::TOKEN_INVALID.err())?;
    let origin = state.core.sessions.get(&row.session_id).await?.ok_or_else(|| codes::TOKEN_INVALID.err())?;
    let user = users::get(&state.core.db, origin.cid, origin.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| codes::TOKEN_INVALID.err())?;
    let session = open_session(state, req, &user, false).await?;
    write_session_cookies(state, req, &session, &login_user_agent(req));
    let mut answer = login_answer(&session);
    if state.core.config.random_token {
        answer["random"] = Value::from(issue_token(state, tokens::KIND_RANDOM, &session.id, "").await?);
    }
    Ok(ApiResponse::unwrapped(answer))
}
