//! folders module: the folder tree (root, list, get, path, allVisible, updates, shares) and
//! its changes (new, update, delete, clear, notify). Stored folders come from the domain's
//! user tree; ids owned by a registered folder provider (mail accounts) are delegated.

use crate::request::{invalid, ApiRequest};
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::columns::folders::TABLE;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_domain::folder_ops::{self, Actor, FolderUpdate, NewFolder, Notification};
use oxbow_domain::folder_provider::{FolderChange, FolderObject, FolderProvider};
use oxbow_domain::folder_tree::{self, FolderRef, Place, RenderOptions, UserTree};
use oxbow_domain::folders::{PRIVATE, ROOT};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Most folder ids one delete/clear request may name.
const MAX_IDS: usize = 1000;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "root" => root(state, req).await,
        "list" => list(state, req).await,
        "get" => get(state, req).await,
        "path" => path(state, req).await,
        "allVisible" => all_visible(state, req).await,
        "updates" => updates(state, req).await,
        "shares" => shares(state, req).await,
        "new" => create(state, req).await,
        "update" => update(state, req).await,
        "delete" => delete(state, req).await,
        "clear" => clear(state, req).await,
        "notify" => notify(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "folders"])),
    }
}

/// The folder tree id: "0" (OX tree) and "1" (App Suite tree) show the same folders here.
pub fn tree_param(req: &ApiRequest) -> OxResult<String> {
    let t = req.param_nonempty("tree").unwrap_or("0");
    match t {
        "0" | "1" => Ok(t.to_string()),
        other => Err(invalid("tree", other)),
    }
}

/// The requested columns; unknown or non-numeric ids give `null` slots (behaviour notes 3.6).
fn columns(req: &ApiRequest) -> OxResult<Vec<Option<&'static str>>> {
    let raw = req.require("columns")?;
    if raw.len() > 4000 {
        return Err(invalid("columns", raw));
    }
    Ok(raw.split(',').map(|t| t.trim().parse::<u32>().ok().and_then(|id| TABLE.field(id))).collect())
}

fn row(o: &FolderObject, cols: &[Option<&'static str>]) -> Value {
    Value::Array(cols.iter().map(|c| c.and_then(|f| o.get(f).cloned()).unwrap_or(Value::Null)).collect())
}

fn wants_counts(cols: &[Option<&'static str>]) -> bool {
    cols.iter().flatten().any(|f| matches!(*f, "total" | "new" | "unread" | "summary"))
}

fn options(req: &ApiRequest, counts: bool) -> OxResult<RenderOptions> {
    Ok(RenderOptions { tz: req.tz()?, alt_names: req.flag("altNames")?, counts })
}

/// `allowed_modules`: module names or numbers; `None` means all.
fn allowed_modules(req: &ApiRequest) -> OxResult<Option<Vec<&'static str>>> {
    let Some(raw) = req.param_nonempty("allowed_modules") else { return Ok(None) };
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        out.push(folder_tree::module_name(part).ok_or_else(|| invalid("allowed_modules", raw))?);
    }
    Ok(Some(out))
}

fn module_allowed(o: &FolderObject, allowed: &Option<Vec<&'static str>>) -> bool {
    match allowed {
        None => true,
        Some(list) => {
            let m = o.get("module").and_then(Value::as_str).unwrap_or("");
            m == "system" || list.iter().any(|a| *a == m)
        }
    }
}

fn max_ts(objs: &[FolderObject]) -> i64 {
    objs.iter().filter_map(|o| o.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0)
}

fn provider_for(state: &AppState, id: &str) -> Option<Arc<dyn FolderProvider>> {
    state.core.folder_providers.iter().find(|p| p.owns(id)).cloned()
}

