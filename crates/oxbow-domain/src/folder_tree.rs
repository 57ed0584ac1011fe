//! The folder tree as one user sees it (behaviour notes 3.4): the folders the user may see,
//! each under its *effective* parent. Another user's private PIM folder shared with the
//! caller hangs below a virtual folder `u:<ownerId>` under "Shared folders" (3); a folder
//! whose real parent is invisible moves up to its section's root, so nothing about the
//! invisible parent leaks. Also renders folders as JSON objects keyed by field name.

use crate::folder_provider::FolderObject;
use crate::folders::*;
use crate::sessions::Session;
use oxbow_core::perms::Rights;
use oxbow_core::time::to_wire_time;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_store::folders::{self, FolderRow, PermissionRow};
use oxbow_store::Db;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Prefix of the virtual per-owner folders below "Shared folders".
pub const SHARED_PREFIX: &str = "u:";

/// Where a folder appears in the user's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    /// Below a real folder.
    Folder(i64),
    /// Below the virtual folder of the owner who shared it (`u:<owner>`).
    SharedBy(i64),
    /// The root has no parent.
    Top,
}

impl Place {
    pub fn wire_id(self) -> Value {
        match self {
            Place::Folder(id) => Value::from(id.to_string()),
            Place::SharedBy(owner) => Value::from(format!("{SHARED_PREFIX}{owner}")),
            Place::Top => Value::Null,
        }
    }
}

/// A folder id as a client sends it: a stored folder or a virtual shared-owner folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderRef {
    Stored(i64),
    SharedBy(i64),
}

/// Parse a client folder id; `None` for anything oxbow's tree does not hold.
pub fn parse_ref(id: &str) -> Option<FolderRef> {
    if let Some(owner) = id.strip_prefix(SHARED_PREFIX) {
        return owner.parse::<i64>().ok().filter(|o| *o >= 0).map(FolderRef::SharedBy);
    }
    id.parse::<i64>().ok().filter(|i| *i >= 0).map(FolderRef::Stored)
}

pub fn is_pim(module: &str) -> bool {
    matches!(module, "tasks" | "calendar" | "contacts")
}

/// The modules a client may name (as strings or OX module numbers).
pub fn module_name(v: &str) -> Option<&'static str> {
    Some(match v.trim() {
        "tasks" | "1" => "tasks",
        "calendar" | "2" => "calendar",
        "contacts" | "3" => "contacts",
        "system" | "5" => "system",
        "mail" | "7" => "mail",
        "infostore" | "files" | "8" => "infostore",
        _ => return None,
    })
}

/// The user's view of the stored folder tree.
pub struct UserTree {
    pub user: i64,
    pub nodes: HashMap<i64, FolderAccess>,
    children: HashMap<Place, Vec<i64>>,
}

impl UserTree {
    /// Load every folder the user may see (one query) and place each.
    pub async fn load(db: &Db, s: &Session) -> OxResult<UserTree> {
        let mut groups = s.group_ids.clone();
        groups.push(ALL_USERS_GROUP);
        let rows = folders::with_grants_for(db, s.cid, None, s.user_id, &groups).await?;
        let mut nodes: HashMap<i64, FolderAccess> = HashMap::new();
        for (folder, perm) in rows {
            let r = Rights::from_bits(perm.bits).unwrap_or_default();
            nodes
                .entry(folder.id)
                .and_modify(|a| a.rights = a.rights.union(r))
                .or_insert(FolderAccess { folder, rights: r });
        }
        nodes.retain(|_, a| a.rights.can_see_folder());
        let mut tree = UserTree { user: s.user_id, nodes, children: HashMap::new() };
        let mut children: HashMap<Place, Vec<i64>> = HashMap::new();
        for a in tree.nodes.values() {
            children.entry(tree.place(&a.folder)).or_default().push(a.folder.id);
        }
        for list in children.values_mut() {
            list.sort_by(|x, y| tree.order_key(*x).cmp(&tree.order_key(*y)));
        }
        tree.children = children;
        Ok(tree)
    }

