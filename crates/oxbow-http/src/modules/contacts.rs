//! contacts: address books, the global address book, distribution lists and searches
//! (reference: /contacts?action=...).

use crate::columns::{self, Columns};
use crate::request::{invalid, multipart_error, ApiRequest};
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::codes;
use oxbow_core::columns::contacts::{self as fields, ContactField, TABLE};
use oxbow_core::OxResult;
use oxbow_domain::contacts::{self as svc, model, query, search};
use serde_json::{Map, Value, json};

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "all" => all(state, req).await,
        "list" => list(state, req).await,
        "get" => get(state, req).await,
        "new" => new(state, req).await,
        "update" => update(state, req).await,
        "delete" => delete(state, req).await,
        "updates" => updates(state, req).await,
        "search" => search_action(state, req).await,
        "advancedSearch" => advanced_search(state, req).await,
        "autocomplete" => autocomplete(state, req).await,
        "birthdays" => dates(state, req, "birthday").await,
        "anniversaries" => dates(state, req, "anniversary").await,
        "getuser" => get_user(state, req).await,
        "listuser" => list_user(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "contacts"])),
    }
}

/// `columns` for contacts: `all`/`list` aliases; unknown numeric ids answer `null`.
pub fn parse_columns(req: &ApiRequest) -> OxResult<Columns> {
    let raw = req.require("columns")?;
    let ids: Vec<u32> = match raw.trim() {
        "all" => TABLE.alias_all.to_vec(),
        "list" => TABLE.alias_list.to_vec(),
        other => other.split(',').map(|t| t.trim().parse::<u32>().map_err(|_| invalid("columns", raw))).collect::<OxResult<_>>()?,
    };
    let fields = ids.iter().map(|id| TABLE.field(*id).unwrap_or("")).collect();
    Ok(Columns { ids, fields })
}

/// The fields to read for the columns plus an optional sort field.
fn wanted(cols: &Columns, sort: Option<&'static ContactField>) -> Vec<&'static ContactField> {
    let mut w = query::fields_for(&cols.ids);
    if let Some(f) = sort {
        w.push(f);
    }
    w
}

/// `sort`/`order`: the sort field (None = default name order), descending flag, and
/// whether 609 asked for global address book entries first.
fn parse_sort(req: &ApiRequest) -> OxResult<(Option<&'static ContactField>, bool, bool)> {
    let desc = columns::parse_order(req)?;
    let Some(raw) = req.param_nonempty("sort") else { return Ok((None, desc, false)) };
    let id: u32 = raw.trim().parse().map_err(|_| invalid("sort", raw))?;
    if id == 609 {
        return Ok((None, false, true));
    }
    let f = fields::by_id(id).ok_or_else(|| invalid("sort", raw))?;
    Ok((Some(f), desc, false))
}

fn check_collation(req: &ApiRequest) -> OxResult<()> {
    // Sorting always uses the Unicode collation; the legacy Chinese collation names are accepted.
    match req.param_nonempty("collation") {
        None => Ok(()),
        Some(c) if c.eq_ignore_ascii_case("gbk") || c.eq_ignore_ascii_case("gb2312") => Ok(()),
        Some(c) => Err(invalid("collation", c)),
    }
}

fn gab_first(rows: &mut [Map<String, Value>]) {
    rows.sort_by_key(|r| r.get("folder_id").and_then(Value::as_str) != Some("6"));
}

/// Sort, window and render rows; the timestamp is the newest of them.
fn answer_rows(req: &ApiRequest, mut rows: Vec<Map<String, Value>>, cols: &Columns, sort: (Option<&'static ContactField>, bool, bool)) -> OxResult<ApiResponse> {
    query::sort_rows(&mut rows, sort.0.map(|f| f.name), sort.1);
    if sort.2 {
        gab_first(&mut rows);
    }
    let window = columns::parse_window(req)?;
    let rows = window.apply(rows);
    let ts = rows.iter().filter_map(|r| r.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(rows.iter(), cols), ts))
}

fn folder_param(req: &ApiRequest, name: &str) -> OxResult<i64> {
    req.require_i64(name)
}

async fn all(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = folder_param(req, "folder")?;
    let cols = parse_columns(req)?;
    let sort = parse_sort(req)?;
    check_collation(req)?;
    let rows = svc::all(&state.core.db, &s, folder, &wanted(&cols, sort.0), req.tz()?).await?;
    answer_rows(req, rows, &cols, sort)
}

/// `[{"id": .., "folder": ..}]` (also `folder_id`) as (folder, id) pairs.
fn id_pairs(body: &Value) -> OxResult<Vec<(i64, i64)>> {
    let items: Vec<&Value> = match body {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![body],
        _ => return Err(codes::SVL_INVALID_JSON.with(["expected an array of {id, folder}"])),
    };
    items
        .into_iter()
        .map(|v| {
            let id = v.get("id").and_then(model::id_value).ok_or_else(|| codes::SVL_MISSING_FIELD.with(["id"]))?;
            let folder = v.get("folder").or_else(|| v.get("folder_id")).and_then(model::id_value).ok_or_else(|| codes::SVL_MISSING_FIELD.with(["folder"]))?;
            Ok((folder, id))
        })
        .collect()
}

async fn list(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = parse_columns(req)?;
    let pairs = id_pairs(&req.json().await?)?;
    let rows = svc::list(&state.core.db, &s, &pairs, &wanted(&cols, None), req.tz()?).await?;
    let ts = rows.iter().filter_map(|r| r.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(rows.iter(), &cols), ts))
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = folder_param(req, "folder")?;
    let id = req.require_i64("id")?;
    let c = svc::get(&state.core.db, &s, folder, id, req.tz()?).await?;
    let ts = c.get("last_modified_utc").and_then(Value::as_i64).unwrap_or(0);
    Ok(ApiResponse::with_timestamp(Value::Object(c), ts))
}

