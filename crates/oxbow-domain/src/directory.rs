//! The directory of a context: user accounts as API objects, groups and resources.
//! Everybody in a context may read the directory; changing groups and resources is for
//! context administrators, changing a user account for that user or an administrator.

use crate::folders::{ALL_USERS_GROUP, GLOBAL_ADDRESS_BOOK};
use crate::sessions::Session;
use chrono_tz::Tz;
use oxbow_core::time::to_wire_time;
use oxbow_core::{codes, OxResult};
use oxbow_store::groups::{self, GroupRow};
use oxbow_store::resources::{self, ResourceRow};
use oxbow_store::users::{self, User};
use oxbow_store::{execute, fetch_all, ids, Db, Executor};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Display name of the virtual group 0 that every user belongs to.
pub const ALL_USERS_NAME: &str = "All users";
const MAX_TEXT: usize = 320;

pub async fn is_context_admin(db: &Db, s: &Session) -> OxResult<bool> {
    Ok(users::get(db, s.cid, s.user_id).await?.is_some_and(|u| u.is_context_admin && u.active))
}

// ---------------------------------------------------------------------------------------
// Users

/// A user as the `user` module answers it: the contact columns a user has plus the
/// user-specific ones (610-616). `groups` are the user's explicit groups; group 0 is added.
/// The contacts module can overlay the user's address-book contact with
/// [`merge_contact_fields`] afterwards.
pub fn user_object(u: &User, groups: &[i64], tz: Tz) -> Map<String, Value> {
    let mut all_groups = vec![ALL_USERS_GROUP];
    all_groups.extend(groups.iter().copied().filter(|g| *g != ALL_USERS_GROUP));
    let mut m = Map::new();
    m.insert("id".into(), json!(u.id));
    m.insert("created_by".into(), json!(u.id));
    m.insert("modified_by".into(), json!(u.id));
    m.insert("creation_date".into(), json!(to_wire_time(u.created, tz)));
    m.insert("last_modified".into(), json!(to_wire_time(u.last_modified, tz)));
    m.insert("last_modified_utc".into(), json!(u.last_modified));
    m.insert("folder_id".into(), json!(GLOBAL_ADDRESS_BOOK));
    m.insert("private_flag".into(), json!(false));
    m.insert("number_of_attachments".into(), json!(0));
    m.insert("display_name".into(), json!(u.display_name));
    m.insert("first_name".into(), json!(u.given_name));
    m.insert("last_name".into(), json!(u.sur_name));
    m.insert("user_id".into(), json!(u.id));
    m.insert("email1".into(), json!(u.email));
    m.insert("mark_as_distributionlist".into(), json!(false));
    m.insert("number_of_images".into(), json!(0));
    m.insert("aliases".into(), json!([u.email]));
    m.insert("timezone".into(), json!(u.timezone));
    m.insert("locale".into(), json!(u.locale));
    m.insert("groups".into(), json!(all_groups));
    m.insert("contact_id".into(), u.contact_id.map_or(Value::Null, |c| json!(c)));
    m.insert("login_info".into(), json!(u.login));
    m.insert("guest_created_by".into(), json!(0));
    m
}

/// Fields that describe the account itself; a contact never overrides them.
const ACCOUNT_FIELDS: &[&str] =
    &["id", "user_id", "folder_id", "aliases", "timezone", "locale", "groups", "contact_id", "login_info", "guest_created_by"];

/// Overlay the fields of the user's address-book contact (a contact object keyed by field
/// name) onto a user object; the account fields stay as they are.
pub fn merge_contact_fields(user: &mut Map<String, Value>, contact: &Map<String, Value>) {
    for (k, v) in contact {
        if !ACCOUNT_FIELDS.contains(&k.as_str()) && !v.is_null() {
            user.insert(k.clone(), v.clone());
        }
    }
}

