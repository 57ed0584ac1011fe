//! import: contacts from vCard, OX CSV and Outlook CSV files into a contact folder. The
//! answer lists every item: the new contact, or the error that kept it out.

use crate::request::{multipart_error, ApiRequest};
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::codes;
use oxbow_core::{OxError, OxResult};
use oxbow_domain::contacts::{self as svc, vcard::ImportItem};
use oxbow_domain::folders::GLOBAL_ADDRESS_BOOK;
use oxbow_store::ids;
use serde_json::{Value, json};

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    // Every answer to an upload, errors included, goes out as the callback page.
    if req.is_multipart() {
        req.upload = true;
    }
    let format = match req.action.as_str() {
        "VCARD" => Format::VCard,
        "CSV" => Format::Csv,
        "OUTLOOK_CSV" => Format::OutlookCsv,
        other => return Err(codes::SVL_UNKNOWN_ACTION.with([other, "import"])),
    };
    let s = req.session()?.clone();
    let folder = req.require_i64("folder")?;
    let charset = req.param_nonempty("charset").map(str::to_ascii_lowercase);
    let bytes = read_file(req).await?;
    let acc = svc::folder_access(&state.core.db, &s, folder).await?;
    if !acc.rights.can_create_objects() || folder == GLOBAL_ADDRESS_BOOK {
        return Err(codes::CON_NO_CREATE_PERMISSION.with([folder]));
    }
    let text = decode(&bytes, charset.as_deref(), format == Format::OutlookCsv);
    let items = match format {
        Format::VCard => svc::vcard::parse(&text),
        Format::Csv => svc::csv::parse(&text, false)?,
        Format::OutlookCsv => svc::csv::parse(&text, true)?,
    };
    let results = import_items(state, &s, folder, items).await?;
    let ts = results.iter().filter_map(|v| v.get("last_modified").and_then(Value::as_i64)).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(Value::Array(results), ts))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    VCard,
    Csv,
    OutlookCsv,
}

async fn read_file(req: &mut ApiRequest) -> OxResult<Vec<u8>> {
    let limit = req.max_upload_size;
    let mut mp = req.multipart()?;
    while let Some(field) = mp.next_field().await.map_err(|e| multipart_error(e, limit))? {
        if field.file_name().is_some() || field.name() == Some("file") {
            let data = field.bytes().await.map_err(|e| multipart_error(e, limit))?;
            return Ok(data.to_vec());
        }
    }
    Err(codes::IE_NO_FILE.err())
}

/// Text of the upload: the named charset, else UTF-8, else Windows-1252 (Outlook's default).
fn decode(bytes: &[u8], charset: Option<&str>, prefer_cp1252: bool) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let latin = matches!(charset, Some("windows-1252" | "cp1252" | "iso-8859-1" | "iso-8859-15" | "latin1"));
    if !latin {
        if let Ok(s) = std::str::from_utf8(bytes) {
            return s.to_string();
        }
    }
    let _ = prefer_cp1252;
    bytes.iter().map(|b| cp1252(*b)).collect()
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™',
        'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    if (0x80..0xa0).contains(&b) { HIGH[(b - 0x80) as usize] } else { b as char }
}

fn error_item(e: &OxError) -> Value {
    Value::Object(e.to_envelope())
}

/// Store every valid item in one transaction; report each item's outcome in file order.
async fn import_items(state: &AppState, s: &oxbow_domain::sessions::Session, folder: i64, items: Vec<ImportItem>) -> OxResult<Vec<Value>> {
    let db = &state.core.db;
    let mut prepared: Vec<Result<oxbow_domain::contacts::model::Changes, OxError>> = Vec::with_capacity(items.len());
    for item in items {
        prepared.push(match item.result {
            Ok(mut c) => match svc::prepare_new(db, s, &mut c).await {
                Ok(()) => Ok(c),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        });
    }
    let mut results = Vec::with_capacity(prepared.len());
    let mut tx = db.begin().await?;
    let ts = ids::next_timestamp(&mut tx, s.cid).await?;
    let valid = prepared.iter().filter(|p| p.is_ok()).count();
    let mut next_id = if valid > 0 { svc::reserve_ids(&mut tx, s.cid, valid).await? } else { 0 };
    for p in &prepared {
        match p {
            Ok(c) => {
                let id = svc::insert_with_id(&mut tx, s.cid, next_id, folder, s.user_id, ts, c, None).await?;
                next_id += 1;
                results.push(json!({"id": id.to_string(), "folder_id": folder.to_string(), "last_modified": ts}));
            }
            Err(e) => results.push(error_item(e)),
        }
    }
    tx.commit().await?;
    Ok(results)
}
