//! Rows of the folder tree and their permission entries.

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional};
use oxbow_core::OxResult;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FolderRow {
    pub cid: i64,
    pub id: i64,
    pub parent: i64,
    pub module: String,
    #[sqlx(rename = "type")]
    pub kind: i64,
    pub title: String,
    pub created_by: i64,
    pub modified_by: i64,
    pub creation_date: i64,
    pub last_modified: i64,
    pub standard_folder_type: i64,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PermissionRow {
    pub folder_id: i64,
    pub entity: i64,
    pub is_group: bool,
    pub bits: i64,
}

pub const COLS: &str = "cid, id, parent, module, type, title, created_by, modified_by, creation_date, last_modified, standard_folder_type, is_default";

pub async fn insert(mut ex: impl Executor, f: &FolderRow) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO folders ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
        f.cid,
        f.id,
        f.parent,
        f.module.clone(),
        f.kind,
        f.title.clone(),
        f.created_by,
        f.modified_by,
        f.creation_date,
        f.last_modified,
        f.standard_folder_type,
        f.is_default
    )?;
    Ok(())
}

/// Write back parent, title, modifier and timestamp.
pub async fn update(mut ex: impl Executor, f: &FolderRow) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE folders SET parent = $3, title = $4, modified_by = $5, last_modified = $6, type = $7 WHERE cid = $1 AND id = $2",
        f.cid,
        f.id,
        f.parent,
        f.title.clone(),
        f.modified_by,
        f.last_modified,
        f.kind
    )?;
    Ok(())
}

pub async fn get(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<Option<FolderRow>> {
    Ok(fetch_optional!(ex, FolderRow, format!("SELECT {COLS} FROM folders WHERE cid = $1 AND id = $2"), cid, id)?)
}

pub async fn children(mut ex: impl Executor, cid: i64, parent: i64) -> OxResult<Vec<FolderRow>> {
    Ok(fetch_all!(ex, FolderRow, format!("SELECT {COLS} FROM folders WHERE cid = $1 AND parent = $2 ORDER BY id"), cid, parent)?)
}

/// The user's default folder of a module (standard_folder_type = module's type, or the
/// infostore trash/media folders by their `type`).
pub async fn default_folder(mut ex: impl Executor, cid: i64, user: i64, module: &str, kind: i64) -> OxResult<Option<FolderRow>> {
    Ok(fetch_optional!(
        ex,
        FolderRow,
        format!("SELECT {COLS} FROM folders WHERE cid = $1 AND created_by = $2 AND module = $3 AND type = $4 AND is_default = TRUE ORDER BY id LIMIT 1"),
        cid,
        user,
        module.to_string(),
        kind
    )?)
}

pub async fn delete(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<bool> {
    execute!(ex, "DELETE FROM folder_permissions WHERE cid = $1 AND folder_id = $2", cid, id)?;
    Ok(execute!(ex, "DELETE FROM folders WHERE cid = $1 AND id = $2", cid, id)? > 0)
}

pub async fn permissions(mut ex: impl Executor, cid: i64, folder_id: i64) -> OxResult<Vec<PermissionRow>> {
    Ok(fetch_all!(
        ex,
        PermissionRow,
        "SELECT folder_id, entity, is_group, bits FROM folder_permissions WHERE cid = $1 AND folder_id = $2 ORDER BY is_group, entity",
        cid,
        folder_id
    )?)
}

/// Replace the permission entries of a folder.
pub async fn set_permissions(mut ex: impl Executor, cid: i64, folder_id: i64, perms: &[PermissionRow]) -> OxResult<()> {
    execute!(ex, "DELETE FROM folder_permissions WHERE cid = $1 AND folder_id = $2", cid, folder_id)?;
    for p in perms {
        execute!(
            ex,
            "INSERT INTO folder_permissions (cid, folder_id, entity, is_group, bits) VALUES ($1, $2, $3, $4, $5)",
            cid,
            folder_id,
            p.entity,
            p.is_group,
            p.bits
        )?;
    }
    Ok(())
}

/// Every folder (of `module`, or of all modules) on which the user or one of `groups` (group 0
/// included by the caller) holds a permission entry, with those entries, ordered by folder id:
/// the candidates for "visible".
pub async fn with_grants_for(
    mut ex: impl Executor,
    cid: i64,
    module: Option<&str>,
    user: i64,
    groups: &[i64],
) -> OxResult<Vec<(FolderRow, PermissionRow)>> {
    #[derive(sqlx::FromRow)]
    struct Joined {
        #[sqlx(flatten)]
        folder: FolderRow,
        entity: i64,
        is_group: bool,
        bits: i64,
    }
    let group_list = int_list(groups);
    let cols: String = COLS.split(", ").map(|c| format!("f.{c}")).collect::<Vec<_>>().join(", ");
    // group ids are integers from our own database, so formatting them in is safe.
    let base = format!(
        "SELECT {cols}, p.entity, p.is_group, p.bits FROM folders f JOIN folder_permissions p ON p.cid = f.cid AND p.folder_id = f.id \
         WHERE f.cid = $1 AND ((p.is_group = FALSE AND p.entity = $2) OR (p.is_group = TRUE AND p.entity IN ({group_list})))"
    );
    let rows: Vec<Joined> = match module {
        Some(module) => fetch_all!(ex, Joined, format!("{base} AND f.module = $3 ORDER BY f.id"), cid, user, module.to_string())?,
        None => fetch_all!(ex, Joined, format!("{base} ORDER BY f.id"), cid, user)?,
    };
    Ok(rows
        .into_iter()
        .map(|j| {
            let perm = PermissionRow { folder_id: j.folder.id, entity: j.entity, is_group: j.is_group, bits: j.bits };
            (j.folder, perm)
        })
        .collect())
}

fn int_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        "0".to_string()
    } else {
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    }
}

