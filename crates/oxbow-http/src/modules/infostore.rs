//! infostore module (Drive): items, versions, locks, downloads, ZIP archives.

use crate::columns;
use crate::request::{invalid, ApiRequest};
use crate::response::ApiResponse;
use crate::server::AppState;
use axum::body::Body;
use axum::response::Response;
use futures::StreamExt;
use http::{header, HeaderValue, StatusCode};
use oxbow_core::columns::infostore::TABLE;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_domain::folders;
use oxbow_domain::infostore::{self as drive, NewFile, UploadLimits};
use oxbow_domain::sessions::Session;
use oxbow_domain::Core;
use oxbow_store::infostore::{self as store, ItemRow};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let result = actions(state, req).await;
    close_on_failed_upload(req, result)
}

/// A refused upload may leave most of the body unread: answer with the callback page and
/// close the connection instead of reading (possibly gigabytes) to the end.
pub fn close_on_failed_upload(req: &ApiRequest, result: OxResult<ApiResponse>) -> OxResult<ApiResponse> {
    match result {
        Err(e) if req.upload && e.http_status.is_none() => {
            let mut resp = crate::response::callback_page(&req.action, &crate::response::error_envelope(&e));
            resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            Ok(ApiResponse::Raw(resp))
        }
        other => other,
    }
}

async fn actions(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "all" => all(state, req).await,
        "list" => list(state, req).await,
        "get" => get(state, req).await,
        "versions" => versions(state, req).await,
        "updates" => updates(state, req).await,
        "search" => search(state, req).await,
        "new" => new(state, req).await,
        "update" => update(state, req).await,
        "delete" => delete(state, req).await,
        "copy" => copy(state, req).await,
        "move" => move_items(state, req).await,
        "detach" => detach(state, req, false).await,
        "revert" => detach(state, req, true).await,
        "lock" => lock(state, req, true).await,
        "unlock" => lock(state, req, false).await,
        "document" => document(state, req).await,
        "zipdocuments" => zipdocuments(state, req).await,
        "zipfolder" => zipfolder(state, req).await,
        "checkname" => checkname(req),
        "saveAs" => save_as(state, req).await,
        "shares" => shares(state, req).await,
        "notify" => notify(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "infostore"])),
    }
}

fn session(req: &ApiRequest) -> OxResult<std::sync::Arc<Session>> {
    Ok(req.session()?.clone())
}

fn require_item_id(req: &ApiRequest) -> OxResult<i64> {
    let raw = req.require("id")?;
    drive::parse_id(raw).ok_or_else(|| invalid("id", raw))
}

fn require_folder(req: &ApiRequest) -> OxResult<i64> {
    let raw = req.require("folder")?;
    drive::parse_folder(raw).ok_or_else(|| invalid("folder", raw))
}

/// Objects for rows, with `number_of_versions`, attachments and object permissions looked
/// up for just these items.
async fn objects(core: &Core, s: &Session, rows: &[ItemRow], rights: &HashMap<i64, oxbow_core::perms::Rights>, tz: chrono_tz::Tz) -> OxResult<Vec<Map<String, Value>>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts: HashMap<i64, i64> = store::version_counts(&core.db, s.cid, &ids).await?.into_iter().collect();
    let attachments: HashMap<i64, i64> = oxbow_store::attachments::counts(&core.db, s.cid, 137, &ids).await?.into_iter().collect();
    let mut grants: HashMap<i64, Vec<store::ObjectPermissionRow>> = HashMap::new();
    for p in store::object_permissions(&core.db, s.cid, &ids).await? {
        grants.entry(p.item_id).or_default().push(p);
    }
    let mut names: HashMap<(i64, bool), String> = HashMap::new();
    for p in grants.values().flatten() {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry((p.entity, p.is_group)) {
            slot.insert(entity_display_name(&core.db, s.cid, p.entity, p.is_group).await?);
        }
    }
    Ok(rows
        .iter()
        .map(|r| {
            let folder_rights = rights.get(&r.folder_id).copied().unwrap_or_default();
            let mut m = drive::item_json(r, counts.get(&r.id).copied().unwrap_or(0), tz, folder_rights);
            m.insert("number_of_attachments".into(), json!(attachments.get(&r.id).copied().unwrap_or(0)));
            m.insert("shareable".into(), json!(drive::may_share(s, r, folder_rights)));
            // Reached through an object permission only: shown in "Shared files", like OX.
            if !folder_rights.can_see_folder() {
                let shared_files = folders::USER_STORE;
                m.insert("id".into(), json!(drive::wire_id(shared_files, r.id)));
                m.insert("folder_id".into(), json!(shared_files.to_string()));
            }
            let item_grants = grants.get(&r.id).map(Vec::as_slice).unwrap_or_default();
            let plain: Vec<Value> = item_grants.iter().map(|p| json!({"entity": p.entity, "group": p.is_group, "bits": p.bits})).collect();
            let extended: Vec<Value> = item_grants
                .iter()
                .map(|p| {
                    json!({
                        "entity": p.entity,
                        "bits": p.bits,
                        "type": if p.is_group { "group" } else { "user" },
                        "display_name": names.get(&(p.entity, p.is_group)).cloned().unwrap_or_default(),
                    })
                })
                .collect();
            m.insert("object_permissions".into(), Value::Array(plain));
            m.insert("com.openexchange.share.extendedObjectPermissions".into(), Value::Array(extended));
            m
        })
        .collect())
}

