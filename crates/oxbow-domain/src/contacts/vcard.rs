//! vCard 2.1/3.0/4.0 import and 3.0/4.0 export. Cards are mapped to and from the wire form
//! of a contact so that imports pass the same validation as `contacts?action=new`.

use super::model::{self, Changes, ImageChange};
use base64::Engine;
use calcard::common::{Data, IanaString, PartialDateTime};
use calcard::vcard::{VCard, VCardEntry, VCardParameter, VCardProperty, VCardType, VCardValue, VCardVersion};
use calcard::{Entry, Parser};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use oxbow_core::codes;
use oxbow_core::{OxError, OxResult};
use serde_json::{Map, Value};

/// One card of an import: its position and either the validated contact or why not.
pub struct ImportItem {
    pub index: usize,
    pub result: OxResult<Changes>,
}

/// Parse a vCard file into validated contacts, one result per card.
pub fn parse(text: &str) -> Vec<ImportItem> {
    let mut out = Vec::new();
    let mut parser = Parser::new(text);
    let mut index = 0usize;
    loop {
        match parser.entry() {
            Entry::VCard(card) => {
                index += 1;
                out.push(ImportItem { index, result: card_to_changes(&card) });
            }
            Entry::Eof => break,
            Entry::InvalidLine(line) => {
                if line.trim().is_empty() {
                    continue;
                }
                index += 1;
                let shown: String = line.chars().take(80).collect();
                out.push(ImportItem { index, result: Err(codes::IE_PARSE_FAILED.with([index.to_string(), format!("not part of a vCard: {shown}")])) });
            }
            Entry::ICalendar(_) => {
                index += 1;
                out.push(ImportItem { index, result: Err(codes::IE_PARSE_FAILED.with([index.to_string(), "not a vCard".to_string()])) });
            }
            Entry::UnterminatedComponent(_) | Entry::UnexpectedComponentEnd { .. } => {
                index += 1;
                out.push(ImportItem { index, result: Err(codes::IE_PARSE_FAILED.with([index.to_string(), "the vCard is not terminated".to_string()])) });
                break;
            }
            Entry::TooManyComponents => {
                index += 1;
                out.push(ImportItem { index, result: Err(codes::IE_PARSE_FAILED.with([index.to_string(), "too many nested components".to_string()])) });
                break;
            }
            _ => break,
        }
    }
    out
}

fn types(e: &VCardEntry) -> Vec<String> {
    e.params
        .iter()
        .filter(|p| matches!(p.name, calcard::vcard::VCardParameterName::Type) || matches!(&p.name, calcard::vcard::VCardParameterName::Other(_)))
        .filter_map(|p| p.value.as_text().map(|t| t.to_ascii_lowercase()))
        .collect()
}

fn value_text(v: &VCardValue) -> Option<String> {
    match v {
        VCardValue::Text(s) => Some(s.clone()),
        VCardValue::Component(items) => Some(items.join(",")),
        VCardValue::Integer(i) => Some(i.to_string()),
        VCardValue::Kind(k) => Some(k.as_str().to_string()),
        _ => v.as_text().map(str::to_string),
    }
}

fn first_text(e: &VCardEntry) -> Option<String> {
    e.values.first().and_then(value_text).filter(|s| !s.trim().is_empty())
}

fn component(e: &VCardEntry, i: usize) -> Option<String> {
    e.values.get(i).and_then(value_text).filter(|s| !s.trim().is_empty())
}

fn date_ms(e: &VCardEntry) -> Option<i64> {
    match e.values.first()? {
        VCardValue::PartialDateTime(d) => {
            let year = d.year.map(i32::from).unwrap_or(1604);
            NaiveDate::from_ymd_opt(year, u32::from(d.month?), u32::from(d.day?))
                .and_then(|n| n.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis())
        }
        other => parse_date_text(&value_text(other)?),
    }
}

/// `YYYY-MM-DD`, `YYYYMMDD` or a date-time starting with one of them.
fn parse_date_text(s: &str) -> Option<i64> {
    let s = s.trim();
    let digits: String = s.chars().take_while(|c| *c != 'T').filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 8 {
        return None;
    }
    let (y, m, d) = (digits[0..4].parse().ok()?, digits[4..6].parse().ok()?, digits[6..8].parse().ok()?);
    NaiveDate::from_ymd_opt(y, m, d).and_then(|n| n.and_hms_opt(0, 0, 0)).map(|t| t.and_utc().timestamp_millis())
}

fn set(m: &mut Map<String, Value>, key: &str, v: Option<String>) {
    if let Some(v) = v {
        if !m.contains_key(key) {
            m.insert(key.to_string(), Value::from(v));
        }
    }
}