fn rows_answer(objs: Vec<FolderObject>, cols: &[Option<&'static str>]) -> ApiResponse {
    let ts = max_ts(&objs);
    let data: Vec<Value> = objs.iter().map(|o| row(o, cols)).collect();
    ApiResponse::with_timestamp(Value::Array(data), ts)
}

async fn root(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    tree_param(req)?;
    let cols = columns(req)?;
    let allowed = allowed_modules(req)?;
    let s = req.session()?.clone();
    let tree = UserTree::load(&state.core.db, &s).await?;
    let o = options(req, wants_counts(&cols))?;
    let mut objs = folder_tree::render_children(&state.core.db, &s, &tree, Place::Folder(ROOT), &o).await?;
    objs.retain(|f| module_allowed(f, &allowed));
    Ok(rows_answer(objs, &cols))
}

/// Children of any folder id, stored, virtual or provider-owned.
async fn children_of(state: &AppState, req: &ApiRequest, parent: &str, tree_id: &str, counts: bool) -> OxResult<Vec<FolderObject>> {
    let s = req.session()?.clone();
    let all = req.flag("all")?;
    if let Some(p) = provider_for(state, parent) {
        return match p.get(&s, parent).await? {
            Some(_) => p.children(&s, parent, all).await,
            None => Err(folder_tree::not_found(parent, tree_id)),
        };
    }
    let db = &state.core.db;
    let tree = UserTree::load(db, &s).await?;
    let o = options(req, counts)?;
    let mut objs = match folder_tree::parse_ref(parent) {
        Some(FolderRef::Stored(id)) => {
            if !tree.visible(id) {
                folder_tree::require_visible(db, &s, id, tree_id).await?;
            }
            folder_tree::render_children(db, &s, &tree, Place::Folder(id), &o).await?
        }
        Some(FolderRef::SharedBy(owner)) => {
            if !tree.sharing_owners().contains(&owner) {
                return Err(folder_tree::not_found(parent, tree_id));
            }
            folder_tree::render_children(db, &s, &tree, Place::SharedBy(owner), &o).await?
        }
        None => return Err(folder_tree::not_found(parent, tree_id)),
    };
    if parent == PRIVATE.to_string() {
        for p in &state.core.folder_providers {
            objs.extend(p.roots(&s).await?);
        }
    }
    if !all {
        objs.retain(|o| o.get("subscribed").and_then(Value::as_bool).unwrap_or(true));
    }
    Ok(objs)
}

async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let tree_id = tree_param(req)?;
    let parent = req.require("parent")?.to_string();
    let cols = columns(req)?;
    let allowed = allowed_modules(req)?;
    let mut objs = children_of(state, req, &parent, &tree_id, wants_counts(&cols)).await?;
    objs.retain(|f| module_allowed(f, &allowed));
    if req.flag("errorOnDuplicateName")? {
        let mut seen = std::collections::HashSet::new();
        for o in &objs {
            let title = o.get("title").and_then(Value::as_str).unwrap_or("");
            if !seen.insert(title.to_lowercase()) {
                return Err(codes::FLD_DUPLICATE_NAME.with([title]));
            }
        }
    }
    Ok(rows_answer(objs, &cols))
}

/// One folder by id as the user sees it.
async fn object(state: &AppState, req: &ApiRequest, id: &str, tree_id: &str, counts: bool) -> OxResult<FolderObject> {
    let s = req.session()?.clone();
    if let Some(p) = provider_for(state, id) {
        return p.get(&s, id).await?.ok_or_else(|| folder_tree::not_found(id, tree_id));
    }
    let db = &state.core.db;
    match folder_tree::parse_ref(id) {
        Some(FolderRef::Stored(fid)) => {
            let tree = UserTree::load(db, &s).await?;
            if !tree.visible(fid) {
                folder_tree::require_visible(db, &s, fid, tree_id).await?;
            }
            let o = options(req, counts)?;
            folder_tree::render(db, &s, &tree, &[fid], &o).await?.pop().ok_or_else(|| folder_tree::not_found(id, tree_id))
        }
        Some(FolderRef::SharedBy(owner)) => {
            let tree = UserTree::load(db, &s).await?;
            if !tree.sharing_owners().contains(&owner) {
                return Err(folder_tree::not_found(id, tree_id));
            }
            folder_tree::render_shared_owner(db, &s, owner).await
        }
        None => Err(folder_tree::not_found(id, tree_id)),
    }
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let tree_id = tree_param(req)?;
    let id = req.require("id")?.to_string();
    let mut o = object(state, req, &id, &tree_id, true).await?;
    o.retain(|_, v| !v.is_null());
    let ts = o.get("last_modified_utc").and_then(Value::as_i64).unwrap_or(0);
    Ok(ApiResponse::with_timestamp(Value::Object(o), ts))
}