async fn entity_display_name(db: &oxbow_store::Db, cid: i64, entity: i64, is_group: bool) -> OxResult<String> {
    Ok(if is_group {
        if entity == folders::ALL_USERS_GROUP {
            "All users".to_string()
        } else {
            oxbow_store::groups::get(db, cid, entity).await?.map(|g| g.display_name).unwrap_or_default()
        }
    } else {
        oxbow_store::users::get(db, cid, entity).await?.map(|u| u.display_name).unwrap_or_default()
    })
}

fn owner_filter(s: &Session, rights: oxbow_core::perms::Rights) -> Option<i64> {
    if rights.can_read(s.user_id, -1) { None } else { Some(s.user_id) }
}

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let cols = columns::parse(req, &TABLE)?;
    let folder = require_folder(req)?;
    let sort = columns::parse_sort(req, &TABLE)?;
    let window = columns::parse_window(req)?;
    let access = drive::drive_folder(&state.db, &s, folder).await?;
    if folder == folders::USER_STORE {
        return shared_files(state, req, &s, &cols, sort, window).await;
    }
    if !access.rights.can_read_any() {
        return Err(codes::IFO_NO_READ.err());
    }
    let owner = owner_filter(&s, access.rights);
    let tz = req.tz()?;
    let rights = HashMap::from([(folder, access.rights)]);
    let (limit, offset) = window.limit_offset();
    let sql_sort = match sort {
        None => Some(("id", false)),
        Some((field, desc)) => store::sort_column(field).map(|_| (field, desc)),
    };
    let objs = match sql_sort {
        Some((field, desc)) => {
            let col = store::sort_column(field).unwrap_or("id");
            let rows = store::in_folder_page(&state.db, s.cid, folder, owner, col, desc, limit, offset).await?;
            objects(&state.core, &s, &rows, &rights, tz).await?
        }
        None => {
            let rows = store::in_folder(&state.db, s.cid, folder, owner).await?;
            let mut objs = objects(&state.core, &s, &rows, &rights, tz).await?;
            if let Some((field, desc)) = sort {
                columns::sort_by_field(&mut objs, field, desc);
            }
            window.apply(objs)
        }
    };
    let ts = objs.iter().filter_map(|o| o.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), ts))
}

/// `all` of the user store folder ("Shared files"): the items other users shared with the
/// caller through object permissions.
async fn shared_files(
    state: &AppState,
    req: &ApiRequest,
    s: &Session,
    cols: &columns::Columns,
    sort: Option<(&'static str, bool)>,
    window: columns::Window,
) -> OxResult<ApiResponse> {
    let mut groups = s.group_ids.clone();
    groups.push(folders::ALL_USERS_GROUP);
    let rows = store::shared_with(&state.db, s.cid, s.user_id, &groups).await?;
    let mut rights = HashMap::new();
    for r in &rows {
        if !rights.contains_key(&r.folder_id) {
            let folder_rights = folders::access(&state.db, s, r.folder_id).await?.map(|a| a.rights).unwrap_or_default();
            rights.insert(r.folder_id, folder_rights);
        }
    }
    let mut objs = objects(&state.core, s, &rows, &rights, req.tz()?).await?;
    if let Some((field, desc)) = sort {
        columns::sort_by_field(&mut objs, field, desc);
    }
    let objs = window.apply(objs);
    let ts = objs.iter().filter_map(|o| o.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, cols), ts))
}

/// `[{"id": "..", "folder": ".."}]` → item ids.
fn list_ids(body: &[Value]) -> OxResult<Vec<i64>> {
    body.iter()
        .map(|e| {
            let raw = match e.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(codes::SVL_MISSING_FIELD.with(["id"])),
            };
            drive::parse_id(&raw).ok_or_else(|| codes::SVL_INVALID_FIELD.with(["id", raw.as_str()]))
        })
        .collect()
}

async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let cols = columns::parse(req, &TABLE)?;
    let body = req.json_array().await?;
    let ids = list_ids(&body)?;
    let tz = req.tz()?;
    let mut rows = Vec::new();
    let mut rights = HashMap::new();
    for id in ids {
        let (item, access) = drive::readable_item(&state.db, &s, id).await?;
        rights.insert(item.folder_id, access.rights);
        rows.push(item);
    }
    let objs = objects(&state.core, &s, &rows, &rights, tz).await?;
    let ts = rows.iter().map(|r| r.last_modified).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), ts))
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let id = require_item_id(req)?;
    let (item, access) = drive::readable_item(&state.db, &s, id).await?;
    let tz = req.tz()?;
    let rights = HashMap::from([(item.folder_id, access.rights)]);
    let mut objs = objects(&state.core, &s, std::slice::from_ref(&item), &rights, tz).await?;
    Ok(ApiResponse::with_timestamp(Value::Object(objs.remove(0)), item.last_modified))
}

