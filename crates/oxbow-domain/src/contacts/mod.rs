//! The contacts service: address books in the folder tree, the global address book with
//! one entry per user, distribution lists, pictures, searches and import/export formats.
//! Every access goes through the folder permission check; multi-row writes run in one
//! transaction.

pub mod csv;
pub mod gab;
pub mod model;
pub mod query;
pub mod search;
pub mod vcard;

use crate::folders::{self, FolderAccess, GLOBAL_ADDRESS_BOOK};
use crate::sessions::Session;
use model::{Changes, ImageChange, Member};
use oxbow_core::codes;
use oxbow_core::columns::contacts::{self as fields, ContactField};
use oxbow_core::{OxError, OxResult};
use oxbow_store::contacts::{self as store, Arg};
use oxbow_store::{ids, Db, Executor, Tx};
use query::Sql;
use serde_json::{Map, Value};

/// The folder with the caller's rights: CON-0104 when invisible, CON-0103 when it holds no contacts.
pub async fn folder_access(db: &Db, s: &Session, folder_id: i64) -> OxResult<FolderAccess> {
    let acc = folders::access(db, s, folder_id).await?.ok_or_else(|| codes::CON_NO_FOLDER_ACCESS.with([folder_id]))?;
    if acc.folder.module != "contacts" {
        return Err(codes::CON_NOT_CONTACT_FOLDER.with([folder_id]));
    }
    Ok(acc)
}

/// Whether the caller may read this stored row in a folder with `acc` rights.
fn readable(acc: &FolderAccess, s: &Session, row: &Map<String, Value>) -> bool {
    let creator = row.get("created_by").and_then(Value::as_i64).unwrap_or(0);
    let private = row.get("private_flag").and_then(Value::as_bool).unwrap_or(false);
    acc.rights.can_read(s.user_id, creator) && (!private || creator == s.user_id)
}

fn creator(row: &Map<String, Value>) -> i64 {
    row.get("created_by").and_then(Value::as_i64).unwrap_or(0)
}

fn row_ts(row: &Map<String, Value>) -> i64 {
    row.get("last_modified_utc").and_then(Value::as_i64).unwrap_or(0)
}

