//! Changes to the stored folder tree: create, update (rename, move, permissions,
//! subscription), delete (Drive folders to the trash), clear, share notifications.
//! Every change runs in one transaction and stamps a fresh context timestamp.

use crate::folder_tree::{is_pim, require_visible};
use crate::folders::*;
use crate::sessions::Session;
use oxbow_core::perms::Rights;
use oxbow_core::{codes, OxResult};
use oxbow_store::folders::{self, FolderRow, PermissionRow};
use oxbow_store::{ids, Db, Tx};
use serde_json::Value;
use std::collections::HashSet;

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_PERMISSIONS: usize = 1000;

/// Who acts, and in which tree (for error messages).
pub struct Actor<'a> {
    pub db: &'a Db,
    pub s: &'a Session,
    pub tree: &'a str,
}

/// A share notification request (`notification` object of new/update, or `notify`).
#[derive(Debug, Clone, Default)]
pub struct Notification {
    pub message: String,
}

/// The `permissions` array of a folder body, validated: known entities, valid bits, no
/// entity twice.
pub async fn parse_permissions(db: &Db, cid: i64, folder_id: i64, list: &[Value]) -> OxResult<Vec<PermissionRow>> {
    if list.len() > MAX_PERMISSIONS {
        return Err(codes::FLD_INVALID_PERMISSION.with([format!("more than {MAX_PERMISSIONS} entries")]));
    }
    let mut out: Vec<PermissionRow> = Vec::with_capacity(list.len());
    for v in list {
        let bad = || codes::FLD_INVALID_PERMISSION.with([v.to_string().chars().take(200).collect::<String>()]);
        let o = v.as_object().ok_or_else(bad)?;
        let bits = o.get("bits").and_then(Value::as_i64).ok_or_else(bad)?;
        let entity = match o.get("entity") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            _ => None,
        }
        .filter(|e| *e >= 0)
        .ok_or_else(bad)?;
        let is_group = match o.get("group") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad()),
        };
        if Rights::from_bits(bits).is_none() {
            return Err(bad());
        }
        if out.iter().any(|p| p.entity == entity && p.is_group == is_group) {
            return Err(bad());
        }
        let exists = if is_group {
            entity == ALL_USERS_GROUP || oxbow_store::groups::get(db, cid, entity).await?.is_some()
        } else {
            oxbow_store::users::get(db, cid, entity).await?.is_some()
        };
        if !exists {
            return Err(bad().detail(format!("unknown {} {entity}", if is_group { "group" } else { "user" })));
        }
        out.push(PermissionRow { folder_id, entity, is_group, bits });
    }
    Ok(out)
}

/// The owner of a private folder keeps administrative rights; a public folder keeps at
/// least one administrator.
fn check_admin_kept(kind: i64, owner: i64, perms: &[PermissionRow]) -> OxResult<()> {
    let is_admin = |p: &PermissionRow| Rights::from_bits(p.bits).is_some_and(|r| r.admin);
    let ok = if kind == TYPE_PUBLIC {
        perms.iter().any(is_admin)
    } else {
        perms.iter().any(|p| !p.is_group && p.entity == owner && is_admin(p))
    };
    if ok { Ok(()) } else { Err(codes::FLD_ADMIN_REQUIRED.err()) }
}

/// Reserved and illegal names. Drive folder names follow file-system rules.
pub fn validate_title(module: &str, title: &str) -> OxResult<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(codes::SVL_INVALID_FIELD.with(["title", "empty"]));
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(codes::SVL_INVALID_FIELD.with(["title", "too long"]));
    }
    if t == "." || t == ".." {
        return Err(codes::FLD_RESERVED_NAME.with([t]));
    }
    let illegal = |c: char| c.is_control() || (module == "infostore" && matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'));
    if t.chars().any(illegal) {
        let shown: String = t.chars().filter(|c| !c.is_control()).take(100).collect();
        return Err(codes::FLD_ILLEGAL_CHARS.with([shown]));
    }
    Ok(t.to_string())
}