async fn versions(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let cols = columns::parse(req, &TABLE)?;
    let id = require_item_id(req)?;
    let sort = columns::parse_sort(req, &TABLE)?;
    let (item, access) = drive::readable_item(&state.db, &s, id).await?;
    let tz = req.tz()?;
    let versions = store::versions(&state.db, s.cid, id).await?;
    let count = versions.len() as i64;
    let mut objs: Vec<Map<String, Value>> = versions.iter().map(|v| drive::version_json(&item, v, count, tz, access.rights)).collect();
    if let Some((field, desc)) = sort {
        columns::sort_by_field(&mut objs, field, desc);
    }
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), item.last_modified))
}

async fn updates(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let cols = columns::parse(req, &TABLE)?;
    let folder = require_folder(req)?;
    let since = req.param_i64("timestamp")?.unwrap_or(0);
    let sort = columns::parse_sort(req, &TABLE)?;
    let access = drive::drive_folder(&state.db, &s, folder).await?;
    let tz = req.tz()?;
    let (rows, rights) = if folder == folders::USER_STORE {
        // "Shared files": items shared with the caller that changed (revocations are not tracked).
        let mut groups = s.group_ids.clone();
        groups.push(folders::ALL_USERS_GROUP);
        let rows: Vec<ItemRow> = store::shared_with(&state.db, s.cid, s.user_id, &groups).await?.into_iter().filter(|r| r.last_modified > since).collect();
        let mut rights = HashMap::new();
        for r in &rows {
            if !rights.contains_key(&r.folder_id) {
                rights.insert(r.folder_id, folders::access(&state.db, &s, r.folder_id).await?.map(|a| a.rights).unwrap_or_default());
            }
        }
        (rows, rights)
    } else {
        if !access.rights.can_read_any() {
            return Err(codes::IFO_NO_READ.err());
        }
        let rows = store::changed_since(&state.db, s.cid, folder, since, owner_filter(&s, access.rights)).await?;
        (rows, HashMap::from([(folder, access.rights)]))
    };
    let mut objs = objects(&state.core, &s, &rows, &rights, tz).await?;
    if let Some((field, desc)) = sort {
        columns::sort_by_field(&mut objs, field, desc);
    }
    let deleted: Vec<(Value, i64)> = if columns::ignore_deleted(req) {
        Vec::new()
    } else {
        store::tombstones_since(&state.db, s.cid, drive::MODULE, &folder.to_string(), since)
            .await?
            .into_iter()
            .map(|(id, ts)| (json!(id), ts))
            .collect()
    };
    let (data, ts) = columns::updates_data(&objs, &cols, &deleted, since);
    Ok(ApiResponse::with_timestamp(data, ts))
}

async fn search(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let cols = columns::parse(req, &TABLE)?;
    let sort = columns::parse_sort(req, &TABLE)?;
    let folder = match req.param_nonempty("folder") {
        Some(raw) => Some(drive::parse_folder(raw).ok_or_else(|| invalid("folder", raw))?),
        None => None,
    };
    let start = req.param_i64("start")?.unwrap_or(0).max(0) as usize;
    let end = req.param_i64("end")?;
    let body = req.json_object().await?;
    let pattern = match body.get("pattern") {
        None | Some(Value::Null) => "*".to_string(),
        Some(Value::String(p)) if p.is_empty() => "*".to_string(),
        Some(Value::String(p)) => p.clone(),
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["pattern", "expected a string"])),
    };
    let targets = match folder {
        Some(f) => vec![drive::drive_folder(&state.db, &s, f).await?],
        None => folders::visible_folders(&state.db, &s, drive::MODULE).await?,
    };
    let tz = req.tz()?;
    let mut rows = Vec::new();
    let mut rights = HashMap::new();
    for a in targets {
        if !a.rights.can_read_any() {
            continue;
        }
        rows.extend(store::search(&state.db, s.cid, a.folder.id, &pattern, owner_filter(&s, a.rights)).await?);
        rights.insert(a.folder.id, a.rights);
    }
    // Items shared with the caller one by one ("Shared files").
    if folder.is_none() || folder == Some(folders::USER_STORE) {
        let mut groups = s.group_ids.clone();
        groups.push(folders::ALL_USERS_GROUP);
        for item in store::search_shared_with(&state.db, s.cid, s.user_id, &groups, Some(pattern.as_str())).await? {
            if rows.iter().any(|r| r.id == item.id) {
                continue;
            }
            if !rights.contains_key(&item.folder_id) {
                rights.insert(item.folder_id, folders::access(&state.db, &s, item.folder_id).await?.map(|a| a.rights).unwrap_or_default());
            }
            rows.push(item);
        }
    }
    let mut objs = objects(&state.core, &s, &rows, &rights, tz).await?;
    if let Some((field, desc)) = sort {
        columns::sort_by_field(&mut objs, field, desc);
    }
    let end = end.map(|e| (e.max(-1) + 1) as usize);
    let window = columns::Window { start, end };
    let objs = window.apply(objs);
    let ts = objs.iter().filter_map(|o| o.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), ts))
}

