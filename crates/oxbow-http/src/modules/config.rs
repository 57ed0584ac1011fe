//! config module: the per-user configuration tree (`GET /config/<path>` answers the
//! subtree, `PUT /config/<path>` sets a writable leaf) and named per-user properties
//! (`config?action=get_property|set_property`).
//!
//! Modules publish their settings by adding a section to `tree` below.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::time::{now_ms, to_wire_time};
use oxbow_core::{codes, OxResult};
use oxbow_domain::directory;
use oxbow_domain::folders;
use oxbow_domain::sessions::Session;
use oxbow_store::{ids, settings, users};
use serde_json::{json, Map, Value};

/// `user_settings.kind` of stored config leaves and of properties.
const TREE_KIND: &str = "config";
const PROPERTY_KIND: &str = "property";
/// Largest stored leaf or property value, in bytes.
const MAX_VALUE: usize = 256 * 1024;
/// Leaves a user may change.
const WRITABLE: &[&str] = &["language", "timezone", "gui", "fastgui"];

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "get_property" => get_property(state, req).await,
        "set_property" => set_property(state, req).await,
        "" | "get" if req.method == http::Method::PUT => put_node(state, req).await,
        "" | "get" => get_node(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "config"])),
    }
}

/// The tree path below `config`, e.g. `modules/infostore/folder`.
fn path_of(req: &ApiRequest) -> String {
    req.module.strip_prefix("config").unwrap_or("").trim_matches('/').to_string()
}

/// The whole configuration tree of the session's user.
pub async fn tree(state: &AppState, s: &Session) -> OxResult<Map<String, Value>> {
    let db = &state.db;
    let user = directory::require_user(db, s.cid, s.user_id).await?;
    let tz = s.tz();
    let stored: Map<String, Value> =
        settings::all(db, s.cid, s.user_id, TREE_KIND).await?.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let mut t = Map::new();

    // --- account --------------------------------------------------------------------
    t.insert("context_id".into(), json!(s.cid));
    t.insert("identifier".into(), json!(s.user_id));
    t.insert("contact_id".into(), user.contact_id.map_or(Value::Null, |c| json!(c)));
    t.insert("language".into(), json!(user.locale));
    t.insert("timezone".into(), json!(user.timezone));
    let zones: Map<String, Value> = chrono_tz::TZ_VARIANTS.iter().map(|z| (z.name().to_string(), json!(z.name()))).collect();
    t.insert("availableTimeZones".into(), Value::Object(zones));
    t.insert("serverVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    t.insert("currentTime".into(), json!(to_wire_time(now_ms(), tz)));
    t.insert("cookielifetime".into(), json!(state.config.session_long_lifetime_secs));
    t.insert("gui".into(), stored.get("gui").cloned().unwrap_or_else(|| json!("")));
    t.insert("fastgui".into(), stored.get("fastgui").cloned().unwrap_or_else(|| json!("")));

    // --- default folders (behaviour notes 3.3) -----------------------------------------
    let default = async |module: &str| -> OxResult<Value> {
        Ok(folders::default_folder_id(db, s.cid, s.user_id, module).await?.map_or(Value::Null, |id| json!(id)))
    };
    let home = default("infostore").await?;
    t.insert(
        "folder".into(),
        json!({
            "tasks": default("tasks").await?,
            "calendar": default("calendar").await?,
            "contacts": default("contacts").await?,
            "infostore": home,
        }),
    );
    let mut infostore_folders = Map::new();
    for (name, kind) in [
        ("trash", folders::TYPE_TRASH),
        ("pictures", folders::TYPE_PICTURES),
        ("documents", folders::TYPE_DOCUMENTS),
        ("music", folders::TYPE_MUSIC),
        ("videos", folders::TYPE_VIDEOS),
        ("templates", folders::TYPE_TEMPLATES),
    ] {
        let id = oxbow_store::folders::default_folder(db, s.cid, s.user_id, "infostore", kind).await?.map(|f| f.id);
        infostore_folders.insert(name.into(), id.map_or(Value::Null, |i| json!(i)));
    }

    // --- modules ----------------------------------------------------------------------
    let is_admin = user.is_context_admin;
    let mut modules = Map::new();
    modules.insert("infostore".into(), json!({ "module": true, "folder": infostore_folders }));
    modules.insert("contacts".into(), json!({ "module": true }));
    modules.insert("mail".into(), mail_module(state, s).await?);
    modules.insert("com.openexchange.user.passwordchange".into(), json!({ "module": true }));
    modules.insert("com.openexchange.group".into(), json!({ "enabled": true, "edit": is_admin }));
    modules.insert("com.openexchange.resource".into(), json!({ "enabled": true, "edit": is_admin }));
    t.insert("modules".into(), Value::Object(modules));
    Ok(t)
}

/// `modules/mail`: the primary account's addresses and standard folders. The folders come
/// from the mail store; when it does not answer in time they are left out rather than
/// failing the whole configuration.
async fn mail_module(state: &AppState, s: &Session) -> OxResult<Value> {
    use oxbow_domain::mail::backend::{mail_folder_id, SpecialUse};
    let (account, address) = super::mail::primary(state, s).await?;
    let mut m = Map::new();
    m.insert("module".into(), json!(true));
    m.insert("defaultaddress".into(), json!(address));
    m.insert("sendaddress".into(), json!(address));
    m.insert("addresses".into(), json!([address]));
    let folders = async {
        let mut out = Map::new();
        for (name, role) in [
            ("inbox", SpecialUse::Inbox),
            ("drafts", SpecialUse::Drafts),
            ("sent", SpecialUse::Sent),
            ("spam", SpecialUse::Spam),
            ("trash", SpecialUse::Trash),
        ] {
            if let Some(full) = account.backend.special_folder(s, role).await? {
                out.insert(name.into(), json!(mail_folder_id(account.id, &full)));
            }
        }
        OxResult::Ok(out)
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), folders).await {
        Ok(Ok(f)) => {
            m.insert("defaultFolder".into(), Value::Object(f));
        }
        Ok(Err(e)) => tracing::debug!("mail standard folders unavailable: {}", e.code),
        Err(_) => tracing::debug!("mail standard folders: the mail store did not answer in time"),
    }
    Ok(Value::Object(m))
}

