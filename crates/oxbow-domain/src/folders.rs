//! The folder tree and the one permission check every module uses for every object access.
//!
//! System folders (ids below 20) are rows created with each context; every user gets the
//! standard folders of each module when the user is created. A user's rights on a folder
//! are the union of the entries for the user, for each of the user's groups and for
//! group 0 ("all users").

use crate::sessions::Session;
use oxbow_core::perms::Rights;
use oxbow_core::OxResult;
use oxbow_store::folders::{self, FolderRow, PermissionRow};
use oxbow_store::{ids, Db, Tx};

// Well-known folder ids (behaviour notes 3.1).
pub const ROOT: i64 = 0;
pub const PRIVATE: i64 = 1;
pub const PUBLIC: i64 = 2;
pub const SHARED: i64 = 3;
pub const SYSTEM: i64 = 4;
pub const GLOBAL_ADDRESS_BOOK: i64 = 6;
pub const INFOSTORE_ROOT: i64 = 9;
pub const USER_STORE: i64 = 10;
pub const PUBLIC_INFOSTORE: i64 = 15;
/// First id handed out to user-created and per-user standard folders.
pub const FIRST_USER_FOLDER: i64 = 20;

// Folder `type` values.
pub const TYPE_PRIVATE: i64 = 1;
pub const TYPE_PUBLIC: i64 = 2;
pub const TYPE_SHARED: i64 = 3;
pub const TYPE_SYSTEM: i64 = 5;
pub const TYPE_TRASH: i64 = 16;
pub const TYPE_PICTURES: i64 = 20;
pub const TYPE_DOCUMENTS: i64 = 21;
pub const TYPE_MUSIC: i64 = 22;
pub const TYPE_VIDEOS: i64 = 23;
pub const TYPE_TEMPLATES: i64 = 24;

/// Group 0 stands for every user of the context.
pub const ALL_USERS_GROUP: i64 = 0;

/// A folder with the requesting user's effective rights on it.
#[derive(Debug, Clone)]
pub struct FolderAccess {
    pub folder: FolderRow,
    pub rights: Rights,
}

/// Effective rights from a folder's permission entries for `user` with `groups`.
pub fn rights_from(perms: &[PermissionRow], user: i64, groups: &[i64]) -> Rights {
    perms
        .iter()
        .filter(|p| {
            if p.is_group {
                p.entity == ALL_USERS_GROUP || groups.contains(&p.entity)
            } else {
                p.entity == user
            }
        })
        .filter_map(|p| Rights::from_bits(p.bits))
        .fold(Rights::default(), Rights::union)
}

/// The folder and the caller's rights, or `None` when the folder does not exist or the
/// caller may not see it. Callers answer `None` with their module's "not found / no
/// access" error, so nothing about an invisible folder leaks.
pub async fn access(db: &Db, s: &Session, folder_id: i64) -> OxResult<Option<FolderAccess>> {
    let Some(folder) = folders::get(db, s.cid, folder_id).await? else {
        return Ok(None);
    };
    let perms = folders::permissions(db, s.cid, folder_id).await?;
    let rights = rights_from(&perms, s.user_id, &s.group_ids);
    if !rights.can_see_folder() {
        return Ok(None);
    }
    Ok(Some(FolderAccess { folder, rights }))
}

/// Every folder of `module` the user can see, with the user's rights on it.
pub async fn visible_folders(db: &Db, s: &Session, module: &str) -> OxResult<Vec<FolderAccess>> {
    let mut groups = s.group_ids.clone();
    groups.push(ALL_USERS_GROUP);
    let rows = folders::with_grants_for(db, s.cid, Some(module), s.user_id, &groups).await?;
    let mut out: Vec<FolderAccess> = Vec::new();
    for (folder, perm) in rows {
        let r = Rights::from_bits(perm.bits).unwrap_or_default();
        match out.last_mut() {
            Some(last) if last.folder.id == folder.id => last.rights = last.rights.union(r),
            _ => out.push(FolderAccess { folder, rights: r }),
        }
    }
    out.retain(|a| a.rights.can_see_folder());
    Ok(out)
}

/// The user's default folder of `module` (`contacts`, `calendar`, `tasks`, `infostore`).
pub async fn default_folder_id(db: &Db, cid: i64, user: i64, module: &str) -> OxResult<Option<i64>> {
    let kind = TYPE_PRIVATE;
    Ok(folders::default_folder(db, cid, user, module, kind).await?.map(|f| f.id))
}

/// The user's Drive trash folder.
pub async fn infostore_trash_id(db: &Db, cid: i64, user: i64) -> OxResult<Option<i64>> {
    Ok(folders::default_folder(db, cid, user, "infostore", TYPE_TRASH).await?.map(|f| f.id))
}