// --- uploads --------------------------------------------------------------------------------

/// A multipart request: text fields (JSON) and uploaded files by field name.
pub struct UploadForm {
    pub texts: HashMap<String, String>,
    pub files: Vec<(String, NewFile)>,
}

impl UploadForm {
    /// Remove every uploaded blob (the request failed before anything referenced them).
    pub async fn discard(&self, core: &Core) {
        for (_, f) in &self.files {
            drive::discard(core, &f.upload).await;
        }
    }
}

fn declared_length(req: &ApiRequest) -> Option<u64> {
    req.header("content-length").and_then(|v| v.trim().parse().ok())
}

/// Read a multipart upload: file parts stream into the blob store under the upload and quota
/// limits; other parts are small text fields. On error nothing remains stored.
pub async fn read_upload(core: &Core, s: &Session, req: &mut ApiRequest) -> OxResult<UploadForm> {
    // Answer with the upload callback page even when refused before reading the body.
    req.upload = true;
    let limits = UploadLimits::for_session(core, s).await?;
    limits.check_declared(declared_length(req))?;
    let max_upload = req.max_upload_size;
    let mut mp = req.multipart()?;
    let mut form = UploadForm { texts: HashMap::new(), files: Vec::new() };
    let result: OxResult<()> = async {
        while let Some(field) = mp.next_field().await.map_err(|e| crate::request::multipart_error(e, max_upload))? {
            let name = field.name().unwrap_or("").to_string();
            if let Some(file_name) = field.file_name().map(str::to_string) {
                let part_type = field.content_type().map(|m| m.essence_str().to_string());
                let stream = field
                    .map(|r| {
                        r.map_err(|e| match e {
                            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
                                std::io::Error::new(std::io::ErrorKind::FileTooLarge, e.to_string())
                            }
                            other => std::io::Error::other(other.to_string()),
                        })
                    })
                    .boxed();
                let upload = drive::upload(core, stream, limits).await?;
                form.files.push((name, NewFile { upload, part_name: Some(file_name), part_type }));
            } else {
                let mut text = Vec::new();
                let mut field = field;
                while let Some(chunk) = field.chunk().await.map_err(|e| crate::request::multipart_error(e, max_upload))? {
                    if text.len() + chunk.len() > 1024 * 1024 {
                        return Err(codes::SVL_BODY_TOO_LARGE.with([1024 * 1024]));
                    }
                    text.extend_from_slice(&chunk);
                }
                form.texts.insert(name, String::from_utf8_lossy(&text).into_owned());
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        form.discard(core).await;
        return Err(e);
    }
    Ok(form)
}

fn parse_json_object(raw: Option<&String>, name: &str) -> OxResult<Map<String, Value>> {
    match raw {
        None => Ok(Map::new()),
        Some(text) if text.trim().is_empty() => Ok(Map::new()),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(codes::SVL_INVALID_FIELD.with([name, "expected a JSON object"])),
            Err(e) => Err(codes::SVL_INVALID_JSON.with([e.to_string()])),
        },
    }
}

/// The item data of PUT bodies: `{"file": {...}}` or the plain object.
fn item_data(body: Map<String, Value>) -> Map<String, Value> {
    match body.get("file") {
        Some(Value::Object(inner)) => inner.clone(),
        _ => body,
    }
}

/// The `notification` object next to `file` in a new/update body (mail the entities that
/// gained object permissions).
fn notification_of(body: &Map<String, Value>) -> Option<Map<String, Value>> {
    body.get("notification").filter(|n| !n.is_null()).map(|n| Map::from_iter([("notification".to_string(), n.clone())]))
}

/// Body of new/update/copy: multipart (json + file) or JSON, and its `notification`.
async fn item_request(
    state: &AppState,
    s: &Session,
    req: &mut ApiRequest,
) -> OxResult<(Map<String, Value>, Option<NewFile>, Option<UploadForm>, Option<Map<String, Value>>)> {
    if req.is_multipart() {
        let mut form = read_upload(&state.core, s, req).await?;
        let body = match parse_json_object(form.texts.get("json"), "json") {
            Ok(o) => o,
            Err(e) => {
                form.discard(&state.core).await;
                return Err(e);
            }
        };
        let notification = notification_of(&body);
        let pos = form.files.iter().position(|(n, _)| n == "file").or(if form.files.is_empty() { None } else { Some(0) });
        let file = pos.map(|p| form.files.remove(p).1);
        Ok((item_data(body), file, Some(form), notification))
    } else {
        let body = req.json_object().await?;
        let notification = notification_of(&body);
        Ok((item_data(body), None, None, notification))
    }
}

