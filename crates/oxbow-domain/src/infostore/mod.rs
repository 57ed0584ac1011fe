//! Drive (infostore): items with file versions, locks, trash, copy/move, and the blob
//! bookkeeping shared with attachments and temporary files.
//!
//! Item ids on the wire are `"<folder>/<id>"` like OX's default file storage account; both
//! that form and a bare numeric id are accepted on input.

pub mod attachments;
pub mod services;
pub mod zip;

use crate::Core;
use crate::folders::{self, FolderAccess};
use crate::sessions::Session;
use bytes::Bytes;
use futures::StreamExt;
use oxbow_core::codes;
use oxbow_core::OxResult;
use oxbow_store::blob::{self, BlobError, ByteStream, PutOutcome};
use oxbow_store::infostore::{self as store, ItemRow, ObjectPermissionRow, VersionRow};
use oxbow_store::{ids, Db};
use oxbow_core::perms::{Rights, ALL, NONE};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

pub const MODULE: &str = "infostore";
/// Longest accepted file name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;
/// Lock duration when the client gives no `diff` (OX default: one hour).
pub const DEFAULT_LOCK_MS: i64 = 3_600_000;

pub fn wire_id(folder: i64, id: i64) -> String {
    format!("{folder}/{id}")
}

/// `"12/345"` or `"345"` → 345.
pub fn parse_id(raw: &str) -> Option<i64> {
    let last = raw.rsplit('/').next()?;
    last.trim().parse::<i64>().ok().filter(|v| *v > 0)
}

pub fn parse_folder(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|v| *v >= 0)
}

/// A file name must be a plain name: no path separators, no control characters, not `.`/`..`,
/// at most 255 bytes (IFO-2101 / IFO-0100).
pub fn validate_filename(name: &str) -> OxResult<()> {
    if name.len() > MAX_NAME_BYTES {
        return Err(codes::IFO_TOO_LONG.with(["filename", &MAX_NAME_BYTES.to_string()]));
    }
    let bad = name.trim().is_empty()
        || name == "."
        || name == ".."
        || name.chars().any(|c| c == '/' || c == '\\' || c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        || name.ends_with('.')
        || name.ends_with(' ');
    if bad {
        let shown: String = name.chars().filter(|c| !c.is_control()).take(100).collect();
        return Err(codes::IFO_INVALID_NAME.with([shown]));
    }
    Ok(())
}

/// MIME type from the content's magic bytes, else the name, else what the client said.
pub fn detect_mime(head: &[u8], filename: &str, client_type: Option<&str>) -> String {
    if let Some(t) = infer::get(head) {
        return t.mime_type().to_string();
    }
    if let Some(m) = mime_guess::from_path(filename).first() {
        return m.essence_str().to_string();
    }
    match client_type {
        Some(t) if !t.is_empty() && t.contains('/') && t.len() < 200 => t.to_ascii_lowercase(),
        _ => "application/octet-stream".to_string(),
    }
}

// --- blob uploads ---------------------------------------------------------------------------

/// Bytes that reached the blob store but are not yet referenced by a committed row.
pub struct Uploaded {
    pub key: String,
    pub out: PutOutcome,
    /// The first bytes of the content (for type detection).
    pub head: Vec<u8>,
}

/// Limits of one upload: the configured maximum and what the context's quota leaves.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_size: u64,
    pub quota_left: Option<u64>,
}

impl UploadLimits {
    pub async fn for_session(core: &Core, s: &Session) -> OxResult<UploadLimits> {
        let quota_left = match store::context_quota(&core.db, s.cid).await? {
            None => None,
            Some(q) => Some((q - store::context_usage(&core.db, s.cid).await?).max(0) as u64),
        };
        Ok(UploadLimits { max_size: core.config.max_upload_size, quota_left })
    }

    /// Refuse before reading anything when the declared length cannot fit.
    pub fn check_declared(&self, content_length: Option<u64>) -> OxResult<()> {
        if let Some(len) = content_length {
            if len > self.max_size.saturating_add(64 * 1024) {
                return Err(codes::SVL_BODY_TOO_LARGE.with([self.max_size]));
            }
        }
        if self.quota_left == Some(0) {
            return Err(codes::QUOTA_EXCEEDED.err());
        }
        Ok(())
    }
}

/// Stream `body` into the blob store. On any failure nothing remains stored.
pub async fn upload(core: &Core, body: ByteStream, limits: UploadLimits) -> OxResult<Uploaded> {
    let key = blob::new_key();
    blob::refs::begin(&core.db, &key, oxbow_core::time::now_ms()).await?;
    let head = Arc::new(Mutex::new(Vec::<u8>::new()));
    let head_in = head.clone();
    let body = body
        .inspect(move |chunk| {
            if let Ok(c) = chunk {
                let mut h = head_in.lock().unwrap_or_else(|e| e.into_inner());
                if h.len() < 8192 {
                    let take = (8192 - h.len()).min(c.len());
                    h.extend_from_slice(&c[..take]);
                }
            }
        })
        .boxed();
    let (limit, quota_bound) = match limits.quota_left {
        Some(q) if q < limits.max_size => (q, true),
        _ => (limits.max_size, false),
    };
    match core.blobs.put(&key, body, Some(limit)).await {
        Ok(out) => {
            let head = std::mem::take(&mut *head.lock().unwrap_or_else(|e| e.into_inner()));
            Ok(Uploaded { key, out, head })
        }
        Err(e) => {
            let _ = core.blobs.delete(&key).await;
            let _ = blob::refs::forget(&core.db, &key).await;
            Err(match e {
                BlobError::TooLarge { .. } if quota_bound => codes::QUOTA_EXCEEDED.err(),
                BlobError::TooLarge { limit } => codes::SVL_BODY_TOO_LARGE.with([limit]),
                BlobError::Source(io) if io.kind() == std::io::ErrorKind::FileTooLarge => {
                    codes::SVL_BODY_TOO_LARGE.with([limits.max_size])
                }
                other => other.into(),
            })
        }
    }
}

