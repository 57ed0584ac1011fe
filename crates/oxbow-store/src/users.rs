//! User accounts of a context.

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional};
use oxbow_core::OxResult;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub cid: i64,
    pub id: i64,
    pub login: String,
    pub password_hash: String,
    pub display_name: String,
    pub given_name: String,
    pub sur_name: String,
    pub email: String,
    pub locale: String,
    pub timezone: String,
    pub active: bool,
    pub is_context_admin: bool,
    pub contact_id: Option<i64>,
    pub created: i64,
    pub last_modified: i64,
}

pub const COLS: &str = "cid, id, login, password_hash, display_name, given_name, sur_name, email, locale, timezone, active, is_context_admin, contact_id, created, last_modified";

pub async fn insert(mut ex: impl Executor, u: &User) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO users ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"),
        u.cid,
        u.id,
        u.login.clone(),
        u.password_hash.clone(),
        u.display_name.clone(),
        u.given_name.clone(),
        u.sur_name.clone(),
        u.email.clone(),
        u.locale.clone(),
        u.timezone.clone(),
        u.active,
        u.is_context_admin,
        u.contact_id,
        u.created,
        u.last_modified
    )?;
    Ok(())
}

/// Write back every mutable field of `u` (login and id stay).
pub async fn update(mut ex: impl Executor, u: &User) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE users SET password_hash = $3, display_name = $4, given_name = $5, sur_name = $6, email = $7, locale = $8, timezone = $9, active = $10, contact_id = $11, last_modified = $12 WHERE cid = $1 AND id = $2",
        u.cid,
        u.id,
        u.password_hash.clone(),
        u.display_name.clone(),
        u.given_name.clone(),
        u.sur_name.clone(),
        u.email.clone(),
        u.locale.clone(),
        u.timezone.clone(),
        u.active,
        u.contact_id,
        u.last_modified
    )?;
    Ok(())
}

pub async fn get(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<Option<User>> {
    Ok(fetch_optional!(ex, User, format!("SELECT {COLS} FROM users WHERE cid = $1 AND id = $2"), cid, id)?)
}

pub async fn by_login(mut ex: impl Executor, cid: i64, login: &str) -> OxResult<Option<User>> {
    Ok(fetch_optional!(ex, User, format!("SELECT {COLS} FROM users WHERE cid = $1 AND login = $2"), cid, login.to_string())?)
}

pub async fn by_email(mut ex: impl Executor, cid: i64, email: &str) -> OxResult<Option<User>> {
    Ok(fetch_optional!(
        ex,
        User,
        format!("SELECT {COLS} FROM users WHERE cid = $1 AND LOWER(email) = LOWER($2)"),
        cid,
        email.to_string()
    )?)
}

pub async fn list(mut ex: impl Executor, cid: i64) -> OxResult<Vec<User>> {
    Ok(fetch_all!(ex, User, format!("SELECT {COLS} FROM users WHERE cid = $1 ORDER BY id"), cid)?)
}

pub async fn delete(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<bool> {
    Ok(execute!(ex, "DELETE FROM users WHERE cid = $1 AND id = $2", cid, id)? > 0)
}

/// Ids of the groups `user` belongs to (group 0, "all users", is implicit and not listed).
pub async fn group_ids(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<Vec<i64>> {
    Ok(crate::fetch_scalars!(ex, i64, "SELECT group_id FROM group_members WHERE cid = $1 AND user_id = $2 ORDER BY group_id", cid, user)?)
}

/// Users matching `like` (see `db::like_pattern`) in any of the given columns. `columns`
/// are fixed identifiers chosen by the caller, never user input.
pub async fn search(mut ex: impl Executor, cid: i64, columns: &[&'static str], like: &[String], any: bool) -> OxResult<Vec<User>> {
    const ALLOWED: &[&str] = &["display_name", "given_name", "sur_name", "email", "login"];
    let mut conditions = Vec::new();
    for (i, col) in columns.iter().enumerate() {
        if !ALLOWED.contains(col) {
            return Err(oxbow_core::OxError::internal(format!("unsearchable user column {col}")));
        }
        conditions.push(format!("LOWER({col}) LIKE LOWER(${}) ESCAPE '\\'", i + 2));
    }
    if conditions.is_empty() {
        return list(ex, cid).await;
    }
    let joined = conditions.join(if any { " OR " } else { " AND " });
    let sql = format!("SELECT {COLS} FROM users WHERE cid = $1 AND ({joined}) ORDER BY id");
    let rows = crate::__on_conn!(ex, |c| {
        let mut q = ::sqlx::query_as::<_, User>(::sqlx::AssertSqlSafe(sql)).bind(cid);
        for v in like {
            q = q.bind(v.clone());
        }
        q.fetch_all(c).await
    })?;
    Ok(rows)
}

/// The first context administrator of `cid` (OX: the context's admin user), if any.
pub async fn context_admin_id(mut ex: impl Executor, cid: i64) -> OxResult<Option<i64>> {
    let row: Option<(Option<i64>,)> =
        fetch_optional!(ex, (Option<i64>,), "SELECT MIN(id) FROM users WHERE cid = $1 AND is_context_admin = TRUE", cid)?;
    Ok(row.and_then(|r| r.0))
}

pub async fn set_password_hash(mut ex: impl Executor, cid: i64, id: i64, hash: &str, last_modified: i64) -> OxResult<bool> {
    Ok(execute!(
        ex,
        "UPDATE users SET password_hash = $3, last_modified = $4 WHERE cid = $1 AND id = $2",
        cid,
        id,
        hash.to_string(),
        last_modified
    )? > 0)
}