/// After new/update with a `notification`: mail every entity that gained an object
/// permission. The change itself succeeded, so problems become warnings.
async fn notify_new_grants(state: &AppState, req: &ApiRequest, s: &Session, item: &ItemRow, before: &[store::ObjectPermissionRow], notification: &Map<String, Value>, resp: ApiResponse) -> ApiResponse {
    use oxbow_domain::share_notifications as notices;
    let result: OxResult<Vec<(String, String)>> = async {
        let message = notices::personal_message(notification)?;
        let now = store::object_permissions(&state.db, s.cid, &[item.id]).await?;
        let added: Vec<notices::Recipient> = now
            .iter()
            .filter(|p| !before.iter().any(|b| b.entity == p.entity && b.is_group == p.is_group))
            .map(|p| if p.is_group { notices::Recipient::Group(p.entity) } else { notices::Recipient::User(p.entity) })
            .collect();
        if added.is_empty() {
            return Ok(Vec::new());
        }
        let to = notices::addresses(&state.core, s, &added).await?;
        let name = if item.filename.is_empty() { item.title.clone() } else { item.filename.clone() };
        let wire = drive::wire_id(item.folder_id, item.id);
        let link = share_link(state, req, "io.ox/files", &item.folder_id.to_string(), Some(&wire));
        notices::send(&state.core, s, &to, &notices::SharedThing { kind: "file", name: &name, link }, &message).await
    }
    .await;
    match result {
        Ok(failed) => failed.into_iter().fold(resp, |r, (address, reason)| r.warn(codes::IFO_NOTIFY_NOT_SENT.with([address, reason]))),
        Err(e) => resp.warn(codes::IFO_NOTIFY_NOT_SENT.with(["the recipients".to_string(), e.display_message()])),
    }
}

async fn new(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let try_add_version = req.flag("try_add_version")?;
    let (obj, file, extra, notification) = item_request(state, &s, req).await?;
    if let Some(extra) = &extra {
        extra.discard(&state.core).await;
    }
    let item = drive::create(&state.core, &s, &obj, file.as_ref(), try_add_version).await?;
    let resp = ApiResponse::with_timestamp(json!(drive::wire_id(item.folder_id, item.id)), item.last_modified);
    Ok(match notification {
        // try_add_version may have added to an existing item with grants already notified about.
        Some(n) if obj.contains_key("object_permissions") && !try_add_version => notify_new_grants(state, req, &s, &item, &[], &n, resp).await,
        _ => resp,
    })
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let id = require_item_id(req)?;
    let ts = req.param_i64("timestamp")?;
    let (obj, file, extra, notification) = item_request(state, &s, req).await?;
    if let Some(extra) = &extra {
        extra.discard(&state.core).await;
    }
    let notify = notification.filter(|_| obj.contains_key("object_permissions"));
    let before = match &notify {
        Some(_) => store::object_permissions(&state.db, s.cid, &[id]).await?,
        None => Vec::new(),
    };
    let item = drive::update(&state.core, &s, id, ts, &obj, file.as_ref()).await?;
    let resp = ApiResponse::with_timestamp(json!(drive::wire_id(item.folder_id, item.id)), item.last_modified);
    Ok(match notify {
        Some(n) => notify_new_grants(state, req, &s, &item, &before, &n, resp).await,
        None => resp,
    })
}

async fn copy(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let id = require_item_id(req)?;
    let (obj, file, extra, _) = item_request(state, &s, req).await?;
    if let Some(extra) = &extra {
        extra.discard(&state.core).await;
    }
    let item = drive::copy(&state.core, &s, id, &obj, file.as_ref()).await?;
    Ok(ApiResponse::with_timestamp(json!(drive::wire_id(item.folder_id, item.id)), item.last_modified))
}

async fn delete(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let ts = req.require_i64("timestamp")?;
    let hard = req.flag("hardDelete")?;
    let body = req.json_array().await?;
    let ids = list_ids(&body)?;
    let conflicts = drive::delete(&state.core, &s, &ids, ts, hard).await?;
    let now = oxbow_store::ids::current_timestamp(&state.db, s.cid).await?;
    Ok(ApiResponse::with_timestamp(json!(conflicts), now))
}

async fn move_items(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let dest = require_folder(req)?;
    let body = req.json_array().await?;
    let ids = list_ids(&body)?;
    let refused = drive::move_items(&state.core, &s, &ids, dest).await?;
    let now = oxbow_store::ids::current_timestamp(&state.db, s.cid).await?;
    Ok(ApiResponse::with_timestamp(json!(refused), now))
}