async fn path(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let tree_id = tree_param(req)?;
    let id = req.require("id")?.to_string();
    let cols = columns(req)?;
    let counts = wants_counts(&cols);
    let s = req.session()?.clone();
    if let Some(p) = provider_for(state, &id) {
        // Walk the provider's parents up to its account root, then "Private folders".
        let mut out = Vec::new();
        let mut cur = Some(id.clone());
        while let Some(cid) = cur.take() {
            if out.len() > 100 {
                break;
            }
            let Some(f) = p.get(&s, &cid).await? else {
                if out.is_empty() {
                    return Err(folder_tree::not_found(&id, &tree_id));
                }
                break;
            };
            let parent = f.get("folder_id").and_then(Value::as_str).map(str::to_string);
            out.push(f);
            cur = parent.filter(|pid| p.owns(pid));
        }
        out.push(object(state, req, &PRIVATE.to_string(), &tree_id, counts).await?);
        return Ok(rows_answer(out, &cols));
    }
    let db = &state.core.db;
    let Some(r) = folder_tree::parse_ref(&id) else { return Err(folder_tree::not_found(&id, &tree_id)) };
    let tree = UserTree::load(db, &s).await?;
    match r {
        FolderRef::Stored(fid) if !tree.visible(fid) => {
            folder_tree::require_visible(db, &s, fid, &tree_id).await?;
        }
        FolderRef::SharedBy(owner) if !tree.sharing_owners().contains(&owner) => {
            return Err(folder_tree::not_found(&id, &tree_id));
        }
        _ => {}
    }
    let o = options(req, counts)?;
    let mut out = Vec::new();
    for place in tree.path(r) {
        match place {
            Place::Folder(fid) => out.extend(folder_tree::render(db, &s, &tree, &[fid], &o).await?),
            Place::SharedBy(owner) => out.push(folder_tree::render_shared_owner(db, &s, owner).await?),
            Place::Top => {}
        }
    }
    Ok(rows_answer(out, &cols))
}

fn content_type(req: &ApiRequest) -> OxResult<&'static str> {
    let raw = req.require("content_type")?;
    folder_tree::module_name(raw).filter(|m| *m != "system").ok_or_else(|| invalid("content_type", raw))
}

async fn all_visible(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    tree_param(req)?;
    let cols = columns(req)?;
    let module = content_type(req)?;
    let s = req.session()?.clone();
    let db = &state.core.db;
    let mut out = Map::new();
    let mut ts = 0;
    if module == "mail" {
        // Mail folders come from the providers: all of them count as private.
        let mut objs = Vec::new();
        for p in &state.core.folder_providers {
            let mut stack = p.roots(&s).await?;
            while let Some(f) = stack.pop() {
                if let Some(id) = f.get("id").and_then(Value::as_str) {
                    if objs.len() < 10_000 {
                        stack.extend(p.children(&s, id, true).await?);
                    }
                }
                objs.push(f);
            }
        }
        out.insert("private".into(), Value::Array(objs.iter().map(|o| row(o, &cols)).collect()));
        out.insert("public".into(), json!([]));
        out.insert("shared".into(), json!([]));
        return Ok(ApiResponse::with_timestamp(Value::Object(out), max_ts(&objs)));
    }
    let tree = UserTree::load(db, &s).await?;
    let o = options(req, wants_counts(&cols))?;
    for (section, ids) in folder_tree::sections(&tree, module) {
        let objs = folder_tree::render(db, &s, &tree, &ids, &o).await?;
        ts = ts.max(max_ts(&objs));
        out.insert(section.into(), Value::Array(objs.iter().map(|o| row(o, &cols)).collect()));
    }
    Ok(ApiResponse::with_timestamp(Value::Object(out), ts))
}

async fn updates(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    tree_param(req)?;
    req.require("parent")?;
    let cols = columns(req)?;
    let since = req.require_i64("timestamp")?;
    let allowed = allowed_modules(req)?;
    let s = req.session()?.clone();
    let db = &state.core.db;
    let tree = UserTree::load(db, &s).await?;
    let mut changed: Vec<i64> = tree.nodes.values().filter(|a| a.folder.last_modified > since).map(|a| a.folder.id).collect();
    changed.sort();
    let o = options(req, wants_counts(&cols))?;
    let mut objs = folder_tree::render(db, &s, &tree, &changed, &o).await?;
    objs.retain(|f| module_allowed(f, &allowed));
    let mut ts = since.max(max_ts(&objs));
    let mut data: Vec<Value> = objs.iter().map(|o| row(o, &cols)).collect();
    if !crate::columns::ignore_deleted(req) {
        let mut seen = std::collections::HashSet::new();
        for (id, t) in oxbow_store::folders::tombstones_since(db, s.cid, since).await? {
            // A folder that is still visible was not deleted for this user.
            let still_visible = id.parse::<i64>().is_ok_and(|i| tree.visible(i));
            if !still_visible && seen.insert(id.clone()) {
                ts = ts.max(t);
                data.push(Value::from(id));
            }
        }
    }
    Ok(ApiResponse::with_timestamp(Value::Array(data), ts))
}

