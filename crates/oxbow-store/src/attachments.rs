//! Attachments of PIM objects (`attachments`) and temporary uploads (`temp_files`).

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional};
use oxbow_core::OxResult;

const COLS: &str = "cid, id, module, folder_id, attached, filename, file_size, file_mimetype, rtf_flag, blob_key, created_by, creation_date";

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentRow {
    pub cid: i64,
    pub id: i64,
    pub module: i64,
    pub folder_id: i64,
    pub attached: i64,
    pub filename: String,
    pub file_size: i64,
    pub file_mimetype: String,
    pub rtf_flag: bool,
    pub blob_key: String,
    pub created_by: i64,
    pub creation_date: i64,
}

pub async fn insert(mut ex: impl Executor, a: &AttachmentRow) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO attachments ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
        a.cid, a.id, a.module, a.folder_id, a.attached, a.filename.clone(), a.file_size,
        a.file_mimetype.clone(), a.rtf_flag, a.blob_key.clone(), a.created_by, a.creation_date
    )?;
    Ok(())
}

pub async fn get(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<Option<AttachmentRow>> {
    Ok(fetch_optional!(ex, AttachmentRow, format!("SELECT {COLS} FROM attachments WHERE cid = $1 AND id = $2"), cid, id)?)
}

/// Attachments of one object, oldest first.
pub async fn of_object(mut ex: impl Executor, cid: i64, module: i64, attached: i64) -> OxResult<Vec<AttachmentRow>> {
    Ok(fetch_all!(
        ex,
        AttachmentRow,
        format!("SELECT {COLS} FROM attachments WHERE cid = $1 AND module = $2 AND attached = $3 ORDER BY id"),
        cid,
        module,
        attached
    )?)
}

pub async fn delete(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM attachments WHERE cid = $1 AND id = $2", cid, id)?;
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct TempFileRow {
    pub id: String,
    pub cid: i64,
    pub user_id: i64,
    pub filename: String,
    pub mimetype: String,
    pub size: i64,
    pub blob_key: String,
    pub expires: i64,
}

pub async fn insert_temp(mut ex: impl Executor, t: &TempFileRow) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO temp_files (id, cid, user_id, filename, mimetype, size, blob_key, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        t.id.clone(), t.cid, t.user_id, t.filename.clone(), t.mimetype.clone(), t.size, t.blob_key.clone(), t.expires
    )?;
    Ok(())
}

/// A live temporary file of the user.
pub async fn get_temp(mut ex: impl Executor, cid: i64, user: i64, id: &str, now: i64) -> OxResult<Option<TempFileRow>> {
    Ok(fetch_optional!(
        ex,
        TempFileRow,
        "SELECT id, cid, user_id, filename, mimetype, size, blob_key, expires FROM temp_files WHERE id = $1 AND cid = $2 AND user_id = $3 AND expires > $4",
        id.to_string(),
        cid,
        user,
        now
    )?)
}

pub async fn touch_temp(mut ex: impl Executor, id: &str, expires: i64) -> OxResult<()> {
    execute!(ex, "UPDATE temp_files SET expires = $2 WHERE id = $1", id.to_string(), expires)?;
    Ok(())
}

/// Remove expired temporary files; returns their blob keys.
pub async fn take_expired_temp(mut ex: impl Executor, now: i64) -> OxResult<Vec<String>> {
    let rows: Vec<(String, String)> =
        fetch_all!(ex, (String, String), "DELETE FROM temp_files WHERE expires <= $1 RETURNING id, blob_key", now)?;
    Ok(rows.into_iter().map(|r| r.1).collect())
}

/// Attachment counts per object of `module`, for the given objects.
pub async fn counts(mut ex: impl Executor, cid: i64, module: i64, objects: &[i64]) -> OxResult<Vec<(i64, i64)>> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    // The list is made of integers formatted here, never of client text.
    let list = objects.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    Ok(fetch_all!(
        ex,
        (i64, i64),
        format!("SELECT attached, COUNT(*) FROM attachments WHERE cid = $1 AND module = $2 AND attached IN ({list}) GROUP BY attached"),
        cid,
        module
    )?)
}

/// Attachments of a whole context (the attachment item quota counts per context).
pub async fn count_in_context(mut ex: impl Executor, cid: i64) -> OxResult<i64> {
    Ok(crate::fetch_scalar!(ex, i64, "SELECT COUNT(*) FROM attachments WHERE cid = $1", cid)?)
}