    fn order_key(&self, id: i64) -> (bool, bool, String, i64) {
        let f = &self.nodes[&id].folder;
        // System folders by id, then standard folders, then by title.
        (id >= FIRST_USER_FOLDER, !f.is_default, if id < FIRST_USER_FOLDER { String::new() } else { f.title.to_lowercase() }, id)
    }

    pub fn visible(&self, id: i64) -> bool {
        self.nodes.contains_key(&id)
    }

    pub fn get(&self, id: i64) -> Option<&FolderAccess> {
        self.nodes.get(&id)
    }

    /// Whether `f` is another user's private PIM folder (shown as shared, type 3).
    pub fn is_shared_to_me(&self, f: &FolderRow) -> bool {
        is_pim(&f.module) && f.kind == TYPE_PRIVATE && f.created_by != self.user
    }

    /// The effective parent of a visible folder.
    pub fn place(&self, f: &FolderRow) -> Place {
        if f.id == ROOT {
            return Place::Top;
        }
        if self.is_shared_to_me(f) {
            let parent_shared_too = self.nodes.get(&f.parent).is_some_and(|p| p.folder.id >= FIRST_USER_FOLDER);
            return if parent_shared_too { Place::Folder(f.parent) } else { Place::SharedBy(f.created_by) };
        }
        if self.visible(f.parent) {
            return Place::Folder(f.parent);
        }
        // The real parent is hidden: show the folder at the top of its section.
        Place::Folder(match (f.module.as_str(), f.kind) {
            ("infostore", TYPE_PUBLIC) => PUBLIC_INFOSTORE,
            ("infostore", _) => USER_STORE,
            (_, TYPE_PUBLIC) => PUBLIC,
            _ => PRIVATE,
        })
    }

    /// The `type` a folder reports to this user.
    pub fn wire_type(&self, f: &FolderRow) -> i64 {
        if self.is_shared_to_me(f) { TYPE_SHARED } else { f.kind }
    }

    pub fn children(&self, place: Place) -> &[i64] {
        self.children.get(&place).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn has_children(&self, place: Place) -> bool {
        !self.children(place).is_empty()
    }

    /// Owners who share at least one folder with the user, in id order.
    pub fn sharing_owners(&self) -> Vec<i64> {
        let set: std::collections::BTreeSet<i64> = self
            .children
            .keys()
            .filter_map(|p| match p {
                Place::SharedBy(o) => Some(*o),
                _ => None,
            })
            .collect();
        set.into_iter().collect()
    }

    /// Ids from `id` up to (not including) the root, the folder first.
    pub fn path(&self, id: FolderRef) -> Vec<Place> {
        let mut out = Vec::new();
        let mut cur = match id {
            FolderRef::Stored(i) => Place::Folder(i),
            FolderRef::SharedBy(o) => Place::SharedBy(o),
        };
        while out.len() < 1000 {
            match cur {
                Place::Top | Place::Folder(ROOT) => break,
                Place::SharedBy(_) => {
                    out.push(cur);
                    cur = Place::Folder(SHARED);
                }
                Place::Folder(i) => {
                    out.push(cur);
                    match self.nodes.get(&i) {
                        Some(a) => cur = self.place(&a.folder),
                        None => break,
                    }
                }
            }
        }
        out
    }
}

/// A stored folder that the user may see, or FLD-0008 (does not exist) / FLD-0003 (exists
/// but hidden; the message names nothing).
pub async fn require_visible(db: &Db, s: &Session, id: i64, tree: &str) -> OxResult<FolderAccess> {
    let Some(folder) = folders::get(db, s.cid, id).await? else {
        return Err(codes::FLD_NOT_FOUND.with([id.to_string(), tree.to_string()]));
    };
    let perms = folders::permissions(db, s.cid, id).await?;
    let rights = rights_from(&perms, s.user_id, &s.group_ids);
    if !rights.can_see_folder() {
        return Err(codes::FLD_NOT_VISIBLE.err());
    }
    Ok(FolderAccess { folder, rights })
}

pub fn not_found(id: &str, tree: &str) -> OxError {
    let shown: String = id.chars().take(100).collect();
    codes::FLD_NOT_FOUND.with([shown, tree.to_string()])
}

/// How folders are rendered.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub tz: chrono_tz::Tz,
    pub alt_names: bool,
    /// Fill `total`/`new`/`unread` (costs one count per folder).
    pub counts: bool,
}