/// Remove an upload whose referencing transaction failed.
pub async fn discard(core: &Core, up: &Uploaded) {
    let _ = blob::refs::forget(&core.db, &up.key).await;
    let _ = core.blobs.delete(&up.key).await;
}

/// Remove blobs whose last reference went away (call after commit).
pub async fn remove_blobs(core: &Core, keys: &[String]) {
    for k in keys {
        if let Err(e) = core.blobs.delete(k).await {
            tracing::warn!("removing blob {k}: {e}");
        }
    }
}

/// Sweep expired temporary files and uploads that never completed.
pub async fn sweep(core: &Core) -> OxResult<()> {
    let now = oxbow_core::time::now_ms();
    let mut tx = core.db.begin().await?;
    let expired = oxbow_store::attachments::take_expired_temp(&mut tx, now).await?;
    let mut gone = Vec::new();
    for k in expired {
        if blob::refs::release(&mut tx, &k).await? {
            gone.push(k);
        }
    }
    tx.commit().await?;
    remove_blobs(core, &gone).await;
    // Uploads older than six hours that never completed, and blobs released inside other
    // modules' transactions (marked with created = 0).
    for k in blob::refs::stale_pending(&core.db, now - 6 * 3_600_000).await? {
        let _ = core.blobs.delete(&k).await;
        blob::refs::forget(&core.db, &k).await?;
    }
    Ok(())
}

/// Adopt an upload inside `tx`, checking the quota. Returns the blob key to reference and
/// a redundant key to delete after commit.
pub async fn adopt(tx: &mut oxbow_store::Tx, cid: i64, up: &Uploaded) -> OxResult<(String, Option<String>)> {
    if let Some(q) = store::context_quota(&mut *tx, cid).await? {
        let used = store::context_usage(&mut *tx, cid).await?;
        if used + up.out.size as i64 > q {
            return Err(codes::QUOTA_EXCEEDED.err());
        }
    }
    blob::refs::adopt(&mut *tx, &up.key, &up.out).await
}

// --- items ----------------------------------------------------------------------------------

/// The object as the API shows it.
pub fn item_json(r: &ItemRow, number_of_versions: i64, tz: chrono_tz::Tz, rights: oxbow_core::perms::Rights) -> Map<String, Value> {
    use oxbow_core::time::to_wire_time;
    let now = oxbow_core::time::now_ms();
    let locked = if r.locked_until > now { to_wire_time(r.locked_until, tz) } else { 0 };
    let mut m = Map::new();
    m.insert("id".into(), json!(wire_id(r.folder_id, r.id)));
    m.insert("created_by".into(), json!(r.created_by));
    m.insert("modified_by".into(), json!(r.modified_by));
    m.insert("creation_date".into(), json!(to_wire_time(r.creation_date, tz)));
    m.insert("last_modified".into(), json!(to_wire_time(r.last_modified, tz)));
    m.insert("last_modified_utc".into(), json!(r.last_modified));
    m.insert("folder_id".into(), json!(r.folder_id.to_string()));
    m.insert("categories".into(), if r.categories.is_empty() { Value::Null } else { json!(r.categories) });
    m.insert("private_flag".into(), json!(false));
    m.insert("color_label".into(), json!(r.color_label));
    m.insert("number_of_attachments".into(), json!(0));
    m.insert("object_permissions".into(), json!([]));
    m.insert("shareable".into(), json!(rights.admin));
    m.insert("title".into(), json!(r.title));
    m.insert("url".into(), json!(r.url));
    m.insert("filename".into(), if r.filename.is_empty() { Value::Null } else { json!(r.filename) });
    m.insert("file_mimetype".into(), if r.file_mimetype.is_empty() { Value::Null } else { json!(r.file_mimetype) });
    m.insert("file_size".into(), json!(r.file_size));
    m.insert("version".into(), json!(r.version));
    m.insert("description".into(), json!(r.description));
    m.insert("locked_until".into(), json!(locked));
    m.insert("file_md5sum".into(), if r.file_md5sum.is_empty() { Value::Null } else { json!(r.file_md5sum) });
    m.insert("version_comment".into(), if r.version_comment.is_empty() { Value::Null } else { json!(r.version_comment) });
    m.insert("current_version".into(), json!(true));
    m.insert("number_of_versions".into(), json!(number_of_versions));
    m.insert("com.openexchange.share.extendedObjectPermissions".into(), json!([]));
    m.insert("com.openexchange.realtime.resourceID".into(), json!(format!("{}@{}", r.id, r.cid)));
    m
}

/// One version of an item as the API shows it (`versions`).
pub fn version_json(item: &ItemRow, v: &VersionRow, count: i64, tz: chrono_tz::Tz, rights: oxbow_core::perms::Rights) -> Map<String, Value> {
    let mut m = item_json(item, count, tz, rights);
    m.insert("version".into(), json!(v.version));
    m.insert("filename".into(), json!(v.filename));
    m.insert("file_size".into(), json!(v.file_size));
    m.insert("file_mimetype".into(), json!(v.file_mimetype));
    m.insert("file_md5sum".into(), json!(v.file_md5sum));
    m.insert("version_comment".into(), if v.version_comment.is_empty() { Value::Null } else { json!(v.version_comment) });
    m.insert("current_version".into(), json!(v.version == item.version));
    m.insert("created_by".into(), json!(v.created_by));
    m.insert("creation_date".into(), json!(oxbow_core::time::to_wire_time(v.creation_date, tz)));
    m
}

/// A Drive folder the caller can see, or IFO-0300-style not found.
pub async fn drive_folder(db: &Db, s: &Session, folder: i64) -> OxResult<FolderAccess> {
    match folders::access(db, s, folder).await? {
        Some(a) if a.folder.module == MODULE => Ok(a),
        _ => Err(codes::FLD_NOT_FOUND.with([folder.to_string(), "1".to_string()])),
    }
}

