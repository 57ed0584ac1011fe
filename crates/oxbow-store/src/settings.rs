//! Per-user stored settings: JSON documents in `user_settings` (jslob entries, writable
//! config-tree leaves, config properties; `kind` separates them) and the free-form user
//! attributes of `user?action=setAttribute`.

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional};
use oxbow_core::OxResult;

/// One stored document or value of `kind` under `key`.
pub async fn get(mut ex: impl Executor, cid: i64, user: i64, kind: &str, key: &str) -> OxResult<Option<String>> {
    let row: Option<(String,)> = fetch_optional!(
        ex,
        (String,),
        "SELECT value FROM user_settings WHERE cid = $1 AND user_id = $2 AND kind = $3 AND key = $4",
        cid,
        user,
        kind.to_string(),
        key.to_string()
    )?;
    Ok(row.map(|r| r.0))
}

/// Every (key, value) of `kind` for the user, ordered by key.
pub async fn all(mut ex: impl Executor, cid: i64, user: i64, kind: &str) -> OxResult<Vec<(String, String)>> {
    Ok(fetch_all!(
        ex,
        (String, String),
        "SELECT key, value FROM user_settings WHERE cid = $1 AND user_id = $2 AND kind = $3 ORDER BY key",
        cid,
        user,
        kind.to_string()
    )?)
}

pub async fn put(mut ex: impl Executor, cid: i64, user: i64, kind: &str, key: &str, value: &str) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO user_settings (cid, user_id, kind, key, value) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cid, user_id, kind, key) DO UPDATE SET value = excluded.value",
        cid,
        user,
        kind.to_string(),
        key.to_string(),
        value.to_string()
    )?;
    Ok(())
}

pub async fn remove(mut ex: impl Executor, cid: i64, user: i64, kind: &str, key: &str) -> OxResult<bool> {
    Ok(execute!(
        ex,
        "DELETE FROM user_settings WHERE cid = $1 AND user_id = $2 AND kind = $3 AND key = $4",
        cid,
        user,
        kind.to_string(),
        key.to_string()
    )? > 0)
}

pub async fn get_attribute(mut ex: impl Executor, cid: i64, user: i64, name: &str) -> OxResult<Option<String>> {
    let row: Option<(String,)> = fetch_optional!(
        ex,
        (String,),
        "SELECT value FROM user_attributes WHERE cid = $1 AND user_id = $2 AND name = $3",
        cid,
        user,
        name.to_string()
    )?;
    Ok(row.map(|r| r.0))
}

pub async fn set_attribute(mut ex: impl Executor, cid: i64, user: i64, name: &str, value: &str) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO user_attributes (cid, user_id, name, value) VALUES ($1, $2, $3, $4) ON CONFLICT (cid, user_id, name) DO UPDATE SET value = excluded.value",
        cid,
        user,
        name.to_string(),
        value.to_string()
    )?;
    Ok(())
}

/// Insert only when the attribute is absent; true when it was inserted.
pub async fn set_attribute_if_absent(mut ex: impl Executor, cid: i64, user: i64, name: &str, value: &str) -> OxResult<bool> {
    Ok(execute!(
        ex,
        "INSERT INTO user_attributes (cid, user_id, name, value) VALUES ($1, $2, $3, $4) ON CONFLICT (cid, user_id, name) DO NOTHING",
        cid,
        user,
        name.to_string(),
        value.to_string()
    )? > 0)
}

pub async fn remove_attribute(mut ex: impl Executor, cid: i64, user: i64, name: &str) -> OxResult<bool> {
    Ok(execute!(ex, "DELETE FROM user_attributes WHERE cid = $1 AND user_id = $2 AND name = $3", cid, user, name.to_string())? > 0)
}

/// Everything stored for one user (settings and attributes).
pub async fn delete_user(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM user_settings WHERE cid = $1 AND user_id = $2", cid, user)?;
    execute!(ex, "DELETE FROM user_attributes WHERE cid = $1 AND user_id = $2", cid, user)?;
    Ok(())
}

pub async fn delete_context(mut ex: impl Executor, cid: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM user_settings WHERE cid = $1", cid)?;
    execute!(ex, "DELETE FROM user_attributes WHERE cid = $1", cid)?;
    Ok(())
}
