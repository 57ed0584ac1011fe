//! Search filters translated into SQL. Field names come from the fixed contact field
//! table; every value a client sends is bound as a parameter.

use super::query::{is_text, Sql};
use oxbow_core::codes;
use oxbow_core::columns::contacts::{self as fields, ContactField, Kind};
use oxbow_core::{OxError, OxResult};
use oxbow_store::contacts::Arg;
use oxbow_store::db::like_pattern;
use serde_json::{Map, Value};

/// Deepest nesting of an advanced search term.
const MAX_DEPTH: usize = 32;

fn bad_filter(why: &str) -> OxError {
    codes::SVL_INVALID_PARAM_VALUE.with(["filter", why])
}

/// The advanced search term (`{"filter": [...]}`) as a SQL condition.
pub fn advanced(body: &Map<String, Value>, sql: &mut Sql) -> OxResult<String> {
    match body.get("filter") {
        None | Some(Value::Null) => Err(codes::SVL_MISSING_FIELD.with(["filter"])),
        Some(term) => term_sql(term, sql, 0),
    }
}

fn term_sql(term: &Value, sql: &mut Sql, depth: usize) -> OxResult<String> {
    if depth > MAX_DEPTH {
        return Err(bad_filter("the search term is nested too deeply"));
    }
    let Value::Array(items) = term else { return Err(bad_filter("a search term must be an array")) };
    let Some(op) = items.first().and_then(Value::as_str) else { return Err(bad_filter("a search term starts with its operator")) };
    let operands = &items[1..];
    match op.to_ascii_lowercase().as_str() {
        "and" | "or" => {
            if operands.is_empty() {
                return Ok(if op.eq_ignore_ascii_case("and") { "1 = 1".into() } else { "1 = 0".into() });
            }
            let parts = operands.iter().map(|t| term_sql(t, sql, depth + 1)).collect::<OxResult<Vec<_>>>()?;
            let joiner = if op.eq_ignore_ascii_case("and") { " AND " } else { " OR " };
            Ok(format!("({})", parts.join(joiner)))
        }
        "not" => {
            if operands.len() != 1 {
                return Err(bad_filter("\"not\" takes exactly one operand"));
            }
            Ok(format!("NOT ({})", term_sql(&operands[0], sql, depth + 1)?))
        }
        "=" | "<" | ">" | "<=" | ">=" | "<>" | "!=" => {
            if operands.len() != 2 {
                return Err(bad_filter("comparisons take exactly two operands"));
            }
            comparison(op, &operands[0], &operands[1], sql)
        }
        other => Err(bad_filter(&format!("unknown operator {other}"))),
    }
}

fn field_of(v: &Value) -> OxResult<Option<&'static ContactField>> {
    let Value::Object(m) = v else { return Ok(None) };
    let name = m.get("field").and_then(Value::as_str).ok_or_else(|| bad_filter("a field operand needs \"field\""))?;
    let field = fields::by_name(name)
        .or_else(|| name.parse::<u32>().ok().and_then(fields::by_id))
        .filter(|f| f.column.is_some())
        .ok_or_else(|| bad_filter(&format!("unknown field {name}")))?;
    Ok(Some(field))
}