// Object permission levels (`object_permissions[].bits`); each includes the ones below.
pub const OBJECT_READ: i64 = 1;
pub const OBJECT_WRITE: i64 = 2;
pub const OBJECT_DELETE: i64 = 4;
/// Most object permission entries on one item.
pub const MAX_OBJECT_PERMISSIONS: usize = 500;

/// Folder-style rights that an object permission level grants on that one item.
pub fn object_rights(bits: i64) -> Rights {
    let level = |needed: i64| if bits >= needed { ALL } else { NONE };
    Rights { folder: NONE, read: level(OBJECT_READ), write: level(OBJECT_WRITE), delete: level(OBJECT_DELETE), admin: false }
}

/// The caller's rights on one item: those of its folder (if visible) joined with any object
/// permission the caller holds on the item itself. None when the caller has neither.
pub async fn item_access(db: &Db, s: &Session, item: &ItemRow) -> OxResult<Option<FolderAccess>> {
    let folder_access = folders::access(db, s, item.folder_id).await?;
    let complete = folder_access.as_ref().is_some_and(|a| a.rights.read >= ALL && a.rights.write >= ALL && a.rights.delete >= ALL);
    if complete {
        return Ok(folder_access);
    }
    let mut groups = s.group_ids.clone();
    groups.push(folders::ALL_USERS_GROUP);
    let bits = store::object_bits_for(db, s.cid, item.id, s.user_id, &groups).await?;
    if bits <= 0 {
        return Ok(folder_access);
    }
    let granted = object_rights(bits);
    Ok(match folder_access {
        Some(mut a) => {
            a.rights = a.rights.union(granted);
            Some(a)
        }
        None => oxbow_store::folders::get(db, s.cid, item.folder_id).await?.map(|folder| FolderAccess { folder, rights: granted }),
    })
}

/// Whether the caller may set the object permissions of an item: its creator or an
/// administrator of its folder.
pub fn may_share(s: &Session, item: &ItemRow, folder_rights: Rights) -> bool {
    item.created_by == s.user_id || folder_rights.admin
}

/// The `object_permissions` array of an item body, validated: known users and groups,
/// bits 0 (none, dropped), 1 (read), 2 (write) or 4 (delete), no entity twice. Guest and
/// anonymous recipients are not supported.
pub async fn parse_object_permissions(db: &Db, cid: i64, value: &Value) -> OxResult<Vec<ObjectPermissionRow>> {
    let invalid = |detail: String| codes::SVL_INVALID_FIELD.with(["object_permissions".to_string(), detail]);
    let list = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a,
        _ => return Err(invalid("expected an array".into())),
    };
    if list.len() > MAX_OBJECT_PERMISSIONS {
        return Err(invalid(format!("more than {MAX_OBJECT_PERMISSIONS} entries")));
    }
    let mut out: Vec<ObjectPermissionRow> = Vec::with_capacity(list.len());
    for v in list {
        let shown: String = v.to_string().chars().take(200).collect();
        let o = v.as_object().ok_or_else(|| invalid(format!("expected an object: {shown}")))?;
        let type_group = match o.get("type").and_then(Value::as_str) {
            None => None,
            Some("user") => Some(false),
            Some("group") => Some(true),
            Some(other) => return Err(invalid(format!("recipient type \"{}\" is not supported", other.chars().take(40).collect::<String>()))),
        };
        let entity = match o.get("entity") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(t)) => t.trim().parse::<i64>().ok(),
            _ => None,
        }
        .filter(|e| *e >= 0)
        .ok_or_else(|| invalid(format!("missing or invalid entity: {shown}")))?;
        let is_group = match o.get("group") {
            None | Some(Value::Null) => type_group.unwrap_or(false),
            Some(Value::Bool(b)) if type_group.is_none_or(|t| t == *b) => *b,
            Some(_) => return Err(invalid(format!("invalid group flag: {shown}"))),
        };
        let bits = match o.get("bits") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(t)) => t.trim().parse::<i64>().ok(),
            _ => None,
        }
        .filter(|b| matches!(*b, 0 | OBJECT_READ | OBJECT_WRITE | OBJECT_DELETE))
        .ok_or_else(|| invalid(format!("bits must be 0, 1, 2 or 4: {shown}")))?;
        if out.iter().any(|p| p.entity == entity && p.is_group == is_group) {
            return Err(invalid(format!("{} {entity} appears twice", if is_group { "group" } else { "user" })));
        }
        let exists = if is_group {
            entity == folders::ALL_USERS_GROUP || oxbow_store::groups::get(db, cid, entity).await?.is_some()
        } else {
            oxbow_store::users::get(db, cid, entity).await?.is_some()
        };
        if !exists {
            return Err(invalid(format!("unknown {} {entity}", if is_group { "group" } else { "user" })));
        }
        if bits > 0 {
            out.push(ObjectPermissionRow { item_id: 0, entity, is_group, bits });
        }
    }
    Ok(out)
}

/// The object permissions in `obj`, if the body sets them.
async fn requested_object_permissions(db: &Db, cid: i64, obj: &Map<String, Value>) -> OxResult<Option<Vec<ObjectPermissionRow>>> {
    match obj.get("object_permissions") {
        None => Ok(None),
        Some(v) => Ok(Some(parse_object_permissions(db, cid, v).await?)),
    }
}

/// The item and the caller's rights on it (its folder's, joined with object permissions);
/// not found when invisible, no-read when the caller may see but not read it.
pub async fn readable_item(db: &Db, s: &Session, id: i64) -> OxResult<(ItemRow, FolderAccess)> {
    let Some(item) = store::get(db, s.cid, id).await? else {
        return Err(codes::IFO_NOT_FOUND.err());
    };
    let Some(access) = item_access(db, s, &item).await? else {
        return Err(codes::IFO_NOT_FOUND.err());
    };
    if !access.rights.can_read(s.user_id, item.created_by) {
        return Err(codes::IFO_NO_READ.err());
    }
    Ok((item, access))
}

