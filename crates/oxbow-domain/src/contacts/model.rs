//! Contact data on the wire and in storage: validation of client input (types, lengths,
//! e-mail syntax, distribution list members, pictures) and conversion of stored rows into
//! the JSON objects the columns mechanism picks from.

use base64::Engine;
use oxbow_core::codes;
use oxbow_core::columns::contacts::{self as fields, ContactField, Kind};
use oxbow_core::{OxError, OxResult};
use oxbow_store::contacts::{Arg, ColType};
use serde_json::{Map, Value, json};

/// Largest picture accepted, in bytes.
pub const MAX_IMAGE_SIZE: usize = 4 * 1024 * 1024;
/// Most members a distribution list may have.
pub const MAX_LIST_MEMBERS: usize = 10_000;

/// A change of the contact's picture.
#[derive(Debug, Clone)]
pub enum ImageChange {
    Set { content_type: String, data: Vec<u8> },
    Remove,
}

/// One member of a distribution list as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: Option<i64>,
    pub folder_id: Option<i64>,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub mail_field: i64,
}

/// Validated client input: column values to write plus the picture and member changes.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub values: Vec<(&'static ContactField, Arg)>,
    pub image: Option<ImageChange>,
    pub members: Option<Vec<Member>>,
    /// `folder_id` in the body (a move on update, the target on create).
    pub folder_id: Option<i64>,
    pub uid: Option<String>,
}

impl Changes {
    pub fn get(&self, name: &str) -> Option<&Arg> {
        self.values.iter().find(|(f, _)| f.name == name).map(|(_, a)| a)
    }
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Arg::Text(Some(s))) => Some(s.as_str()),
            _ => None,
        }
    }
    pub fn set(&mut self, name: &str, arg: Arg) {
        let Some(field) = fields::by_name(name) else { return };
        self.values.retain(|(f, _)| f.name != name);
        self.values.push((field, arg));
    }
}

/// Storage type of a field's column.
pub fn col_type(kind: Kind) -> ColType {
    match kind {
        Kind::Text(_) | Kind::ReadOnlyText | Kind::DistributionList => ColType::Text,
        Kind::Bool => ColType::Bool,
        _ => ColType::Int,
    }
}

fn truncated(field: &ContactField, len: usize, max: usize) -> OxError {
    codes::CON_TRUNCATED
        .with([field.name.to_string(), len.to_string(), max.to_string()])
        .extra("problematic", json!([{"id": field.id, "name": field.name, "max_size": max, "length": len}]))
        .extra("truncated", json!([field.id]))
}

fn invalid(field: &str, why: &str) -> OxError {
    codes::CON_INVALID_FIELD.with([field, why])
}