/// The permission entries of several folders at once.
pub async fn permissions_of(mut ex: impl Executor, cid: i64, folder_ids: &[i64]) -> OxResult<Vec<PermissionRow>> {
    if folder_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    // Folder ids are integers, formatted in chunks to keep statements short.
    for chunk in folder_ids.chunks(500) {
        let sql = format!(
            "SELECT folder_id, entity, is_group, bits FROM folder_permissions WHERE cid = $1 AND folder_id IN ({}) ORDER BY folder_id, is_group, entity",
            int_list(chunk)
        );
        out.extend(fetch_all!(ex, PermissionRow, sql, cid)?);
    }
    Ok(out)
}

/// `folder_id` and every folder below it (ids, parents before children).
pub async fn subtree_ids(mut ex: impl Executor, cid: i64, folder_id: i64) -> OxResult<Vec<i64>> {
    let mut out = vec![folder_id];
    let mut level = vec![folder_id];
    while !level.is_empty() {
        let sql = format!("SELECT id FROM folders WHERE cid = $1 AND parent IN ({}) ORDER BY id", int_list(&level));
        let next: Vec<i64> = crate::fetch_scalars!(ex, i64, sql, cid)?;
        // A corrupt cycle must not loop forever.
        let next: Vec<i64> = next.into_iter().filter(|id| !out.contains(id)).collect();
        out.extend(&next);
        level = next;
    }
    Ok(out)
}

/// Whether a folder of `module` titled `title` (case-insensitive) exists below `parent`,
/// other than `except`; `owner` restricts the check to one user's folders (below folder 1).
pub async fn sibling_title_exists(
    mut ex: impl Executor,
    cid: i64,
    parent: i64,
    module: &str,
    title: &str,
    except: i64,
    owner: Option<i64>,
) -> OxResult<bool> {
    let n: i64 = crate::fetch_scalar!(
        ex,
        i64,
        "SELECT COUNT(*) FROM folders WHERE cid = $1 AND parent = $2 AND module = $3 AND LOWER(title) = LOWER($4) AND id <> $5 AND ($6 < 0 OR created_by = $6)",
        cid,
        parent,
        module.to_string(),
        title.to_string(),
        except,
        owner.unwrap_or(-1)
    )?;
    Ok(n > 0)
}

/// Folders below `parent` whose title starts with `prefix` (to find a free name).
pub async fn sibling_titles(mut ex: impl Executor, cid: i64, parent: i64) -> OxResult<Vec<String>> {
    Ok(crate::fetch_scalars!(ex, String, "SELECT title FROM folders WHERE cid = $1 AND parent = $2", cid, parent)?)
}