/// The contact JSON and picture of a `new`/`update` call: a JSON body, or a multipart
/// upload with a `json` field and a `file` field.
async fn read_input(req: &mut ApiRequest) -> OxResult<(Map<String, Value>, Option<model::ImageChange>)> {
    if !req.is_multipart() {
        return Ok((req.json_object().await?, None));
    }
    let limit = req.max_upload_size;
    let mut mp = req.multipart()?;
    let mut json: Option<Map<String, Value>> = None;
    let mut image = None;
    while let Some(mut field) = mp.next_field().await.map_err(|e| multipart_error(e, limit))? {
        match field.name().unwrap_or("") {
            "json" => {
                let text = field.text().await.map_err(|e| multipart_error(e, limit))?;
                let text = if text.trim().is_empty() { "{}".to_string() } else { text };
                match serde_json::from_str::<Value>(&text) {
                    Ok(Value::Object(m)) => json = Some(m),
                    Ok(_) => return Err(codes::SVL_INVALID_JSON.with(["expected a JSON object"])),
                    Err(e) => return Err(codes::SVL_INVALID_JSON.with([e.to_string()])),
                }
            }
            "file" => {
                let name = field.file_name().unwrap_or("file").to_string();
                let mut data: Vec<u8> = Vec::new();
                let mut total = 0usize;
                while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limit))? {
                    total += chunk.len();
                    if total <= model::MAX_IMAGE_SIZE {
                        data.extend_from_slice(&chunk);
                    }
                }
                if total > model::MAX_IMAGE_SIZE {
                    return Err(codes::CON_IMAGE_TOO_LARGE.with([name, total.to_string(), model::MAX_IMAGE_SIZE.to_string()]));
                }
                if total > 0 {
                    let content_type = model::check_image(&data, &name)?;
                    image = Some(model::ImageChange::Set { content_type, data });
                }
            }
            _ => {}
        }
    }
    let json = json.ok_or_else(|| codes::SVL_MISSING_PARAM.with(["json"]))?;
    Ok((json, image))
}

async fn new(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let (obj, image) = read_input(req).await?;
    let mut changes = model::parse_input(&obj, true)?;
    if image.is_some() {
        changes.image = image;
    }
    let folder = changes.folder_id.ok_or_else(|| codes::SVL_MISSING_FIELD.with(["folder_id"]))?;
    let (id, ts) = svc::create(&state.core.db, &s, folder, changes).await?;
    Ok(ApiResponse::with_timestamp(json!({"id": id.to_string()}), ts))
}

async fn update(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = folder_param(req, "folder")?;
    let id = req.require_i64("id")?;
    let client_ts = req.require_i64("timestamp")?;
    let (obj, image) = read_input(req).await?;
    let mut changes = model::parse_input(&obj, false)?;
    if image.is_some() {
        changes.image = image;
    }
    let ts = svc::update(&state.core.db, &s, folder, id, Some(client_ts), changes).await?;
    Ok(ApiResponse::with_timestamp(json!({}), ts))
}

async fn delete(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let client_ts = req.require_i64("timestamp")?;
    let pairs = id_pairs(&req.json().await?)?;
    let ts = svc::delete(&state.core.db, &s, client_ts, &pairs).await?;
    Ok(ApiResponse::with_timestamp(json!([]), ts))
}

async fn updates(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = folder_param(req, "folder")?;
    let since = columns::require_since(req)?;
    let cols = parse_columns(req)?;
    let sort = parse_sort(req)?;
    let (mut rows, deleted) = svc::updates(&state.core.db, &s, folder, since, &wanted(&cols, sort.0), req.tz()?).await?;
    query::sort_rows(&mut rows, sort.0.map(|f| f.name), sort.1);
    let deleted = if columns::ignore_deleted(req) { Vec::new() } else { deleted };
    let (data, ts) = columns::updates_data(&rows, &cols, &deleted, since);
    Ok(ApiResponse::with_timestamp(data, ts))
}

