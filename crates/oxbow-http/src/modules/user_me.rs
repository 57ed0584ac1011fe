//! `user/me`: who the caller is (reference: CurrentUserData).

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::OxResult;
use oxbow_domain::directory;
use oxbow_store::users;
use serde_json::json;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    // The endpoint has no actions; any `action` value is ignored like OX does.
    let s = req.session()?.clone();
    let user = directory::require_user(&state.db, s.cid, s.user_id).await?;
    let admin = users::context_admin_id(&state.db, s.cid).await?;
    Ok(ApiResponse::data(json!({
        "context_admin": admin,
        "context_id": s.cid,
        "display_name": user.display_name,
        "login_name": user.login,
        "user_id": user.id,
    })))
}