async fn shares(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    tree_param(req)?;
    let cols = columns(req)?;
    let module = content_type(req)?;
    let all = req.flag("all")?;
    let s = req.session()?.clone();
    let db = &state.core.db;
    let tree = UserTree::load(db, &s).await?;
    let mut ids: Vec<i64> = tree
        .nodes
        .values()
        .filter(|a| a.folder.module == module && a.rights.admin && a.folder.id >= oxbow_domain::folders::FIRST_USER_FOLDER)
        .map(|a| a.folder.id)
        .collect();
    ids.sort();
    let perms = oxbow_store::folders::permissions_of(db, s.cid, &ids).await?;
    ids.retain(|id| perms.iter().any(|p| p.folder_id == *id && (p.is_group || p.entity != s.user_id)));
    let o = options(req, wants_counts(&cols))?;
    let mut objs = folder_tree::render(db, &s, &tree, &ids, &o).await?;
    if !all {
        objs.retain(|o| o.get("subscribed").and_then(Value::as_bool).unwrap_or(true));
    }
    Ok(rows_answer(objs, &cols))
}

/// The `folder` object of a FolderBody (or the body itself), and its `notification`.
fn folder_body(body: Map<String, Value>) -> OxResult<(Map<String, Value>, Option<Notification>)> {
    let notification = match body.get("notification") {
        None | Some(Value::Null) => None,
        Some(Value::Object(n)) => Some(Notification { message: n.get("message").and_then(Value::as_str).unwrap_or("").chars().take(10_000).collect() }),
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["notification", "expected an object"])),
    };
    match body.get("folder") {
        Some(Value::Object(f)) => Ok((f.clone(), notification)),
        Some(_) => Err(codes::SVL_INVALID_FIELD.with(["folder", "expected an object"])),
        None => Ok((body, notification)),
    }
}

fn opt_string(f: &Map<String, Value>, name: &str) -> OxResult<Option<String>> {
    match f.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(codes::SVL_INVALID_FIELD.with([name, &other.to_string().chars().take(100).collect::<String>()])),
    }
}

fn opt_bool(f: &Map<String, Value>, name: &str) -> OxResult<Option<bool>> {
    match f.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) => Ok(Some(n.as_i64() == Some(1))),
        Some(other) => Err(codes::SVL_INVALID_FIELD.with([name, &other.to_string().chars().take(100).collect::<String>()])),
    }
}

fn opt_permissions(f: &Map<String, Value>) -> OxResult<Option<Vec<Value>>> {
    match f.get("permissions") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(_) => Err(codes::FLD_INVALID_PERMISSION.with(["expected an array"])),
    }
}

fn stored_id(id: &str, tree_id: &str) -> OxResult<i64> {
    match folder_tree::parse_ref(id) {
        Some(FolderRef::Stored(i)) => Ok(i),
        Some(FolderRef::SharedBy(_)) => Err(codes::FLD_NO_CREATE.with([id])),
        None => Err(folder_tree::not_found(id, tree_id)),
    }
}