pub fn check_not_locked(item: &ItemRow, user: i64) -> OxResult<()> {
    if item.locked_until > oxbow_core::time::now_ms() && item.locked_by != user {
        return Err(codes::IFO_LOCKED.with([wire_id(item.folder_id, item.id)]));
    }
    Ok(())
}

/// Metadata fields a client may set.
pub struct ItemFields {
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub categories: Option<String>,
    pub color_label: Option<i64>,
    pub filename: Option<String>,
    pub version_comment: Option<String>,
    pub folder_id: Option<i64>,
    pub file_mimetype: Option<String>,
    /// `version` set on update: make that version current.
    pub version: Option<i64>,
}

fn text_field(obj: &Map<String, Value>, name: &str, max: usize) -> OxResult<Option<String>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            if s.len() > max {
                return Err(codes::IFO_TOO_LONG.with([name, &max.to_string()]));
            }
            Ok(Some(s.clone()))
        }
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(codes::SVL_INVALID_FIELD.with([name, "expected a string"])),
    }
}

fn int_field(obj: &Map<String, Value>, name: &str) -> OxResult<Option<i64>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| codes::SVL_INVALID_FIELD.with([name, "expected an integer"])),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse::<i64>().map(Some).map_err(|_| codes::SVL_INVALID_FIELD.with([name, "expected an integer"])),
        Some(_) => Err(codes::SVL_INVALID_FIELD.with([name, "expected an integer"])),
    }
}

impl ItemFields {
    pub fn parse(obj: &Map<String, Value>) -> OxResult<ItemFields> {
        let filename = text_field(obj, "filename", 10_000)?;
        if let Some(f) = &filename {
            validate_filename(f)?;
        }
        let color_label = int_field(obj, "color_label")?;
        if let Some(c) = color_label {
            if !(0..=10).contains(&c) {
                return Err(codes::SVL_INVALID_FIELD.with(["color_label", "must be between 0 and 10"]));
            }
        }
        let folder_id = match obj.get("folder_id") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let raw = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some(parse_folder(&raw).ok_or_else(|| codes::SVL_INVALID_FIELD.with(["folder_id", raw.as_str()]))?)
            }
        };
        Ok(ItemFields {
            title: text_field(obj, "title", 768)?,
            url: text_field(obj, "url", 2048)?,
            description: text_field(obj, "description", 100_000)?,
            categories: text_field(obj, "categories", 1024)?,
            color_label,
            filename,
            version_comment: text_field(obj, "version_comment", 10_000)?,
            folder_id,
            file_mimetype: text_field(obj, "file_mimetype", 255)?,
            version: int_field(obj, "version")?,
        })
    }

    fn apply(&self, r: &mut ItemRow) {
        if let Some(v) = &self.title {
            r.title = v.clone();
        }
        if let Some(v) = &self.url {
            r.url = v.clone();
        }
        if let Some(v) = &self.description {
            r.description = v.clone();
        }
        if let Some(v) = &self.categories {
            r.categories = v.clone();
        }
        if let Some(v) = self.color_label {
            r.color_label = v;
        }
    }
}

/// A file arriving with a create/update request.
pub struct NewFile {
    pub upload: Uploaded,
    /// The name from the multipart part (used when the JSON gives none).
    pub part_name: Option<String>,
    pub part_type: Option<String>,
}

impl NewFile {
    fn name(&self, fields: &ItemFields) -> OxResult<String> {
        let name = fields
            .filename
            .clone()
            .or_else(|| self.part_name.as_ref().map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string()))
            .unwrap_or_else(|| "unnamed".into());
        validate_filename(&name)?;
        Ok(name)
    }
}

/// Append `file` as the next version of `item` (in `tx`), making it current.
async fn add_version(tx: &mut oxbow_store::Tx, s: &Session, item: &mut ItemRow, fields: &ItemFields, file: &NewFile, now: i64, redundant: &mut Vec<String>) -> OxResult<()> {
    let name = file.name(fields)?;
    let mime = detect_mime(&file.upload.head, &name, fields.file_mimetype.as_deref().or(file.part_type.as_deref()));
    let (key, dup) = adopt(tx, s.cid, &file.upload).await?;
    redundant.extend(dup);
    let number = item.last_version + 1;
    let v = VersionRow {
        cid: s.cid,
        item_id: item.id,
        version: number,
        filename: name.clone(),
        file_size: file.upload.out.size as i64,
        file_mimetype: mime.clone(),
        file_md5sum: file.upload.out.md5.clone(),
        version_comment: fields.version_comment.clone().unwrap_or_default(),
        blob_key: key,
        created_by: s.user_id,
        creation_date: now,
    };
    store::insert_version(&mut *tx, &v).await?;
    item.last_version = number;
    set_current(item, &v);
    Ok(())
}

fn set_current(item: &mut ItemRow, v: &VersionRow) {
    item.version = v.version;
    item.filename = v.filename.clone();
    item.file_size = v.file_size;
    item.file_mimetype = v.file_mimetype.clone();
    item.file_md5sum = v.file_md5sum.clone();
    item.version_comment = v.version_comment.clone();
}

fn clear_current(item: &mut ItemRow) {
    item.version = 0;
    item.file_size = 0;
    item.file_mimetype.clear();
    item.file_md5sum.clear();
    item.version_comment.clear();
}

async fn ensure_unique_name(tx: &mut oxbow_store::Tx, cid: i64, folder: i64, name: &str, except: i64) -> OxResult<()> {
    if !name.is_empty() && store::name_taken(&mut *tx, cid, folder, name, except).await?.is_some() {
        return Err(codes::IFO_NAME_TAKEN.with([name]));
    }
    Ok(())
}