fn row(cid: i64, id: i64, parent: i64, module: &str, kind: i64, title: &str, owner: i64, now: i64) -> FolderRow {
    FolderRow {
        cid,
        id,
        parent,
        module: module.into(),
        kind,
        title: title.into(),
        created_by: owner,
        modified_by: owner,
        creation_date: now,
        last_modified: now,
        standard_folder_type: 0,
        is_default: false,
    }
}

fn grant(folder_id: i64, entity: i64, is_group: bool, rights: Rights) -> PermissionRow {
    PermissionRow { folder_id, entity, is_group, bits: rights.to_bits() }
}

/// The system folders of a new context (ids 0-15), with their permissions for all users.
pub async fn create_system_folders(tx: &mut Tx, cid: i64) -> OxResult<()> {
    let now = ids::next_timestamp(&mut *tx, cid).await?;
    let see = Rights::SEE_FOLDER;
    let create_sub = Rights { folder: oxbow_core::perms::CREATE_SUBFOLDERS, ..Rights::default() };
    // Global address book: everybody reads every entry; own entry editable (checked by contacts).
    let gab = Rights { folder: 1, read: oxbow_core::perms::ALL, write: oxbow_core::perms::OWN, delete: 0, admin: false };
    let system: &[(i64, i64, &str, &str, i64, Rights)] = &[
        (ROOT, -1, "system", "root", TYPE_SYSTEM, see),
        (PRIVATE, ROOT, "system", "Private folders", TYPE_SYSTEM, create_sub),
        (PUBLIC, ROOT, "system", "Public folders", TYPE_SYSTEM, create_sub),
        (SHARED, ROOT, "system", "Shared folders", TYPE_SYSTEM, see),
        (SYSTEM, ROOT, "system", "System", TYPE_SYSTEM, Rights::default()),
        (GLOBAL_ADDRESS_BOOK, PUBLIC, "contacts", "Global address book", TYPE_PUBLIC, gab),
        (INFOSTORE_ROOT, ROOT, "infostore", "Infostore", TYPE_SYSTEM, see),
        (USER_STORE, INFOSTORE_ROOT, "infostore", "Userstore", TYPE_SYSTEM, see),
        (PUBLIC_INFOSTORE, INFOSTORE_ROOT, "infostore", "Public infostore", TYPE_SYSTEM, create_sub),
    ];
    for (id, parent, module, title, kind, rights) in system {
        folders::insert(&mut *tx, &row(cid, *id, *parent, module, *kind, title, 0, now)).await?;
        folders::set_permissions(&mut *tx, cid, *id, &[grant(*id, ALL_USERS_GROUP, true, *rights)]).await?;
    }
    Ok(())
}

/// The standard folders of a new user: Calendar, Contacts, Tasks under "Private folders";
/// the Drive home (My files) under the user store with Documents, Music, Pictures,
/// Videos, Templates and Trash.
pub async fn create_user_folders(tx: &mut Tx, cid: i64, user: i64, display_name: &str) -> OxResult<()> {
    let now = ids::next_timestamp(&mut *tx, cid).await?;
    let add = async |tx: &mut Tx, parent: i64, module: &str, kind: i64, title: &str, std_type: i64| -> OxResult<i64> {
        let id = ids::next_id(&mut *tx, cid, "folder", FIRST_USER_FOLDER).await?;
        let mut f = row(cid, id, parent, module, kind, title, user, now);
        f.standard_folder_type = std_type;
        f.is_default = true;
        folders::insert(&mut *tx, &f).await?;
        folders::set_permissions(&mut *tx, cid, id, &[grant(id, user, false, Rights::OWNER)]).await?;
        Ok(id)
    };
    add(tx, PRIVATE, "calendar", TYPE_PRIVATE, "Calendar", 2).await?;
    add(tx, PRIVATE, "contacts", TYPE_PRIVATE, "Contacts", 3).await?;
    add(tx, PRIVATE, "tasks", TYPE_PRIVATE, "Tasks", 1).await?;
    let home = add(tx, USER_STORE, "infostore", TYPE_PRIVATE, display_name, 8).await?;
    for (kind, title) in [
        (TYPE_DOCUMENTS, "Documents"),
        (TYPE_MUSIC, "Music"),
        (TYPE_PICTURES, "Pictures"),
        (TYPE_VIDEOS, "Videos"),
        (TYPE_TEMPLATES, "Templates"),
        (TYPE_TRASH, "Trash"),
    ] {
        add(tx, home, "infostore", kind, title, 8).await?;
    }
    Ok(())
}