fn title_for(f: &FolderRow, user: i64, alt: bool) -> String {
    if alt {
        match f.id {
            INFOSTORE_ROOT => return "Drive".into(),
            USER_STORE => return "Shared files".into(),
            PUBLIC_INFOSTORE => return "Public files".into(),
            _ => {}
        }
        if f.module == "infostore" && f.is_default && f.parent == USER_STORE && f.created_by == user {
            return "My files".into();
        }
    }
    f.title.clone()
}

pub fn permission_json(p: &PermissionRow) -> Value {
    json!({ "bits": p.bits, "entity": p.entity, "group": p.is_group })
}

/// Render stored folders (all visible in `tree`) as JSON objects, in the given order.
pub async fn render(db: &Db, s: &Session, tree: &UserTree, ids: &[i64], o: &RenderOptions) -> OxResult<Vec<FolderObject>> {
    let perms = folders::permissions_of(db, s.cid, ids).await?;
    let mut by_folder: HashMap<i64, Vec<PermissionRow>> = HashMap::new();
    for p in perms {
        by_folder.entry(p.folder_id).or_default().push(p);
    }
    let mut users: HashSet<i64> = HashSet::new();
    let mut groups: HashSet<i64> = HashSet::new();
    for list in by_folder.values() {
        for p in list {
            if p.is_group { groups.insert(p.entity) } else { users.insert(p.entity) };
        }
    }
    for id in ids {
        if let Some(a) = tree.get(*id) {
            users.insert(a.folder.created_by);
        }
    }
    let (u, g) = folders::entity_names(db, s.cid, &users.into_iter().collect::<Vec<_>>(), &groups.into_iter().collect::<Vec<_>>()).await?;
    let user_names: HashMap<i64, String> = u.into_iter().collect();
    let mut group_names: HashMap<i64, String> = g.into_iter().collect();
    group_names.entry(ALL_USERS_GROUP).or_insert_with(|| "All users".into());
    let unsubscribed: HashSet<String> = folders::unsubscribed(db, s.cid, s.user_id).await?.into_iter().collect();

    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(a) = tree.get(*id) else { continue };
        let f = &a.folder;
        let place = tree.place(f);
        let list = by_folder.remove(id).unwrap_or_default();
        let subfolders = tree.has_children(Place::Folder(*id));
        let mut m = Map::new();
        m.insert("id".into(), Value::from(id.to_string()));
        m.insert("created_by".into(), Value::from(f.created_by));
        m.insert("modified_by".into(), Value::from(f.modified_by));
        m.insert("creation_date".into(), Value::from(to_wire_time(f.creation_date, o.tz)));
        m.insert("last_modified".into(), Value::from(to_wire_time(f.last_modified, o.tz)));
        m.insert("last_modified_utc".into(), Value::from(f.last_modified));
        m.insert("folder_id".into(), place.wire_id());
        m.insert("title".into(), Value::from(title_for(f, s.user_id, o.alt_names)));
        m.insert("module".into(), Value::from(f.module.clone()));
        m.insert("type".into(), Value::from(tree.wire_type(f)));
        m.insert("subfolders".into(), Value::from(subfolders));
        m.insert("own_rights".into(), Value::from(a.rights.to_bits()));
        m.insert("permissions".into(), Value::Array(list.iter().map(permission_json).collect()));
        let shared = tree.is_shared_to_me(f);
        m.insert("standard_folder".into(), Value::from(f.is_default && !shared));
        m.insert("standard_folder_type".into(), Value::from(if f.is_default && !shared { f.standard_folder_type } else { 0 }));
        if o.counts && f.module != "system" {
            if let Some(total) = crate::folder_contents::count_contents(db, s.cid, &f.module, *id).await? {
                m.insert("total".into(), Value::from(total));
            }
        }
        m.insert("subscribed".into(), Value::from(!unsubscribed.contains(&id.to_string())));
        m.insert("subscr_subflds".into(), Value::from(subfolders));
        let caps: &[&str] = if f.module == "system" { &[] } else { &["permissions"] };
        m.insert("supported_capabilities".into(), json!(caps));
        m.insert("com.openexchange.publish.publicationFlag".into(), Value::from(false));
        m.insert("com.openexchange.subscribe.subscriptionFlag".into(), Value::from(false));
        if shared {
            if let Some(n) = user_names.get(&f.created_by) {
                m.insert("com.openexchange.folderstorage.displayName".into(), Value::from(n.clone()));
            }
        }
        let extended: Vec<Value> = list
            .iter()
            .map(|p| {
                let name = if p.is_group { group_names.get(&p.entity) } else { user_names.get(&p.entity) };
                json!({
                    "entity": p.entity,
                    "bits": p.bits,
                    "type": if p.is_group { "group" } else { "user" },
                    "display_name": name.cloned().unwrap_or_default(),
                })
            })
            .collect();
        m.insert("com.openexchange.share.extendedPermissions".into(), Value::Array(extended));
        out.push(m);
    }
    Ok(out)
}