/// Runs `work` and cleans up the upload when it fails; removes blobs that lost their last
/// reference (or turned out redundant) when it succeeds.
pub async fn finish_with_upload<T>(core: &Core, file: Option<&NewFile>, result: OxResult<(T, Vec<String>)>) -> OxResult<T> {
    match result {
        Ok((value, garbage)) => {
            remove_blobs(core, &garbage).await;
            Ok(value)
        }
        Err(e) => {
            if let Some(f) = file {
                discard(core, &f.upload).await;
            }
            Err(e)
        }
    }
}

/// Create an item (with an optional first file version). `try_add_version`: when the name is
/// taken, add the file as a new version of the existing item instead.
pub async fn create(core: &Core, s: &Session, obj: &Map<String, Value>, file: Option<&NewFile>, try_add_version: bool) -> OxResult<ItemRow> {
    let result = async {
        let fields = ItemFields::parse(obj)?;
        let folder = fields.folder_id.ok_or_else(|| codes::SVL_MISSING_FIELD.with(["folder_id"]))?;
        let access = drive_folder(&core.db, s, folder).await?;
        if !access.rights.can_create_objects() {
            return Err(codes::IFO_NO_CREATE.err());
        }
        let object_perms = requested_object_permissions(&core.db, s.cid, obj).await?;
        let mut tx = core.db.begin().await?;
        let now = ids::next_timestamp(&mut tx, s.cid).await?;
        let mut garbage = Vec::new();
        let name = match file {
            Some(f) => f.name(&fields)?,
            None => fields.filename.clone().unwrap_or_default(),
        };
        if let Some(existing) = store::name_taken(&mut tx, s.cid, folder, &name, 0).await?.filter(|_| !name.is_empty()) {
            if !(try_add_version && file.is_some()) {
                return Err(codes::IFO_NAME_TAKEN.with([name]));
            }
            let mut item = store::get(&mut tx, s.cid, existing).await?.ok_or_else(|| codes::IFO_NOT_FOUND.err())?;
            if !access.rights.can_write(s.user_id, item.created_by) {
                return Err(codes::IFO_NO_WRITE.err());
            }
            check_not_locked(&item, s.user_id)?;
            if let Some(perms) = &object_perms {
                if !may_share(s, &item, access.rights) {
                    return Err(codes::IFO_NO_WRITE.err());
                }
                store::set_object_permissions(&mut tx, s.cid, item.id, perms).await?;
            }
            if let Some(f) = file {
                add_version(&mut tx, s, &mut item, &fields, f, now, &mut garbage).await?;
            }
            fields.apply(&mut item);
            item.modified_by = s.user_id;
            item.last_modified = now;
            store::update(&mut tx, &item).await?;
            tx.commit().await?;
            return Ok((item, garbage));
        }
        let id = ids::next_id(&mut tx, s.cid, "infostore", 1).await?;
        let mut item = ItemRow {
            cid: s.cid,
            id,
            folder_id: folder,
            created_by: s.user_id,
            modified_by: s.user_id,
            creation_date: now,
            last_modified: now,
            filename: name.clone(),
            ..Default::default()
        };
        fields.apply(&mut item);
        if item.title.is_empty() {
            item.title = name.clone();
        }
        if let Some(f) = file {
            add_version(&mut tx, s, &mut item, &fields, f, now, &mut garbage).await?;
        } else if let Some(m) = &fields.file_mimetype {
            item.file_mimetype = m.clone();
        }
        store::insert(&mut tx, &item).await?;
        if let Some(perms) = &object_perms {
            store::set_object_permissions(&mut tx, s.cid, item.id, perms).await?;
        }
        tx.commit().await?;
        Ok((item, garbage))
    }
    .await;
    finish_with_upload(core, file, result).await
}

/// Update metadata and/or add a new version. `client_ts` guards against lost updates.
pub async fn update(core: &Core, s: &Session, id: i64, client_ts: Option<i64>, obj: &Map<String, Value>, file: Option<&NewFile>) -> OxResult<ItemRow> {
    let result = async {
        let fields = ItemFields::parse(obj)?;
        let (_, access) = readable_item(&core.db, s, id).await?;
        let object_perms = requested_object_permissions(&core.db, s.cid, obj).await?;
        let mut tx = core.db.begin().await?;
        let mut item = store::get(&mut tx, s.cid, id).await?.ok_or_else(|| codes::IFO_NOT_FOUND.err())?;
        if !access.rights.can_write(s.user_id, item.created_by) {
            return Err(codes::IFO_NO_WRITE.err());
        }
        if object_perms.is_some() && !may_share(s, &item, access.rights) {
            return Err(codes::IFO_NO_WRITE.err());
        }
        check_not_locked(&item, s.user_id)?;
        if let Some(ts) = client_ts {
            if ts < item.last_modified {
                return Err(codes::IFO_CONFLICT.err());
            }
        }
        let now = ids::next_timestamp(&mut tx, s.cid).await?;
        let mut garbage = Vec::new();
        if let Some(target) = fields.folder_id.filter(|f| *f != item.folder_id) {
            let dest = drive_folder(&core.db, s, target).await?;
            if !dest.rights.can_create_objects() {
                return Err(codes::IFO_NO_CREATE.err());
            }
            if !access.rights.can_delete(s.user_id, item.created_by) {
                return Err(codes::IFO_NO_DELETE.err());
            }
            let old = item.folder_id;
            item.folder_id = target;
            store::record_tombstone(&mut tx, s.cid, MODULE, &old.to_string(), &wire_id(old, item.id), s.user_id, now).await?;
        }
        if let Some(f) = file {
            add_version(&mut tx, s, &mut item, &fields, f, now, &mut garbage).await?;
        } else {
            if let Some(v) = fields.version.filter(|v| *v != item.version && *v > 0) {
                let row = store::version(&mut tx, s.cid, id, v).await?.ok_or_else(|| codes::IFO_VERSION_NOT_FOUND.err())?;
                set_current(&mut item, &row);
            }
            if let Some(name) = &fields.filename {
                item.filename = name.clone();
                if item.version > 0 {
                    store::set_version_filename(&mut tx, s.cid, id, item.version, name).await?;
                }
            }
            if let Some(c) = &fields.version_comment {
                item.version_comment = c.clone();
            }
        }
        ensure_unique_name(&mut tx, s.cid, item.folder_id, &item.filename, item.id).await?;
        if let Some(perms) = &object_perms {
            store::set_object_permissions(&mut tx, s.cid, item.id, perms).await?;
        }
        fields.apply(&mut item);
        item.modified_by = s.user_id;
        item.last_modified = now;
        store::update(&mut tx, &item).await?;
        tx.commit().await?;
        Ok((item, garbage))
    }
    .await;
    finish_with_upload(core, file, result).await
}

