//! passwordchange module: the user changes their own password. The old password is
//! verified (failures count towards the login throttle), the new one is stored as an
//! argon2id hash, and every other session of the user ends.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::time::now_ms;
use oxbow_core::{codes, OxResult};
use oxbow_domain::auth;
use oxbow_store::users;
use serde_json::{json, Value};

/// Longer passwords are refused rather than hashed.
const MAX_PASSWORD_LEN: usize = 1024;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "update" => update(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "passwordchange"])),
    }
}

fn string_field<'a>(body: &'a serde_json::Map<String, Value>, name: &str) -> OxResult<Option<&'a str>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(codes::SVL_INVALID_FIELD.with([name, "expected a string"])),
    }
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let session = req.session()?.clone();
    let body = req.json_object().await?;
    let old = string_field(&body, "old_password")?.unwrap_or("");
    let new = string_field(&body, "new_password")?.unwrap_or("");
    if new.is_empty() {
        return Err(codes::USR_PASSWORD_EMPTY.err());
    }
    if new.len() > MAX_PASSWORD_LEN {
        return Err(codes::SVL_INVALID_FIELD.with(["new_password", "too long"]));
    }
    let throttle_key = format!("passwordchange:{}:{}", session.cid, session.user_id);
    state.core.login_throttle.check(&throttle_key)?;
    let mut user = users::get(&state.core.db, session.cid, session.user_id)
        .await?
        .ok_or_else(|| codes::USR_NOT_FOUND.with([session.user_id, session.cid]))?;
    if !auth::verify_password(old, &user.password_hash) {
        state.core.login_throttle.record_failure(&throttle_key);
        return Err(codes::USR_PASSWORD_WRONG.err());
    }
    state.core.login_throttle.record_success(&throttle_key);
    user.password_hash = auth::hash_password(new)?;
    user.last_modified = now_ms();
    users::update(&state.core.db, &user).await?;
    state.core.sessions.remove_others(&session).await?;
    Ok(ApiResponse::data(json!({})))
}
