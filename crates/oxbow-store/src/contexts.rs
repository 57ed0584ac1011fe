//! Contexts: the tenants of the server. Context 1 ("defaultcontext") is created on first start.

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional};
use oxbow_core::OxResult;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Context {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub quota_bytes: Option<i64>,
    pub created: i64,
}

const COLS: &str = "id, name, enabled, quota_bytes, created";

pub async fn insert(mut ex: impl Executor, id: i64, name: &str) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO contexts (id, name, enabled, last_ts, created) VALUES ($1, $2, TRUE, $3, $3)",
        id,
        name.to_string(),
        oxbow_core::time::now_ms()
    )?;
    Ok(())
}

pub async fn get(mut ex: impl Executor, id: i64) -> OxResult<Option<Context>> {
    Ok(fetch_optional!(ex, Context, format!("SELECT {COLS} FROM contexts WHERE id = $1"), id)?)
}

pub async fn by_name(mut ex: impl Executor, name: &str) -> OxResult<Option<Context>> {
    Ok(fetch_optional!(ex, Context, format!("SELECT {COLS} FROM contexts WHERE name = $1"), name.to_string())?)
}

pub async fn list(mut ex: impl Executor) -> OxResult<Vec<Context>> {
    Ok(fetch_all!(ex, Context, format!("SELECT {COLS} FROM contexts ORDER BY id"))?)
}

pub async fn max_id(mut ex: impl Executor) -> OxResult<i64> {
    let row: Option<(Option<i64>,)> = fetch_optional!(ex, (Option<i64>,), "SELECT MAX(id) FROM contexts")?;
    Ok(row.and_then(|r| r.0).unwrap_or(0))
}

pub async fn set_quota(mut ex: impl Executor, id: i64, quota_bytes: Option<i64>) -> OxResult<()> {
    execute!(ex, "UPDATE contexts SET quota_bytes = $2 WHERE id = $1", id, quota_bytes)?;
    Ok(())
}

/// Remove a context row. Callers delete the context's data first (see the domain's
/// provisioning service), inside the same transaction.
pub async fn delete(mut ex: impl Executor, id: i64) -> OxResult<bool> {
    Ok(execute!(ex, "DELETE FROM contexts WHERE id = $1", id)? > 0)
}
