//! file module: temporary uploads that other requests refer to by id (e.g. a picture for a
//! contact, a file to attach later). They expire unless kept alive.

use super::infostore::{download_response, read_upload, Download};
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use oxbow_store::attachments::{self as store, TempFileRow};
use oxbow_store::blob;
use serde_json::json;

/// How long an upload lives without keepalive.
pub const TEMP_LIFETIME_MS: i64 = 5 * 60 * 1000;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let result = actions(state, req).await;
    super::infostore::close_on_failed_upload(req, result)
}

async fn actions(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "new" => new(state, req).await,
        "get" => get(state, req).await,
        "keepalive" => keepalive(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "file"])),
    }
}

fn type_allows(filter: &str, mime: &str) -> bool {
    let major = mime.split('/').next().unwrap_or("");
    match filter {
        "file" => true,
        "media" => matches!(major, "image" | "audio" | "video"),
        "text" | "image" | "audio" | "video" | "application" => major == filter,
        _ => false,
    }
}

async fn new(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    req.require("module")?;
    let filter = req.require("type")?.to_ascii_lowercase();
    if !matches!(filter.as_str(), "file" | "text" | "media" | "image" | "audio" | "video" | "application") {
        return Err(crate::request::invalid("type", &filter));
    }
    if !req.is_multipart() {
        return Err(codes::SVL_BAD_REQUEST.with(["files are uploaded as multipart/form-data"]));
    }
    // Run the sweep of expired uploads on the way (cheap: one indexed query).
    let _ = oxbow_domain::infostore::sweep(&state.core).await;
    let form = read_upload(&state.core, &s, req).await?;
    if form.files.is_empty() {
        return Err(codes::SVL_MISSING_PARAM.with(["file"]));
    }
    let mut checked = Vec::new();
    for (_, f) in &form.files {
        let name = f.part_name.clone().unwrap_or_else(|| "upload".into());
        let name = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_string();
        let mime = oxbow_domain::infostore::detect_mime(&f.upload.head, &name, f.part_type.as_deref());
        if !type_allows(&filter, &mime) {
            form.discard(&state.core).await;
            return Err(codes::UPL_NOT_AN_IMAGE.with([name]));
        }
        checked.push((name, mime));
    }
    let now = oxbow_core::time::now_ms();
    let result: OxResult<(Vec<String>, Vec<String>)> = async {
        let mut tx = state.db.begin().await?;
        let mut ids = Vec::new();
        let mut garbage = Vec::new();
        for ((_, f), (name, mime)) in form.files.iter().zip(checked) {
            let (key, dup) = blob::refs::adopt(&mut tx, &f.upload.key, &f.upload.out).await?;
            garbage.extend(dup);
            let id = blob::new_key();
            store::insert_temp(
                &mut tx,
                &TempFileRow { id: id.clone(), cid: s.cid, user_id: s.user_id, filename: name, mimetype: mime, size: f.upload.out.size as i64, blob_key: key, expires: now + TEMP_LIFETIME_MS },
            )
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok((ids, garbage))
    }
    .await;
    match result {
        Ok((ids, garbage)) => {
            oxbow_domain::infostore::remove_blobs(&state.core, &garbage).await;
            Ok(ApiResponse::data(json!(ids)))
        }
        Err(e) => {
            form.discard(&state.core).await;
            Err(e)
        }
    }
}

pub async fn live_temp_file(state: &AppState, s: &oxbow_domain::sessions::Session, id: &str) -> OxResult<TempFileRow> {
    store::get_temp(&state.db, s.cid, s.user_id, id, oxbow_core::time::now_ms())
        .await?
        .ok_or_else(|| codes::UPL_FILE_NOT_FOUND.with([id.chars().take(64).collect::<String>()]))
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let id = req.require("id")?.to_string();
    let t = match live_temp_file(state, &s, &id).await {
        Ok(t) => t,
        Err(e) => return Err(e.http_status(404)),
    };
    download_response(
        &state.core,
        req,
        Download { blob_key: &t.blob_key, size: t.size as u64, filename: &t.filename, mimetype: &t.mimetype, etag: format!("tmp-{}", t.id) },
    )
    .await
}

async fn keepalive(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let id = req.require("id")?.to_string();
    let t = live_temp_file(state, &s, &id).await?;
    store::touch_temp(&state.db, &t.id, oxbow_core::time::now_ms() + TEMP_LIFETIME_MS).await?;
    Ok(ApiResponse::data(json!({})))
}
