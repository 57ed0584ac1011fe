//! token module: `acquireToken` hands out a one-time token for the current session that a
//! trusted application redeems with `login?action=redeemToken`.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::time::now_ms;
use oxbow_core::{codes, OxResult};
use oxbow_domain::sessions::random_id;
use oxbow_store::tokens;
use serde_json::json;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "acquireToken" => acquire(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "token"])),
    }
}

async fn acquire(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let session = req.session()?.clone();
    let token = random_id();
    let now = now_ms();
    let expires = now + state.core.config.token_lifetime_secs.saturating_mul(1000);
    tokens::insert(&state.core.db, &token, tokens::KIND_ACQUIRED, &session.id, "", expires).await?;
    Ok(ApiResponse::with_timestamp(json!({ "token": token }), now))
}