/// Delete for good: the item, its versions and their blob references (in `tx`).
async fn purge(tx: &mut oxbow_store::Tx, s: &Session, item: &ItemRow, now: i64, garbage: &mut Vec<String>) -> OxResult<()> {
    for v in store::versions(&mut *tx, s.cid, item.id).await? {
        if blob::refs::release(&mut *tx, &v.blob_key).await? {
            garbage.push(v.blob_key.clone());
        }
        store::delete_version(&mut *tx, s.cid, item.id, v.version).await?;
    }
    for a in oxbow_store::attachments::of_object(&mut *tx, s.cid, 137, item.id).await? {
        if blob::refs::release(&mut *tx, &a.blob_key).await? {
            garbage.push(a.blob_key.clone());
        }
        oxbow_store::attachments::delete(&mut *tx, s.cid, a.id).await?;
    }
    store::delete_object_permissions(&mut *tx, s.cid, item.id).await?;
    store::delete(&mut *tx, s.cid, item.id).await?;
    store::record_tombstone(&mut *tx, s.cid, MODULE, &item.folder_id.to_string(), &wire_id(item.folder_id, item.id), s.user_id, now).await?;
    Ok(())
}

/// Delete items: into the user's Drive trash, or for good when `hard` or already in trash.
/// Returns the ids that could not be deleted (conflicts); other failures abort everything.
pub async fn delete(core: &Core, s: &Session, ids_in: &[i64], client_ts: i64, hard: bool) -> OxResult<Vec<String>> {
    let trash = folders::infostore_trash_id(&core.db, s.cid, s.user_id).await?;
    let mut accesses = Vec::new();
    for id in ids_in {
        let (item, access) = readable_item(&core.db, s, *id).await?;
        if !access.rights.can_delete(s.user_id, item.created_by) {
            return Err(codes::IFO_NO_DELETE.err());
        }
        check_not_locked(&item, s.user_id)?;
        accesses.push(access);
    }
    let mut tx = core.db.begin().await?;
    let now = ids::next_timestamp(&mut tx, s.cid).await?;
    let mut conflicts = Vec::new();
    let mut garbage = Vec::new();
    for (id, access) in ids_in.iter().zip(accesses) {
        let Some(mut item) = store::get(&mut tx, s.cid, *id).await? else { continue };
        if item.last_modified > client_ts {
            conflicts.push(wire_id(item.folder_id, item.id));
            continue;
        }
        let in_trash = Some(item.folder_id) == trash || access.folder.kind == folders::TYPE_TRASH;
        // Only items of the caller's own folders go to the caller's trash; another user's
        // items (shared folders, object permissions) are deleted for good.
        let own_folder = access.folder.created_by == s.user_id;
        match trash {
            Some(t) if !hard && !in_trash && own_folder => {
                let old = item.folder_id;
                store::record_tombstone(&mut tx, s.cid, MODULE, &old.to_string(), &wire_id(old, item.id), s.user_id, now).await?;
                item.folder_id = t;
                // A name clash in the trash gets a numbered name, like OX does.
                let mut name = item.filename.clone();
                let mut n = 1;
                while !name.is_empty() && store::name_taken(&mut tx, s.cid, t, &name, item.id).await?.is_some() {
                    name = numbered_name(&item.filename, n);
                    n += 1;
                }
                item.filename = name;
                item.modified_by = s.user_id;
                item.last_modified = now;
                item.locked_until = 0;
                store::update(&mut tx, &item).await?;
                // A trashed item is no longer shared.
                store::delete_object_permissions(&mut tx, s.cid, item.id).await?;
            }
            _ => purge(&mut tx, s, &item, now, &mut garbage).await?,
        }
    }
    tx.commit().await?;
    remove_blobs(core, &garbage).await;
    Ok(conflicts)
}

/// `report.pdf` → `report (1).pdf`.
pub fn numbered_name(name: &str, n: u32) -> String {
    match name.rfind('.') {
        Some(dot) if dot > 0 => format!("{} ({n}){}", &name[..dot], &name[dot..]),
        _ => format!("{name} ({n})"),
    }
}