/// The virtual folder `u:<owner>` below "Shared folders".
pub async fn render_shared_owner(db: &Db, s: &Session, owner: i64) -> OxResult<FolderObject> {
    let name = oxbow_store::users::get(db, s.cid, owner).await?.map(|u| u.display_name).unwrap_or_default();
    let see = Rights::SEE_FOLDER.to_bits();
    let mut m = Map::new();
    m.insert("id".into(), Value::from(format!("{SHARED_PREFIX}{owner}")));
    m.insert("created_by".into(), Value::from(owner));
    m.insert("modified_by".into(), Value::from(owner));
    m.insert("folder_id".into(), Value::from(SHARED.to_string()));
    m.insert("title".into(), Value::from(name));
    m.insert("module".into(), Value::from("system"));
    m.insert("type".into(), Value::from(TYPE_SYSTEM));
    m.insert("subfolders".into(), Value::from(true));
    m.insert("subscr_subflds".into(), Value::from(true));
    m.insert("own_rights".into(), Value::from(see));
    m.insert("permissions".into(), json!([{ "bits": see, "entity": s.user_id, "group": false }]));
    m.insert("standard_folder".into(), Value::from(false));
    m.insert("standard_folder_type".into(), Value::from(0));
    m.insert("subscribed".into(), Value::from(true));
    m.insert("supported_capabilities".into(), json!([]));
    Ok(m)
}

/// Children of a place, rendered; the root lists 1, 2, 3, 9 (and 3 holds the owners).
pub async fn render_children(db: &Db, s: &Session, tree: &UserTree, place: Place, o: &RenderOptions) -> OxResult<Vec<FolderObject>> {
    let mut out = render(db, s, tree, tree.children(place), o).await?;
    if place == Place::Folder(SHARED) {
        for owner in tree.sharing_owners() {
            out.push(render_shared_owner(db, s, owner).await?);
        }
    }
    Ok(out)
}

/// Group visible folders of a module into the private/public/shared sections of
/// `allVisible`.
pub fn sections(tree: &UserTree, module: &str) -> BTreeMap<&'static str, Vec<i64>> {
    let mut out: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
    out.insert("private", Vec::new());
    out.insert("public", Vec::new());
    out.insert("shared", Vec::new());
    let mut ids: Vec<i64> = tree.nodes.values().filter(|a| a.folder.module == module).map(|a| a.folder.id).collect();
    ids.sort_by(|x, y| tree.order_key(*x).cmp(&tree.order_key(*y)));
    for id in ids {
        let f = &tree.nodes[&id].folder;
        let section = match f.kind {
            TYPE_SYSTEM => continue,
            TYPE_PUBLIC => "public",
            _ if f.created_by != tree.user => "shared",
            _ => "private",
        };
        out.entry(section).or_default().push(id);
    }
    out
}