async fn create(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let tree_id = tree_param(req)?;
    let parent = req.require("folder_id")?.to_string();
    let (f, notification) = folder_body(req.json_object().await?)?;
    let s = req.session()?.clone();
    let title = opt_string(&f, "title")?.ok_or_else(|| codes::SVL_MISSING_FIELD.with(["title"]))?;
    let permissions = opt_permissions(&f)?;
    let subscribed = opt_bool(&f, "subscribed")?;
    if let Some(p) = provider_for(state, &parent) {
        let change = FolderChange { title: Some(title), parent: Some(parent.clone()), subscribed, permissions };
        let id = p.create(&s, &parent, change).await?;
        return Ok(ApiResponse::data(Value::from(id)));
    }
    let parent_id = stored_id(&parent, &tree_id)?;
    let module = opt_string(&f, "module")?;
    if module.as_deref() == Some("mail") {
        return Err(codes::FLD_BAD_MODULE.with(["mail"]));
    }
    let actor = Actor { db: &state.core.db, s: &s, tree: &tree_id };
    let spec = NewFolder { title, module, permissions, subscribed };
    let notify = notification.is_some();
    let (id, ts) = folder_ops::create(&actor, parent_id, spec, notification).await?;
    let resp = ApiResponse::with_timestamp(Value::from(id.to_string()), ts);
    Ok(if notify { deliver_notifications(state, req, &s, id, resp).await } else { resp })
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let tree_id = tree_param(req)?;
    let id = req.require("id")?.to_string();
    let client_ts = req.param_i64("timestamp")?;
    let cascade = req.flag("cascadePermissions")?;
    let (f, notification) = folder_body(req.json_object().await?)?;
    let s = req.session()?.clone();
    let title = opt_string(&f, "title")?;
    let parent = opt_string(&f, "folder_id")?;
    let permissions = opt_permissions(&f)?;
    let subscribed = opt_bool(&f, "subscribed")?;
    if let Some(p) = provider_for(state, &id) {
        let new_id = p.update(&s, &id, FolderChange { title, parent, subscribed, permissions }).await?;
        return Ok(ApiResponse::data(Value::from(new_id)));
    }
    let fid = match folder_tree::parse_ref(&id) {
        Some(FolderRef::Stored(i)) => i,
        Some(FolderRef::SharedBy(_)) => return Err(codes::FLD_PROTECTED.with([id.as_str()])),
        None => return Err(folder_tree::not_found(&id, &tree_id)),
    };
    let parent = match parent {
        None => None,
        Some(p) if provider_for(state, &p).is_some() => return Err(codes::FLD_BAD_MODULE.with([p.as_str()])),
        Some(p) => Some(stored_id(&p, &tree_id)?),
    };
    let actor = Actor { db: &state.core.db, s: &s, tree: &tree_id };
    let change = FolderUpdate { title, parent, permissions, subscribed };
    let notify = notification.is_some();
    let ts = folder_ops::update(&actor, fid, client_ts, change, cascade, notification).await?;
    let resp = ApiResponse::with_timestamp(Value::from(id), ts);
    Ok(if notify { deliver_notifications(state, req, &s, fid, resp).await } else { resp })
}

/// The body of delete/clear: a JSON array of folder ids (strings or numbers).
pub async fn id_list(req: &mut ApiRequest) -> OxResult<Vec<String>> {
    ids_from(req.json().await?)
}

pub fn ids_from(body: Value) -> OxResult<Vec<String>> {
    let Value::Array(arr) = body else { return Err(codes::SVL_INVALID_JSON.with(["expected a JSON array"])) };
    if arr.len() > MAX_IDS {
        return Err(codes::SVL_INVALID_FIELD.with(["body", "too many folder ids"]));
    }
    arr.into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(codes::SVL_INVALID_FIELD.with(["body", &other.to_string().chars().take(100).collect::<String>()])),
        })
        .collect()
}

/// Outcome of a delete/clear over several ids: with `failOnError` the first error is the
/// answer; otherwise failed ids are listed in the answer and their errors become warnings.
#[derive(Default)]
struct Outcome {
    failed: Vec<Value>,
    warnings: Vec<OxError>,
    ts: i64,
}

impl Outcome {
    fn record(&mut self, id: &str, result: OxResult<i64>, fail_on_error: bool) -> OxResult<()> {
        match result {
            Ok(t) => self.ts = self.ts.max(t),
            Err(e) if fail_on_error => return Err(e),
            Err(e) => {
                self.failed.push(Value::from(id));
                self.warnings.push(e);
            }
        }
        Ok(())
    }

    fn answer(self) -> ApiResponse {
        let data = Value::Array(self.failed);
        let mut resp = if self.ts > 0 { ApiResponse::with_timestamp(data, self.ts) } else { ApiResponse::data(data) };
        for w in self.warnings {
            resp = resp.warn(w);
        }
        resp
    }
}