async fn detach(state: &AppState, req: &mut ApiRequest, all_versions: bool) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let id = require_item_id(req)?;
    let ts = req.require_i64("timestamp")?;
    let versions: Vec<i64> = if all_versions {
        store::versions(&state.db, s.cid, id).await?.into_iter().map(|v| v.version).collect()
    } else {
        req.json_array()
            .await?
            .iter()
            .map(|v| match v {
                Value::Number(n) => n.as_i64().ok_or_else(|| codes::SVL_INVALID_FIELD.with(["version", &n.to_string()])),
                Value::String(t) => t.trim().parse::<i64>().map_err(|_| codes::SVL_INVALID_FIELD.with(["version", t.as_str()])),
                other => Err(codes::SVL_INVALID_FIELD.with(["version", &other.to_string()])),
            })
            .collect::<OxResult<_>>()?
    };
    let (missing, now) = drive::detach(&state.core, &s, id, ts, &versions).await?;
    if all_versions {
        return Ok(ApiResponse::with_timestamp(json!({}), now));
    }
    Ok(ApiResponse::with_timestamp(json!(missing), now))
}

async fn lock(state: &AppState, req: &mut ApiRequest, on: bool) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let id = require_item_id(req)?;
    let diff = req.param_i64("diff")?;
    let item = drive::set_lock(&state.core, &s, id, diff, on).await?;
    Ok(ApiResponse::with_timestamp(json!({}), item.last_modified))
}

fn checkname(req: &ApiRequest) -> OxResult<ApiResponse> {
    let name = req.require("name")?;
    drive::validate_filename(name)?;
    Ok(ApiResponse::data(json!({})))
}

// --- downloads ------------------------------------------------------------------------------

/// A single `bytes=` range: Ok(None) = whole body; Err = not satisfiable.
fn parse_range(header: Option<&str>, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(h) = header else { return Ok(None) };
    let Some(spec) = h.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        size.saturating_sub(n)..size
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() { size } else { b.parse::<u64>().map_err(|_| ())?.saturating_add(1).min(size) };
        if start >= size || end <= start {
            return Err(());
        }
        start..end
    };
    Ok(Some(range))
}

fn disposition(req: &ApiRequest, filename: &str) -> String {
    let inline = match req.param_nonempty("delivery").or(req.param_nonempty("content_disposition")) {
        Some(d) => matches!(d.to_ascii_lowercase().as_str(), "view" | "inline"),
        None => false,
    };
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String = filename.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(filename, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

pub struct Download<'a> {
    pub blob_key: &'a str,
    pub size: u64,
    pub filename: &'a str,
    pub mimetype: &'a str,
    pub etag: String,
}

/// Stream a blob as a download with Range, ETag/If-None-Match and disposition handling.
pub async fn download_response(core: &Core, req: &ApiRequest, d: Download<'_>) -> OxResult<ApiResponse> {
    let etag = format!("\"{}\"", d.etag);
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "private, max-age=0, must-revalidate");
    if let Some(inm) = req.header("if-none-match") {
        if inm.split(',').any(|t| t.trim() == etag || t.trim() == "*") {
            return Ok(ApiResponse::Raw(builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()).map_err(OxError::internal)?));
        }
    }
    let content_type = match req.param_nonempty("content_type") {
        Some(ct) if ct.contains('/') && !ct.contains(['\r', '\n']) => ct.to_string(),
        _ if d.mimetype.is_empty() => "application/octet-stream".to_string(),
        _ => d.mimetype.to_string(),
    };
    let range = match parse_range(req.header("range"), d.size) {
        Ok(r) => r,
        Err(()) => {
            let r = builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{}", d.size))
                .body(Body::empty())
                .map_err(OxError::internal)?;
            return Ok(ApiResponse::Raw(r));
        }
    };
    let read = core.blobs.get(d.blob_key, range.clone()).await?;
    builder = builder
        .header(header::CONTENT_TYPE, HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")))
        .header(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition(req, d.filename)).unwrap_or(HeaderValue::from_static("attachment")))
        .header(header::CONTENT_LENGTH, read.range.end - read.range.start)
        .header("X-Content-Type-Options", "nosniff");
    if range.is_some() {
        builder = builder
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_RANGE, format!("bytes {}-{}/{}", read.range.start, read.range.end.saturating_sub(1), read.size));
    } else {
        builder = builder.status(StatusCode::OK);
    }
    let resp = builder.body(Body::from_stream(read.stream)).map_err(OxError::internal)?;
    Ok(ApiResponse::Raw(resp))
}

async fn document(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let id = require_item_id(req)?;
    let version = req.param_i64("version")?;
    let (item, v) = drive::document(&state.core, &s, id, version).await?;
    let etag = format!("{}-{}-{}", item.id, v.version, v.file_md5sum);
    download_response(
        &state.core,
        req,
        Download { blob_key: &v.blob_key, size: v.file_size as u64, filename: &v.filename, mimetype: &v.file_mimetype, etag },
    )
    .await
}

