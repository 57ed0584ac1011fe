//! The columns mechanism shared by every module: parse `columns`, pick fields out of
//! objects in that order, `sort`/`order`, `left_hand_limit`/`right_hand_limit`/`limit`,
//! and the `updates` answer with deleted ids. Handlers build each object as a JSON map
//! keyed by field name; the module's `ColumnTable` (oxbow-core) maps ids to those names.

use crate::request::{invalid, ApiRequest};
use oxbow_core::codes;
use oxbow_core::columns::ColumnTable;
use oxbow_core::OxResult;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// A parsed `columns` parameter: the ids in request order and their field names.
#[derive(Debug, Clone)]
pub struct Columns {
    pub ids: Vec<u32>,
    pub fields: Vec<&'static str>,
}

impl Columns {
    pub fn contains_field(&self, field: &str) -> bool {
        self.fields.iter().any(|f| *f == field)
    }
}

/// Parse the required `columns` parameter against `table`. Non-numeric tokens and ids the
/// module does not have are rejected with SVL-0010 naming the parameter.
pub fn parse(req: &ApiRequest, table: &ColumnTable) -> OxResult<Columns> {
    parse_value(req.require("columns")?, table)
}

pub fn parse_value(raw: &str, table: &ColumnTable) -> OxResult<Columns> {
    let ids: Vec<u32> = match raw.trim() {
        "all" if !table.alias_all.is_empty() => table.alias_all.to_vec(),
        "list" if !table.alias_list.is_empty() => table.alias_list.to_vec(),
        other => other
            .split(',')
            .map(|t| t.trim().parse::<u32>().map_err(|_| invalid("columns", raw)))
            .collect::<OxResult<_>>()?,
    };
    let mut fields = Vec::with_capacity(ids.len());
    for id in &ids {
        match table.field(*id) {
            Some(f) => fields.push(f),
            None => {
                return Err(codes::SVL_INVALID_PARAM_VALUE
                    .with(["columns", &raw.chars().take(100).collect::<String>()])
                    .detail(format!("unknown column {id} for module {}", table.module)))
            }
        }
    }
    Ok(Columns { ids, fields })
}

/// One row: the object's values in column order, `null` where the object lacks the field.
pub fn row(obj: &Map<String, Value>, cols: &Columns) -> Value {
    Value::Array(cols.fields.iter().map(|f| obj.get(*f).cloned().unwrap_or(Value::Null)).collect())
}

pub fn rows<'a>(objs: impl IntoIterator<Item = &'a Map<String, Value>>, cols: &Columns) -> Value {
    Value::Array(objs.into_iter().map(|o| row(o, cols)).collect())
}

/// `sort` (a column id) and `order` (`asc`/`desc`, default asc). Returns the field name.
pub fn parse_sort(req: &ApiRequest, table: &ColumnTable) -> OxResult<Option<(&'static str, bool)>> {
    let Some(sort) = req.param_nonempty("sort") else { return Ok(None) };
    let id: u32 = sort.trim().parse().map_err(|_| invalid("sort", sort))?;
    let field = table.field(id).ok_or_else(|| invalid("sort", sort))?;
    Ok(Some((field, parse_order(req)?)))
}

/// `order`: true for descending. Absent means ascending.
pub fn parse_order(req: &ApiRequest) -> OxResult<bool> {
    match req.param_nonempty("order").map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => Ok(false),
        Some("desc") => Ok(true),
        Some(_) => Err(invalid("order", req.param("order").unwrap_or(""))),
    }
}

/// Compare two JSON values the way a list view expects: numbers numerically, strings
/// case-insensitively (ties broken by exact order), nulls last.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => {
            let lx = x.to_lowercase();
            let ly = y.to_lowercase();
            lx.cmp(&ly).then_with(|| x.cmp(y))
        }
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Stable sort of objects by one field.
pub fn sort_by_field(objs: &mut [Map<String, Value>], field: &str, descending: bool) {
    objs.sort_by(|a, b| {
        let o = compare_values(a.get(field).unwrap_or(&Value::Null), b.get(field).unwrap_or(&Value::Null));
        if descending { o.reverse() } else { o }
    });
}

/// A window over a sorted list: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: Option<usize>,
}

/// `left_hand_limit`/`right_hand_limit`, or `limit` as `N` or `start,end`.
pub fn parse_window(req: &ApiRequest) -> OxResult<Window> {
    let non_negative = |name: &str| -> OxResult<Option<usize>> {
        match req.param_i64(name)? {
            None => Ok(None),
            Some(v) if v < 0 => Err(invalid(name, &v.to_string())),
            Some(v) => Ok(Some(v as usize)),
        }
    };
    if let Some(limit) = req.param_nonempty("limit") {
        let parts: Vec<&str> = limit.split(',').map(str::trim).collect();
        let num = |s: &str| s.parse::<usize>().map_err(|_| invalid("limit", limit));
        return match parts.as_slice() {
            [n] => Ok(Window { start: 0, end: Some(num(n)?) }),
            [s, e] => Ok(Window { start: num(s)?, end: Some(num(e)?) }),
            _ => Err(invalid("limit", limit)),
        };
    }
    Ok(Window { start: non_negative("left_hand_limit")?.unwrap_or(0), end: non_negative("right_hand_limit")? })
}

impl Window {
    pub const ALL: Window = Window { start: 0, end: None };

    /// Apply to an already sorted list (end clamps; start ≥ end gives nothing).
    pub fn apply<T>(&self, mut items: Vec<T>) -> Vec<T> {
        let end = self.end.unwrap_or(items.len()).min(items.len());
        if self.start >= end {
            return Vec::new();
        }
        items.truncate(end);
        items.drain(..self.start);
        items
    }

    /// SQL `LIMIT`/`OFFSET` values for windows pushed down into the database.
    pub fn limit_offset(&self) -> (i64, i64) {
        let limit = match self.end {
            Some(e) if e > self.start => (e - self.start) as i64,
            Some(_) => 0,
            None => i64::MAX,
        };
        (limit, self.start as i64)
    }
}

/// The `timestamp` parameter of `updates` (required).
pub fn require_since(req: &ApiRequest) -> OxResult<i64> {
    req.require_i64("timestamp")
}

/// Whether `ignore=deleted` asks to leave out deleted ids.
pub fn ignore_deleted(req: &ApiRequest) -> bool {
    req.param("ignore").is_some_and(|v| v.split(',').any(|p| p.trim() == "deleted"))
}

/// The `updates` answer: changed objects as rows, then the ids of deleted objects as
/// plain values; the timestamp is the newest of all of them.
pub fn updates_data(changed: &[Map<String, Value>], cols: &Columns, deleted: &[(Value, i64)], since: i64) -> (Value, i64) {
    let mut ts = since;
    let mut out: Vec<Value> = Vec::with_capacity(changed.len() + deleted.len());
    for o in changed {
        if let Some(t) = o.get("last_modified_utc").and_then(Value::as_i64) {
            ts = ts.max(t);
        }
        out.push(row(o, cols));
    }
    for (id, t) in deleted {
        ts = ts.max(*t);
        out.push(id.clone());
    }
    (Value::Array(out), ts)
}

/// Conflict detection: the client's `timestamp` must not be older than the object.
pub fn check_unchanged(client_ts: Option<i64>, last_modified: i64, conflict: &oxbow_core::ErrorDef) -> OxResult<()> {
    match client_ts {
        Some(ts) if ts < last_modified => Err(conflict.err()),
        _ => Ok(()),
    }
}
