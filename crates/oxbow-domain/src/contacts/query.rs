//! Reading contacts: SQL assembly with bound values, the permission filter for a set of
//! folders, conversion of rows into wire objects and locale-aware sorting.

use super::model::{self, col_type};
use crate::folders::FolderAccess;
use crate::sessions::Session;
use oxbow_core::columns::contacts::{self as fields, ContactField, Kind};
use oxbow_core::perms;
use oxbow_core::OxResult;
use oxbow_store::contacts::{self as store, Arg, ColType};
use oxbow_store::Executor;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

/// Builds a WHERE clause with `$n` placeholders; values only ever go into `args`.
#[derive(Debug, Default)]
pub struct Sql {
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }
}

/// Columns always read: what permission checks and derived fields need.
const BASE: &[(&str, &str, ColType)] = &[
    ("id", "id", ColType::Int),
    ("folder_id", "folder_id", ColType::Int),
    ("created_by", "created_by", ColType::Int),
    ("private_flag", "private_flag", ColType::Bool),
    ("last_modified", "last_modified_utc", ColType::Int),
    ("user_id", "user_id", ColType::Int),
];

/// Attachments of a contact (attachment module 7), as correlated sub-selects.
const ATTACHMENT_COUNT: &str =
    "(SELECT COUNT(*) FROM attachments a WHERE a.cid = contacts.cid AND a.module = 7 AND a.attached = contacts.id)";
const NEWEST_ATTACHMENT: &str =
    "(SELECT MAX(a.creation_date) FROM attachments a WHERE a.cid = contacts.cid AND a.module = 7 AND a.attached = contacts.id)";

/// Which stored columns to read for the wanted fields.
pub fn select_spec(wanted: &[&'static ContactField]) -> (String, Vec<(String, ColType)>) {
    let mut cols: Vec<String> = Vec::new();
    let mut spec: Vec<(String, ColType)> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut add = |col: &str, key: &str, ty: ColType, cols: &mut Vec<String>, spec: &mut Vec<(String, ColType)>| {
        if seen.insert(key.to_string()) {
            cols.push(col.to_string());
            spec.push((key.to_string(), ty));
        }
    };
    for (col, key, ty) in BASE {
        add(col, key, *ty, &mut cols, &mut spec);
    }
    for f in wanted {
        match f.name {
            "image1_url" | "number_of_images" | "image1_content_type" | "image_last_modified" | "image1" => {
                add("image_content_type", "image1_content_type", ColType::Text, &mut cols, &mut spec);
                add("image_last_modified", "image_last_modified", ColType::Int, &mut cols, &mut spec);
            }
            "number_of_distribution_list" | "distribution_list" => {
                add("distribution_list", "distribution_list", ColType::Text, &mut cols, &mut spec);
            }
            "last_modified_utc" | "last_modified" => {}
            // Counted in the same query (indexed on the attachment's parent), so a page of
            // contacts costs no extra round trip per row.
            "number_of_attachments" => add(ATTACHMENT_COUNT, "number_of_attachments", ColType::Int, &mut cols, &mut spec),
            "lastModifiedOfNewestAttachmentUTC" => {
                add(NEWEST_ATTACHMENT, "lastModifiedOfNewestAttachmentUTC", ColType::Int, &mut cols, &mut spec)
            }
            _ => {
                if let Some(col) = f.column {
                    add(col, f.name, col_type(f.kind), &mut cols, &mut spec);
                }
            }
        }
    }
    (cols.join(", "), spec)
}

/// The read-permission and private-flag filter over `folders` for the session's user.
pub fn permission_filter(sql: &mut Sql, s: &Session, folders: &[FolderAccess]) -> String {
    let mut parts = Vec::new();
    for f in folders {
        if f.rights.read >= perms::ALL {
            let p = sql.bind(Arg::Int(Some(f.folder.id)));
            parts.push(format!("folder_id = {p}"));
        } else if f.rights.read >= perms::OWN {
            let p = sql.bind(Arg::Int(Some(f.folder.id)));
            let u = sql.bind(Arg::Int(Some(s.user_id)));
            parts.push(format!("(folder_id = {p} AND created_by = {u})"));
        }
    }
    if parts.is_empty() {
        return "1 = 0".into();
    }
    let u = sql.bind(Arg::Int(Some(s.user_id)));
    format!("({}) AND (private_flag = FALSE OR created_by = {u})", parts.join(" OR "))
}

/// Fetch raw rows (keyed by wire names, times still UTC).
pub async fn fetch(ex: impl Executor, cid: i64, wanted: &[&'static ContactField], mut sql: Sql, filter: &str, tail: &str) -> OxResult<Vec<Map<String, Value>>> {
    let (cols, spec) = select_spec(wanted);
    let c = sql.bind(Arg::Int(Some(cid)));
    let text = format!("SELECT {cols} FROM contacts WHERE cid = {c} AND ({filter}) {tail}");
    store::fetch_maps(ex, &text, &sql.args, &spec).await
}

/// Every stored field (for `get`, export and update merges).
pub fn all_fields() -> Vec<&'static ContactField> {
    fields::FIELDS.iter().filter(|f| f.id != 609).collect()
}

/// Fields for a list of column ids (unknown ids are skipped; they answer `null`).
pub fn fields_for(ids: &[u32]) -> Vec<&'static ContactField> {
    ids.iter().filter_map(|id| fields::by_id(*id)).collect()
}