/// User objects for many users, with group memberships loaded in one query.
pub async fn user_objects(db: &Db, cid: i64, list: &[User], tz: Tz) -> OxResult<Vec<Map<String, Value>>> {
    let pairs = groups::all_members(db, cid).await?;
    let mut by_user: HashMap<i64, Vec<i64>> = HashMap::new();
    for (g, u) in pairs {
        by_user.entry(u).or_default().push(g);
    }
    Ok(list.iter().map(|u| user_object(u, by_user.get(&u.id).map(Vec::as_slice).unwrap_or(&[]), tz)).collect())
}

pub async fn require_user(db: &Db, cid: i64, id: i64) -> OxResult<User> {
    users::get(db, cid, id).await?.ok_or_else(|| codes::USR_NOT_FOUND.with([id, cid]))
}

/// The user search of `user?action=search` (reference: UserSearchBody).
#[derive(Debug, Default, Clone)]
pub struct UserSearch {
    pub pattern: Option<String>,
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub or_search: bool,
    pub startletter: bool,
    pub email_auto_complete: bool,
}

/// A search term as a `LIKE` pattern: OX wildcards translate; a term without wildcards
/// matches as a prefix.
fn search_like(term: &str) -> String {
    let mut p = oxbow_store::db::like_pattern(term.trim());
    if !p.ends_with('%') {
        p.push('%');
    }
    p
}

pub async fn search_users(db: &Db, cid: i64, q: &UserSearch) -> OxResult<Vec<User>> {
    let mut found = if let Some(pattern) = q.pattern.as_deref() {
        if q.startletter {
            users::search(db, cid, &["sur_name"], &[search_like(pattern)], true).await?
        } else {
            let like = search_like(pattern);
            let cols = ["display_name", "given_name", "sur_name", "email"];
            users::search(db, cid, &cols, &vec![like; cols.len()], true).await?
        }
    } else {
        let mut cols = Vec::new();
        let mut likes = Vec::new();
        for (col, term) in [("display_name", &q.display_name), ("given_name", &q.first_name), ("sur_name", &q.last_name)] {
            if let Some(t) = term {
                cols.push(col);
                likes.push(search_like(t));
            }
        }
        let any = q.or_search || q.email_auto_complete;
        if q.email_auto_complete {
            if let Some(t) = q.display_name.as_ref().or(q.first_name.as_ref()).or(q.last_name.as_ref()) {
                cols.push("email");
                likes.push(search_like(t));
            }
        }
        users::search(db, cid, &cols, &likes, any).await?
    };
    if q.email_auto_complete {
        found.retain(|u| !u.email.is_empty());
    }
    Ok(found)
}

/// Changes a user may make to an account (reference: `user?action=update`).
#[derive(Debug, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub timezone: Option<String>,
    pub locale: Option<String>,
}

impl UserChanges {
    /// Read the changed fields of a request body; fields oxbow does not store for an
    /// account are refused by name instead of being dropped silently.
    pub fn from_json(body: &Map<String, Value>) -> OxResult<UserChanges> {
        let mut c = UserChanges::default();
        for (k, v) in body {
            let text = || -> OxResult<String> {
                match v {
                    Value::String(s) if s.chars().count() <= MAX_TEXT => Ok(s.clone()),
                    Value::String(_) => Err(codes::SVL_INVALID_FIELD.with([k.as_str(), "too long"])),
                    _ => Err(codes::SVL_INVALID_FIELD.with([k.as_str(), "expected a string"])),
                }
            };
            match k.as_str() {
                "display_name" => c.display_name = Some(text()?),
                "first_name" => c.first_name = Some(text()?),
                "last_name" => c.last_name = Some(text()?),
                "timezone" => {
                    let tz = text()?;
                    if oxbow_core::time::parse_tz(&tz).is_none() {
                        return Err(codes::SVL_INVALID_FIELD.with(["timezone", &tz]));
                    }
                    c.timezone = Some(tz);
                }
                "locale" => {
                    let l = text()?;
                    if !valid_locale(&l) {
                        return Err(codes::SVL_INVALID_FIELD.with(["locale", &l]));
                    }
                    c.locale = Some(l);
                }
                // Read-only identity fields clients echo back unchanged.
                "id" | "user_id" | "folder_id" | "last_modified" | "last_modified_utc" => {}
                other => {
                    return Err(codes::SVL_INVALID_FIELD.with([other, "this field cannot be changed through the user module"]))
                }
            }
        }
        if c.display_name.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(codes::SVL_INVALID_FIELD.with(["display_name", "must not be empty"]));
        }
        Ok(c)
    }
}

