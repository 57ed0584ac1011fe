//! Drive items (`infostore_items`) and their file versions (`infostore_versions`).

use crate::db::{Executor, like_pattern};
use crate::{execute, fetch_all, fetch_optional, fetch_scalars};
use oxbow_core::OxResult;

const ITEM_COLS: &str = "cid, id, folder_id, created_by, modified_by, creation_date, last_modified, title, url, description, categories, color_label, version, last_version, filename, file_size, file_mimetype, file_md5sum, version_comment, locked_until, locked_by";

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemRow {
    pub cid: i64,
    pub id: i64,
    pub folder_id: i64,
    pub created_by: i64,
    pub modified_by: i64,
    pub creation_date: i64,
    pub last_modified: i64,
    pub title: String,
    pub url: String,
    pub description: String,
    pub categories: String,
    pub color_label: i64,
    pub version: i64,
    pub last_version: i64,
    pub filename: String,
    pub file_size: i64,
    pub file_mimetype: String,
    pub file_md5sum: String,
    pub version_comment: String,
    pub locked_until: i64,
    pub locked_by: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionRow {
    pub cid: i64,
    pub item_id: i64,
    pub version: i64,
    pub filename: String,
    pub file_size: i64,
    pub file_mimetype: String,
    pub file_md5sum: String,
    pub version_comment: String,
    pub blob_key: String,
    pub created_by: i64,
    pub creation_date: i64,
}

pub async fn insert(mut ex: impl Executor, r: &ItemRow) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO infostore_items ({ITEM_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"),
        r.cid, r.id, r.folder_id, r.created_by, r.modified_by, r.creation_date, r.last_modified,
        r.title.clone(), r.url.clone(), r.description.clone(), r.categories.clone(), r.color_label,
        r.version, r.last_version, r.filename.clone(), r.file_size, r.file_mimetype.clone(),
        r.file_md5sum.clone(), r.version_comment.clone(), r.locked_until, r.locked_by
    )?;
    Ok(())
}

/// Write every mutable column of the item.
pub async fn update(mut ex: impl Executor, r: &ItemRow) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE infostore_items SET folder_id = $3, modified_by = $4, last_modified = $5, title = $6, url = $7, description = $8, categories = $9, color_label = $10, version = $11, last_version = $12, filename = $13, file_size = $14, file_mimetype = $15, file_md5sum = $16, version_comment = $17, locked_until = $18, locked_by = $19 WHERE cid = $1 AND id = $2",
        r.cid, r.id, r.folder_id, r.modified_by, r.last_modified, r.title.clone(), r.url.clone(),
        r.description.clone(), r.categories.clone(), r.color_label, r.version, r.last_version,
        r.filename.clone(), r.file_size, r.file_mimetype.clone(), r.file_md5sum.clone(),
        r.version_comment.clone(), r.locked_until, r.locked_by
    )?;
    Ok(())
}

