//! attachment module: files attached to appointments, tasks, contacts and Drive items.

use super::infostore::{download_response, read_upload, Download};
use crate::columns;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::columns::attachments::TABLE;
use oxbow_core::{codes, OxResult};
use oxbow_domain::infostore::attachments::{self as att, NewAttachment};
use oxbow_domain::sessions::Session;
use oxbow_domain::Core;
use oxbow_store::attachments::AttachmentRow;
use serde_json::{json, Map, Value};

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let result = actions(state, req).await;
    super::infostore::close_on_failed_upload(req, result)
}

async fn actions(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "attach" => attach(state, req).await,
        "all" => all(state, req).await,
        "get" => get(state, req).await,
        "list" => list(state, req).await,
        "updates" => updates(state, req).await,
        "document" => document(state, req).await,
        "detach" => detach(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "attachment"])),
    }
}

pub fn attachment_json(a: &AttachmentRow, tz: chrono_tz::Tz) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(a.id));
    m.insert("created_by".into(), json!(a.created_by));
    m.insert("creation_date".into(), json!(oxbow_core::time::to_wire_time(a.creation_date, tz)));
    m.insert("folder".into(), json!(a.folder_id));
    m.insert("attached".into(), json!(a.attached));
    m.insert("module".into(), json!(a.module));
    m.insert("filename".into(), json!(a.filename));
    m.insert("file_size".into(), json!(a.file_size));
    m.insert("file_mimetype".into(), json!(a.file_mimetype));
    m.insert("rft_flag".into(), json!(a.rtf_flag));
    m
}

struct Parent {
    module: i64,
    folder: i64,
    attached: i64,
}

fn parent(req: &ApiRequest) -> OxResult<Parent> {
    Ok(Parent { module: req.require_i64("module")?, folder: req.require_i64("folder")?, attached: req.require_i64("attached")? })
}

/// Used by `infostore?action=saveAs`.
pub async fn readable_attachment(core: &Core, s: &Session, module: i64, folder: i64, attached: i64, id: i64) -> OxResult<AttachmentRow> {
    att::readable(core, s, module, folder, attached, id).await
}

fn int_of(obj: &Map<String, Value>, name: &str) -> OxResult<i64> {
    match obj.get(name) {
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| codes::SVL_INVALID_FIELD.with([name, &n.to_string()])),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| codes::SVL_INVALID_FIELD.with([name, s.as_str()])),
        _ => Err(codes::SVL_MISSING_FIELD.with([name])),
    }
}

async fn attach(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    if !req.is_multipart() {
        return Err(codes::SVL_BAD_REQUEST.with(["attachments are uploaded as multipart/form-data"]));
    }
    let form = read_upload(&state.core, &s, req).await?;
    let parsed: OxResult<Vec<(Map<String, Value>, usize)>> = (|| {
        let mut out = Vec::new();
        let mut index = 0;
        loop {
            let json_name = format!("json_{index}");
            let file_name = format!("file_{index}");
            let Some(text) = form.texts.get(&json_name) else { break };
            let obj = match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err(codes::SVL_INVALID_FIELD.with([json_name.as_str(), "expected a JSON object"])),
                Err(e) => return Err(codes::SVL_INVALID_JSON.with([e.to_string()])),
            };
            let pos = form.files.iter().position(|(n, _)| *n == file_name).ok_or_else(|| codes::SVL_MISSING_PARAM.with([file_name.as_str()]))?;
            out.push((obj, pos));
            index += 1;
        }
        if out.is_empty() {
            return Err(codes::SVL_MISSING_PARAM.with(["json_0"]));
        }
        Ok(out)
    })();
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            form.discard(&state.core).await;
            return Err(e);
        }
    };
    let mut items = Vec::new();
    let mut bad = None;
    for (obj, pos) in &parsed {
        let fields = (|| -> OxResult<(i64, i64, i64)> { Ok((int_of(obj, "module")?, int_of(obj, "folder")?, int_of(obj, "attached")?)) })();
        match fields {
            Ok((module, folder, attached)) => items.push(NewAttachment {
                module,
                folder,
                attached,
                filename: obj.get("filename").and_then(Value::as_str).map(str::to_string),
                mimetype: obj.get("file_mimetype").and_then(Value::as_str).map(str::to_string),
                rtf_flag: obj.get("rtf_flag").or(obj.get("rft_flag")).and_then(Value::as_bool).unwrap_or(false),
                file: &form.files[*pos].1,
            }),
            Err(e) => {
                bad = Some(e);
                break;
            }
        }
    }
    if let Some(e) = bad {
        form.discard(&state.core).await;
        return Err(e);
    }
    // Uploaded parts not named by any json_N are dropped.
    let used: Vec<usize> = parsed.iter().map(|(_, p)| *p).collect();
    for (i, (_, f)) in form.files.iter().enumerate() {
        if !used.contains(&i) {
            oxbow_domain::infostore::discard(&state.core, &f.upload).await;
        }
    }
    let (ids, ts) = att::attach(&state.core, &s, &items).await?;
    Ok(ApiResponse::with_timestamp(json!(ids), ts))
}

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = columns::parse(req, &TABLE)?;
    let p = parent(req)?;
    let sort = columns::parse_sort(req, &TABLE)?;
    att::parent_access(&state.core, &s, p.module, p.folder, p.attached, false).await?;
    let tz = req.tz()?;
    let rows = oxbow_store::attachments::of_object(&state.db, s.cid, p.module, p.attached).await?;
    let mut objs: Vec<_> = rows.iter().filter(|a| a.folder_id == p.folder).map(|a| attachment_json(a, tz)).collect();
    if let Some((field, desc)) = sort {
        columns::sort_by_field(&mut objs, field, desc);
    }
    let ts = rows.iter().map(|a| a.creation_date).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), ts))
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let p = parent(req)?;
    let id = req.require_i64("id")?;
    let a = att::readable(&state.core, &s, p.module, p.folder, p.attached, id).await?;
    Ok(ApiResponse::with_timestamp(Value::Object(attachment_json(&a, req.tz()?)), a.creation_date))
}