/// (name in archive, blob key, modified) entries streamed as a ZIP.
fn zip_response(core: &Core, entries: Vec<(String, String, i64)>, filename: &str) -> OxResult<ApiResponse> {
    use std::io::Write;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(8);
    let blobs = core.blobs.clone();
    tokio::spawn(async move {
        let mut zip = drive::zip::ZipStreamWriter::new(Vec::<u8>::with_capacity(256 * 1024));
        for (name, key, modified) in entries {
            let read = match blobs.get(&key, None).await {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            if zip.start_entry(&name, modified).is_err() {
                return;
            }
            let mut stream = read.stream;
            while let Some(chunk) = stream.next().await {
                let ok = match chunk {
                    Ok(c) => zip.write_all(&c).is_ok(),
                    Err(_) => false,
                };
                if !ok {
                    let _ = tx.send(Err(std::io::Error::other("reading a document failed"))).await;
                    return;
                }
                if zip.inner_mut().len() >= 128 * 1024 {
                    let out = bytes::Bytes::from(std::mem::take(zip.inner_mut()));
                    if tx.send(Ok(out)).await.is_err() {
                        return; // the client went away
                    }
                }
            }
        }
        if let Ok(rest) = zip.finish() {
            let _ = tx.send(Ok(bytes::Bytes::from(rest))).await;
        }
    });
    let body = Body::from_stream(tokio_stream_from(rx));
    let resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/zip")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\""))
        .body(body)
        .map_err(OxError::internal)?;
    Ok(ApiResponse::Raw(resp))
}

fn tokio_stream_from<T: Send + 'static>(mut rx: tokio::sync::mpsc::Receiver<T>) -> impl futures::Stream<Item = T> + Send {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Unique archive names: a second `a.txt` becomes `a (1).txt`.
fn unique_name(used: &mut std::collections::HashSet<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 1;
    while !used.insert(candidate.to_lowercase()) {
        candidate = drive::numbered_name(&name, n);
        n += 1;
    }
    candidate
}

async fn zipdocuments(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let body = req.json_array().await?;
    let mut entries = Vec::new();
    let mut used = std::collections::HashSet::new();
    for e in &body {
        let ids = list_ids(std::slice::from_ref(e))?;
        let version = match e.get("version") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(t)) if !t.is_empty() => Some(t.parse::<i64>().map_err(|_| codes::SVL_INVALID_FIELD.with(["version", t.as_str()]))?),
            _ => None,
        };
        let (item, v) = drive::document(&state.core, &s, ids[0], version).await?;
        entries.push((unique_name(&mut used, v.filename.clone()), v.blob_key, item.last_modified));
    }
    zip_response(&state.core, entries, "documents.zip")
}

async fn zipfolder(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let folder = require_folder(req)?;
    let recursive = req.flag("recursive")?;
    let root = drive::drive_folder(&state.db, &s, folder).await?;
    let mut entries = Vec::new();
    let mut queue = vec![(root, String::new())];
    let mut used = std::collections::HashSet::new();
    while let Some((access, prefix)) = queue.pop() {
        if access.rights.can_read_any() {
            let owner = owner_filter(&s, access.rights);
            for item in store::in_folder(&state.db, s.cid, access.folder.id, owner).await? {
                if item.version <= 0 {
                    continue;
                }
                if let Some(v) = store::version(&state.db, s.cid, item.id, item.version).await? {
                    entries.push((unique_name(&mut used, format!("{prefix}{}", v.filename)), v.blob_key, item.last_modified));
                }
            }
        }
        if recursive {
            for child in oxbow_store::folders::children(&state.db, s.cid, access.folder.id).await? {
                if let Some(a) = folders::access(&state.db, &s, child.id).await? {
                    let name: String = child.title.chars().map(|c| if c == '/' || c == '\\' { '_' } else { c }).collect();
                    queue.push((a, format!("{prefix}{name}/")));
                }
            }
        }
    }
    let name: String = root_title_ascii(&state.db, s.cid, folder).await;
    zip_response(&state.core, entries, &format!("{name}.zip"))
}

async fn root_title_ascii(db: &oxbow_store::Db, cid: i64, folder: i64) -> String {
    let title = oxbow_store::folders::get(db, cid, folder).await.ok().flatten().map(|f| f.title).unwrap_or_else(|| "folder".into());
    let t: String = title.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')).collect();
    if t.trim().is_empty() { "folder".into() } else { t }
}

// --- attachments into Drive, shares, notifications -------------------------------------------

async fn save_as(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let module = req.require_i64("module")?;
    let attached = req.require_i64("attached")?;
    let folder = req.require_i64("folder")?;
    let attachment = req.require_i64("attachment")?;
    let body = item_data(req.json_object().await?);
    let att = super::attachment::readable_attachment(&state.core, &s, module, folder, attached, attachment).await?;
    let item = drive::save_attachment(&state.core, &s, &body, &att).await?;
    Ok(ApiResponse::with_timestamp(json!(drive::wire_id(item.folder_id, item.id)), item.last_modified))
}