pub async fn get(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<Option<ItemRow>> {
    Ok(fetch_optional!(ex, ItemRow, format!("SELECT {ITEM_COLS} FROM infostore_items WHERE cid = $1 AND id = $2"), cid, id)?)
}

/// Items of one folder, optionally only those of `owner` (folders with "own objects" read
/// rights), ordered by id.
pub async fn in_folder(mut ex: impl Executor, cid: i64, folder: i64, owner: Option<i64>) -> OxResult<Vec<ItemRow>> {
    Ok(fetch_all!(
        ex,
        ItemRow,
        format!("SELECT {ITEM_COLS} FROM infostore_items WHERE cid = $1 AND folder_id = $2 AND ($3 < 0 OR created_by = $3) ORDER BY id"),
        cid,
        folder,
        owner.unwrap_or(-1)
    )?)
}

/// Items of one folder changed after `since`.
pub async fn changed_since(mut ex: impl Executor, cid: i64, folder: i64, since: i64, owner: Option<i64>) -> OxResult<Vec<ItemRow>> {
    Ok(fetch_all!(
        ex,
        ItemRow,
        format!("SELECT {ITEM_COLS} FROM infostore_items WHERE cid = $1 AND folder_id = $2 AND last_modified > $3 AND ($4 < 0 OR created_by = $4) ORDER BY id"),
        cid,
        folder,
        since,
        owner.unwrap_or(-1)
    )?)
}

/// Items in `folder` whose filename, title or description match the OX wildcard pattern.
pub async fn search(mut ex: impl Executor, cid: i64, folder: i64, pattern: &str, owner: Option<i64>) -> OxResult<Vec<ItemRow>> {
    let mut like = like_pattern(pattern);
    if !like.contains('%') && !like.contains('_') {
        like = format!("%{like}%");
    }
    Ok(fetch_all!(
        ex,
        ItemRow,
        format!("SELECT {ITEM_COLS} FROM infostore_items WHERE cid = $1 AND folder_id = $2 AND ($4 < 0 OR created_by = $4) AND (LOWER(filename) LIKE LOWER($3) ESCAPE '\\' OR LOWER(title) LIKE LOWER($3) ESCAPE '\\' OR LOWER(description) LIKE LOWER($3) ESCAPE '\\') ORDER BY id"),
        cid,
        folder,
        like,
        owner.unwrap_or(-1)
    )?)
}

/// Whether another item in `folder` already uses `filename` (case-insensitive).
pub async fn name_taken(mut ex: impl Executor, cid: i64, folder: i64, filename: &str, except: i64) -> OxResult<Option<i64>> {
    let ids: Vec<i64> = fetch_scalars!(
        ex,
        i64,
        "SELECT id FROM infostore_items WHERE cid = $1 AND folder_id = $2 AND LOWER(filename) = LOWER($3) AND id <> $4 LIMIT 1",
        cid,
        folder,
        filename.to_string(),
        except
    )?;
    Ok(ids.first().copied())
}

pub async fn delete(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM infostore_items WHERE cid = $1 AND id = $2", cid, id)?;
    Ok(())
}

pub async fn insert_version(mut ex: impl Executor, v: &VersionRow) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO infostore_versions (cid, item_id, version, filename, file_size, file_mimetype, file_md5sum, version_comment, blob_key, created_by, creation_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        v.cid, v.item_id, v.version, v.filename.clone(), v.file_size, v.file_mimetype.clone(),
        v.file_md5sum.clone(), v.version_comment.clone(), v.blob_key.clone(), v.created_by, v.creation_date
    )?;
    Ok(())
}

pub async fn versions(mut ex: impl Executor, cid: i64, item: i64) -> OxResult<Vec<VersionRow>> {
    Ok(fetch_all!(
        ex,
        VersionRow,
        "SELECT cid, item_id, version, filename, file_size, file_mimetype, file_md5sum, version_comment, blob_key, created_by, creation_date FROM infostore_versions WHERE cid = $1 AND item_id = $2 ORDER BY version",
        cid,
        item
    )?)
}

pub async fn version(mut ex: impl Executor, cid: i64, item: i64, version: i64) -> OxResult<Option<VersionRow>> {
    Ok(fetch_optional!(
        ex,
        VersionRow,
        "SELECT cid, item_id, version, filename, file_size, file_mimetype, file_md5sum, version_comment, blob_key, created_by, creation_date FROM infostore_versions WHERE cid = $1 AND item_id = $2 AND version = $3",
        cid,
        item,
        version
    )?)
}

pub async fn delete_version(mut ex: impl Executor, cid: i64, item: i64, version: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM infostore_versions WHERE cid = $1 AND item_id = $2 AND version = $3", cid, item, version)?;
    Ok(())
}

pub async fn set_version_filename(mut ex: impl Executor, cid: i64, item: i64, version: i64, filename: &str) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE infostore_versions SET filename = $4 WHERE cid = $1 AND item_id = $2 AND version = $3",
        cid,
        item,
        version,
        filename.to_string()
    )?;
    Ok(())
}

