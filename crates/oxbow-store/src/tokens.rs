//! One-time login tokens (`login_tokens`): random redirect tokens, token-login server
//! tokens, `acquireToken` tokens. A token is consumed by deleting its row, so it can be
//! used once even when several nodes race for it.

use crate::db::Executor;
use crate::{execute, fetch_optional, fetch_scalars};
use oxbow_core::OxResult;

/// What a token is for; stored in `login_tokens.kind`.
pub const KIND_RANDOM: &str = "random";
pub const KIND_SERVER_TOKEN: &str = "server";
pub const KIND_ACQUIRED: &str = "acquired";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub session_id: String,
    pub extra: String,
    pub expires: i64,
}

pub async fn insert(mut ex: impl Executor, token: &str, kind: &str, session_id: &str, extra: &str, expires: i64) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO login_tokens (token, kind, session_id, extra, expires) VALUES ($1, $2, $3, $4, $5)",
        token.to_string(),
        kind.to_string(),
        session_id.to_string(),
        extra.to_string(),
        expires
    )?;
    Ok(())
}

/// Consume a token of `kind`: the row is deleted whether or not it is still valid; the
/// caller gets it back only when it had not expired at `now`.
pub async fn take(mut ex: impl Executor, token: &str, kind: &str, now: i64) -> OxResult<Option<TokenRow>> {
    let row = fetch_optional!(
        ex,
        TokenRow,
        "DELETE FROM login_tokens WHERE token = $1 AND kind = $2 RETURNING session_id, extra, expires",
        token.to_string(),
        kind.to_string()
    )?;
    Ok(row.filter(|r| r.expires >= now))
}

/// Sessions parked behind server tokens that were never redeemed in time.
pub async fn expired_parked_sessions(mut ex: impl Executor, now: i64) -> OxResult<Vec<String>> {
    Ok(fetch_scalars!(
        ex,
        String,
        "SELECT session_id FROM login_tokens WHERE kind = $1 AND expires < $2",
        KIND_SERVER_TOKEN.to_string(),
        now
    )?)
}

/// Drop every expired token; returns how many went.
pub async fn delete_expired(mut ex: impl Executor, now: i64) -> OxResult<u64> {
    Ok(execute!(ex, "DELETE FROM login_tokens WHERE expires < $1", now)?)
}

/// Drop the tokens pointing at a session (it ended).
pub async fn delete_for_session(mut ex: impl Executor, session_id: &str) -> OxResult<u64> {
    Ok(execute!(ex, "DELETE FROM login_tokens WHERE session_id = $1", session_id.to_string())?)
}