/// Items the user shares with others: items they created in folders that grant access to
/// other users or groups, and items they gave object permissions.
async fn shares(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = session(req)?;
    let cols = columns::parse(req, &TABLE)?;
    let sort = columns::parse_sort(req, &TABLE)?;
    let tz = req.tz()?;
    let mut rows = Vec::new();
    let mut rights = HashMap::new();
    for a in folders::visible_folders(&state.db, &s, drive::MODULE).await? {
        if a.folder.created_by != s.user_id || a.folder.id < folders::FIRST_USER_FOLDER {
            continue;
        }
        let perms = oxbow_store::folders::permissions(&state.db, s.cid, a.folder.id).await?;
        let shared = perms.iter().any(|p| p.is_group || p.entity != s.user_id);
        if !shared {
            continue;
        }
        rows.extend(store::in_folder(&state.db, s.cid, a.folder.id, Some(s.user_id)).await?);
        rights.insert(a.folder.id, a.rights);
    }
    for item in store::with_object_permissions_by(&state.db, s.cid, s.user_id).await? {
        if rows.iter().any(|r| r.id == item.id) {
            continue;
        }
        if !rights.contains_key(&item.folder_id) {
            let folder_rights = folders::access(&state.db, &s, item.folder_id).await?.map(|a| a.rights).unwrap_or_default();
            rights.insert(item.folder_id, folder_rights);
        }
        rows.push(item);
    }
    let mut objs = objects(&state.core, &s, &rows, &rights, tz).await?;
    if let Some((field, desc)) = sort {
        columns::sort_by_field(&mut objs, field, desc);
    }
    let ts = rows.iter().map(|r| r.last_modified).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), ts))
}

/// The web UI address of a shared folder or file, from the request's host (None when the
/// request names no usable host).
pub fn share_link(state: &AppState, req: &ApiRequest, app: &str, folder: &str, item: Option<&str>) -> Option<String> {
    let host = req.header("x-forwarded-host").or(req.header("host"))?.split(',').next()?.trim();
    let host_ok = !host.is_empty() && host.len() <= 255 && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok {
        return None;
    }
    let https = state.core.config.cookie_secure || req.header("x-forwarded-proto").is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    let scheme = if https { "https" } else { "http" };
    let path: String = state.core.config.ui_web_path.chars().filter(|c| c.is_ascii_graphic() && *c != '#' && *c != '"' && *c != '<' && *c != '>').collect();
    let path = format!("/{}", path.trim_matches('/'));
    let path = if path == "/" { path } else { format!("{path}/") };
    let enc = |v: &str| percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string();
    let mut link = format!("{scheme}://{host}{path}#!&app={app}&folder={}", enc(folder));
    if let Some(id) = item {
        link.push_str(&format!("&id={}", enc(id)));
    }
    Some(link)
}

/// Mails a notification about a shared item to each entity (users, members of groups,
/// plain addresses) and records it. Undeliverable recipients come back as warnings.
async fn notify(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    use oxbow_domain::share_notifications as notices;
    let s = session(req)?;
    let id = require_item_id(req)?;
    let body = req.json_object().await?;
    let (item, access) = drive::readable_item(&state.db, &s, id).await?;
    if !drive::may_share(&s, &item, access.rights) {
        return Err(codes::IFO_NO_WRITE.err());
    }
    let entities = match body.get("entities") {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= notices::MAX_RECIPIENTS => a.clone(),
        Some(Value::Array(a)) if !a.is_empty() => return Err(codes::SVL_INVALID_FIELD.with(["entities", "too many entries"])),
        Some(Value::Array(_)) | None | Some(Value::Null) => return Err(codes::SVL_MISSING_FIELD.with(["entities"])),
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["entities", "expected an array"])),
    };
    let message = notices::personal_message(&body)?;
    // Ids named as groups by the item's or its folder's permissions are groups.
    let mut groups_named: Vec<i64> = store::object_permissions(&state.db, s.cid, &[item.id]).await?.into_iter().filter(|p| p.is_group).map(|p| p.entity).collect();
    groups_named.extend(oxbow_store::folders::permissions(&state.db, s.cid, item.folder_id).await?.into_iter().filter(|p| p.is_group).map(|p| p.entity));
    let mut recipients = Vec::with_capacity(entities.len());
    for e in &entities {
        recipients.push(notices::resolve(&state.db, s.cid, e, |id| groups_named.contains(&id)).await?);
    }
    let addresses = notices::addresses(&state.core, &s, &recipients).await?;
    let now = oxbow_core::time::now_ms();
    let mut tx = state.db.begin().await?;
    for r in &recipients {
        let entity = match r {
            notices::Recipient::User(u) => *u,
            notices::Recipient::Group(g) => *g,
            notices::Recipient::Address(_) => -1,
        };
        store::record_notification(&mut tx, s.cid, item.id, s.user_id, entity, &message, now).await?;
    }
    tx.commit().await?;
    let name = if item.filename.is_empty() { item.title.clone() } else { item.filename.clone() };
    let folder = item.folder_id.to_string();
    let wire = drive::wire_id(item.folder_id, item.id);
    let link = share_link(state, req, "io.ox/files", &folder, Some(&wire));
    let thing = notices::SharedThing { kind: "file", name: &name, link };
    let failed = notices::send(&state.core, &s, &addresses, &thing, &message).await?;
    let mut resp = ApiResponse::data(json!({}));
    for (address, reason) in failed {
        resp = resp.warn(codes::IFO_NOTIFY_NOT_SENT.with([address, reason]));
    }
    Ok(resp)
}