async fn delete_one(state: &AppState, s: &oxbow_domain::sessions::Session, id: &str, tree_id: &str, client_ts: Option<i64>, hard: bool) -> OxResult<i64> {
    if let Some(p) = provider_for(state, id) {
        p.delete(s, id, hard).await?;
        return Ok(0);
    }
    let fid = match folder_tree::parse_ref(id) {
        Some(FolderRef::Stored(i)) => i,
        Some(FolderRef::SharedBy(_)) => return Err(codes::FLD_CANNOT_DELETE.with([id])),
        None => return Err(folder_tree::not_found(id, tree_id)),
    };
    let actor = Actor { db: &state.core.db, s, tree: tree_id };
    folder_ops::delete(&actor, fid, client_ts, hard).await
}

async fn delete(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let tree_id = tree_param(req)?;
    let client_ts = req.param_i64("timestamp")?;
    let hard = req.flag("hardDelete")?;
    let fail_on_error = req.flag("failOnError")?;
    let ids = id_list(req).await?;
    let s = req.session()?.clone();
    let mut outcome = Outcome::default();
    for id in &ids {
        let r = delete_one(state, &s, id, &tree_id, client_ts, hard).await;
        outcome.record(id, r, fail_on_error)?;
    }
    Ok(outcome.answer())
}

/// Clear one folder (shared by folders?action=clear and sync?action=refresh_server).
pub async fn clear_one(state: &AppState, s: &oxbow_domain::sessions::Session, id: &str, tree_id: &str) -> OxResult<i64> {
    if let Some(p) = provider_for(state, id) {
        p.clear(s, id).await?;
        return Ok(0);
    }
    let fid = match folder_tree::parse_ref(id) {
        Some(FolderRef::Stored(i)) => i,
        Some(FolderRef::SharedBy(_)) => return Err(codes::FLD_NO_CLEAR.with([id])),
        None => return Err(folder_tree::not_found(id, tree_id)),
    };
    let actor = Actor { db: &state.core.db, s, tree: tree_id };
    folder_ops::clear(&actor, fid).await
}

async fn clear(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let tree_id = tree_param(req)?;
    let fail_on_error = req.flag("failOnError")?;
    let ids = id_list(req).await?;
    let s = req.session()?.clone();
    let mut outcome = Outcome::default();
    for id in &ids {
        let r = clear_one(state, &s, id, &tree_id).await;
        outcome.record(id, r, fail_on_error)?;
    }
    Ok(outcome.answer())
}

async fn notify(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let tree_id = tree_param(req)?;
    let id = req.require("id")?.to_string();
    let body = req.json_object().await?;
    let s = req.session()?.clone();
    let entities: Vec<i64> = match body.get("entities") {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= 1000 => a
            .iter()
            .map(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| codes::SVL_INVALID_FIELD.with(["entities", "expected entity ids"]))?,
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["entities", "expected a non-empty array"])),
        None => return Err(codes::SVL_MISSING_FIELD.with(["entities"])),
    };
    let message = body
        .get("notification")
        .and_then(|n| n.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(10_000)
        .collect::<String>();
    let fid = match folder_tree::parse_ref(&id) {
        Some(FolderRef::Stored(i)) if provider_for(state, &id).is_none() => i,
        _ => return Err(folder_tree::not_found(&id, &tree_id)),
    };
    let actor = Actor { db: &state.core.db, s: &s, tree: &tree_id };
    folder_ops::notify(&actor, fid, &entities, Notification { message }).await?;
    Ok(deliver_notifications(state, req, &s, fid, ApiResponse::data(json!({}))).await)
}

/// Mail the share notifications just queued for folder `fid`. The folder change itself has
/// succeeded, so delivery problems become warnings of the answer, never its error.
async fn deliver_notifications(state: &AppState, req: &ApiRequest, s: &oxbow_domain::sessions::Session, fid: i64, resp: ApiResponse) -> ApiResponse {
    use oxbow_domain::share_notifications as notices;
    let module = match oxbow_store::folders::get(&state.core.db, s.cid, fid).await {
        Ok(Some(f)) => f.module,
        _ => String::new(),
    };
    let link = super::infostore::share_link(state, req, notices::app_of_module(&module), &fid.to_string(), None);
    match notices::deliver_folder_notifications(&state.core, s, fid, link).await {
        Ok(failed) => failed.into_iter().fold(resp, |r, (address, reason)| r.warn(codes::FLD_NOTIFY_NOT_SENT.with([address, reason]))),
        Err(e) => resp.warn(codes::FLD_NOTIFY_NOT_SENT.with(["the recipients".to_string(), e.display_message()])),
    }
}