/// One stored row by id (no permission check).
async fn load(ex: impl Executor, cid: i64, id: i64, wanted: &[&'static ContactField]) -> OxResult<Option<Map<String, Value>>> {
    let mut sql = Sql::default();
    let p = sql.bind(Arg::Int(Some(id)));
    Ok(query::fetch(ex, cid, wanted, sql, &format!("id = {p}"), "").await?.into_iter().next())
}

/// A contact the caller may read, as stored; CON-0125 otherwise.
async fn load_readable(db: &Db, s: &Session, folder_id: i64, id: i64, wanted: &[&'static ContactField]) -> OxResult<(FolderAccess, Map<String, Value>)> {
    let acc = folder_access(db, s, folder_id).await?;
    let row = load(db, s.cid, id, wanted).await?.ok_or_else(|| codes::CON_NOT_FOUND.with([id, folder_id]))?;
    if row.get("folder_id").and_then(Value::as_i64) != Some(folder_id) {
        return Err(codes::CON_NOT_FOUND.with([id, folder_id]));
    }
    if !readable(&acc, s, &row) {
        return Err(codes::CON_NO_FOLDER_ACCESS.with([folder_id]));
    }
    Ok((acc, row))
}

/// Finish rows for the wire: time zone, derived fields, distribution lists.
pub async fn finish(db: &Db, s: &Session, rows: &mut [Map<String, Value>], tz: chrono_tz::Tz) -> OxResult<()> {
    for r in rows.iter_mut() {
        query::to_wire(r, tz);
    }
    if rows.iter().any(|r| r.get("distribution_list").is_some_and(|v| !v.is_null())) {
        query::resolve_lists(db, s, rows).await?;
    } else {
        for r in rows.iter_mut() {
            if r.contains_key("distribution_list") {
                r.insert("number_of_distribution_list".into(), Value::from(0));
            }
        }
    }
    Ok(())
}

/// `get`: the full contact.
pub async fn get(db: &Db, s: &Session, folder_id: i64, id: i64, tz: chrono_tz::Tz) -> OxResult<Map<String, Value>> {
    let (_, row) = load_readable(db, s, folder_id, id, &query::all_fields()).await?;
    let mut rows = vec![row];
    finish(db, s, &mut rows, tz).await?;
    Ok(rows.pop().unwrap_or_default())
}

/// `list`: the named contacts, in request order.
pub async fn list(db: &Db, s: &Session, items: &[(i64, i64)], wanted: &[&'static ContactField], tz: chrono_tz::Tz) -> OxResult<Vec<Map<String, Value>>> {
    let mut out = Vec::with_capacity(items.len());
    let mut access: std::collections::HashMap<i64, FolderAccess> = std::collections::HashMap::new();
    for (folder_id, id) in items {
        let acc = match access.get(folder_id) {
            Some(a) => a.clone(),
            None => {
                let a = folder_access(db, s, *folder_id).await?;
                access.insert(*folder_id, a.clone());
                a
            }
        };
        let row = load(db, s.cid, *id, wanted).await?.ok_or_else(|| codes::CON_NOT_FOUND.with([*id, *folder_id]))?;
        if row.get("folder_id").and_then(Value::as_i64) != Some(*folder_id) {
            return Err(codes::CON_NOT_FOUND.with([*id, *folder_id]));
        }
        if !readable(&acc, s, &row) {
            return Err(codes::CON_NO_FOLDER_ACCESS.with([*folder_id]));
        }
        out.push(row);
    }
    finish(db, s, &mut out, tz).await?;
    Ok(out)
}

/// `all`: every readable contact of a folder.
pub async fn all(db: &Db, s: &Session, folder_id: i64, wanted: &[&'static ContactField], tz: chrono_tz::Tz) -> OxResult<Vec<Map<String, Value>>> {
    let acc = folder_access(db, s, folder_id).await?;
    if !acc.rights.can_read_any() {
        return Err(codes::CON_NO_FOLDER_ACCESS.with([folder_id]));
    }
    let mut sql = Sql::default();
    let filter = query::permission_filter(&mut sql, s, std::slice::from_ref(&acc));
    let mut rows = query::fetch(db, s.cid, wanted, sql, &filter, "").await?;
    finish(db, s, &mut rows, tz).await?;
    Ok(rows)
}

/// `updates`: contacts changed after `since`, and ids deleted after it.
pub async fn updates(
    db: &Db,
    s: &Session,
    folder_id: i64,
    since: i64,
    wanted: &[&'static ContactField],
    tz: chrono_tz::Tz,
) -> OxResult<(Vec<Map<String, Value>>, Vec<(Value, i64)>)> {
    let acc = folder_access(db, s, folder_id).await?;
    if !acc.rights.can_read_any() {
        return Err(codes::CON_NO_FOLDER_ACCESS.with([folder_id]));
    }
    let mut sql = Sql::default();
    let filter = query::permission_filter(&mut sql, s, std::slice::from_ref(&acc));
    let t = sql.bind(Arg::Int(Some(since)));
    let mut rows = query::fetch(db, s.cid, wanted, sql, &format!("{filter} AND last_modified > {t}"), "").await?;
    finish(db, s, &mut rows, tz).await?;
    let deleted = store::tombstones_since(db, s.cid, folder_id, since)
        .await?
        .into_iter()
        .map(|(id, ts)| (id.parse::<i64>().map(Value::from).unwrap_or(Value::from(id)), ts))
        .collect();
    Ok((rows, deleted))
}

/// Contacts matching `filter` (already bound into `sql`) in the given folders.
pub async fn find(
    db: &Db,
    s: &Session,
    folders: &[FolderAccess],
    mut sql: Sql,
    filter: &str,
    wanted: &[&'static ContactField],
    tz: chrono_tz::Tz,
) -> OxResult<Vec<Map<String, Value>>> {
    let perm = query::permission_filter(&mut sql, s, folders);
    let mut rows = query::fetch(db, s.cid, wanted, sql, &format!("({perm}) AND ({filter})"), "").await?;
    finish(db, s, &mut rows, tz).await?;
    Ok(rows)
}

/// The folders a search runs over: the named ones, or every visible contact folder.
pub async fn search_folders(db: &Db, s: &Session, requested: Option<Vec<i64>>) -> OxResult<Vec<FolderAccess>> {
    match requested {
        Some(list) if !list.is_empty() => {
            let mut out = Vec::with_capacity(list.len());
            for f in list {
                out.push(folder_access(db, s, f).await?);
            }
            Ok(out)
        }
        _ => folders::visible_folders(db, s, "contacts").await,
    }
}

/// Check members that reference contacts: they must exist and be readable. Their folder
/// and current name/address are filled in.
async fn check_members(db: &Db, s: &Session, members: &mut [Member]) -> OxResult<()> {
    let wanted: Vec<&'static ContactField> = ["display_name", "email1", "email2", "email3"].iter().filter_map(|n| fields::by_name(n)).collect();
    for m in members.iter_mut() {
        let Some(id) = m.id else { continue };
        let folder = match m.folder_id {
            Some(f) => f,
            None => load(db, s.cid, id, &wanted)
                .await?
                .and_then(|r| r.get("folder_id").and_then(Value::as_i64))
                .ok_or_else(|| codes::CON_NOT_FOUND.with([id, 0]))?,
        };
        let (_, row) = load_readable(db, s, folder, id, &wanted).await?;
        m.folder_id = Some(folder);
        if m.display_name.is_none() {
            m.display_name = row.get("display_name").and_then(Value::as_str).map(str::to_string);
        }
        let key = match m.mail_field {
            2 => "email2",
            3 => "email3",
            _ => "email1",
        };
        if let Some(mail) = row.get(key).and_then(Value::as_str) {
            m.mail = Some(mail.to_string());
        }
    }
    Ok(())
}

fn check_private(acc: &FolderAccess, changes: &Changes) -> OxResult<()> {
    if acc.folder.kind == folders::TYPE_PUBLIC && matches!(changes.get("private_flag"), Some(Arg::Bool(true))) {
        return Err(codes::CON_PRIVATE_IN_PUBLIC.err());
    }
    Ok(())
}

/// Column/value pairs for an INSERT or UPDATE from validated changes.
fn write_values(changes: &Changes) -> Vec<(&'static str, Arg)> {
    let mut out: Vec<(&'static str, Arg)> = changes.values.iter().filter_map(|(f, a)| f.column.map(|c| (c, a.clone()))).collect();
    if let Some(members) = &changes.members {
        out.retain(|(c, _)| *c != "distribution_list");
        out.push(("distribution_list", Arg::Text(if members.is_empty() { None } else { Some(model::members_to_json(members)) })));
        if !out.iter().any(|(c, _)| *c == "mark_as_distributionlist") {
            out.push(("mark_as_distributionlist", Arg::Bool(!members.is_empty())));
        }
    }
    out
}

/// Insert a validated contact inside `tx`. Returns its id.
pub async fn insert(tx: &mut Tx, cid: i64, folder_id: i64, user: i64, ts: i64, changes: &Changes, user_id: Option<i64>) -> OxResult<i64> {
    let id = ids::next_id(&mut *tx, cid, "contact", 1).await?;
    insert_with_id(tx, cid, id, folder_id, user, ts, changes, user_id).await
}

/// Reserve `n` consecutive contact ids (bulk imports); returns the first.
pub async fn reserve_ids(tx: &mut Tx, cid: i64, n: usize) -> OxResult<i64> {
    let first = ids::next_id(&mut *tx, cid, "contact", 1).await?;
    if n > 1 {
        store::execute_args(
            &mut *tx,
            "UPDATE sequences SET value = value + $1 WHERE cid = $2 AND name = 'contact'",
            &[Arg::Int(Some(n as i64 - 1)), Arg::Int(Some(cid))],
        )
        .await?;
    }
    Ok(first)
}

/// Insert a validated contact with an id reserved beforehand.
#[allow(clippy::too_many_arguments)]
pub async fn insert_with_id(tx: &mut Tx, cid: i64, id: i64, folder_id: i64, user: i64, ts: i64, changes: &Changes, user_id: Option<i64>) -> OxResult<i64> {
    let uid = changes.uid.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut cols: Vec<&str> = vec!["cid", "id", "folder_id", "created_by", "modified_by", "creation_date", "last_modified", "uid"];
    let mut args = vec![
        Arg::Int(Some(cid)),
        Arg::Int(Some(id)),
        Arg::Int(Some(folder_id)),
        Arg::Int(Some(user)),
        Arg::Int(Some(user)),
        Arg::Int(Some(ts)),
        Arg::Int(Some(ts)),
        Arg::Text(Some(uid)),
    ];
    if let Some(u) = user_id {
        cols.push("user_id");
        args.push(Arg::Int(Some(u)));
    }
    for (c, a) in write_values(changes) {
        if !cols.contains(&c) {
            cols.push(c);
            args.push(a);
        }
    }
    if let Some(ImageChange::Set { content_type, data }) = &changes.image {
        cols.push("image_content_type");
        args.push(Arg::Text(Some(content_type.clone())));
        cols.push("image_last_modified");
        args.push(Arg::Int(Some(ts)));
        store::put_image(&mut *tx, cid, id, content_type, data, ts).await?;
    }
    let placeholders: Vec<String> = (1..=args.len()).map(|i| format!("${i}")).collect();
    let sql = format!("INSERT INTO contacts ({}) VALUES ({})", cols.join(", "), placeholders.join(", "));
    store::execute_args(&mut *tx, &sql, &args).await?;
    Ok(id)
}

/// Complete a new contact's data before insert: display name, member references.
pub async fn prepare_new(db: &Db, s: &Session, changes: &mut Changes) -> OxResult<()> {
    if changes.text("display_name").is_none() {
        if let Some(name) = model::derive_display_name(changes) {
            let max = 320;
            let name: String = name.chars().take(max).collect();
            changes.set("display_name", Arg::Text(Some(name)));
        }
    }
    if let Some(members) = changes.members.as_mut() {
        check_members(db, s, members).await?;
    }
    Ok(())
}

/// `new`: create a contact in `folder_id`. Returns (id, timestamp).
pub async fn create(db: &Db, s: &Session, folder_id: i64, mut changes: Changes) -> OxResult<(i64, i64)> {
    let acc = folder_access(db, s, folder_id).await?;
    if !acc.rights.can_create_objects() || folder_id == GLOBAL_ADDRESS_BOOK {
        return Err(codes::CON_NO_CREATE_PERMISSION.with([folder_id]));
    }
    check_private(&acc, &changes)?;
    prepare_new(db, s, &mut changes).await?;
    let mut tx = db.begin().await?;
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    let id = insert(&mut tx, s.cid, folder_id, s.user_id, ts, &changes, None).await?;
    tx.commit().await?;
    Ok((id, ts))
}

/// `update`: change a contact (and maybe move it to `changes.folder_id`). Returns the new timestamp.
pub async fn update(db: &Db, s: &Session, folder_id: i64, id: i64, client_ts: Option<i64>, mut changes: Changes) -> OxResult<i64> {
    let base: Vec<&'static ContactField> = Vec::new();
    let (acc, row) = load_readable(db, s, folder_id, id, &base).await?;
    if !acc.rights.can_write(s.user_id, creator(&row)) {
        return Err(codes::CON_NO_WRITE_PERMISSION.with([folder_id]));
    }
    let is_user_contact = row.get("user_id").is_some_and(|v| !v.is_null());
    let mut target = acc.clone();
    if let Some(to) = changes.folder_id.filter(|f| *f != folder_id) {
        if is_user_contact {
            return Err(codes::CON_NO_WRITE_PERMISSION.with([folder_id]));
        }
        if !acc.rights.can_delete(s.user_id, creator(&row)) {
            return Err(codes::CON_NO_DELETE_PERMISSION.with([folder_id]));
        }
        target = folder_access(db, s, to).await?;
        if !target.rights.can_create_objects() || to == GLOBAL_ADDRESS_BOOK {
            return Err(codes::CON_NO_CREATE_PERMISSION.with([to]));
        }
    }
    check_private(&target, &changes)?;
    if is_user_contact {
        // A user's own entry may be edited, but its link to the account stays.
        changes.values.retain(|(f, _)| f.name != "email1" && f.name != "private_flag");
    }
    if let Some(members) = changes.members.as_mut() {
        check_members(db, s, members).await?;
    }
    let mut tx = db.begin().await?;
    // Re-read inside the transaction so the conflict check and the write see the same row.
    let current = load(&mut tx, s.cid, id, &base).await?.ok_or_else(|| codes::CON_NOT_FOUND.with([id, folder_id]))?;
    if current.get("folder_id").and_then(Value::as_i64) != Some(folder_id) {
        return Err(codes::CON_NOT_FOUND.with([id, folder_id]));
    }
    if let Some(ts) = client_ts {
        if ts < row_ts(&current) {
            return Err(codes::CON_CONFLICT.err());
        }
    }
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    let mut sets: Vec<String> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    let push = |col: &str, a: Arg, sets: &mut Vec<String>, args: &mut Vec<Arg>| {
        args.push(a);
        sets.push(format!("{col} = ${}", args.len()));
    };
    for (c, a) in write_values(&changes) {
        push(c, a, &mut sets, &mut args);
    }
    match &changes.image {
        Some(ImageChange::Set { content_type, data }) => {
            push("image_content_type", Arg::Text(Some(content_type.clone())), &mut sets, &mut args);
            push("image_last_modified", Arg::Int(Some(ts)), &mut sets, &mut args);
            store::put_image(&mut tx, s.cid, id, content_type, data, ts).await?;
        }
        Some(ImageChange::Remove) => {
            push("image_content_type", Arg::Text(None), &mut sets, &mut args);
            push("image_last_modified", Arg::Int(None), &mut sets, &mut args);
            store::delete_image(&mut tx, s.cid, id).await?;
        }
        None => {}
    }
    if target.folder.id != folder_id {
        push("folder_id", Arg::Int(Some(target.folder.id)), &mut sets, &mut args);
        store::add_tombstone(&mut tx, s.cid, folder_id, id, s.user_id, ts).await?;
    }
    push("modified_by", Arg::Int(Some(s.user_id)), &mut sets, &mut args);
    push("last_modified", Arg::Int(Some(ts)), &mut sets, &mut args);
    args.push(Arg::Int(Some(s.cid)));
    let c = args.len();
    args.push(Arg::Int(Some(id)));
    let i = args.len();
    let sql = format!("UPDATE contacts SET {} WHERE cid = ${c} AND id = ${i}", sets.join(", "));
    store::execute_args(&mut tx, &sql, &args).await?;
    tx.commit().await?;
    Ok(ts)
}

/// `delete`: remove contacts, all or nothing. Returns the timestamp of the deletion.
pub async fn delete(db: &Db, s: &Session, client_ts: i64, items: &[(i64, i64)]) -> OxResult<i64> {
    let base: Vec<&'static ContactField> = Vec::new();
    let mut checked = Vec::with_capacity(items.len());
    for (folder_id, id) in items {
        let (acc, row) = load_readable(db, s, *folder_id, *id, &base).await?;
        if row.get("user_id").is_some_and(|v| !v.is_null()) {
            return Err(codes::CON_GAB_DELETE.err());
        }
        if !acc.rights.can_delete(s.user_id, creator(&row)) {
            return Err(codes::CON_NO_DELETE_PERMISSION.with([*folder_id]));
        }
        checked.push((*folder_id, *id));
    }
    let mut tx = db.begin().await?;
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    for (folder_id, id) in checked {
        let current = load(&mut tx, s.cid, id, &base).await?.ok_or_else(|| codes::CON_NOT_FOUND.with([id, folder_id]))?;
        if row_ts(&current) > client_ts {
            return Err(codes::CON_CONFLICT.err());
        }
        store::delete_image(&mut tx, s.cid, id).await?;
        crate::infostore::attachments::delete_all_deferred(&mut tx, s.cid, crate::infostore::attachments::MODULE_CONTACT, id).await?;
        store::execute_args(&mut tx, "DELETE FROM contacts WHERE cid = $1 AND id = $2", &[Arg::Int(Some(s.cid)), Arg::Int(Some(id))]).await?;
        store::add_tombstone(&mut tx, s.cid, folder_id, id, s.user_id, ts).await?;
    }
    tx.commit().await?;
    Ok(ts)
}

/// The picture of a readable contact: (content type, bytes, last modified).
pub async fn picture(db: &Db, s: &Session, folder_id: i64, id: i64) -> OxResult<Option<(String, Vec<u8>, i64)>> {
    let base: Vec<&'static ContactField> = Vec::new();
    load_readable(db, s, folder_id, id, &base).await?;
    store::image(db, s.cid, id).await
}

/// A user's entry in the global address book (stored row).
pub async fn user_contact(db: &Db, s: &Session, user_id: i64, wanted: &[&'static ContactField]) -> OxResult<Map<String, Value>> {
    let acc = folder_access(db, s, GLOBAL_ADDRESS_BOOK).await?;
    let mut sql = Sql::default();
    let u = sql.bind(Arg::Int(Some(user_id)));
    let g = sql.bind(Arg::Int(Some(GLOBAL_ADDRESS_BOOK)));
    let row = query::fetch(db, s.cid, wanted, sql, &format!("user_id = {u} AND folder_id = {g}"), "")
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| codes::CON_NOT_FOUND.with([user_id, GLOBAL_ADDRESS_BOOK]))?;
    if !readable(&acc, s, &row) {
        return Err(codes::CON_NO_FOLDER_ACCESS.with([GLOBAL_ADDRESS_BOOK]));
    }
    Ok(row)
}

/// Contacts whose birthday (or anniversary) falls into `[start, end)` in any year.
pub async fn dates_in_range(
    db: &Db,
    s: &Session,
    field: &str,
    start: i64,
    end: i64,
    folder: Option<i64>,
    wanted: &[&'static ContactField],
    tz: chrono_tz::Tz,
) -> OxResult<Vec<Map<String, Value>>> {
    let folders = search_folders(db, s, folder.map(|f| vec![f])).await?;
    let mut with_field: Vec<&'static ContactField> = wanted.to_vec();
    let f = fields::by_name(field).ok_or_else(|| OxError::internal("unknown date field"))?;
    with_field.push(f);
    let sql = Sql::default();
    let rows = find(db, s, &folders, sql, &format!("{field} IS NOT NULL"), &with_field, tz).await?;
    Ok(rows.into_iter().filter(|r| r.get(field).and_then(Value::as_i64).is_some_and(|d| recurs_in(d, start, end))).collect())
}

/// Whether a yearly date (given as any year's UTC midnight) has an occurrence in `[start, end)`.
pub fn recurs_in(date_ms: i64, start: i64, end: i64) -> bool {
    use chrono::{Datelike, NaiveDate, TimeZone, Utc};
    if end <= start {
        return false;
    }
    let Some(d) = Utc.timestamp_millis_opt(date_ms).single() else { return false };
    let (Some(from), Some(to)) = (Utc.timestamp_millis_opt(start).single(), Utc.timestamp_millis_opt(end).single()) else { return false };
    if to.year() - from.year() > 2 {
        return true;
    }
    for year in from.year()..=to.year() {
        let day = NaiveDate::from_ymd_opt(year, d.month(), d.day()).or_else(|| NaiveDate::from_ymd_opt(year, d.month(), 28));
        if let Some(day) = day {
            let ms = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(i64::MIN);
            if ms >= start && ms < end {
                return true;
            }
        }
    }
    false
}

/// Delete the contacts of a folder that is being deleted or cleared (inside its transaction).
pub async fn delete_folder_contents(tx: &mut Tx, cid: i64, folder_id: i64, user: i64, ts: i64) -> OxResult<u64> {
    let ids: Vec<i64> = oxbow_store::fetch_scalars!(tx, i64, "SELECT id FROM contacts WHERE cid = $1 AND folder_id = $2", cid, folder_id)?;
    for id in &ids {
        store::add_tombstone(&mut *tx, cid, folder_id, *id, user, ts).await?;
        crate::infostore::attachments::delete_all_deferred(&mut *tx, cid, crate::infostore::attachments::MODULE_CONTACT, *id).await?;
    }
    store::delete_folder_contents(&mut *tx, cid, folder_id).await
}

#[cfg(test)]
mod tests {
    use super::recurs_in;

    const DAY: i64 = 86_400_000;

    #[test]
    fn yearly_dates_recur_across_year_ends() {
        let new_year_2000 = 946_684_800_000; // 2000-01-01
        let dec_20_2025 = 1_766_188_800_000;
        assert!(recurs_in(new_year_2000, dec_20_2025, dec_20_2025 + 20 * DAY));
        assert!(!recurs_in(new_year_2000, dec_20_2025, dec_20_2025 + 5 * DAY));
        assert!(!recurs_in(new_year_2000, dec_20_2025, dec_20_2025));
        // 29 February falls on the 28th in other years.
        let leap = 951_782_400_000; // 2000-02-29
        let feb_28_2025 = 1_740_700_800_000;
        assert!(recurs_in(leap, feb_28_2025, feb_28_2025 + DAY));
    }
}