/// Number of file versions per item, for `number_of_versions`.
pub async fn version_counts(mut ex: impl Executor, cid: i64, items: &[i64]) -> OxResult<Vec<(i64, i64)>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let list = items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    // The id list is made of integers formatted here, never of client text.
    Ok(fetch_all!(
        ex,
        (i64, i64),
        format!("SELECT item_id, COUNT(*) FROM infostore_versions WHERE cid = $1 AND item_id IN ({list}) GROUP BY item_id"),
        cid
    )?)
}

/// Bytes stored for context `cid`: every Drive version, attachment and temporary file.
pub async fn context_usage(mut ex: impl Executor, cid: i64) -> OxResult<i64> {
    let v: Vec<i64> = fetch_scalars!(
        ex,
        i64,
        "SELECT CAST(COALESCE((SELECT SUM(file_size) FROM infostore_versions WHERE cid = $1), 0) + COALESCE((SELECT SUM(file_size) FROM attachments WHERE cid = $1), 0) AS BIGINT)",
        cid
    )?;
    Ok(v.first().copied().unwrap_or(0))
}

/// The context's storage quota in bytes (None = unlimited).
pub async fn context_quota(mut ex: impl Executor, cid: i64) -> OxResult<Option<i64>> {
    let v: Option<(Option<i64>,)> = fetch_optional!(ex, (Option<i64>,), "SELECT quota_bytes FROM contexts WHERE id = $1", cid)?;
    Ok(v.and_then(|r| r.0).filter(|q| *q >= 0))
}

pub async fn set_context_quota(mut ex: impl Executor, cid: i64, quota: Option<i64>) -> OxResult<bool> {
    Ok(execute!(ex, "UPDATE contexts SET quota_bytes = $2 WHERE id = $1", cid, quota)? > 0)
}

pub async fn record_notification(mut ex: impl Executor, cid: i64, item: i64, sender: i64, entity: i64, message: &str, now: i64) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO infostore_notifications (cid, item_id, sender, entity, message, created) VALUES ($1, $2, $3, $4, $5, $6)",
        cid,
        item,
        sender,
        entity,
        message.to_string(),
        now
    )?;
    Ok(())
}

pub async fn record_tombstone(mut ex: impl Executor, cid: i64, module: &str, folder: &str, object: &str, by: i64, ts: i64) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO tombstones (cid, module, folder_id, object_id, deleted_by, last_modified) VALUES ($1, $2, $3, $4, $5, $6)",
        cid,
        module.to_string(),
        folder.to_string(),
        object.to_string(),
        by,
        ts
    )?;
    Ok(())
}

pub async fn tombstones_since(mut ex: impl Executor, cid: i64, module: &str, folder: &str, since: i64) -> OxResult<Vec<(String, i64)>> {
    Ok(fetch_all!(
        ex,
        (String, i64),
        "SELECT object_id, last_modified FROM tombstones WHERE cid = $1 AND module = $2 AND folder_id = $3 AND last_modified > $4 ORDER BY last_modified",
        cid,
        module.to_string(),
        folder.to_string(),
        since
    )?)
}

/// SQL column for sorting by an API field (None: not sortable in SQL).
pub fn sort_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "id" => "id",
        "created_by" => "created_by",
        "modified_by" => "modified_by",
        "creation_date" => "creation_date",
        "last_modified" | "last_modified_utc" => "last_modified",
        "title" => "LOWER(title)",
        "url" => "LOWER(url)",
        "filename" => "LOWER(filename)",
        "file_mimetype" => "LOWER(file_mimetype)",
        "file_size" => "file_size",
        "version" => "version",
        "description" => "LOWER(description)",
        "locked_until" => "locked_until",
        "color_label" => "color_label",
        "categories" => "LOWER(categories)",
        _ => return None,
    })
}

