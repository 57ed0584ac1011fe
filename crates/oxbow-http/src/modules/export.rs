//! export: a contact folder as a vCard or CSV file.

use crate::request::{invalid, ApiRequest};
use crate::response::ApiResponse;
use crate::server::AppState;
use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderValue};
use oxbow_core::codes;
use oxbow_core::OxResult;
use oxbow_domain::contacts::{self as svc, query};
use oxbow_store::contacts as store;
use serde_json::Value;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "VCARD" => vcard(state, req).await,
        "CSV" => csv(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "export"])),
    }
}

fn file(content_type: &'static str, name: &str, body: String) -> ApiResponse {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    ApiResponse::Raw(r)
}

async fn vcard(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require_i64("folder")?;
    let version = match req.param_nonempty("version") {
        None | Some("3.0") | Some("3") => calcard::vcard::VCardVersion::V3_0,
        Some("4.0") | Some("4") => calcard::vcard::VCardVersion::V4_0,
        Some(v) => return Err(invalid("version", v)),
    };
    let mut wanted = query::all_fields();
    wanted.retain(|f| f.name != "image1");
    let contacts = svc::all(&state.core.db, &s, folder, &wanted, chrono_tz::UTC).await?;
    let mut out = String::new();
    for c in &contacts {
        let image = if c.get("number_of_images").and_then(Value::as_i64).unwrap_or(0) > 0 {
            let id = c.get("id").and_then(Value::as_str).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            store::image(&state.core.db, s.cid, id).await?
        } else {
            None
        };
        out.push_str(&svc::vcard::contact_to_vcard(c, image.as_ref().map(|(ct, d, _)| (ct.as_str(), d.as_slice())), version)?);
    }
    Ok(file("text/x-vcard; charset=UTF-8", "Contacts.vcf", out))
}

async fn csv(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require_i64("folder")?;
    let requested: Option<Vec<u32>> = match req.param_nonempty("columns") {
        None => None,
        Some(raw) => Some(raw.split(',').map(|t| t.trim().parse::<u32>().map_err(|_| invalid("columns", raw))).collect::<OxResult<_>>()?),
    };
    let with_lists = req.param_bool("export_dlists")?.unwrap_or(false);
    let cols = svc::csv::export_fields(requested.as_deref());
    let mut wanted = cols.clone();
    wanted.extend(oxbow_core::columns::contacts::by_name("mark_as_distributionlist"));
    let mut contacts = svc::all(&state.core.db, &s, folder, &wanted, chrono_tz::UTC).await?;
    if !with_lists {
        contacts.retain(|c| !c.get("mark_as_distributionlist").and_then(Value::as_bool).unwrap_or(false));
    }
    query::sort_rows(&mut contacts, None, false);
    Ok(file("text/csv; charset=UTF-8", "Contacts.csv", svc::csv::write(&contacts, &cols)?))
}
