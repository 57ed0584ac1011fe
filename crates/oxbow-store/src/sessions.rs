//! Sessions live in the database so that every node of a cluster sees the same ones.

use crate::db::Executor;
use crate::{execute, fetch_optional, fetch_scalar};
use oxbow_core::OxResult;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub secret: String,
    pub alt_id: String,
    pub cid: i64,
    pub user_id: i64,
    pub login: String,
    pub client: String,
    pub client_ip: String,
    pub user_agent: String,
    pub auth_id: String,
    pub version: String,
    pub long_term: bool,
    pub created: i64,
    pub last_active: i64,
}

const COLS: &str = "id, secret, alt_id, cid, user_id, login, client, client_ip, user_agent, auth_id, version, long_term, created, last_active";

pub async fn insert(mut ex: impl Executor, s: &SessionRow) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO sessions ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"),
        s.id.clone(),
        s.secret.clone(),
        s.alt_id.clone(),
        s.cid,
        s.user_id,
        s.login.clone(),
        s.client.clone(),
        s.client_ip.clone(),
        s.user_agent.clone(),
        s.auth_id.clone(),
        s.version.clone(),
        s.long_term,
        s.created,
        s.last_active
    )?;
    Ok(())
}

pub async fn get(mut ex: impl Executor, id: &str) -> OxResult<Option<SessionRow>> {
    Ok(fetch_optional!(ex, SessionRow, format!("SELECT {COLS} FROM sessions WHERE id = $1"), id.to_string())?)
}

pub async fn by_alt_id(mut ex: impl Executor, alt_id: &str) -> OxResult<Option<SessionRow>> {
    Ok(fetch_optional!(ex, SessionRow, format!("SELECT {COLS} FROM sessions WHERE alt_id = $1"), alt_id.to_string())?)
}

pub async fn delete(mut ex: impl Executor, id: &str) -> OxResult<bool> {
    Ok(execute!(ex, "DELETE FROM sessions WHERE id = $1", id.to_string())? > 0)
}

pub async fn delete_for_user(mut ex: impl Executor, cid: i64, user_id: i64) -> OxResult<u64> {
    Ok(execute!(ex, "DELETE FROM sessions WHERE cid = $1 AND user_id = $2", cid, user_id)?)
}

pub async fn touch(mut ex: impl Executor, id: &str, now: i64) -> OxResult<()> {
    execute!(ex, "UPDATE sessions SET last_active = $2 WHERE id = $1", id.to_string(), now)?;
    Ok(())
}

pub async fn set_secret(mut ex: impl Executor, id: &str, secret: &str) -> OxResult<()> {
    execute!(ex, "UPDATE sessions SET secret = $2 WHERE id = $1", id.to_string(), secret.to_string())?;
    Ok(())
}

pub async fn set_client_ip(mut ex: impl Executor, id: &str, ip: &str) -> OxResult<()> {
    execute!(ex, "UPDATE sessions SET client_ip = $2 WHERE id = $1", id.to_string(), ip.to_string())?;
    Ok(())
}

pub async fn count_for_user(mut ex: impl Executor, cid: i64, user_id: i64) -> OxResult<i64> {
    Ok(fetch_scalar!(ex, i64, "SELECT COUNT(*) FROM sessions WHERE cid = $1 AND user_id = $2", cid, user_id)?)
}

/// Remove sessions idle for longer than their lifetime; returns how many went.
pub async fn expire(mut ex: impl Executor, short_before: i64, long_before: i64) -> OxResult<u64> {
    Ok(execute!(
        ex,
        "DELETE FROM sessions WHERE (long_term = FALSE AND last_active < $1) OR last_active < $2",
        short_before,
        long_before
    )?)
}

pub async fn set_client(mut ex: impl Executor, id: &str, client: &str) -> OxResult<()> {
    execute!(ex, "UPDATE sessions SET client = $2 WHERE id = $1", id.to_string(), client.to_string())?;
    Ok(())
}

/// End every session of a user except `keep` (after a password change).
pub async fn delete_for_user_except(mut ex: impl Executor, cid: i64, user_id: i64, keep: &str) -> OxResult<u64> {
    Ok(execute!(
        ex,
        "DELETE FROM sessions WHERE cid = $1 AND user_id = $2 AND id <> $3",
        cid,
        user_id,
        keep.to_string()
    )?)
}