fn comparison(op: &str, left: &Value, right: &Value, sql: &mut Sql) -> OxResult<String> {
    let (field, constant, flipped) = match (field_of(left)?, field_of(right)?) {
        (Some(f), None) => (f, right, false),
        (None, Some(f)) => (f, left, true),
        (Some(a), Some(b)) => {
            let (ca, cb) = (a.column.unwrap_or("id"), b.column.unwrap_or("id"));
            return Ok(format!("{ca} {} {cb}", sql_op(op)?));
        }
        (None, None) => return Err(bad_filter("a comparison needs a field")),
    };
    if matches!(constant, Value::Array(_) | Value::Object(_)) {
        return Err(bad_filter("arrays are not valid operands"));
    }
    let col = field.column.unwrap_or("id");
    // Constant on the left: mirror the operator.
    let op = if flipped {
        match op {
            "<" => ">",
            ">" => "<",
            "<=" => ">=",
            ">=" => "<=",
            o => o,
        }
    } else {
        op
    };
    if constant.is_null() {
        return match op {
            "=" => Ok(format!("{col} IS NULL")),
            "<>" | "!=" => Ok(format!("{col} IS NOT NULL")),
            _ => Err(bad_filter("null can only be compared with = or <>")),
        };
    }
    if is_text(field.kind) {
        let text = match constant {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if matches!(op, "=" | "<>" | "!=") {
            let negate = op != "=";
            let cond = if text.contains('*') || text.contains('?') {
                let p = sql.bind(Arg::Text(Some(like_pattern(&text))));
                format!("LOWER({col}) LIKE LOWER({p}) ESCAPE '\\'")
            } else {
                let p = sql.bind(Arg::Text(Some(text)));
                format!("LOWER({col}) = LOWER({p})")
            };
            return Ok(if negate { format!("({col} IS NULL OR NOT ({cond}))") } else { cond });
        }
        let p = sql.bind(Arg::Text(Some(text)));
        return Ok(format!("{col} {} {p}", sql_op(op)?));
    }
    let arg = match field.kind {
        Kind::Bool => Arg::Bool(match constant {
            Value::Bool(b) => *b,
            Value::String(s) if s == "true" || s == "false" => s == "true",
            _ => return Err(bad_filter(&format!("{} needs true or false", field.name))),
        }),
        _ => Arg::Int(Some(match constant {
            Value::Number(n) => n.as_i64().ok_or_else(|| bad_filter(&format!("{} needs a whole number", field.name)))?,
            Value::String(s) => s.trim().parse().map_err(|_| bad_filter(&format!("{} needs a number", field.name)))?,
            _ => return Err(bad_filter(&format!("{} needs a number", field.name))),
        })),
    };
    let p = sql.bind(arg);
    Ok(format!("{col} {} {p}", sql_op(op)?))
}

fn sql_op(op: &str) -> OxResult<&'static str> {
    Ok(match op {
        "=" => "=",
        "<" => "<",
        ">" => ">",
        "<=" => "<=",
        ">=" => ">=",
        "<>" | "!=" => "<>",
        _ => return Err(bad_filter("unknown operator")),
    })
}

/// A case-insensitive LIKE on `col` with the OX wildcards; `prefix` anchors at the start.
fn like(col: &str, pattern: &str, prefix: bool, sql: &mut Sql) -> String {
    let mut p = like_pattern(pattern);
    if !p.ends_with('%') {
        p.push('%');
    }
    if !prefix && !p.starts_with('%') {
        p.insert(0, '%');
    }
    let ph = sql.bind(Arg::Text(Some(p)));
    format!("LOWER({col}) LIKE LOWER({ph}) ESCAPE '\\'")
}

fn has_email() -> &'static str {
    "(email1 IS NOT NULL OR email2 IS NOT NULL OR email3 IS NOT NULL)"
}

/// The classic `search` body as a SQL condition, and the folders it names.
pub fn simple(body: &Map<String, Value>, sql: &mut Sql) -> OxResult<(String, Option<Vec<i64>>)> {
    let folders = match body.get("folder") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(a.iter().map(|v| super::model::id_value(v).ok_or_else(|| codes::SVL_INVALID_FIELD.with(["folder", "not a folder id"]))).collect::<OxResult<Vec<_>>>()?),
        Some(v) => Some(vec![super::model::id_value(v).ok_or_else(|| codes::SVL_INVALID_FIELD.with(["folder", "not a folder id"]))?]),
    };
    let flag = |k: &str| body.get(k).and_then(|v| v.as_bool().or_else(|| v.as_str().map(|s| s == "true"))).unwrap_or(false);
    let auto = flag("emailAutoComplete");
    let or_search = flag("orSearch") || auto;
    let exact = flag("exactMatch");

    if let Some(pattern) = body.get("pattern").and_then(Value::as_str) {
        let cond = if flag("startletter") {
            let starts = like("last_name", pattern, true, sql);
            let fallback = like("display_name", pattern, true, sql);
            format!("({starts} OR (last_name IS NULL AND {fallback}))")
        } else if pattern.trim_matches('*').is_empty() {
            "1 = 1".into()
        } else {
            like("display_name", pattern, false, sql)
        };
        return Ok((cond, folders));
    }

    let mut parts = Vec::new();
    for key in ["display_name", "first_name", "last_name", "email1", "email2", "email3", "company", "categories"] {
        let Some(pattern) = body.get(key).and_then(Value::as_str).filter(|p| !p.is_empty()) else { continue };
        let col = fields::by_name(key).and_then(|f| f.column).unwrap_or("display_name");
        parts.push(if exact {
            let p = sql.bind(Arg::Text(Some(pattern.to_string())));
            format!("LOWER({col}) = LOWER({p})")
        } else {
            like(col, pattern, or_search, sql)
        });
    }
    let mut cond = if parts.is_empty() {
        "1 = 1".to_string()
    } else {
        format!("({})", parts.join(if or_search { " OR " } else { " AND " }))
    };
    if auto {
        cond = format!("{cond} AND {}", has_email());
    }
    Ok((cond, folders))
}