/// Copy an item's current version (sharing its blob) into `fields.folder_id` or the same
/// folder, with metadata overrides and optionally a replacement file.
pub async fn copy(core: &Core, s: &Session, id: i64, obj: &Map<String, Value>, file: Option<&NewFile>) -> OxResult<ItemRow> {
    let result = async {
        let fields = ItemFields::parse(obj)?;
        let (src, _) = readable_item(&core.db, s, id).await?;
        let folder = fields.folder_id.unwrap_or(src.folder_id);
        let dest = drive_folder(&core.db, s, folder).await?;
        if !dest.rights.can_create_objects() {
            return Err(codes::IFO_NO_CREATE.err());
        }
        let mut tx = core.db.begin().await?;
        let now = ids::next_timestamp(&mut tx, s.cid).await?;
        let new_id = ids::next_id(&mut tx, s.cid, "infostore", 1).await?;
        let mut garbage = Vec::new();
        let mut item = ItemRow {
            cid: s.cid,
            id: new_id,
            folder_id: folder,
            created_by: s.user_id,
            modified_by: s.user_id,
            creation_date: now,
            last_modified: now,
            title: src.title.clone(),
            url: src.url.clone(),
            description: src.description.clone(),
            categories: src.categories.clone(),
            color_label: src.color_label,
            filename: src.filename.clone(),
            ..Default::default()
        };
        fields.apply(&mut item);
        if let Some(f) = file {
            add_version(&mut tx, s, &mut item, &fields, f, now, &mut garbage).await?;
        } else if src.version > 0 {
            let v = store::version(&mut tx, s.cid, src.id, src.version).await?.ok_or_else(|| codes::IFO_VERSION_NOT_FOUND.err())?;
            if let Some(q) = store::context_quota(&mut tx, s.cid).await? {
                if store::context_usage(&mut tx, s.cid).await? + v.file_size > q {
                    return Err(codes::QUOTA_EXCEEDED.err());
                }
            }
            blob::refs::add(&mut tx, &v.blob_key).await?;
            let copy = VersionRow {
                item_id: new_id,
                version: 1,
                filename: fields.filename.clone().unwrap_or(v.filename.clone()),
                created_by: s.user_id,
                creation_date: now,
                ..v
            };
            store::insert_version(&mut tx, &copy).await?;
            item.last_version = 1;
            set_current(&mut item, &copy);
        } else if let Some(name) = &fields.filename {
            item.filename = name.clone();
        }
        // Copies into the same folder get a free numbered name.
        let base = item.filename.clone();
        let mut n = 1;
        while !item.filename.is_empty() && store::name_taken(&mut tx, s.cid, folder, &item.filename, new_id).await?.is_some() {
            item.filename = numbered_name(&base, n);
            n += 1;
        }
        if item.version > 0 {
            store::set_version_filename(&mut tx, s.cid, new_id, item.version, &item.filename).await?;
        }
        store::insert(&mut tx, &item).await?;
        tx.commit().await?;
        Ok((item, garbage))
    }
    .await;
    finish_with_upload(core, file, result).await
}

/// Move items into `dest`. Returns the ids not moved because of a name clash in the target.
pub async fn move_items(core: &Core, s: &Session, ids_in: &[i64], dest: i64) -> OxResult<Vec<String>> {
    let target = drive_folder(&core.db, s, dest).await?;
    if !target.rights.can_create_objects() {
        return Err(codes::IFO_NO_CREATE.err());
    }
    let mut tx = core.db.begin().await?;
    let now = ids::next_timestamp(&mut tx, s.cid).await?;
    let mut refused = Vec::new();
    for id in ids_in {
        let (_, access) = readable_item(&core.db, s, *id).await?;
        let mut item = store::get(&mut tx, s.cid, *id).await?.ok_or_else(|| codes::IFO_NOT_FOUND.err())?;
        if item.folder_id == dest {
            continue;
        }
        if !access.rights.can_delete(s.user_id, item.created_by) {
            return Err(codes::IFO_NO_DELETE.err());
        }
        check_not_locked(&item, s.user_id)?;
        if !item.filename.is_empty() && store::name_taken(&mut tx, s.cid, dest, &item.filename, item.id).await?.is_some() {
            refused.push(wire_id(item.folder_id, item.id));
            continue;
        }
        let old = item.folder_id;
        store::record_tombstone(&mut tx, s.cid, MODULE, &old.to_string(), &wire_id(old, item.id), s.user_id, now).await?;
        item.folder_id = dest;
        item.modified_by = s.user_id;
        item.last_modified = now;
        store::update(&mut tx, &item).await?;
    }
    tx.commit().await?;
    Ok(refused)
}

/// Remove versions. Version numbers are never reused; when the current version goes, the
/// highest remaining one becomes current. Returns the numbers that did not exist.
pub async fn detach(core: &Core, s: &Session, id: i64, client_ts: i64, versions: &[i64]) -> OxResult<(Vec<i64>, i64)> {
    let (_, access) = readable_item(&core.db, s, id).await?;
    let mut tx = core.db.begin().await?;
    let mut item = store::get(&mut tx, s.cid, id).await?.ok_or_else(|| codes::IFO_NOT_FOUND.err())?;
    if !access.rights.can_write(s.user_id, item.created_by) || !access.rights.can_delete(s.user_id, item.created_by) {
        return Err(codes::IFO_NO_DELETE.err());
    }
    check_not_locked(&item, s.user_id)?;
    if client_ts < item.last_modified {
        return Err(codes::IFO_CONFLICT.err());
    }
    let now = ids::next_timestamp(&mut tx, s.cid).await?;
    let mut missing = Vec::new();
    let mut garbage = Vec::new();
    for v in versions {
        match store::version(&mut tx, s.cid, id, *v).await? {
            Some(row) => {
                if blob::refs::release(&mut tx, &row.blob_key).await? {
                    garbage.push(row.blob_key.clone());
                }
                store::delete_version(&mut tx, s.cid, id, *v).await?;
            }
            None => missing.push(*v),
        }
    }
    let remaining = store::versions(&mut tx, s.cid, id).await?;
    match remaining.iter().find(|v| v.version == item.version).or(remaining.last()) {
        Some(v) => set_current(&mut item, v),
        None => clear_current(&mut item),
    }
    item.modified_by = s.user_id;
    item.last_modified = now;
    store::update(&mut tx, &item).await?;
    tx.commit().await?;
    remove_blobs(core, &garbage).await;
    Ok((missing, now))
}