async fn check_unique(tx: &mut Tx, cid: i64, parent: i64, module: &str, title: &str, except: i64, user: i64) -> OxResult<()> {
    // Below "Private folders" every user has their own namespace.
    let owner = (parent == PRIVATE).then_some(user);
    if folders::sibling_title_exists(&mut *tx, cid, parent, module, title, except, owner).await? {
        return Err(codes::FLD_DUPLICATE_NAME.with([title]));
    }
    Ok(())
}

/// Whether a folder of `module` may live below `parent`.
fn module_fits(module: &str, parent: &FolderRow) -> bool {
    if module == "infostore" {
        parent.module == "infostore"
    } else if is_pim(module) {
        is_pim(&parent.module) || parent.id == PRIVATE || parent.id == PUBLIC
    } else {
        false
    }
}

/// The `type` of a folder created or moved below `parent`.
fn kind_below(parent: &FolderRow) -> i64 {
    if parent.id == PUBLIC || parent.id == PUBLIC_INFOSTORE || parent.kind == TYPE_PUBLIC {
        TYPE_PUBLIC
    } else {
        TYPE_PRIVATE
    }
}

pub struct NewFolder {
    pub title: String,
    pub module: Option<String>,
    pub permissions: Option<Vec<Value>>,
    pub subscribed: Option<bool>,
}

/// Create a folder below `parent_id`; returns (id, timestamp).
pub async fn create(a: &Actor<'_>, parent_id: i64, spec: NewFolder, notify: Option<Notification>) -> OxResult<(i64, i64)> {
    let (db, s) = (a.db, a.s);
    let parent = require_visible(db, s, parent_id, a.tree).await?;
    if !parent.rights.can_create_subfolders() || parent.folder.kind == TYPE_TRASH && parent.folder.created_by != s.user_id {
        return Err(codes::FLD_NO_CREATE.with([parent.folder.title.clone()]));
    }
    let module = match spec.module {
        Some(m) => crate::folder_tree::module_name(&m).ok_or_else(|| codes::SVL_INVALID_FIELD.with(["module", m.as_str()]))?.to_string(),
        None if parent.folder.module != "system" => parent.folder.module.clone(),
        None => return Err(codes::SVL_MISSING_FIELD.with(["module"])),
    };
    if !module_fits(&module, &parent.folder) {
        return Err(codes::FLD_BAD_MODULE.with([module.as_str()]));
    }
    let title = validate_title(&module, &spec.title)?;
    let kind = kind_below(&parent.folder);
    let mut perms = match &spec.permissions {
        Some(list) => parse_permissions(db, s.cid, 0, list).await?,
        None if parent_id < FIRST_USER_FOLDER => Vec::new(),
        // Below a user folder the new folder starts with the parent's sharing.
        None => folders::permissions(db, s.cid, parent_id).await?,
    };
    if spec.permissions.is_none() {
        perms.retain(|p| p.is_group || p.entity != s.user_id);
        perms.insert(0, PermissionRow { folder_id: 0, entity: s.user_id, is_group: false, bits: Rights::OWNER.to_bits() });
    }
    check_admin_kept(kind, s.user_id, &perms)?;

    let mut tx = db.begin().await?;
    check_unique(&mut tx, s.cid, parent_id, &module, &title, -1, s.user_id).await?;
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    let id = ids::next_id(&mut tx, s.cid, "folder", FIRST_USER_FOLDER).await?;
    let row = FolderRow {
        cid: s.cid,
        id,
        parent: parent_id,
        module,
        kind,
        title,
        created_by: s.user_id,
        modified_by: s.user_id,
        creation_date: ts,
        last_modified: ts,
        standard_folder_type: 0,
        is_default: false,
    };
    folders::insert(&mut tx, &row).await?;
    for p in perms.iter_mut() {
        p.folder_id = id;
    }
    folders::set_permissions(&mut tx, s.cid, id, &perms).await?;
    if spec.subscribed == Some(false) {
        folders::set_subscribed(&mut tx, s.cid, s.user_id, &id.to_string(), false).await?;
    }
    if let Some(n) = notify {
        let others: Vec<(i64, bool)> = perms.iter().filter(|p| p.is_group || p.entity != s.user_id).map(|p| (p.entity, p.is_group)).collect();
        record_notifications(&mut tx, s, id, &others, &n.message, ts).await?;
    }
    tx.commit().await?;
    Ok((id, ts))
}

