//! Bookable resources (rooms, equipment) of a context.

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional};
use oxbow_core::OxResult;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResourceRow {
    pub cid: i64,
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub mail: String,
    pub description: String,
    pub available: bool,
    pub created: i64,
    pub last_modified: i64,
}

const COLS: &str = "cid, id, name, display_name, mail, description, available, created, last_modified";

pub async fn insert(mut ex: impl Executor, r: &ResourceRow) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO resources ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        r.cid,
        r.id,
        r.name.clone(),
        r.display_name.clone(),
        r.mail.clone(),
        r.description.clone(),
        r.available,
        r.created,
        r.last_modified
    )?;
    Ok(())
}

pub async fn update(mut ex: impl Executor, r: &ResourceRow) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE resources SET name = $3, display_name = $4, mail = $5, description = $6, available = $7, last_modified = $8 WHERE cid = $1 AND id = $2",
        r.cid,
        r.id,
        r.name.clone(),
        r.display_name.clone(),
        r.mail.clone(),
        r.description.clone(),
        r.available,
        r.last_modified
    )?;
    Ok(())
}

pub async fn get(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<Option<ResourceRow>> {
    Ok(fetch_optional!(ex, ResourceRow, format!("SELECT {COLS} FROM resources WHERE cid = $1 AND id = $2"), cid, id)?)
}

pub async fn by_name(mut ex: impl Executor, cid: i64, name: &str) -> OxResult<Option<ResourceRow>> {
    Ok(fetch_optional!(ex, ResourceRow, format!("SELECT {COLS} FROM resources WHERE cid = $1 AND name = $2"), cid, name.to_string())?)
}

pub async fn list(mut ex: impl Executor, cid: i64) -> OxResult<Vec<ResourceRow>> {
    Ok(fetch_all!(ex, ResourceRow, format!("SELECT {COLS} FROM resources WHERE cid = $1 ORDER BY id"), cid)?)
}

/// Resources whose name, display name or address matches a `LIKE` pattern.
pub async fn search(mut ex: impl Executor, cid: i64, like: &str) -> OxResult<Vec<ResourceRow>> {
    Ok(fetch_all!(
        ex,
        ResourceRow,
        format!("SELECT {COLS} FROM resources WHERE cid = $1 AND (LOWER(display_name) LIKE LOWER($2) ESCAPE '\\' OR LOWER(name) LIKE LOWER($2) ESCAPE '\\' OR LOWER(mail) LIKE LOWER($2) ESCAPE '\\') ORDER BY id"),
        cid,
        like.to_string()
    )?)
}

pub async fn modified_since(mut ex: impl Executor, cid: i64, since: i64) -> OxResult<Vec<ResourceRow>> {
    Ok(fetch_all!(ex, ResourceRow, format!("SELECT {COLS} FROM resources WHERE cid = $1 AND last_modified > $2 ORDER BY id"), cid, since)?)
}

pub async fn delete(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<bool> {
    Ok(execute!(ex, "DELETE FROM resources WHERE cid = $1 AND id = $2", cid, id)? > 0)
}

pub async fn delete_context(mut ex: impl Executor, cid: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM resources WHERE cid = $1", cid)?;
    Ok(())
}
