//! Contacts storage. Contacts have about a hundred columns and searches pick any of them,
//! so queries are assembled by the domain layer (column names from the fixed field table,
//! values always bound as `Arg`s) and run through the dynamic helpers here.

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional};
use oxbow_core::OxResult;
use serde_json::{Map, Value};

/// A bound SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
}

/// How to decode one selected column into JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    Bool,
}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Int(v) => q.bind(*v),
                Arg::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Run a statement with bound arguments; returns the number of affected rows.
pub async fn execute_args(mut ex: impl Executor, sql: &str, args: &[Arg]) -> OxResult<u64> {
    let sql = sql.to_string();
    Ok(crate::__on_conn!(ex, |c| bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), args)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?)
}

/// Run a query and decode each row into a JSON map keyed by the given names, in the
/// order of the selected columns.
pub async fn fetch_maps(mut ex: impl Executor, sql: &str, args: &[Arg], spec: &[(String, ColType)]) -> OxResult<Vec<Map<String, Value>>> {
    let sql = sql.to_string();
    let out: Result<Vec<Map<String, Value>>, sqlx::Error> = crate::__on_conn!(ex, |c| {
        match bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), args).fetch_all(c).await {
            Ok(rows) => rows.iter().map(|r| decode_row(r, spec)).collect(),
            Err(e) => Err(e),
        }
    });
    Ok(out?)
}

fn decode_row<R: sqlx::Row>(row: &R, spec: &[(String, ColType)]) -> Result<Map<String, Value>, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<bool>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut m = Map::with_capacity(spec.len());
    for (i, (name, ty)) in spec.iter().enumerate() {
        let v = match ty {
            ColType::Text => row.try_get::<Option<String>, _>(i)?.map(Value::from),
            ColType::Int => row.try_get::<Option<i64>, _>(i)?.map(Value::from),
            ColType::Bool => row.try_get::<Option<bool>, _>(i)?.map(Value::from),
        };
        m.insert(name.clone(), v.unwrap_or(Value::Null));
    }
    Ok(m)
}

/// The stored picture of a contact: (content type, bytes, last modified).
pub async fn image(mut ex: impl Executor, cid: i64, contact_id: i64) -> OxResult<Option<(String, Vec<u8>, i64)>> {
    Ok(fetch_optional!(
        ex,
        (String, Vec<u8>, i64),
        "SELECT content_type, data, last_modified FROM contact_images WHERE cid = $1 AND contact_id = $2",
        cid,
        contact_id
    )?)
}

pub async fn put_image(mut ex: impl Executor, cid: i64, contact_id: i64, content_type: &str, data: &[u8], ts: i64) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO contact_images (cid, contact_id, content_type, data, last_modified) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (cid, contact_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, last_modified = excluded.last_modified",
        cid,
        contact_id,
        content_type.to_string(),
        data.to_vec(),
        ts
    )?;
    Ok(())
}

pub async fn delete_image(mut ex: impl Executor, cid: i64, contact_id: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM contact_images WHERE cid = $1 AND contact_id = $2", cid, contact_id)?;
    Ok(())
}

/// Record a deleted contact for `updates`.
pub async fn add_tombstone(mut ex: impl Executor, cid: i64, folder_id: i64, id: i64, user: i64, ts: i64) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO tombstones (cid, module, folder_id, object_id, deleted_by, last_modified) VALUES ($1, 'contacts', $2, $3, $4, $5)",
        cid,
        folder_id.to_string(),
        id.to_string(),
        user,
        ts
    )?;
    Ok(())
}

/// Contacts deleted from `folder_id` after `since`: (id, timestamp).
pub async fn tombstones_since(mut ex: impl Executor, cid: i64, folder_id: i64, since: i64) -> OxResult<Vec<(String, i64)>> {
    Ok(fetch_all!(
        ex,
        (String, i64),
        "SELECT object_id, last_modified FROM tombstones WHERE cid = $1 AND module = 'contacts' AND folder_id = $2 AND last_modified > $3 ORDER BY last_modified",
        cid,
        folder_id.to_string(),
        since
    )?)
}

/// Delete every contact of a folder (folder deletion); returns how many went.
pub async fn delete_folder_contents(mut ex: impl Executor, cid: i64, folder_id: i64) -> OxResult<u64> {
    execute!(
        ex,
        "DELETE FROM contact_images WHERE cid = $1 AND contact_id IN (SELECT id FROM contacts WHERE cid = $1 AND folder_id = $2)",
        cid,
        folder_id
    )?;
    Ok(execute!(ex, "DELETE FROM contacts WHERE cid = $1 AND folder_id = $2", cid, folder_id)?)
}

pub async fn count_in_folder(mut ex: impl Executor, cid: i64, folder_id: i64) -> OxResult<i64> {
    Ok(crate::fetch_scalar!(ex, i64, "SELECT COUNT(*) FROM contacts WHERE cid = $1 AND folder_id = $2", cid, folder_id)?)
}

/// Folder, creator and private flag of a contact (for checks by other modules).
pub async fn owner(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<Option<(i64, i64, bool)>> {
    let row: Option<(i64, i64, Option<bool>)> = fetch_optional!(
        ex,
        (i64, i64, Option<bool>),
        "SELECT folder_id, created_by, private_flag FROM contacts WHERE cid = $1 AND id = $2",
        cid,
        id
    )?;
    Ok(row.map(|(f, c, p)| (f, c, p.unwrap_or(false))))
}

/// Mark a contact as changed by `user` at `ts` (its attachments changed).
pub async fn touch(mut ex: impl Executor, cid: i64, id: i64, user: i64, ts: i64) -> OxResult<()> {
    execute!(ex, "UPDATE contacts SET last_modified = $1, modified_by = $2 WHERE cid = $3 AND id = $4", ts, user, cid, id)?;
    Ok(())
}

/// Contacts of a whole context (the contact item quota counts per context).
pub async fn count_in_context(mut ex: impl Executor, cid: i64) -> OxResult<i64> {
    Ok(crate::fetch_scalar!(ex, i64, "SELECT COUNT(*) FROM contacts WHERE cid = $1", cid)?)
}