#[derive(Debug, Clone, Default)]
pub struct FolderUpdate {
    pub title: Option<String>,
    pub parent: Option<i64>,
    pub permissions: Option<Vec<Value>>,
    pub subscribed: Option<bool>,
}

/// Is `candidate` the folder `root` or one of its descendants?
async fn is_within(db: &Db, cid: i64, candidate: i64, root: i64) -> OxResult<bool> {
    let mut cur = candidate;
    for _ in 0..1000 {
        if cur == root {
            return Ok(true);
        }
        if cur < FIRST_USER_FOLDER {
            return Ok(false);
        }
        match folders::get(db, cid, cur).await? {
            Some(f) => cur = f.parent,
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// Apply an update; returns the new timestamp.
pub async fn update(a: &Actor<'_>, id: i64, client_ts: Option<i64>, change: FolderUpdate, cascade: bool, notify: Option<Notification>) -> OxResult<i64> {
    let (db, s) = (a.db, a.s);
    let cur = require_visible(db, s, id, a.tree).await?;
    let mut f = cur.folder.clone();
    if client_ts.is_some_and(|ts| ts < f.last_modified) {
        return Err(codes::FLD_CONFLICT.err());
    }
    let system = id < FIRST_USER_FOLDER;
    let renames = change.title.as_deref().is_some_and(|t| t.trim() != f.title);
    let moves = change.parent.is_some_and(|p| p != f.parent);
    if renames || moves {
        if system || f.is_default {
            return Err(codes::FLD_PROTECTED.with([f.title.clone()]));
        }
        if !cur.rights.admin {
            return Err(codes::FLD_NO_ADMIN.with([f.title.clone()]));
        }
    }
    if renames {
        f.title = validate_title(&f.module, change.title.as_deref().unwrap_or_default())?;
    }
    if moves {
        let target_id = change.parent.unwrap_or(f.parent);
        let target = require_visible(db, s, target_id, a.tree).await?;
        if is_within(db, s.cid, target_id, id).await? {
            return Err(codes::FLD_CYCLE.err());
        }
        if !target.rights.can_create_subfolders() {
            return Err(codes::FLD_NO_CREATE.with([target.folder.title.clone()]));
        }
        if !module_fits(&f.module, &target.folder) {
            return Err(codes::FLD_BAD_MODULE.with([f.module.as_str()]));
        }
        f.parent = target_id;
        f.kind = kind_below(&target.folder);
    }
    let mut new_perms: Option<Vec<PermissionRow>> = None;
    let mut cascade_ids: Vec<i64> = Vec::new();
    if let Some(list) = &change.permissions {
        if system || f.kind == TYPE_TRASH {
            return Err(codes::FLD_PROTECTED.with([f.title.clone()]));
        }
        if !cur.rights.admin {
            return Err(codes::FLD_NO_ADMIN.with([f.title.clone()]));
        }
        let perms = parse_permissions(db, s.cid, id, list).await?;
        check_admin_kept(f.kind, f.created_by, &perms)?;
        if cascade {
            for sub in folders::subtree_ids(db, s.cid, id).await?.into_iter().skip(1) {
                let Some(sf) = folders::get(db, s.cid, sub).await? else { continue };
                if sf.kind == TYPE_TRASH || sf.is_default {
                    continue;
                }
                let sp = folders::permissions(db, s.cid, sub).await?;
                if !rights_from(&sp, s.user_id, &s.group_ids).admin {
                    return Err(codes::FLD_NO_ADMIN.with([sf.title]));
                }
                check_admin_kept(sf.kind, sf.created_by, &perms)?;
                cascade_ids.push(sub);
            }
        }
        new_perms = Some(perms);
    }

    let mut tx = db.begin().await?;
    if renames || moves {
        check_unique(&mut tx, s.cid, f.parent, &f.module, &f.title, id, f.created_by).await?;
    }
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    if let Some(perms) = &new_perms {
        let old = folders::permissions(&mut tx, s.cid, id).await?;
        let added: Vec<(i64, bool)> = perms
            .iter()
            .filter(|p| p.is_group || p.entity != s.user_id)
            .filter(|p| !old.iter().any(|o| o.entity == p.entity && o.is_group == p.is_group))
            .map(|p| (p.entity, p.is_group))
            .collect();
        let revoked = old.iter().any(|o| !perms.iter().any(|p| p.entity == o.entity && p.is_group == o.is_group));
        for fid in std::iter::once(id).chain(cascade_ids.iter().copied()) {
            let rows: Vec<PermissionRow> = perms.iter().map(|p| PermissionRow { folder_id: fid, ..p.clone() }).collect();
            folders::set_permissions(&mut tx, s.cid, fid, &rows).await?;
            if revoked {
                // Users who lose sight of the folder learn it through `updates` as deleted.
                folders::add_tombstone(&mut tx, s.cid, f.parent, fid, s.user_id, ts).await?;
            }
            if fid != id {
                touch(&mut tx, s.cid, fid, s.user_id, ts).await?;
            }
        }
        if let Some(n) = &notify {
            record_notifications(&mut tx, s, id, &added, &n.message, ts).await?;
        }
    }
    if let Some(sub) = change.subscribed {
        folders::set_subscribed(&mut tx, s.cid, s.user_id, &id.to_string(), sub).await?;
    }
    f.modified_by = s.user_id;
    f.last_modified = ts;
    folders::update(&mut tx, &f).await?;
    tx.commit().await?;
    Ok(ts)
}

async fn touch(tx: &mut Tx, cid: i64, id: i64, user: i64, ts: i64) -> OxResult<()> {
    if let Some(mut f) = folders::get(&mut *tx, cid, id).await? {
        f.modified_by = user;
        f.last_modified = ts;
        folders::update(&mut *tx, &f).await?;
    }
    Ok(())
}

/// Delete a folder with everything below it; Drive folders of the user's own tree go to
/// the Drive trash unless `hard` or already there. Returns the timestamp.
pub async fn delete(a: &Actor<'_>, id: i64, client_ts: Option<i64>, hard: bool) -> OxResult<i64> {
    let (db, s) = (a.db, a.s);
    let cur = require_visible(db, s, id, a.tree).await?;
    let f = cur.folder;
    if id < FIRST_USER_FOLDER || f.is_default || !cur.rights.admin {
        return Err(codes::FLD_CANNOT_DELETE.with([f.title.clone()]));
    }
    if client_ts.is_some_and(|ts| ts < f.last_modified) {
        return Err(codes::FLD_CONFLICT.err());
    }
    if f.module == "infostore" && !hard {
        if let Some(trash) = infostore_trash_id(db, s.cid, s.user_id).await? {
            let home = folders::get(db, s.cid, trash).await?.map(|t| t.parent).unwrap_or(-1);
            if !is_within(db, s.cid, id, trash).await? && is_within(db, s.cid, id, home).await? {
                return move_to_trash(db, s, f, trash).await;
            }
        }
    }
    let subtree = folders::subtree_ids(db, s.cid, id).await?;
    let mut rows: Vec<FolderRow> = Vec::with_capacity(subtree.len());
    for sub in &subtree {
        let Some(sf) = folders::get(db, s.cid, *sub).await? else { continue };
        if *sub != id {
            let sp = folders::permissions(db, s.cid, *sub).await?;
            if sf.is_default || !rights_from(&sp, s.user_id, &s.group_ids).admin {
                return Err(codes::FLD_CANNOT_DELETE.with([f.title.clone()]));
            }
        }
        rows.push(sf);
    }
    let mut tx = db.begin().await?;
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    let mut modules: Vec<&str> = rows.iter().map(|r| r.module.as_str()).collect();
    modules.sort();
    modules.dedup();
    for m in modules {
        let of_module: Vec<i64> = rows.iter().filter(|r| r.module == m).map(|r| r.id).collect();
        crate::folder_contents::delete_contents(&mut tx, s.cid, m, &of_module, s.user_id, ts).await?;
    }
    for r in rows.iter().rev() {
        folders::delete_with_state(&mut tx, s.cid, r.id).await?;
        folders::add_tombstone(&mut tx, s.cid, r.parent, r.id, s.user_id, ts).await?;
    }
    tx.commit().await?;
    Ok(ts)
}

async fn move_to_trash(db: &Db, s: &Session, mut f: FolderRow, trash: i64) -> OxResult<i64> {
    let mut tx = db.begin().await?;
    let taken: HashSet<String> = folders::sibling_titles(&mut tx, s.cid, trash).await?.into_iter().map(|t| t.to_lowercase()).collect();
    let base = f.title.clone();
    let mut n = 1;
    while taken.contains(&f.title.to_lowercase()) {
        n += 1;
        f.title = format!("{base} ({n})");
    }
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    f.parent = trash;
    f.kind = TYPE_PRIVATE;
    f.modified_by = s.user_id;
    f.last_modified = ts;
    folders::update(&mut tx, &f).await?;
    tx.commit().await?;
    Ok(ts)
}

/// Delete every object in a folder (needs the right to delete all objects).
pub async fn clear(a: &Actor<'_>, id: i64) -> OxResult<i64> {
    let (db, s) = (a.db, a.s);
    let cur = require_visible(db, s, id, a.tree).await?;
    if cur.folder.module == "system" || cur.rights.delete < oxbow_core::perms::ALL {
        return Err(codes::FLD_NO_CLEAR.with([cur.folder.title.clone()]));
    }
    let mut tx = db.begin().await?;
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    crate::folder_contents::delete_contents(&mut tx, s.cid, &cur.folder.module, &[id], s.user_id, ts).await?;
    tx.commit().await?;
    Ok(ts)
}

async fn record_notifications(tx: &mut Tx, s: &Session, folder: i64, entities: &[(i64, bool)], message: &str, ts: i64) -> OxResult<()> {
    for (entity, is_group) in entities {
        folders::add_notification(&mut *tx, s.cid, folder, s.user_id, *entity, *is_group, message, ts).await?;
    }
    Ok(())
}

/// `notify`: record a notification for each entity (each must hold a permission on the
/// folder). Returns the entities recorded as (id, is_group).
pub async fn notify(a: &Actor<'_>, id: i64, entities: &[i64], n: Notification) -> OxResult<Vec<(i64, bool)>> {
    let (db, s) = (a.db, a.s);
    let cur = require_visible(db, s, id, a.tree).await?;
    if !cur.rights.admin {
        return Err(codes::FLD_NO_ADMIN.with([cur.folder.title.clone()]));
    }
    let perms = folders::permissions(db, s.cid, id).await?;
    let mut targets = Vec::new();
    for e in entities {
        // Users first: entity ids of users and groups are separate number spaces.
        let p = perms.iter().find(|p| p.entity == *e && !p.is_group).or_else(|| perms.iter().find(|p| p.entity == *e && p.is_group));
        match p {
            Some(p) => targets.push((p.entity, p.is_group)),
            None => return Err(codes::FLD_INVALID_PERMISSION.with([format!("entity {e} has no permission on the folder")])),
        }
    }
    let mut tx = db.begin().await?;
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    record_notifications(&mut tx, s, id, &targets, &n.message, ts).await?;
    tx.commit().await?;
    Ok(targets)
}