async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = columns::parse(req, &TABLE)?;
    let p = parent(req)?;
    let tz = req.tz()?;
    let body = req.json_array().await?;
    let mut objs = Vec::new();
    let mut ts = 0;
    for v in &body {
        let id = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(t) => t.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| codes::SVL_INVALID_FIELD.with(["id", &v.to_string()]))?;
        let a = att::readable(&state.core, &s, p.module, p.folder, p.attached, id).await?;
        ts = ts.max(a.creation_date);
        objs.push(attachment_json(&a, tz));
    }
    Ok(ApiResponse::with_timestamp(columns::rows(&objs, &cols), ts))
}

async fn updates(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = columns::parse(req, &TABLE)?;
    let p = parent(req)?;
    let since = req.param_i64("timestamp")?.unwrap_or(0);
    att::parent_access(&state.core, &s, p.module, p.folder, p.attached, false).await?;
    let tz = req.tz()?;
    let rows = oxbow_store::attachments::of_object(&state.db, s.cid, p.module, p.attached).await?;
    let changed: Vec<_> = rows.iter().filter(|a| a.folder_id == p.folder && a.creation_date > since).collect();
    let mut ts = since;
    let mut out: Vec<Value> = Vec::new();
    for a in changed {
        ts = ts.max(a.creation_date);
        out.push(columns::row(&attachment_json(a, tz), &cols));
    }
    if !columns::ignore_deleted(req) {
        let scope = att::scope(p.module, p.folder, p.attached);
        for (id, t) in oxbow_store::infostore::tombstones_since(&state.db, s.cid, "attachment", &scope, since).await? {
            ts = ts.max(t);
            out.push(id.parse::<i64>().map(Value::from).unwrap_or(Value::String(id)));
        }
    }
    Ok(ApiResponse::with_timestamp(Value::Array(out), ts))
}

async fn document(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let p = parent(req)?;
    let id = req.require_i64("id")?;
    let a = att::readable(&state.core, &s, p.module, p.folder, p.attached, id).await?;
    let etag = format!("att-{}-{}", a.id, a.blob_key);
    download_response(
        &state.core,
        req,
        Download { blob_key: &a.blob_key, size: a.file_size as u64, filename: &a.filename, mimetype: &a.file_mimetype, etag },
    )
    .await
}

async fn detach(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let p = parent(req)?;
    let body = req.json_array().await?;
    let ids: Vec<i64> = body
        .iter()
        .map(|v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(t) => t.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| codes::SVL_INVALID_FIELD.with(["id", &v.to_string()])))
        .collect::<OxResult<_>>()?;
    let ts = att::detach(&state.core, &s, p.module, p.folder, p.attached, &ids).await?;
    Ok(ApiResponse::with_timestamp(json!([]), ts))
}
