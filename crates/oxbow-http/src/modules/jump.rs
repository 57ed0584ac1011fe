//! jump module: `identityToken` gives the client a short-lived token that proves to
//! another system who the user is. The token is signed (HMAC-SHA256) with the configured
//! `identity_token_secret`, which that system shares; it names the target `system`, the
//! context and user, expires after `token_lifetime_secs` and carries a unique `jti` so the
//! receiver can accept it once (see `oxbow_domain::auth::identity_token`).

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::time::now_ms;
use oxbow_core::{codes, OxResult};
use serde_json::json;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "identityToken" => identity_token(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "jump"])),
    }
}

async fn identity_token(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let session = req.session()?.clone();
    let config = &state.core.config;
    if config.identity_token_secret.is_empty() {
        return Err(codes::SVL_ACTION_DISABLED.with(["identityToken"]));
    }
    let system = req.param_nonempty("system").unwrap_or("");
    if system.len() > 256 {
        return Err(crate::request::invalid("system", system));
    }
    let token = oxbow_domain::auth::identity_token(
        &config.identity_token_secret,
        system,
        session.cid,
        session.user_id,
        &session.login,
        now_ms() / 1000,
        config.token_lifetime_secs,
    );
    Ok(ApiResponse::data(json!({ "token": token })))
}
