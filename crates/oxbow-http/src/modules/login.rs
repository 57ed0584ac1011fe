//! login module: session creation and the session-related flows (behaviour notes 1, 8).

use crate::cookies;
use crate::dispatch;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use oxbow_domain::sessions::{NewSession, Session};
use serde_json::{json, Value};

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "login" => login(state, req).await,
        "logout" => logout(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "login"])),
    }
}

fn client_of(req: &ApiRequest) -> String {
    req.param_nonempty("client").unwrap_or("com.openexchange.ox.gui.dhtml").to_string()
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

async fn login(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    if req.query_keys.iter().any(|k| k == "password") {
        return Err(codes::SVL_PARAM_IN_URI.with(["password"]));
    }
    let name = req.require("name")?.to_string();
    let password = req.param("password").ok_or_else(|| codes::SVL_MISSING_PARAM.with(["password"]))?.to_string();
    let throttle_key = req.remote_ip.to_string();
    state.core.login_throttle.check(&throttle_key)?;
    let user = match oxbow_domain::auth::authenticate(&state.core.db, &name, &password).await {
        Ok(u) => u,
        Err(e) => {
            state.core.login_throttle.record_failure(&throttle_key);
            return Err(e);
        }
    };
    state.core.login_throttle.record_success(&throttle_key);
    let user_agent = req.param_nonempty("clientUserAgent").unwrap_or(req.user_agent()).to_string();
    let client_ip = req.param_nonempty("clientIP").map(str::to_string).unwrap_or_else(|| req.remote_ip.to_string());
    let session = state
        .core
        .sessions
        .create(NewSession {
            cid: user.cid,
            user_id: user.id,
            login: user.login.clone(),
            client: client_of(req),
            client_ip,
            user_agent: user_agent.clone(),
            auth_id: req.param("authId").unwrap_or("").to_string(),
            version: req.param("version").unwrap_or("").to_string(),
            long_term: req.flag("staySignedIn")?,
        })
        .await?;
    write_session_cookies(state, req, &session, &user_agent);
    Ok(ApiResponse::unwrapped(login_answer(&session)))
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