/// `en`, `de_DE`, `en_US_POSIX`-style locale names.
pub fn valid_locale(l: &str) -> bool {
    let mut parts = l.split('_');
    let lang = parts.next().unwrap_or("");
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && l.len() <= 32
}

/// Apply `changes` to user `id`. Only the user or a context admin may; `client_ts` older
/// than the account's last change is a conflict. Returns the new timestamp.
pub async fn update_user(db: &Db, s: &Session, id: i64, client_ts: i64, changes: UserChanges) -> OxResult<i64> {
    if id != s.user_id && !is_context_admin(db, s).await? {
        // Do not reveal whether the other account exists beyond what `get` shows anyway.
        return Err(codes::USR_NO_PERMISSION.err());
    }
    let mut tx = db.begin().await?;
    let mut u = users::get(&mut tx, s.cid, id).await?.ok_or_else(|| codes::USR_NOT_FOUND.with([id, s.cid]))?;
    if client_ts < u.last_modified {
        // A user's personal data is its address-book contact: a stale update is the contact conflict.
        return Err(codes::CON_CONFLICT.err());
    }
    if let Some(v) = changes.display_name {
        u.display_name = v;
    }
    if let Some(v) = changes.first_name {
        u.given_name = v;
    }
    if let Some(v) = changes.last_name {
        u.sur_name = v;
    }
    if let Some(v) = changes.timezone {
        u.timezone = v;
    }
    if let Some(v) = changes.locale {
        u.locale = v;
    }
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    u.last_modified = ts;
    users::update(&mut tx, &u).await?;
    crate::contacts::gab::sync_user_contact(&mut tx, &u).await?;
    tx.commit().await?;
    Ok(ts)
}

/// Attribute names: short, printable, no spaces.
pub fn valid_attribute_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'))
}

// ---------------------------------------------------------------------------------------
// Tombstones of directory objects (for `updates`)

async fn record_deletion(ex: impl Executor, cid: i64, module: &str, id: i64, by: i64, ts: i64) -> OxResult<()> {
    let mut ex = ex;
    execute!(
        ex,
        "INSERT INTO tombstones (cid, module, folder_id, object_id, deleted_by, last_modified) VALUES ($1, $2, '', $3, $4, $5)",
        cid,
        module.to_string(),
        id.to_string(),
        by,
        ts
    )?;
    Ok(())
}

/// Ids of `module` objects deleted after `since`, with their deletion timestamps.
pub async fn deleted_since(db: &Db, cid: i64, module: &str, since: i64) -> OxResult<Vec<(i64, i64)>> {
    let rows: Vec<(String, i64)> = fetch_all!(
        db,
        (String, i64),
        "SELECT object_id, last_modified FROM tombstones WHERE cid = $1 AND module = $2 AND last_modified > $3 ORDER BY last_modified",
        cid,
        module.to_string(),
        since
    )?;
    Ok(rows.into_iter().filter_map(|(id, ts)| id.parse().ok().map(|id| (id, ts))).collect())
}

// ---------------------------------------------------------------------------------------
// Groups

pub struct GroupData {
    pub row: GroupRow,
    pub members: Vec<i64>,
}

pub fn group_object(g: &GroupData, tz: Tz) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(g.row.id));
    m.insert("display_name".into(), json!(g.row.display_name));
    m.insert("name".into(), json!(g.row.name));
    m.insert("members".into(), json!(g.members));
    m.insert("last_modified".into(), json!(to_wire_time(g.row.last_modified, tz)));
    m.insert("last_modified_utc".into(), json!(g.row.last_modified));
    m
}