/// One page of a folder, sorted in SQL. `sort` must come from `sort_column`.
pub async fn in_folder_page(
    mut ex: impl Executor,
    cid: i64,
    folder: i64,
    owner: Option<i64>,
    sort: &'static str,
    descending: bool,
    limit: i64,
    offset: i64,
) -> OxResult<Vec<ItemRow>> {
    let dir = if descending { "DESC" } else { "ASC" };
    Ok(fetch_all!(
        ex,
        ItemRow,
        format!("SELECT {ITEM_COLS} FROM infostore_items WHERE cid = $1 AND folder_id = $2 AND ($3 < 0 OR created_by = $3) ORDER BY {sort} {dir}, id {dir} LIMIT $4 OFFSET $5"),
        cid,
        folder,
        owner.unwrap_or(-1),
        limit,
        offset
    )?)
}

pub async fn count_in_folder(mut ex: impl Executor, cid: i64, folder: i64) -> OxResult<i64> {
    let n: Vec<i64> = fetch_scalars!(ex, i64, "SELECT COUNT(*) FROM infostore_items WHERE cid = $1 AND folder_id = $2", cid, folder)?;
    Ok(n.first().copied().unwrap_or(0))
}

/// One per-item permission (`object_permissions` entry).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ObjectPermissionRow {
    pub item_id: i64,
    pub entity: i64,
    pub is_group: bool,
    pub bits: i64,
}

/// The object permissions of `items`, ordered by item, then users before groups.
pub async fn object_permissions(mut ex: impl Executor, cid: i64, items: &[i64]) -> OxResult<Vec<ObjectPermissionRow>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let list = items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    // The id list is made of integers formatted here, never of client text.
    Ok(fetch_all!(
        ex,
        ObjectPermissionRow,
        format!("SELECT item_id, entity, is_group, bits FROM infostore_object_permissions WHERE cid = $1 AND item_id IN ({list}) ORDER BY item_id, is_group, entity"),
        cid
    )?)
}

/// Replace the object permissions of `item`.
pub async fn set_object_permissions(mut ex: impl Executor, cid: i64, item: i64, rows: &[ObjectPermissionRow]) -> OxResult<()> {
    execute!(ex, "DELETE FROM infostore_object_permissions WHERE cid = $1 AND item_id = $2", cid, item)?;
    for r in rows {
        execute!(
            ex,
            "INSERT INTO infostore_object_permissions (cid, item_id, entity, is_group, bits) VALUES ($1, $2, $3, $4, $5)",
            cid,
            item,
            r.entity,
            r.is_group,
            r.bits
        )?;
    }
    Ok(())
}

pub async fn delete_object_permissions(mut ex: impl Executor, cid: i64, item: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM infostore_object_permissions WHERE cid = $1 AND item_id = $2", cid, item)?;
    Ok(())
}

/// The highest object permission `user` (directly or through one of `groups`) holds on
/// `item`; 0 when none.
pub async fn object_bits_for(mut ex: impl Executor, cid: i64, item: i64, user: i64, groups: &[i64]) -> OxResult<i64> {
    let rows: Vec<(i64, bool, i64)> = fetch_all!(
        ex,
        (i64, bool, i64),
        "SELECT entity, is_group, bits FROM infostore_object_permissions WHERE cid = $1 AND item_id = $2",
        cid,
        item
    )?;
    Ok(rows
        .into_iter()
        .filter(|(entity, is_group, _)| if *is_group { groups.contains(entity) } else { *entity == user })
        .map(|(_, _, bits)| bits)
        .max()
        .unwrap_or(0))
}

/// Items that grant `user` (directly or through one of `groups`) an object permission.
pub async fn shared_with(ex: impl Executor, cid: i64, user: i64, groups: &[i64]) -> OxResult<Vec<ItemRow>> {
    search_shared_with(ex, cid, user, groups, None).await
}