fn first_free(m: &mut Map<String, Value>, keys: &[&str], v: Option<String>) {
    let Some(v) = v else { return };
    if let Some(k) = keys.iter().find(|k| !m.contains_key(**k)) {
        m.insert(k.to_string(), Value::from(v));
    }
}

/// Map one card onto a contact and validate it.
pub fn card_to_changes(card: &VCard) -> OxResult<Changes> {
    let mut m = Map::new();
    let mut image: Option<ImageChange> = None;
    let mut members: Vec<Value> = Vec::new();
    let mut is_group = false;
    for e in &card.entries {
        let ty = types(e);
        let has = |t: &str| ty.iter().any(|x| x == t);
        match &e.name {
            VCardProperty::Fn => set(&mut m, "display_name", first_text(e)),
            VCardProperty::N => {
                set(&mut m, "last_name", component(e, 0));
                set(&mut m, "first_name", component(e, 1));
                set(&mut m, "second_name", component(e, 2));
                set(&mut m, "title", component(e, 3));
                set(&mut m, "suffix", component(e, 4));
            }
            VCardProperty::Nickname => set(&mut m, "nickname", first_text(e)),
            VCardProperty::Bday => {
                if let Some(ms) = date_ms(e) {
                    m.entry("birthday").or_insert(Value::from(ms));
                }
            }
            VCardProperty::Anniversary => {
                if let Some(ms) = date_ms(e) {
                    m.entry("anniversary").or_insert(Value::from(ms));
                }
            }
            VCardProperty::Other(name) if name.eq_ignore_ascii_case("X-ANNIVERSARY") || name.eq_ignore_ascii_case("X-MS-ANNIVERSARY") => {
                if let Some(ms) = first_text(e).and_then(|t| parse_date_text(&t)) {
                    m.entry("anniversary").or_insert(Value::from(ms));
                }
            }
            VCardProperty::Adr => {
                let kind = if has("work") { "business" } else if has("home") { "home" } else { "other" };
                if m.contains_key(&format!("city_{kind}")) || m.contains_key(&format!("street_{kind}")) {
                    continue;
                }
                set(&mut m, &format!("street_{kind}"), component(e, 2));
                set(&mut m, &format!("city_{kind}"), component(e, 3));
                set(&mut m, &format!("state_{kind}"), component(e, 4));
                set(&mut m, &format!("postal_code_{kind}"), component(e, 5));
                set(&mut m, &format!("country_{kind}"), component(e, 6));
            }
            VCardProperty::Tel => {
                let v = first_text(e).map(|t| t.trim_start_matches("tel:").to_string());
                let keys: &[&str] = if has("fax") {
                    if has("work") { &["fax_business"] } else if has("home") { &["fax_home"] } else { &["fax_other", "fax_business"] }
                } else if has("cell") {
                    &["cellular_telephone1", "cellular_telephone2"]
                } else if has("pager") {
                    &["telephone_pager"]
                } else if has("car") {
                    &["telephone_car"]
                } else if has("isdn") {
                    &["telephone_isdn"]
                } else if has("work") {
                    &["telephone_business1", "telephone_business2", "telephone_company"]
                } else if has("home") {
                    &["telephone_home1", "telephone_home2"]
                } else {
                    &["telephone_other", "telephone_primary", "telephone_business1", "telephone_home1"]
                };
                first_free(&mut m, keys, v);
            }
            VCardProperty::Email => first_free(&mut m, &["email1", "email2", "email3"], first_text(e)),
            VCardProperty::Impp => first_free(&mut m, &["instant_messenger1", "instant_messenger2"], first_text(e)),
            VCardProperty::Url => set(&mut m, "url", first_text(e)),
            VCardProperty::Org => {
                set(&mut m, "company", component(e, 0));
                set(&mut m, "department", component(e, 1));
            }
            VCardProperty::Title => set(&mut m, "position", first_text(e)),
            VCardProperty::Role => set(&mut m, "profession", first_text(e)),
            VCardProperty::Note => set(&mut m, "note", first_text(e)),
            VCardProperty::Categories => {
                let cats: Vec<String> = e.values.iter().filter_map(value_text).filter(|s| !s.is_empty()).collect();
                if !cats.is_empty() {
                    set(&mut m, "categories", Some(cats.join(",")));
                }
            }
            VCardProperty::Uid => set(&mut m, "uid", first_text(e).map(|u| u.trim_start_matches("urn:uuid:").to_string())),
            VCardProperty::Kind => is_group |= first_text(e).is_some_and(|k| k.eq_ignore_ascii_case("group")),
            VCardProperty::Other(name) if name.eq_ignore_ascii_case("X-ADDRESSBOOKSERVER-KIND") => {
                is_group |= first_text(e).is_some_and(|k| k.eq_ignore_ascii_case("group"))
            }
            VCardProperty::Other(name) if name.eq_ignore_ascii_case("X-ADDRESSBOOKSERVER-MEMBER") => {
                if let Some(mail) = first_text(e).and_then(|v| v.strip_prefix("mailto:").map(str::to_string)) {
                    members.push(serde_json::json!({"mail": mail, "display_name": mail}));
                }
            }
            VCardProperty::Member => {
                if let Some(mail) = first_text(e).and_then(|v| v.strip_prefix("mailto:").map(str::to_string)) {
                    members.push(serde_json::json!({"mail": mail, "display_name": mail}));
                }
            }
            VCardProperty::Photo if image.is_none() => {
                let data = match e.values.first() {
                    Some(VCardValue::Binary(Data { data, .. })) => Some(data.clone()),
                    Some(VCardValue::Text(t)) if t.starts_with("data:") => t
                        .split_once(',')
                        .and_then(|(_, b)| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok()),
                    Some(VCardValue::Text(t)) if !t.contains(':') => base64::engine::general_purpose::STANDARD.decode(t.trim()).ok(),
                    _ => None,
                };
                if let Some(data) = data {
                    let content_type = model::check_image(&data, "PHOTO")?;
                    image = Some(ImageChange::Set { content_type, data });
                }
            }
            _ => {}
        }
    }
    if is_group || !members.is_empty() {
        m.insert("mark_as_distributionlist".into(), Value::Bool(true));
        m.insert("distribution_list".into(), Value::Array(members));
    }
    let mut changes = model::parse_input(&m, true)?;
    changes.image = image;
    if changes.values.is_empty() && changes.uid.is_none() && changes.members.is_none() {
        return Err(codes::IE_PARSE_FAILED.with(["vCard".to_string(), "the card has no contact data".to_string()]));
    }
    Ok(changes)
}