/// An id sent as number or numeric string.
pub fn id_value(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A plausible e-mail address: one `@` with text on both sides, no spaces or controls.
pub fn valid_email(s: &str) -> bool {
    let addr = match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => &s[a + 1..b],
        _ => s,
    };
    let Some((local, domain)) = addr.rsplit_once('@') else { return false };
    !local.is_empty()
        && !domain.is_empty()
        && !addr.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// Check a picture: size limit and a real image format. Returns its MIME type.
pub fn check_image(data: &[u8], name: &str) -> OxResult<String> {
    if data.len() > MAX_IMAGE_SIZE {
        return Err(codes::CON_IMAGE_TOO_LARGE.with([name.to_string(), data.len().to_string(), MAX_IMAGE_SIZE.to_string()]));
    }
    match infer::get(data) {
        Some(t) if t.matcher_type() == infer::MatcherType::Image => Ok(t.mime_type().to_string()),
        _ => Err(codes::CON_NOT_VALID_IMAGE.err()),
    }
}

/// Validate a client's contact object. `creating` allows `uid`.
pub fn parse_input(obj: &Map<String, Value>, creating: bool) -> OxResult<Changes> {
    let mut c = Changes::default();
    for (key, value) in obj {
        match key.as_str() {
            "folder_id" => {
                c.folder_id = Some(id_value(value).ok_or_else(|| invalid("folder_id", "not a folder id"))?);
                continue;
            }
            "uid" => {
                if creating {
                    match value {
                        Value::String(s) if !s.trim().is_empty() => {
                            let field = fields::by_name("uid").expect("uid field");
                            let n = s.chars().count();
                            if n > 255 {
                                return Err(truncated(field, n, 255));
                            }
                            c.uid = Some(s.trim().to_string());
                        }
                        Value::Null | Value::String(_) => {}
                        _ => return Err(invalid("uid", "expected a string")),
                    }
                }
                continue;
            }
            _ => {}
        }
        let Some(field) = fields::by_name(key) else { continue };
        match field.kind {
            Kind::Text(max) => {
                let text = match value {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => return Err(invalid(field.name, "expected a string")),
                };
                let text = text.filter(|s| !s.is_empty());
                if let Some(s) = &text {
                    let n = s.chars().count();
                    if n > max {
                        return Err(truncated(field, n, max));
                    }
                    if field.name.starts_with("email") && !valid_email(s) {
                        return Err(codes::CON_INVALID_EMAIL.with([s.chars().take(256).collect::<String>()]));
                    }
                }
                c.values.push((field, Arg::Text(text)));
            }
            Kind::Date => {
                let v = match value {
                    Value::Null => None,
                    other => Some(id_value(other).ok_or_else(|| invalid(field.name, "expected a date in milliseconds"))?),
                };
                c.values.push((field, Arg::Int(v.map(oxbow_core::time::to_wire_date))));
            }
            Kind::Int => {
                if matches!(field.name, "created_by" | "modified_by" | "user_id") {
                    continue;
                }
                let v = match value {
                    Value::Null => None,
                    other => Some(id_value(other).ok_or_else(|| invalid(field.name, "expected a number"))?),
                };
                if field.name == "color_label" && v.is_some_and(|v| !(0..=10).contains(&v)) {
                    return Err(invalid(field.name, "must be between 0 and 10"));
                }
                if field.name == "default_address" && v.is_some_and(|v| !(0..=3).contains(&v)) {
                    return Err(invalid(field.name, "must be between 0 and 3"));
                }
                c.values.push((field, Arg::Int(v)));
            }
            Kind::Bool => {
                let v = match value {
                    Value::Null => false,
                    Value::Bool(b) => *b,
                    Value::String(s) if s == "true" || s == "false" => s == "true",
                    _ => return Err(invalid(field.name, "expected true or false")),
                };
                c.values.push((field, Arg::Bool(v)));
            }
            Kind::Image => match value {
                Value::Null => c.image = Some(ImageChange::Remove),
                Value::String(s) if s.is_empty() => c.image = Some(ImageChange::Remove),
                Value::String(s) => {
                    if s.len() > MAX_IMAGE_SIZE / 3 * 4 + 8 {
                        let approx = s.len() / 4 * 3;
                        return Err(codes::CON_IMAGE_TOO_LARGE.with(["image1".to_string(), approx.to_string(), MAX_IMAGE_SIZE.to_string()]));
                    }
                    let payload = s.split_once("base64,").map(|(_, b)| b).unwrap_or(s);
                    let data = base64::engine::general_purpose::STANDARD
                        .decode(payload.trim())
                        .map_err(|_| codes::CON_NOT_VALID_IMAGE.err())?;
                    let content_type = check_image(&data, "image1")?;
                    c.image = Some(ImageChange::Set { content_type, data });
                }
                _ => return Err(invalid("image1", "expected base64 image data")),
            },
            Kind::DistributionList => {
                let members = match value {
                    Value::Null => Vec::new(),
                    Value::Array(items) => parse_members(items)?,
                    _ => return Err(invalid(field.name, "expected an array of members")),
                };
                c.members = Some(members);
            }
            // Server-maintained fields are ignored on input, as OX does.
            Kind::Id | Kind::Time | Kind::Utc | Kind::Derived | Kind::ReadOnlyText | Kind::ReadOnlyInt => {}
        }
    }
    Ok(c)
}

fn parse_members(items: &[Value]) -> OxResult<Vec<Member>> {
    if items.len() > MAX_LIST_MEMBERS {
        return Err(invalid("distribution_list", "too many members"));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(m) = item else { return Err(invalid("distribution_list", "members must be objects")) };
        let text = |k: &str, max: usize| -> OxResult<Option<String>> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => {
                    if s.chars().count() > max {
                        Err(codes::CON_TRUNCATED.with([format!("distribution_list.{k}"), s.chars().count().to_string(), max.to_string()])
                            .extra("problematic", json!([{"id": 592, "name": "distribution_list", "member_field": k, "max_size": max}]))
                            .extra("truncated", json!([592])))
                    } else {
                        Ok(Some(s.clone()))
                    }
                }
                Some(_) => Err(invalid("distribution_list", &format!("{k} must be a string"))),
            }
        };
        let id = match m.get("id") {
            None | Some(Value::Null) => None,
            Some(v) => Some(id_value(v).ok_or_else(|| invalid("distribution_list", "id must be a contact id"))?),
        };
        let folder_id = match m.get("folder_id") {
            None | Some(Value::Null) => None,
            Some(v) => Some(id_value(v).ok_or_else(|| invalid("distribution_list", "folder_id must be a folder id"))?),
        };
        let mail_field = match m.get("mail_field") {
            None | Some(Value::Null) => if id.is_some() { 1 } else { 0 },
            Some(v) => id_value(v).filter(|n| (0..=3).contains(n)).ok_or_else(|| invalid("distribution_list", "mail_field must be 0 to 3"))?,
        };
        let mail = text("mail", 256)?;
        if let Some(addr) = &mail {
            if !valid_email(addr) {
                return Err(codes::CON_INVALID_EMAIL.with([addr.clone()]));
            }
        }
        if id.is_none() && mail.is_none() {
            return Err(invalid("distribution_list", "a member needs a mail address or a contact id"));
        }
        out.push(Member { id, folder_id, display_name: text("display_name", 320)?, mail, mail_field: if id.is_some() { mail_field } else { 0 } });
    }
    Ok(out)
}