/// Turn a raw row into the wire object: ids as strings, `Time` fields shifted into `tz`,
/// picture and distribution list fields derived.
pub fn to_wire(row: &mut Map<String, Value>, tz: chrono_tz::Tz) {
    let id = row.get("id").and_then(Value::as_i64).unwrap_or(0);
    let folder = row.get("folder_id").and_then(Value::as_i64).unwrap_or(0);
    row.insert("id".into(), Value::from(id.to_string()));
    row.insert("folder_id".into(), Value::from(folder.to_string()));
    let utc = row.get("last_modified_utc").and_then(Value::as_i64).unwrap_or(0);
    row.insert("last_modified".into(), Value::from(oxbow_core::time::to_wire_time(utc, tz)));
    if let Some(created) = row.get("creation_date").and_then(Value::as_i64) {
        row.insert("creation_date".into(), Value::from(oxbow_core::time::to_wire_time(created, tz)));
    }
    if row.contains_key("image1_content_type") {
        let has_image = row.get("image1_content_type").is_some_and(|v| !v.is_null());
        let ts = row.get("image_last_modified").and_then(Value::as_i64).unwrap_or(0);
        row.insert("number_of_images".into(), Value::from(if has_image { 1 } else { 0 }));
        if has_image {
            row.insert("image1_url".into(), Value::from(format!("/ajax/image/contact/picture?folder={folder}&id={id}&timestamp={ts}")));
        } else {
            row.insert("image1_url".into(), Value::Null);
            row.insert("image_last_modified".into(), Value::Null);
        }
    }
    if let Some(v) = row.get_mut("private_flag") {
        if v.is_null() {
            *v = Value::Bool(false);
        }
    }
    if let Some(v) = row.get_mut("number_of_attachments") {
        if v.is_null() {
            *v = Value::from(0);
        }
    }
}

/// Replace the stored distribution list text by member objects; referenced contacts the
/// user can read contribute their current name and address.
pub async fn resolve_lists(db: &oxbow_store::Db, s: &Session, rows: &mut [Map<String, Value>]) -> OxResult<()> {
    let mut refs: BTreeSet<i64> = BTreeSet::new();
    let mut parsed: Vec<Option<Vec<model::Member>>> = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        let members = row.get("distribution_list").and_then(Value::as_str).map(model::members_from_json);
        if let Some(ms) = &members {
            refs.extend(ms.iter().filter_map(|m| m.id));
        }
        parsed.push(members);
    }
    let mut current: HashMap<i64, Map<String, Value>> = HashMap::new();
    if !refs.is_empty() {
        let folders = crate::folders::visible_folders(db, s, "contacts").await?;
        let wanted: Vec<&'static ContactField> = ["display_name", "email1", "email2", "email3"].iter().filter_map(|n| fields::by_name(n)).collect();
        for chunk in refs.iter().copied().collect::<Vec<_>>().chunks(500) {
            let mut sql = Sql::default();
            let perm = permission_filter(&mut sql, s, &folders);
            let ids: Vec<String> = chunk.iter().map(|id| sql.bind(Arg::Int(Some(*id)))).collect();
            let filter = format!("{perm} AND id IN ({})", ids.join(", "));
            for row in fetch(db, s.cid, &wanted, sql, &filter, "").await? {
                if let Some(id) = row.get("id").and_then(Value::as_i64) {
                    current.insert(id, row);
                }
            }
        }
    }
    for (row, members) in rows.iter_mut().zip(parsed) {
        let Some(members) = members else {
            if row.contains_key("distribution_list") {
                row.insert("number_of_distribution_list".into(), Value::from(0));
            }
            continue;
        };
        let list: Vec<Value> = members
            .into_iter()
            .map(|mut m| {
                if let Some(c) = m.id.and_then(|id| current.get(&id)) {
                    if let Some(f) = c.get("folder_id").and_then(Value::as_i64) {
                        m.folder_id = Some(f);
                    }
                    if let Some(n) = c.get("display_name").and_then(Value::as_str) {
                        m.display_name = Some(n.to_string());
                    }
                    let key = match m.mail_field {
                        2 => "email2",
                        3 => "email3",
                        _ => "email1",
                    };
                    if let Some(mail) = c.get(key).and_then(Value::as_str) {
                        m.mail = Some(mail.to_string());
                    }
                }
                model::member_value(&m)
            })
            .collect();
        row.insert("number_of_distribution_list".into(), Value::from(list.len()));
        row.insert("distribution_list".into(), Value::Array(list));
    }
    Ok(())
}

/// The default sort key: display name, else last name, company, e-mail.
fn default_key(row: &Map<String, Value>) -> &str {
    for k in ["display_name", "last_name", "first_name", "company", "email1"] {
        if let Some(s) = row.get(k).and_then(Value::as_str) {
            if !s.is_empty() {
                return s;
            }
        }
    }
    ""
}

/// Sort rows by a field (or the default key) with Unicode collation for text.
pub fn sort_rows(rows: &mut [Map<String, Value>], field: Option<&str>, descending: bool) {
    let mut collator = feruca::Collator::default();
    rows.sort_by(|a, b| {
        let o = match field {
            None => collator.collate(default_key(a), default_key(b)),
            Some(f) => match (a.get(f).unwrap_or(&Value::Null), b.get(f).unwrap_or(&Value::Null)) {
                (Value::String(x), Value::String(y)) => collator.collate(x.as_str(), y.as_str()),
                (x, y) => compare_plain(x, y),
            },
        };
        let o = o.then_with(|| {
            let ia = a.get("id").and_then(Value::as_str).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
            let ib = b.get("id").and_then(Value::as_str).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
            ia.cmp(&ib)
        });
        if descending { o.reverse() } else { o }
    });
}

fn compare_plain(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Whether a field is stored as text (for search operators).
pub fn is_text(kind: Kind) -> bool {
    matches!(kind, Kind::Text(_) | Kind::ReadOnlyText)
}