/// Unsubscribed folder ids of a user (absent rows mean subscribed).
pub async fn unsubscribed(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<Vec<String>> {
    Ok(crate::fetch_scalars!(
        ex,
        String,
        "SELECT folder_id FROM folder_subscriptions WHERE cid = $1 AND user_id = $2 AND subscribed = FALSE",
        cid,
        user
    )?)
}

pub async fn set_subscribed(mut ex: impl Executor, cid: i64, user: i64, folder_id: &str, subscribed: bool) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO folder_subscriptions (cid, user_id, folder_id, subscribed) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (cid, user_id, folder_id) DO UPDATE SET subscribed = excluded.subscribed",
        cid,
        user,
        folder_id.to_string(),
        subscribed
    )?;
    Ok(())
}

/// Remove a deleted folder's rows: the folder, its permissions and subscriptions.
pub async fn delete_with_state(mut ex: impl Executor, cid: i64, id: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM folder_subscriptions WHERE cid = $1 AND folder_id = $2", cid, id.to_string())?;
    execute!(ex, "DELETE FROM folder_permissions WHERE cid = $1 AND folder_id = $2", cid, id)?;
    execute!(ex, "DELETE FROM folders WHERE cid = $1 AND id = $2", cid, id)?;
    Ok(())
}

/// Record that a folder went away (or out of sight) for `folders?action=updates`.
pub async fn add_tombstone(mut ex: impl Executor, cid: i64, parent: i64, id: i64, by: i64, ts: i64) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO tombstones (cid, module, folder_id, object_id, deleted_by, last_modified) VALUES ($1, 'folders', $2, $3, $4, $5)",
        cid,
        parent.to_string(),
        id.to_string(),
        by,
        ts
    )?;
    Ok(())
}

/// Folder tombstones newer than `since`: (folder id, timestamp).
pub async fn tombstones_since(mut ex: impl Executor, cid: i64, since: i64) -> OxResult<Vec<(String, i64)>> {
    Ok(fetch_all!(
        ex,
        (String, i64),
        "SELECT object_id, last_modified FROM tombstones WHERE cid = $1 AND module = 'folders' AND last_modified > $2 ORDER BY last_modified",
        cid,
        since
    )?)
}

/// Record a share notification (delivered later by the mail transport).
pub async fn add_notification(
    mut ex: impl Executor,
    cid: i64,
    folder_id: i64,
    sender: i64,
    entity: i64,
    is_group: bool,
    message: &str,
    created: i64,
) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO folder_notifications (cid, folder_id, sender, entity, is_group, message, created, sent) VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE)",
        cid,
        folder_id,
        sender,
        entity,
        is_group,
        message.to_string(),
        created
    )?;
    Ok(())
}

/// Display names of users and groups, for the extended permission objects.
pub async fn entity_names(mut ex: impl Executor, cid: i64, users: &[i64], groups: &[i64]) -> OxResult<(Vec<(i64, String)>, Vec<(i64, String)>)> {
    let u: Vec<(i64, String)> = fetch_all!(
        ex,
        (i64, String),
        format!("SELECT id, display_name FROM users WHERE cid = $1 AND id IN ({})", int_list(users)),
        cid
    )?;
    let g: Vec<(i64, String)> = fetch_all!(
        ex,
        (i64, String),
        format!("SELECT id, display_name FROM groups WHERE cid = $1 AND id IN ({})", int_list(groups)),
        cid
    )?;
    Ok((u, g))
}

/// A share notification waiting for delivery.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingNotification {
    pub entity: i64,
    pub is_group: bool,
    pub message: String,
}

/// Take the undelivered notifications `sender` asked for about `folder_id`: returns them
/// and marks them sent, so that each is mailed once.
pub async fn take_pending_notifications(tx: &mut crate::Tx, cid: i64, folder_id: i64, sender: i64) -> OxResult<Vec<PendingNotification>> {
    let rows = fetch_all!(
        tx,
        PendingNotification,
        "SELECT entity, is_group, message FROM folder_notifications WHERE cid = $1 AND folder_id = $2 AND sender = $3 AND sent = FALSE ORDER BY created, entity",
        cid,
        folder_id,
        sender
    )?;
    execute!(
        tx,
        "UPDATE folder_notifications SET sent = TRUE WHERE cid = $1 AND folder_id = $2 AND sender = $3 AND sent = FALSE",
        cid,
        folder_id,
        sender
    )?;
    Ok(rows)
}