fn s<'a>(c: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    c.get(k).and_then(Value::as_str).filter(|v| !v.is_empty())
}

fn text_entry(prop: VCardProperty, v: &str) -> VCardEntry {
    VCardEntry::new(prop).with_value(v.to_string())
}

fn date_value(ms: i64) -> Option<PartialDateTime> {
    let d = Utc.timestamp_millis_opt(ms).single()?;
    Some(PartialDateTime { year: u16::try_from(d.year()).ok(), month: Some(d.month() as u8), day: Some(d.day() as u8), ..Default::default() })
}

/// One contact (wire form) as a vCard. `image` is the picture, when it has one.
pub fn contact_to_vcard(c: &Map<String, Value>, image: Option<(&str, &[u8])>, version: VCardVersion) -> Result<String, OxError> {
    let v4 = matches!(version, VCardVersion::V4_0);
    let mut entries: Vec<VCardEntry> = Vec::new();
    let display = s(c, "display_name").unwrap_or("");
    entries.push(text_entry(VCardProperty::Fn, display));
    let comp = |k: &str| VCardValue::Text(s(c, k).unwrap_or("").to_string());
    entries.push(VCardEntry::new(VCardProperty::N).with_values(vec![comp("last_name"), comp("first_name"), comp("second_name"), comp("title"), comp("suffix")]));
    if let Some(v) = s(c, "nickname") {
        entries.push(text_entry(VCardProperty::Nickname, v));
    }
    if let Some(d) = c.get("birthday").and_then(Value::as_i64).and_then(date_value) {
        entries.push(VCardEntry::new(VCardProperty::Bday).with_value(VCardValue::PartialDateTime(d)));
    }
    if let Some(ms) = c.get("anniversary").and_then(Value::as_i64) {
        if v4 {
            if let Some(d) = date_value(ms) {
                entries.push(VCardEntry::new(VCardProperty::Anniversary).with_value(VCardValue::PartialDateTime(d)));
            }
        } else if let Some(d) = Utc.timestamp_millis_opt(ms).single() {
            entries.push(text_entry(VCardProperty::Other("X-ANNIVERSARY".into()), &d.format("%Y-%m-%d").to_string()));
        }
    }
    for (kind, ty) in [("business", Some(VCardType::Work)), ("home", Some(VCardType::Home)), ("other", None)] {
        let parts = ["street", "city", "state", "postal_code", "country"].map(|p| s(c, &format!("{p}_{kind}")).unwrap_or("").to_string());
        if parts.iter().all(String::is_empty) {
            continue;
        }
        let [street, city, state, postal, country] = parts;
        let mut e = VCardEntry::new(VCardProperty::Adr).with_values(
            ["", "", &street, &city, &state, &postal, &country].iter().map(|v| VCardValue::Text(v.to_string())).collect(),
        );
        if let Some(t) = ty {
            e = e.with_param(VCardParameter::typ(t));
        } else {
            e = e.with_param(VCardParameter::typ("x-other".to_string()));
        }
        entries.push(e);
    }
    let tels: &[(&str, &[VCardType])] = &[
        ("telephone_business1", &[VCardType::Work, VCardType::Voice]),
        ("telephone_business2", &[VCardType::Work, VCardType::Voice]),
        ("fax_business", &[VCardType::Work, VCardType::Fax]),
        ("telephone_home1", &[VCardType::Home, VCardType::Voice]),
        ("telephone_home2", &[VCardType::Home, VCardType::Voice]),
        ("fax_home", &[VCardType::Home, VCardType::Fax]),
        ("cellular_telephone1", &[VCardType::Cell]),
        ("cellular_telephone2", &[VCardType::Cell]),
        ("telephone_pager", &[VCardType::Pager]),
        ("fax_other", &[VCardType::Fax]),
        ("telephone_other", &[VCardType::Voice]),
    ];
    for (key, tys) in tels {
        if let Some(v) = s(c, key) {
            let mut e = text_entry(VCardProperty::Tel, v);
            for t in tys.iter() {
                e = e.with_param(VCardParameter::typ(t.clone()));
            }
            entries.push(e);
        }
    }
    for (key, other) in [("telephone_car", "car"), ("telephone_isdn", "isdn"), ("telephone_company", "x-company"), ("telephone_primary", "x-primary")] {
        if let Some(v) = s(c, key) {
            entries.push(text_entry(VCardProperty::Tel, v).with_param(VCardParameter::typ(other.to_string())));
        }
    }
    for key in ["email1", "email2", "email3"] {
        if let Some(v) = s(c, key) {
            let mut e = text_entry(VCardProperty::Email, v);
            if !v4 {
                e = e.with_param(VCardParameter::typ("INTERNET".to_string()));
            }
            entries.push(e);
        }
    }
    for key in ["instant_messenger1", "instant_messenger2"] {
        if let Some(v) = s(c, key) {
            entries.push(text_entry(VCardProperty::Impp, v));
        }
    }
    if let Some(v) = s(c, "url") {
        entries.push(text_entry(VCardProperty::Url, v));
    }
    if s(c, "company").is_some() || s(c, "department").is_some() {
        entries.push(VCardEntry::new(VCardProperty::Org).with_values(vec![comp("company"), comp("department")]));
    }
    if let Some(v) = s(c, "position") {
        entries.push(text_entry(VCardProperty::Title, v));
    }
    if let Some(v) = s(c, "profession") {
        entries.push(text_entry(VCardProperty::Role, v));
    }
    if let Some(v) = s(c, "note") {
        entries.push(text_entry(VCardProperty::Note, v));
    }
    if let Some(v) = s(c, "categories") {
        entries.push(VCardEntry::new(VCardProperty::Categories).with_values(v.split(',').map(|x| VCardValue::Text(x.trim().to_string())).collect()));
    }
    if let Some(v) = s(c, "uid") {
        entries.push(text_entry(VCardProperty::Uid, v));
    }
    if let Some(Value::Array(members)) = c.get("distribution_list") {
        if c.get("mark_as_distributionlist").and_then(Value::as_bool).unwrap_or(false) {
            if v4 {
                entries.push(VCardEntry::new(VCardProperty::Kind).with_value(VCardValue::Kind(calcard::vcard::VCardKind::Group)));
            } else {
                entries.push(text_entry(VCardProperty::Other("X-ADDRESSBOOKSERVER-KIND".into()), "group"));
            }
            for m in members {
                if let Some(mail) = m.get("mail").and_then(Value::as_str) {
                    let prop = if v4 { VCardProperty::Member } else { VCardProperty::Other("X-ADDRESSBOOKSERVER-MEMBER".into()) };
                    entries.push(text_entry(prop, &format!("mailto:{mail}")));
                }
            }
        }
    }
    if let Some((content_type, data)) = image {
        entries.push(VCardEntry::new(VCardProperty::Photo).with_value(VCardValue::Binary(Data { content_type: Some(content_type.to_string()), data: data.to_vec() })));
    }
    let card = VCard { entries };
    let mut out = String::new();
    card.write_to(&mut out, version).map_err(|e| OxError::internal(format!("vCard writer: {e}")))?;
    Ok(out)
}