/// Group 0: every user of the context.
async fn all_users_group(db: &Db, cid: i64) -> OxResult<GroupData> {
    let members: Vec<i64> = users::list(db, cid).await?.into_iter().map(|u| u.id).collect();
    Ok(GroupData {
        row: GroupRow { cid, id: ALL_USERS_GROUP, name: "users".into(), display_name: ALL_USERS_NAME.into(), created: 0, last_modified: 0 },
        members,
    })
}

async fn with_members(db: &Db, cid: i64, rows: Vec<GroupRow>) -> OxResult<Vec<GroupData>> {
    let pairs = groups::all_members(db, cid).await?;
    let mut by_group: HashMap<i64, Vec<i64>> = HashMap::new();
    for (g, u) in pairs {
        by_group.entry(g).or_default().push(u);
    }
    Ok(rows.into_iter().map(|row| GroupData { members: by_group.remove(&row.id).unwrap_or_default(), row }).collect())
}

/// Every group of the context, group 0 first.
pub async fn all_groups(db: &Db, cid: i64) -> OxResult<Vec<GroupData>> {
    let mut out = vec![all_users_group(db, cid).await?];
    out.extend(with_members(db, cid, groups::list(db, cid).await?).await?);
    Ok(out)
}

pub async fn get_group(db: &Db, cid: i64, id: i64) -> OxResult<GroupData> {
    if id == ALL_USERS_GROUP {
        return all_users_group(db, cid).await;
    }
    let row = groups::get(db, cid, id).await?.ok_or_else(|| codes::GRP_NOT_FOUND.with([id]))?;
    let members = groups::members(db, cid, id).await?;
    Ok(GroupData { row, members })
}

pub async fn search_groups(db: &Db, cid: i64, pattern: &str) -> OxResult<Vec<GroupData>> {
    let like = search_like(pattern);
    let mut out = Vec::new();
    let all = all_users_group(db, cid).await?;
    if like_matches(&like, &all.row.display_name) || like_matches(&like, &all.row.name) {
        out.push(all);
    }
    out.extend(with_members(db, cid, groups::search(db, cid, &like).await?).await?);
    Ok(out)
}

/// In-process evaluation of a `LIKE` pattern (for the virtual group 0 only).
fn like_matches(pattern: &str, value: &str) -> bool {
    fn go(p: &[char], v: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('%', rest)) => (0..=v.len()).any(|i| go(rest, &v[i..])),
            Some(('_', rest)) => !v.is_empty() && go(rest, &v[1..]),
            Some(('\\', rest)) => match rest.split_first() {
                Some((c, rest2)) => v.first() == Some(c) && go(rest2, &v[1..]),
                None => false,
            },
            Some((c, rest)) => v.first() == Some(c) && go(rest, &v[1..]),
        }
    }
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    go(&p, &v)
}

pub async fn groups_modified_since(db: &Db, cid: i64, since: i64) -> OxResult<Vec<GroupData>> {
    with_members(db, cid, groups::modified_since(db, cid, since).await?).await
}

/// Group names: letters, digits and `._-@`, like OX's "simple name".
pub fn valid_simple_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 128 && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// The fields of a group body (`new` / `update`).
#[derive(Debug, Default)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub members: Option<Vec<i64>>,
}

