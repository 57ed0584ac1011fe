//! Groups of a context and their members. Group 0 ("all users") is virtual and never stored.

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional, fetch_scalars};
use oxbow_core::OxResult;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub cid: i64,
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub created: i64,
    pub last_modified: i64,
}

const COLS: &str = "cid, id, name, display_name, created, last_modified";

pub async fn insert(mut ex: impl Executor, g: &GroupRow) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO groups ({COLS}) VALUES ($1, $2, $3, $4, $5, $6)"),
        g.cid,
        g.id,
        g.name.clone(),
        g.display_name.clone(),
        g.created,
        g.last_modified
    )?;
    Ok(())
}

pub async fn update(mut ex: impl Executor, g: &GroupRow) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE groups SET name = $3, display_name = $4, last_modified = $5 WHERE cid = $1 AND id = $2",
        g.cid,
        g.id,
        g.name.clone(),
        g.display_name.clone(),
        g.last_modified
    )?;
    Ok(())
}

pub async fn get(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<Option<GroupRow>> {
    Ok(fetch_optional!(ex, GroupRow, format!("SELECT {COLS} FROM groups WHERE cid = $1 AND id = $2"), cid, id)?)
}

pub async fn by_name(mut ex: impl Executor, cid: i64, name: &str) -> OxResult<Option<GroupRow>> {
    Ok(fetch_optional!(ex, GroupRow, format!("SELECT {COLS} FROM groups WHERE cid = $1 AND name = $2"), cid, name.to_string())?)
}

pub async fn list(mut ex: impl Executor, cid: i64) -> OxResult<Vec<GroupRow>> {
    Ok(fetch_all!(ex, GroupRow, format!("SELECT {COLS} FROM groups WHERE cid = $1 ORDER BY id"), cid)?)
}

/// Groups whose name or display name matches a `LIKE` pattern (see `db::like_pattern`).
pub async fn search(mut ex: impl Executor, cid: i64, like: &str) -> OxResult<Vec<GroupRow>> {
    Ok(fetch_all!(
        ex,
        GroupRow,
        format!("SELECT {COLS} FROM groups WHERE cid = $1 AND (LOWER(display_name) LIKE LOWER($2) ESCAPE '\\' OR LOWER(name) LIKE LOWER($2) ESCAPE '\\') ORDER BY id"),
        cid,
        like.to_string()
    )?)
}

/// Groups changed after `since`.
pub async fn modified_since(mut ex: impl Executor, cid: i64, since: i64) -> OxResult<Vec<GroupRow>> {
    Ok(fetch_all!(ex, GroupRow, format!("SELECT {COLS} FROM groups WHERE cid = $1 AND last_modified > $2 ORDER BY id"), cid, since)?)
}

pub async fn delete(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<bool> {
    execute!(ex, "DELETE FROM group_members WHERE cid = $1 AND group_id = $2", cid, id)?;
    Ok(execute!(ex, "DELETE FROM groups WHERE cid = $1 AND id = $2", cid, id)? > 0)
}

pub async fn members(mut ex: impl Executor, cid: i64, group: i64) -> OxResult<Vec<i64>> {
    Ok(fetch_scalars!(ex, i64, "SELECT user_id FROM group_members WHERE cid = $1 AND group_id = $2 ORDER BY user_id", cid, group)?)
}

/// Every (group, member) pair of the context, for answering lists without one query per group.
pub async fn all_members(mut ex: impl Executor, cid: i64) -> OxResult<Vec<(i64, i64)>> {
    Ok(fetch_all!(ex, (i64, i64), "SELECT group_id, user_id FROM group_members WHERE cid = $1 ORDER BY group_id, user_id", cid)?)
}

/// Replace the member list of a group.
pub async fn set_members(mut ex: impl Executor, cid: i64, group: i64, users: &[i64]) -> OxResult<()> {
    execute!(ex, "DELETE FROM group_members WHERE cid = $1 AND group_id = $2", cid, group)?;
    for u in users {
        execute!(
            ex,
            "INSERT INTO group_members (cid, group_id, user_id) VALUES ($1, $2, $3) ON CONFLICT (cid, group_id, user_id) DO NOTHING",
            cid,
            group,
            *u
        )?;
    }
    Ok(())
}

pub async fn add_member(mut ex: impl Executor, cid: i64, group: i64, user: i64) -> OxResult<bool> {
    Ok(execute!(
        ex,
        "INSERT INTO group_members (cid, group_id, user_id) VALUES ($1, $2, $3) ON CONFLICT (cid, group_id, user_id) DO NOTHING",
        cid,
        group,
        user
    )? > 0)
}

pub async fn remove_member(mut ex: impl Executor, cid: i64, group: i64, user: i64) -> OxResult<bool> {
    Ok(execute!(ex, "DELETE FROM group_members WHERE cid = $1 AND group_id = $2 AND user_id = $3", cid, group, user)? > 0)
}

/// Ids of the groups a user belongs to, so that removing the user can touch them.
pub async fn of_user(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<Vec<i64>> {
    Ok(fetch_scalars!(ex, i64, "SELECT group_id FROM group_members WHERE cid = $1 AND user_id = $2 ORDER BY group_id", cid, user)?)
}

pub async fn touch(mut ex: impl Executor, cid: i64, id: i64, ts: i64) -> OxResult<()> {
    execute!(ex, "UPDATE groups SET last_modified = $3 WHERE cid = $1 AND id = $2", cid, id, ts)?;
    Ok(())
}

pub async fn remove_user_everywhere(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM group_members WHERE cid = $1 AND user_id = $2", cid, user)?;
    Ok(())
}

pub async fn delete_context(mut ex: impl Executor, cid: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM group_members WHERE cid = $1", cid)?;
    execute!(ex, "DELETE FROM groups WHERE cid = $1", cid)?;
    Ok(())
}