/// `autocomplete`: every word of the query must prefix-match one of the name or address fields.
pub fn autocomplete(query: &str, require_email: bool, sql: &mut Sql) -> String {
    let mut parts = Vec::new();
    for word in query.split_whitespace().take(8) {
        let alts: Vec<String> = ["display_name", "first_name", "last_name", "email1", "email2", "email3", "company", "nickname"]
            .iter()
            .map(|c| like(c, word, true, sql))
            .collect();
        parts.push(format!("({})", alts.join(" OR ")));
    }
    let mut cond = if parts.is_empty() { "1 = 1".to_string() } else { parts.join(" AND ") };
    if require_email {
        cond = format!("{cond} AND {}", has_email());
    }
    cond
}

/// Contacts with a given address in any e-mail field.
pub fn by_email(addr: &str, sql: &mut Sql) -> String {
    let p = sql.bind(Arg::Text(Some(addr.to_string())));
    format!("(LOWER(email1) = LOWER({p}) OR LOWER(email2) = LOWER({p}) OR LOWER(email3) = LOWER({p}))")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn translate(filter: Value) -> OxResult<(String, Vec<Arg>)> {
        let mut sql = Sql::default();
        let body = json!({ "filter": filter });
        let text = advanced(body.as_object().unwrap(), &mut sql)?;
        Ok((text, sql.args))
    }

    #[test]
    fn values_are_bound_never_inlined() {
        let evil = "Robert'); DROP TABLE contacts;--";
        let (text, args) = translate(json!(["or", ["=", {"field": "last_name"}, evil], ["<>", {"field": "email1"}, "a*"]])).unwrap();
        assert!(!text.contains("Robert"), "{text}");
        assert_eq!(text, "(LOWER(last_name) = LOWER($1) OR (email1 IS NULL OR NOT (LOWER(email1) LIKE LOWER($2) ESCAPE '\\')))");
        assert_eq!(args, vec![Arg::Text(Some(evil.into())), Arg::Text(Some("a%".into()))]);
    }

    #[test]
    fn operators_nulls_and_mirrored_constants() {
        let (text, args) = translate(json!(["and", ["<", 5, {"field": "birthday"}], ["not", ["=", {"field": "note"}, null]]])).unwrap();
        assert_eq!(text, "(birthday > $1 AND NOT (note IS NULL))");
        assert_eq!(args, vec![Arg::Int(Some(5))]);
        let (text, _) = translate(json!(["=", {"field": "mark_as_distributionlist"}, true])).unwrap();
        assert_eq!(text, "mark_as_distributionlist = $1");
        let (text, _) = translate(json!(["=", {"field": "position"}, "CEO"])).unwrap();
        assert_eq!(text, "LOWER(job_position) = LOWER($1)");
    }

    #[test]
    fn malformed_terms_are_rejected() {
        for bad in [
            json!("x"),
            json!(["="]),
            json!(["=", {"field": "last_name"}]),
            json!(["=", {"field": "image1_url"}, "x"]),
            json!(["=", {"field": "last_name"}, ["a"]]),
            json!(["not", ["=", {"field": "last_name"}, "a"], ["=", {"field": "last_name"}, "b"]]),
            json!(["=", {"field": "birthday"}, "yesterday"]),
            json!(["like", {"field": "last_name"}, "x"]),
        ] {
            assert!(translate(bad.clone()).is_err(), "{bad}");
        }
        let mut deep = json!(["=", {"field": "last_name"}, "a"]);
        for _ in 0..40 {
            deep = json!(["not", deep]);
        }
        assert!(translate(deep).is_err());
    }
}