async fn get_node(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let path = path_of(req);
    let t = tree(state, &s).await?;
    let mut node = Value::Object(t);
    for part in path.split('/').filter(|p| !p.is_empty()) {
        node = match node {
            Value::Object(mut m) => m.remove(part).ok_or_else(|| codes::CFG_NOT_FOUND.with([&path]))?,
            _ => return Err(codes::CFG_NOT_FOUND.with([&path])),
        };
    }
    Ok(ApiResponse::data(node))
}

/// The new value: `{"data": value}` (reference: ConfigBody) or the bare value.
fn body_value(body: Value) -> Value {
    match body {
        Value::Object(mut m) if m.len() == 1 && m.contains_key("data") => m.remove("data").unwrap_or(Value::Null),
        other => other,
    }
}

fn as_text(path: &str, v: &Value) -> OxResult<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Object(_) | Value::Array(_) if path == "gui" || path == "fastgui" => v.to_string(),
        _ => return Err(codes::SVL_INVALID_FIELD.with([path, "expected a string"])),
    };
    if s.len() > MAX_VALUE {
        return Err(codes::SVL_BODY_TOO_LARGE.with([MAX_VALUE]));
    }
    Ok(s)
}

async fn put_node(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let path = path_of(req);
    let value = body_value(req.json().await?);
    if !WRITABLE.contains(&path.as_str()) {
        // Distinguish existing read-only nodes from unknown paths.
        let t = Value::Object(tree(state, &s).await?);
        let exists = path.split('/').filter(|p| !p.is_empty()).try_fold(&t, |n, p| n.get(p)).is_some();
        return Err(if exists && !path.is_empty() { codes::CFG_READ_ONLY.with([&path]) } else { codes::CFG_NOT_FOUND.with([&path]) });
    }
    let text = as_text(&path, &value)?;
    match path.as_str() {
        "language" | "timezone" => {
            let mut tx = state.db.begin().await?;
            let mut u = users::get(&mut tx, s.cid, s.user_id).await?.ok_or_else(|| codes::USR_NOT_FOUND.with([s.user_id, s.cid]))?;
            if path == "language" {
                if !directory::valid_locale(&text) {
                    return Err(codes::SVL_INVALID_FIELD.with(["language", &text]));
                }
                u.locale = text;
            } else {
                if oxbow_core::time::parse_tz(&text).is_none() {
                    return Err(codes::SVL_INVALID_FIELD.with(["timezone", &text]));
                }
                u.timezone = text;
            }
            u.last_modified = ids::next_timestamp(&mut tx, s.cid).await?;
            users::update(&mut tx, &u).await?;
            tx.commit().await?;
            state.sessions.forget_all().await;
        }
        _ => settings::put(&state.db, s.cid, s.user_id, TREE_KIND, &path, &text).await?,
    }
    Ok(ApiResponse::data(json!({})))
}

fn property_name(req: &ApiRequest) -> OxResult<String> {
    let name = req.require("name")?;
    let ok = name.len() <= 256 && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
    if ok { Ok(name.to_string()) } else { Err(crate::request::invalid("name", name)) }
}

async fn get_property(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let name = property_name(req)?;
    let value = settings::get(&state.db, s.cid, s.user_id, PROPERTY_KIND, &name).await?.ok_or_else(|| codes::CFG_NOT_FOUND.with([&name]))?;
    Ok(ApiResponse::data(json!({ "name": name, "value": value })))
}

async fn set_property(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let name = property_name(req)?;
    let body = req.json_object().await?;
    let value = match body.get("value") {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Null) | None => return Err(codes::SVL_MISSING_FIELD.with(["value"])),
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["value", "expected a string"])),
    };
    if value.len() > MAX_VALUE {
        return Err(codes::SVL_BODY_TOO_LARGE.with([MAX_VALUE]));
    }
    settings::put(&state.db, s.cid, s.user_id, PROPERTY_KIND, &name, &value).await?;
    Ok(ApiResponse::data(json!({ "name": name, "value": value })))
}