pub fn members_to_json(members: &[Member]) -> String {
    Value::Array(members.iter().map(member_value).collect()).to_string()
}

pub fn member_value(m: &Member) -> Value {
    let mut o = Map::new();
    if let Some(id) = m.id {
        o.insert("id".into(), Value::from(id.to_string()));
    }
    if let Some(f) = m.folder_id {
        o.insert("folder_id".into(), Value::from(f.to_string()));
    }
    o.insert("display_name".into(), m.display_name.clone().map(Value::from).unwrap_or(Value::Null));
    o.insert("mail".into(), m.mail.clone().map(Value::from).unwrap_or(Value::Null));
    o.insert("mail_field".into(), Value::from(m.mail_field));
    Value::Object(o)
}

/// Members as stored (JSON text); broken storage yields an empty list.
pub fn members_from_json(text: &str) -> Vec<Member> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    items
        .iter()
        .filter_map(|v| {
            let m = v.as_object()?;
            Some(Member {
                id: m.get("id").and_then(id_value),
                folder_id: m.get("folder_id").and_then(id_value),
                display_name: m.get("display_name").and_then(Value::as_str).map(str::to_string),
                mail: m.get("mail").and_then(Value::as_str).map(str::to_string),
                mail_field: m.get("mail_field").and_then(Value::as_i64).unwrap_or(0),
            })
        })
        .collect()
}

/// A display name for a contact that has none: the names, else company, else address.
pub fn derive_display_name(c: &Changes) -> Option<String> {
    let first = c.text("first_name").unwrap_or("");
    let last = c.text("last_name").unwrap_or("");
    let full = format!("{first} {last}").trim().to_string();
    if !full.is_empty() {
        return Some(full);
    }
    ["company", "nickname", "email1", "email2", "email3"].iter().find_map(|k| c.text(k).map(str::to_string))
}