impl GroupChanges {
    pub fn from_json(body: &Map<String, Value>) -> OxResult<GroupChanges> {
        let mut c = GroupChanges::default();
        for (k, v) in body {
            match k.as_str() {
                "name" | "display_name" => {
                    let s = v.as_str().ok_or_else(|| codes::GRP_INVALID_DATA.with([k.as_str()]))?;
                    if s.chars().count() > MAX_TEXT {
                        return Err(codes::GRP_INVALID_DATA.with([k.as_str()]));
                    }
                    if k == "name" {
                        c.name = Some(s.to_string());
                    } else {
                        c.display_name = Some(s.to_string());
                    }
                }
                "members" => {
                    let arr = v.as_array().ok_or_else(|| codes::GRP_INVALID_DATA.with(["members"]))?;
                    let mut ids = Vec::with_capacity(arr.len());
                    for m in arr {
                        let id = id_value(m).ok_or_else(|| codes::GRP_INVALID_DATA.with(["members"]))?;
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    c.members = Some(ids);
                }
                "id" | "last_modified" | "last_modified_utc" => {}
                other => return Err(codes::GRP_INVALID_DATA.with([other])),
            }
        }
        Ok(c)
    }
}

/// An object id sent as number or numeric string.
pub fn id_value(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

async fn check_members(tx: &mut oxbow_store::Tx, cid: i64, members: &[i64]) -> OxResult<()> {
    for m in members {
        if users::get(&mut *tx, cid, *m).await?.is_none() {
            return Err(codes::GRP_MEMBER_NOT_FOUND.with([m]));
        }
    }
    Ok(())
}

async fn check_group_names(tx: &mut oxbow_store::Tx, cid: i64, id: i64, name: &str, display_name: &str) -> OxResult<()> {
    if !valid_simple_name(name) {
        return Err(codes::GRP_INVALID_NAME.with([name]));
    }
    if display_name.trim().is_empty() {
        return Err(codes::GRP_MANDATORY_MISSING.with(["display_name"]));
    }
    if display_name.eq_ignore_ascii_case(ALL_USERS_NAME) || name == "users" {
        return Err(codes::GRP_DUPLICATE.with([name]));
    }
    if let Some(other) = groups::by_name(&mut *tx, cid, name).await? {
        if other.id != id {
            return Err(codes::GRP_DUPLICATE.with([name]));
        }
    }
    Ok(())
}

/// Create a group (administrators only, checked by the caller through `require_admin`).
pub async fn create_group(db: &Db, cid: i64, c: GroupChanges) -> OxResult<(i64, i64)> {
    let name = c.name.ok_or_else(|| codes::GRP_MANDATORY_MISSING.with(["name"]))?;
    let display_name = c.display_name.unwrap_or_else(|| name.clone());
    let members = c.members.unwrap_or_default();
    let mut tx = db.begin().await?;
    check_group_names(&mut tx, cid, -1, &name, &display_name).await?;
    check_members(&mut tx, cid, &members).await?;
    let id = ids::next_id(&mut tx, cid, "group", 2).await?;
    let ts = ids::next_timestamp(&mut tx, cid).await?;
    groups::insert(&mut tx, &GroupRow { cid, id, name, display_name, created: ts, last_modified: ts }).await?;
    groups::set_members(&mut tx, cid, id, &members).await?;
    tx.commit().await?;
    Ok((id, ts))
}

pub async fn update_group(db: &Db, cid: i64, id: i64, client_ts: Option<i64>, c: GroupChanges) -> OxResult<i64> {
    if id == ALL_USERS_GROUP {
        return Err(codes::GRP_CANNOT_CHANGE.with([ALL_USERS_NAME]));
    }
    let mut tx = db.begin().await?;
    let mut row = groups::get(&mut tx, cid, id).await?.ok_or_else(|| codes::GRP_NOT_FOUND.with([id]))?;
    if client_ts.is_some_and(|t| t < row.last_modified) {
        return Err(codes::GRP_CONFLICT.err());
    }
    if let Some(n) = c.name {
        row.name = n;
    }
    if let Some(d) = c.display_name {
        row.display_name = d;
    }
    check_group_names(&mut tx, cid, id, &row.name, &row.display_name).await?;
    if let Some(m) = &c.members {
        check_members(&mut tx, cid, m).await?;
        groups::set_members(&mut tx, cid, id, m).await?;
    }
    let ts = ids::next_timestamp(&mut tx, cid).await?;
    row.last_modified = ts;
    groups::update(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(ts)
}

/// Add or remove one member (admin CLI); returns whether anything changed.
pub async fn change_group_member(db: &Db, cid: i64, group: i64, user: i64, add: bool) -> OxResult<bool> {
    let mut tx = db.begin().await?;
    groups::get(&mut tx, cid, group).await?.ok_or_else(|| codes::GRP_NOT_FOUND.with([group]))?;
    if users::get(&mut tx, cid, user).await?.is_none() {
        return Err(codes::USR_NOT_FOUND.with([user, cid]));
    }
    let changed = if add {
        groups::add_member(&mut tx, cid, group, user).await?
    } else {
        groups::remove_member(&mut tx, cid, group, user).await?
    };
    if changed {
        let ts = ids::next_timestamp(&mut tx, cid).await?;
        groups::touch(&mut tx, cid, group, ts).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

pub async fn delete_group(db: &Db, cid: i64, id: i64, client_ts: Option<i64>, by: i64) -> OxResult<i64> {
    if id == ALL_USERS_GROUP {
        return Err(codes::GRP_CANNOT_DELETE.with([ALL_USERS_NAME]));
    }
    let mut tx = db.begin().await?;
    let row = groups::get(&mut tx, cid, id).await?.ok_or_else(|| codes::GRP_NOT_FOUND.with([id]))?;
    if client_ts.is_some_and(|t| t < row.last_modified) {
        return Err(codes::GRP_CONFLICT.err());
    }
    let ts = ids::next_timestamp(&mut tx, cid).await?;
    // Folder permissions granted to the group go with it.
    execute!(tx, "DELETE FROM folder_permissions WHERE cid = $1 AND entity = $2 AND is_group = TRUE", cid, id)?;
    groups::delete(&mut tx, cid, id).await?;
    record_deletion(&mut tx, cid, "group", id, by, ts).await?;
    tx.commit().await?;
    Ok(ts)
}

// ---------------------------------------------------------------------------------------
// Resources

pub fn resource_object(r: &ResourceRow, tz: Tz) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.id));
    m.insert("name".into(), json!(r.name));
    m.insert("display_name".into(), json!(r.display_name));
    m.insert("mailaddress".into(), json!(r.mail));
    m.insert("description".into(), json!(r.description));
    m.insert("availability".into(), json!(r.available));
    m.insert("last_modified".into(), json!(to_wire_time(r.last_modified, tz)));
    m.insert("last_modified_utc".into(), json!(r.last_modified));
    m
}

pub async fn get_resource(db: &Db, cid: i64, id: i64) -> OxResult<ResourceRow> {
    resources::get(db, cid, id).await?.ok_or_else(|| codes::RES_NOT_FOUND.with([id]))
}

pub async fn search_resources(db: &Db, cid: i64, pattern: &str) -> OxResult<Vec<ResourceRow>> {
    resources::search(db, cid, &search_like(pattern)).await
}

#[derive(Debug, Default)]
pub struct ResourceChanges {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub description: Option<String>,
    pub available: Option<bool>,
}

impl ResourceChanges {
    pub fn from_json(body: &Map<String, Value>) -> OxResult<ResourceChanges> {
        let mut c = ResourceChanges::default();
        for (k, v) in body {
            let text = |limit: usize| -> OxResult<String> {
                match v {
                    Value::String(s) if s.chars().count() <= limit => Ok(s.clone()),
                    _ => Err(codes::SVL_INVALID_FIELD.with([k.as_str(), "expected a string of limited length"])),
                }
            };
            match k.as_str() {
                "name" => c.name = Some(text(128)?),
                "display_name" => c.display_name = Some(text(MAX_TEXT)?),
                "mailaddress" => c.mail = Some(text(MAX_TEXT)?),
                "description" => c.description = Some(text(4000)?),
                "availability" => {
                    c.available = Some(v.as_bool().ok_or_else(|| codes::SVL_INVALID_FIELD.with(["availability", "expected a boolean"]))?)
                }
                "id" | "last_modified" | "last_modified_utc" => {}
                other => return Err(codes::SVL_INVALID_FIELD.with([other, "unknown resource field"])),
            }
        }
        Ok(c)
    }
}

/// A plausible single mail address (local@domain with a dot-free-of-spaces domain).
pub fn valid_mail(mail: &str) -> bool {
    match mail.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !mail.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

async fn check_resource(tx: &mut oxbow_store::Tx, r: &ResourceRow) -> OxResult<()> {
    if !valid_simple_name(&r.name) {
        return Err(codes::RES_INVALID_NAME.with([&r.name]));
    }
    if r.display_name.trim().is_empty() {
        return Err(codes::RES_MANDATORY_MISSING.with(["display_name"]));
    }
    if r.mail.is_empty() {
        return Err(codes::RES_MANDATORY_MISSING.with(["mailaddress"]));
    }
    if !valid_mail(&r.mail) {
        return Err(codes::RES_INVALID_MAIL.with([&r.mail]));
    }
    if let Some(other) = resources::by_name(&mut *tx, r.cid, &r.name).await? {
        if other.id != r.id {
            return Err(codes::RES_DUPLICATE.with([&r.name]));
        }
    }
    let same_mail: Vec<(i64,)> = fetch_all!(
        tx,
        (i64,),
        "SELECT id FROM resources WHERE cid = $1 AND LOWER(mail) = LOWER($2) AND id <> $3",
        r.cid,
        r.mail.clone(),
        r.id
    )?;
    if !same_mail.is_empty() {
        return Err(codes::RES_DUPLICATE_MAIL.with([&r.mail]));
    }
    Ok(())
}

pub async fn create_resource(db: &Db, cid: i64, c: ResourceChanges) -> OxResult<(i64, i64)> {
    let name = c.name.ok_or_else(|| codes::RES_MANDATORY_MISSING.with(["name"]))?;
    let mut tx = db.begin().await?;
    let id = ids::next_id(&mut tx, cid, "resource", 1).await?;
    let ts = ids::next_timestamp(&mut tx, cid).await?;
    let row = ResourceRow {
        cid,
        id,
        display_name: c.display_name.unwrap_or_else(|| name.clone()),
        name,
        mail: c.mail.unwrap_or_default(),
        description: c.description.unwrap_or_default(),
        available: c.available.unwrap_or(true),
        created: ts,
        last_modified: ts,
    };
    check_resource(&mut tx, &row).await?;
    resources::insert(&mut tx, &row).await?;
    tx.commit().await?;
    Ok((id, ts))
}

pub async fn update_resource(db: &Db, cid: i64, id: i64, client_ts: Option<i64>, c: ResourceChanges) -> OxResult<i64> {
    let mut tx = db.begin().await?;
    let mut row = resources::get(&mut tx, cid, id).await?.ok_or_else(|| codes::RES_NOT_FOUND.with([id]))?;
    if client_ts.is_some_and(|t| t < row.last_modified) {
        return Err(codes::RES_CONFLICT.with([id]));
    }
    if let Some(v) = c.name {
        row.name = v;
    }
    if let Some(v) = c.display_name {
        row.display_name = v;
    }
    if let Some(v) = c.mail {
        row.mail = v;
    }
    if let Some(v) = c.description {
        row.description = v;
    }
    if let Some(v) = c.available {
        row.available = v;
    }
    check_resource(&mut tx, &row).await?;
    let ts = ids::next_timestamp(&mut tx, cid).await?;
    row.last_modified = ts;
    resources::update(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(ts)
}

/// Delete several resources in one transaction: all or none.
pub async fn delete_resources(db: &Db, cid: i64, ids_to_delete: &[i64], client_ts: Option<i64>, by: i64) -> OxResult<i64> {
    let mut tx = db.begin().await?;
    let ts = ids::next_timestamp(&mut tx, cid).await?;
    for id in ids_to_delete {
        let row = resources::get(&mut tx, cid, *id).await?.ok_or_else(|| codes::RES_NOT_FOUND.with([id]))?;
        if client_ts.is_some_and(|t| t < row.last_modified) {
            return Err(codes::RES_CONFLICT.with([id]));
        }
        resources::delete(&mut tx, cid, *id).await?;
        record_deletion(&mut tx, cid, "resource", *id, by, ts).await?;
    }
    tx.commit().await?;
    Ok(ts)
}