/// Like `shared_with`, optionally only items whose filename, title or description match
/// the OX wildcard `pattern` (as `search`).
pub async fn search_shared_with(mut ex: impl Executor, cid: i64, user: i64, groups: &[i64], pattern: Option<&str>) -> OxResult<Vec<ItemRow>> {
    let like = match pattern {
        None => "%".to_string(),
        Some(p) => {
            let mut like = like_pattern(p);
            if !like.contains('%') && !like.contains('_') {
                like = format!("%{like}%");
            }
            like
        }
    };
    // Group ids are integers formatted here, never client text.
    let group_list = if groups.is_empty() { "-1".to_string() } else { groups.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(",") };
    let cols = ITEM_COLS.split(", ").map(|c| format!("i.{c}")).collect::<Vec<_>>().join(", ");
    Ok(fetch_all!(
        ex,
        ItemRow,
        format!(
            "SELECT {cols} FROM infostore_items i WHERE i.cid = $1 AND EXISTS (SELECT 1 FROM infostore_object_permissions p WHERE p.cid = i.cid AND p.item_id = i.id AND p.bits > 0 AND ((p.is_group = FALSE AND p.entity = $2) OR (p.is_group = TRUE AND p.entity IN ({group_list})))) AND (LOWER(i.filename) LIKE LOWER($3) ESCAPE '\\' OR LOWER(i.title) LIKE LOWER($3) ESCAPE '\\' OR LOWER(i.description) LIKE LOWER($3) ESCAPE '\\') ORDER BY i.id"
        ),
        cid,
        user,
        like
    )?)
}

/// Items created by `user` that carry object permissions.
pub async fn with_object_permissions_by(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<Vec<ItemRow>> {
    let cols = ITEM_COLS.split(", ").map(|c| format!("i.{c}")).collect::<Vec<_>>().join(", ");
    Ok(fetch_all!(
        ex,
        ItemRow,
        format!(
            "SELECT {cols} FROM infostore_items i WHERE i.cid = $1 AND i.created_by = $2 AND EXISTS (SELECT 1 FROM infostore_object_permissions p WHERE p.cid = i.cid AND p.item_id = i.id) ORDER BY i.id"
        ),
        cid,
        user
    )?)
}

/// Remove every Drive item, version, object permission and notification, every attachment
/// and temporary upload of context `cid` (context deletion, inside its transaction). Blobs
/// that lose their last reference are removed by the next sweep.
pub async fn delete_context(tx: &mut crate::Tx, cid: i64) -> OxResult<()> {
    let keys: Vec<String> = fetch_scalars!(
        tx,
        String,
        "SELECT blob_key FROM infostore_versions WHERE cid = $1 UNION ALL SELECT blob_key FROM attachments WHERE cid = $1 UNION ALL SELECT blob_key FROM temp_files WHERE cid = $1",
        cid
    )?;
    for key in &keys {
        crate::blob::refs::release_deferred(&mut *tx, key).await?;
    }
    for table in ["infostore_object_permissions", "infostore_notifications", "infostore_versions", "infostore_items", "attachments", "temp_files"] {
        // Table names come from this fixed list, never from input.
        execute!(tx, format!("DELETE FROM {table} WHERE cid = $1"), cid)?;
    }
    Ok(())
}

/// Drive documents of a whole context (the infostore item quota counts per context).
pub async fn count_in_context(mut ex: impl Executor, cid: i64) -> OxResult<i64> {
    Ok(crate::fetch_scalar!(ex, i64, "SELECT COUNT(*) FROM infostore_items WHERE cid = $1", cid)?)
}

/// Drive folders created by `user` (deleted with the user).
pub async fn folders_created_by(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<Vec<i64>> {
    Ok(fetch_scalars!(ex, i64, "SELECT id FROM folders WHERE cid = $1 AND created_by = $2 AND module = 'infostore' ORDER BY id", cid, user)?)
}

/// Object permissions granted to a user who is deleted.
pub async fn delete_user_grants(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM infostore_object_permissions WHERE cid = $1 AND entity = $2 AND is_group = FALSE", cid, user)?;
    Ok(())
}
