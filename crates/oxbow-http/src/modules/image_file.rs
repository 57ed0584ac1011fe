//! Images of uploaded files: `image/mfile/picture` (a temporary upload that is an image) and
//! `image/file/mp3cover` (the cover picture in an MP3's ID3 tag).

use super::file::live_temp_file;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use axum::body::Body;
use axum::response::Response;
use http::{header, StatusCode};
use oxbow_core::{codes, OxError, OxResult};

/// ID3 tags live at the start of the file; covers larger than this are not read.
const MAX_TAG_READ: u64 = 16 * 1024 * 1024;

pub async fn mfile_picture(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let uid = req.require("uid")?.to_string();
    let t = live_temp_file(state, &s, &uid).await?;
    if !t.mimetype.starts_with("image/") {
        return Err(codes::UPL_NOT_AN_IMAGE.with([t.filename]).http_status(400));
    }
    let read = state.blobs.get(&t.blob_key, None).await?;
    let resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, t.mimetype.as_str())
        .header(header::CONTENT_LENGTH, read.size)
        .header(header::CACHE_CONTROL, "private, max-age=300")
        .body(Body::from_stream(read.stream))
        .map_err(OxError::internal)?;
    Ok(ApiResponse::Raw(resp))
}

pub async fn mp3_cover(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let id = req.require("id")?.to_string();
    // A temporary upload, or a Drive item's current version.
    let (key, name) = match live_temp_file(state, &s, &id).await {
        Ok(t) => (t.blob_key, t.filename),
        Err(e) => {
            let Some(item_id) = oxbow_domain::infostore::parse_id(&id) else { return Err(e.http_status(400)) };
            let (_, v) = oxbow_domain::infostore::document(&state.core, &s, item_id, None).await.map_err(|e| e.http_status(400))?;
            (v.blob_key, v.filename)
        }
    };
    let read = state.blobs.get(&key, Some(0..MAX_TAG_READ)).await?;
    let mut bytes = Vec::new();
    let mut stream = read.stream;
    use futures::StreamExt;
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.map_err(OxError::internal)?);
    }
    let picture = tokio::task::spawn_blocking(move || {
        id3::Tag::read_from2(std::io::Cursor::new(bytes)).ok().and_then(|tag| tag.pictures().next().map(|p| (p.mime_type.clone(), p.data.clone())))
    })
    .await
    .map_err(OxError::internal)?;
    let Some((mime, data)) = picture else {
        return Err(codes::MP3_NO_COVER.with([name]).http_status(400));
    };
    let mime = if mime.contains('/') { mime } else { infer::get(&data).map(|t| t.mime_type().to_string()).unwrap_or_else(|| "image/jpeg".into()) };
    let resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, mime)
        .header(header::CONTENT_LENGTH, data.len())
        .body(Body::from(data))
        .map_err(OxError::internal)?;
    Ok(ApiResponse::Raw(resp))
}