/// Lock for `diff` ms (default one hour); unlock. Returns the new timestamp.
pub async fn set_lock(core: &Core, s: &Session, id: i64, diff: Option<i64>, lock: bool) -> OxResult<ItemRow> {
    let (_, access) = readable_item(&core.db, s, id).await?;
    let mut tx = core.db.begin().await?;
    let mut item = store::get(&mut tx, s.cid, id).await?.ok_or_else(|| codes::IFO_NOT_FOUND.err())?;
    if !access.rights.can_write(s.user_id, item.created_by) {
        return Err(codes::IFO_NO_WRITE.err());
    }
    let now_ms = oxbow_core::time::now_ms();
    let held_by_other = item.locked_until > now_ms && item.locked_by != s.user_id;
    // The lock owner or a folder admin may unlock; nobody may take another user's lock.
    if held_by_other && (lock || !access.rights.admin) {
        return Err(codes::IFO_LOCKED.with([wire_id(item.folder_id, item.id)]));
    }
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    if lock {
        let d = diff.filter(|d| *d > 0).unwrap_or(DEFAULT_LOCK_MS);
        item.locked_until = now_ms.saturating_add(d);
        item.locked_by = s.user_id;
    } else {
        item.locked_until = 0;
        item.locked_by = 0;
    }
    item.last_modified = ts;
    item.modified_by = s.user_id;
    store::update(&mut tx, &item).await?;
    tx.commit().await?;
    Ok(item)
}

/// Read access to one version's bytes: (version row, item).
pub async fn document(core: &Core, s: &Session, id: i64, version: Option<i64>) -> OxResult<(ItemRow, VersionRow)> {
    let (item, _) = readable_item(&core.db, s, id).await?;
    let number = version.unwrap_or(item.version);
    if number <= 0 {
        return Err(codes::IFO_VERSION_NOT_FOUND.err());
    }
    let v = store::version(&core.db, s.cid, id, number).await?.ok_or_else(|| codes::IFO_VERSION_NOT_FOUND.err())?;
    Ok((item, v))
}

/// A byte stream of a blob for responses.
pub async fn open_blob(core: &Core, key: &str, range: Option<std::ops::Range<u64>>) -> Result<blob::BlobRead, BlobError> {
    core.blobs.get(key, range).await
}

pub fn bytes_stream(read: blob::BlobRead) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send {
    read.stream
}

/// `saveAs`: a new Drive item sharing the attachment's bytes.
pub async fn save_attachment(core: &Core, s: &Session, obj: &Map<String, Value>, att: &oxbow_store::attachments::AttachmentRow) -> OxResult<ItemRow> {
    let fields = ItemFields::parse(obj)?;
    let folder = fields.folder_id.ok_or_else(|| codes::SVL_MISSING_FIELD.with(["folder_id"]))?;
    let access = drive_folder(&core.db, s, folder).await?;
    if !access.rights.can_create_objects() {
        return Err(codes::IFO_NO_CREATE.err());
    }
    let mut tx = core.db.begin().await?;
    let now = ids::next_timestamp(&mut tx, s.cid).await?;
    if let Some(q) = store::context_quota(&mut tx, s.cid).await? {
        if store::context_usage(&mut tx, s.cid).await? + att.file_size > q {
            return Err(codes::QUOTA_EXCEEDED.err());
        }
    }
    let name = fields.filename.clone().unwrap_or_else(|| att.filename.clone());
    validate_filename(&name)?;
    ensure_unique_name(&mut tx, s.cid, folder, &name, 0).await?;
    let id = ids::next_id(&mut tx, s.cid, "infostore", 1).await?;
    let md5: Vec<String> = oxbow_store::fetch_scalars!(&mut tx, String, "SELECT md5 FROM blobs WHERE blob_key = $1", att.blob_key.clone())?;
    blob::refs::add(&mut tx, &att.blob_key).await?;
    let v = VersionRow {
        cid: s.cid,
        item_id: id,
        version: 1,
        filename: name.clone(),
        file_size: att.file_size,
        file_mimetype: fields.file_mimetype.clone().unwrap_or_else(|| att.file_mimetype.clone()),
        file_md5sum: md5.into_iter().next().unwrap_or_default(),
        version_comment: fields.version_comment.clone().unwrap_or_default(),
        blob_key: att.blob_key.clone(),
        created_by: s.user_id,
        creation_date: now,
    };
    store::insert_version(&mut tx, &v).await?;
    let mut item = ItemRow {
        cid: s.cid,
        id,
        folder_id: folder,
        created_by: s.user_id,
        modified_by: s.user_id,
        creation_date: now,
        last_modified: now,
        title: name.clone(),
        last_version: 1,
        ..Default::default()
    };
    fields.apply(&mut item);
    set_current(&mut item, &v);
    store::insert(&mut tx, &item).await?;
    tx.commit().await?;
    Ok(item)
}

/// Delete every item of `folder` inside the caller's transaction (folder delete/clear). Blob
/// bytes that lose their last reference are removed by the next sweep.
pub async fn delete_folder_contents(tx: &mut oxbow_store::Tx, cid: i64, folder: i64, user: i64, ts: i64) -> OxResult<()> {
    for item in store::in_folder(&mut *tx, cid, folder, None).await? {
        for v in store::versions(&mut *tx, cid, item.id).await? {
            blob::refs::release_deferred(&mut *tx, &v.blob_key).await?;
            store::delete_version(&mut *tx, cid, item.id, v.version).await?;
        }
        for a in oxbow_store::attachments::of_object(&mut *tx, cid, 137, item.id).await? {
            blob::refs::release_deferred(&mut *tx, &a.blob_key).await?;
            oxbow_store::attachments::delete(&mut *tx, cid, a.id).await?;
        }
        store::delete_object_permissions(&mut *tx, cid, item.id).await?;
        store::delete(&mut *tx, cid, item.id).await?;
        store::record_tombstone(&mut *tx, cid, MODULE, &folder.to_string(), &wire_id(folder, item.id), user, ts).await?;
    }
    Ok(())
}