async fn search_action(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = parse_columns(req)?;
    let sort = parse_sort(req)?;
    check_collation(req)?;
    let body = req.json_object().await?;
    let mut sql = query::Sql::default();
    let (filter, folders) = search::simple(&body, &mut sql)?;
    let folders = svc::search_folders(&state.core.db, &s, folders).await?;
    let rows = svc::find(&state.core.db, &s, &folders, sql, &filter, &wanted(&cols, sort.0), req.tz()?).await?;
    answer_rows(req, rows, &cols, sort)
}

async fn advanced_search(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = parse_columns(req)?;
    let sort = parse_sort(req)?;
    check_collation(req)?;
    let include_admin = req.param_bool("admin")?.unwrap_or(true);
    let body = req.json_object().await?;
    let mut sql = query::Sql::default();
    let mut filter = search::advanced(&body, &mut sql)?;
    if !include_admin {
        filter = format!("({filter}) AND (user_id IS NULL OR user_id NOT IN (SELECT id FROM users WHERE cid = {} AND is_context_admin = TRUE))", sql.bind(oxbow_store::contacts::Arg::Int(Some(s.cid))));
    }
    let requested = match body.get("folders").or_else(|| body.get("folder")) {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(a.iter().map(|v| model::id_value(v).ok_or_else(|| invalid("folders", &v.to_string()))).collect::<OxResult<Vec<_>>>()?),
        Some(v) => Some(vec![model::id_value(v).ok_or_else(|| invalid("folders", &v.to_string()))?]),
    };
    let folders = svc::search_folders(&state.core.db, &s, requested).await?;
    let rows = svc::find(&state.core.db, &s, &folders, sql, &filter, &wanted(&cols, sort.0), req.tz()?).await?;
    answer_rows(req, rows, &cols, sort)
}

async fn autocomplete(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = parse_columns(req)?;
    let q = req.param("query").ok_or_else(|| codes::SVL_MISSING_PARAM.with(["query"]))?.to_string();
    if q.trim().is_empty() {
        return Err(codes::CON_PATTERN_TOO_SHORT.with([1]));
    }
    let require_email = req.param_bool("email")?.unwrap_or(true);
    let folder = req.param_i64("folder")?;
    let sort = parse_sort(req)?;
    let mut sql = query::Sql::default();
    let filter = search::autocomplete(&q, require_email, &mut sql);
    let folders = svc::search_folders(&state.core.db, &s, folder.map(|f| vec![f])).await?;
    let mut w = wanted(&cols, sort.0);
    w.extend(["display_name", "email1"].iter().filter_map(|n| fields::by_name(n)));
    let rows = svc::find(&state.core.db, &s, &folders, sql, &filter, &w, req.tz()?).await?;
    // Without an explicit sort: global address book first, then by name.
    let sort = if sort.0.is_none() && !sort.2 { (None, false, true) } else { sort };
    answer_rows(req, rows, &cols, sort)
}

async fn dates(state: &AppState, req: &mut ApiRequest, field: &str) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = parse_columns(req)?;
    let start = req.require_i64("start")?;
    let end = req.require_i64("end")?;
    let folder = req.param_i64("folder")?;
    let sort = parse_sort(req)?;
    let rows = svc::dates_in_range(&state.core.db, &s, field, start, end, folder, &wanted(&cols, sort.0), req.tz()?).await?;
    answer_rows(req, rows, &cols, sort)
}

async fn get_user(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let user = req.require_i64("id")?;
    let row = svc::user_contact(&state.core.db, &s, user, &query::all_fields()).await?;
    let mut rows = vec![row];
    svc::finish(&state.core.db, &s, &mut rows, req.tz()?).await?;
    let c = rows.pop().unwrap_or_default();
    let ts = c.get("last_modified_utc").and_then(Value::as_i64).unwrap_or(0);
    Ok(ApiResponse::with_timestamp(Value::Object(c), ts))
}

async fn list_user(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let cols = parse_columns(req)?;
    let body = req.json_array().await?;
    let users = body.iter().map(|v| model::id_value(v).ok_or_else(|| codes::SVL_INVALID_JSON.with(["expected an array of user ids"]))).collect::<OxResult<Vec<_>>>()?;
    let w = wanted(&cols, None);
    let mut rows = Vec::with_capacity(users.len());
    for u in users {
        rows.push(svc::user_contact(&state.core.db, &s, u, &w).await?);
    }
    svc::finish(&state.core.db, &s, &mut rows, req.tz()?).await?;
    let ts = rows.iter().filter_map(|r| r.get("last_modified_utc").and_then(Value::as_i64)).max().unwrap_or(0);
    Ok(ApiResponse::with_timestamp(columns::rows(rows.iter(), &cols), ts))
}
