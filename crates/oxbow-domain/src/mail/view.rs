//! The JSON form of a message for `mail?action=get` (behaviour notes 7.3): header fields,
//! the displayable body (HTML sanitised), the attachment list with IMAP-style part ids, and
//! nested messages. Also finds single parts for downloads and inline images.

use super::backend::MailAddress;
use super::parse;
use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};
use oxbow_core::time::to_wire_time;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::HashSet;

/// How the body is prepared (`view` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// As stored, nothing sanitised.
    Raw,
    /// Text only (HTML converted to text); the HTML part stays an attachment.
    Text,
    /// Text only, without the HTML alternative.
    TextNoHtmlAttach,
    /// Sanitised HTML, external images allowed.
    Html,
    /// Sanitised HTML, external images removed.
    NoImg,
}

impl View {
    pub fn parse(v: Option<&str>) -> View {
        match v {
            Some("raw") => View::Raw,
            Some("text") => View::Text,
            Some("textNoHtmlAttach") => View::TextNoHtmlAttach,
            Some("html") => View::Html,
            // The default display blocks external images, like noimg.
            _ => View::NoImg,
        }
    }
    fn wants_html(self) -> bool {
        matches!(self, View::Raw | View::Html | View::NoImg)
    }
}

pub struct ViewOptions<'a> {
    pub view: View,
    /// Truncate body text to this many characters (at least 10000).
    pub max_size: Option<usize>,
    pub tz: chrono_tz::Tz,
    /// Base for inline image URLs: `cid:` references become `<base>&uid=<cid>`.
    pub image_url_base: Option<&'a str>,
}

/// Deepest nesting of messages and multiparts we follow.
const MAX_DEPTH: usize = 20;

/// Headers already shown in their own fields.
const OWN_HEADERS: &[&str] = &[
    "from", "to", "cc", "bcc", "reply-to", "subject", "date", "content-type", "disposition-notification-to", "x-priority",
    "mime-version", "content-transfer-encoding",
];

pub fn parse_message(raw: &[u8]) -> Option<Message<'_>> {
    MessageParser::default().parse(raw)
}

pub fn addresses_json(a: &[MailAddress]) -> Value {
    Value::Array(a.iter().map(|x| json!([x.name, x.email])).collect())
}

fn content_type_of(part: &MessagePart) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None => match &part.body {
            PartType::Html(_) => "text/html".into(),
            PartType::Text(_) => "text/plain".into(),
            PartType::Message(_) => "message/rfc822".into(),
            PartType::Multipart(_) => "multipart/mixed".into(),
            _ => "application/octet-stream".into(),
        },
    }
}

/// A leaf part with its IMAP section id.
pub struct Leaf<'m, 'x> {
    pub section: String,
    /// Position of the part in `Message::parts`.
    pub index: usize,
    pub part: &'m MessagePart<'x>,
    pub content_type: String,
    /// Inside a multipart/alternative.
    pub in_alternative: bool,
}

/// Leaves of a message in section order (`"1"`, `"2"`, `"2.1"`, ...). A message/rfc822
/// part is a leaf (its contents are reported through `nested_msgs`).
pub fn leaves<'m, 'x>(msg: &'m Message<'x>) -> Vec<Leaf<'m, 'x>> {
    let mut out = Vec::new();
    walk(msg, 0, String::new(), false, 0, &mut out);
    out
}

fn walk<'m, 'x>(msg: &'m Message<'x>, idx: usize, section: String, in_alt: bool, depth: usize, out: &mut Vec<Leaf<'m, 'x>>) {
    let Some(part) = msg.parts.get(idx) else { return };
    if depth > MAX_DEPTH {
        return;
    }
    match &part.body {
        PartType::Multipart(children) => {
            let alt = content_type_of(part) == "multipart/alternative";
            for (i, child) in children.iter().enumerate() {
                let s = if section.is_empty() { (i + 1).to_string() } else { format!("{section}.{}", i + 1) };
                walk(msg, *child as usize, s, alt || in_alt, depth + 1, out);
            }
        }
        _ => out.push(Leaf {
            section: if section.is_empty() { "1".into() } else { section },
            index: idx,
            part,
            content_type: content_type_of(part),
            in_alternative: in_alt,
        }),
    }
}

/// A part found by section id or Content-ID: `(content_type, filename, bytes)`.
pub fn find_part<'m>(msg: &'m Message<'m>, section: Option<&str>, cid: Option<&str>) -> Option<(String, Option<String>, Cow<'m, [u8]>)> {
    let cid = cid.map(|c| c.trim_start_matches('<').trim_end_matches('>'));
    for leaf in leaves(msg) {
        let hit = match (section, cid) {
            (Some(s), _) => leaf.section == s,
            (None, Some(c)) => leaf.part.content_id().map(|x| x.trim_start_matches('<').trim_end_matches('>')) == Some(c),
            _ => false,
        };
        if hit {
            let bytes: Cow<[u8]> = match &leaf.part.body {
                PartType::Text(t) | PartType::Html(t) => Cow::Borrowed(t.as_bytes()),
                PartType::Binary(b) | PartType::InlineBinary(b) => Cow::Borrowed(b.as_ref()),
                PartType::Message(m) => Cow::Borrowed(m.raw_message.as_ref()),
                PartType::Multipart(_) => continue,
            };
            return Some((leaf.content_type.clone(), leaf.part.attachment_name().map(|s| s.to_string()), bytes));
        }
    }
    None
}

/// Like `find_part`, but moves the part's contents out of the message instead of borrowing
/// them: decoded contents are handed over without a copy, undecoded ones still borrow the raw
/// message (`'x`), so the caller can drop the parsed message before sending the part.
pub fn take_part<'x>(msg: &mut Message<'x>, section: Option<&str>, cid: Option<&str>) -> Option<(String, Option<String>, Cow<'x, [u8]>)> {
    let cid = cid.map(|c| c.trim_start_matches('<').trim_end_matches('>'));
    let (index, content_type, name) = leaves(msg).into_iter().find_map(|leaf| {
        let hit = match (section, cid) {
            (Some(s), _) => leaf.section == s,
            (None, Some(c)) => leaf.part.content_id().map(|x| x.trim_start_matches('<').trim_end_matches('>')) == Some(c),
            _ => false,
        };
        let is_leaf = !matches!(leaf.part.body, PartType::Multipart(_));
        (hit && is_leaf).then(|| (leaf.index, leaf.content_type.clone(), leaf.part.attachment_name().map(|s| s.to_string())))
    })?;
    let body = std::mem::replace(&mut msg.parts[index].body, PartType::Binary(Cow::Borrowed(&[])));
    let bytes: Cow<'x, [u8]> = match body {
        PartType::Text(Cow::Borrowed(t)) | PartType::Html(Cow::Borrowed(t)) => Cow::Borrowed(t.as_bytes()),
        PartType::Text(Cow::Owned(t)) | PartType::Html(Cow::Owned(t)) => Cow::Owned(t.into_bytes()),
        PartType::Binary(b) | PartType::InlineBinary(b) => b,
        PartType::Message(m) => m.raw_message,
        PartType::Multipart(_) => return None,
    };
    Some((content_type, name, bytes))
}

fn disposition(part: &MessagePart) -> Option<String> {
    part.content_disposition().map(|d| d.ctype().to_ascii_lowercase())
}

fn part_size(part: &MessagePart) -> i64 {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.len() as i64,
        PartType::Binary(b) | PartType::InlineBinary(b) => b.len() as i64,
        PartType::Message(m) => m.raw_message.len() as i64,
        PartType::Multipart(_) => 0,
    }
}

fn text_of<'a>(part: &'a MessagePart<'_>) -> Option<&'a str> {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => Some(t.as_ref()),
        _ => None,
    }
}

fn is_body_candidate(leaf: &Leaf) -> bool {
    (leaf.content_type == "text/plain" || leaf.content_type == "text/html")
        && disposition(leaf.part).as_deref() != Some("attachment")
        && leaf.part.attachment_name().is_none()
}

/// Remove scripts, event handlers, `javascript:` URLs and styles; `cid:` images point to
/// the inline image URL; with `block_external` remote images are dropped.
pub fn sanitize_html(html: &str, block_external: bool, image_url_base: Option<&str>) -> String {
    let base = image_url_base.map(|b| b.to_string());
    let mut builder = ammonia::Builder::default();
    let schemes: HashSet<&str> = ["http", "https", "mailto", "cid", "tel"].into_iter().collect();
    builder
        .url_schemes(schemes)
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .add_tag_attributes("img", ["width", "height", "alt", "src"])
        .add_tag_attributes("td", ["bgcolor", "align", "valign", "width"])
        .add_tag_attributes("table", ["bgcolor", "cellpadding", "cellspacing", "border", "width"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tags(["font", "center"])
        .attribute_filter(move |element, attribute, value| {
            if element == "img" && attribute == "src" {
                let lower = value.trim().to_ascii_lowercase();
                if let Some(cid) = value.trim().strip_prefix("cid:").or_else(|| value.trim().strip_prefix("CID:")) {
                    return match &base {
                        Some(b) => Some(Cow::Owned(format!("{b}&uid={}", percent_encode(cid)))),
                        None => Some(Cow::Owned(value.to_string())),
                    };
                }
                if block_external && (lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("//")) {
                    return None;
                }
            }
            Some(Cow::Owned(value.to_string()))
        });
    builder.clean(html).to_string()
}

fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Plain text of an HTML body (for the text views).
pub fn html_to_text(html: &str) -> String {
    let stripped = ammonia::Builder::empty().clean(&html.replace("<br", "\n<br").replace("</p>", "</p>\n").replace("</div>", "</div>\n")).to_string();
    decode_entities(&stripped)
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

fn truncate(text: &mut String, max: Option<usize>) -> bool {
    match max {
        Some(m) if text.chars().count() > m => {
            let cut: String = text.chars().take(m).collect();
            *text = cut;
            true
        }
        _ => false,
    }
}

/// The `get` object of a parsed message (without `id`/`folder_id`/flags: the caller adds
/// what comes from the store).
pub fn message_json(msg: &Message, opts: &ViewOptions, depth: usize) -> Map<String, Value> {
    let mut m = Map::new();
    let raw_len = msg.raw_message.len() as i64;
    m.insert("from".into(), addresses_json(&parse::addresses(msg.from())));
    m.insert("to".into(), addresses_json(&parse::addresses(msg.to())));
    m.insert("cc".into(), addresses_json(&parse::addresses(msg.cc())));
    m.insert("bcc".into(), addresses_json(&parse::addresses(msg.bcc())));
    m.insert("reply_to".into(), addresses_json(&parse::addresses(msg.reply_to())));
    m.insert("subject".into(), json!(msg.subject().unwrap_or("")));
    if let Some(d) = msg.date() {
        m.insert("sent_date".into(), json!(to_wire_time(d.to_timestamp() * 1000, opts.tz)));
    }
    m.insert("size".into(), json!(raw_len));
    m.insert("content_type".into(), json!(content_type_of(msg.root_part())));
    let priority = msg
        .header_raw("X-Priority")
        .and_then(|v| v.trim().chars().next())
        .and_then(|c| c.to_digit(10))
        .map(|d| d.clamp(1, 5))
        .unwrap_or(3);
    m.insert("priority".into(), json!(priority));
    if let Some(dnt) = msg.header("Disposition-Notification-To").and_then(|v| v.as_address()).and_then(|a| a.first()).and_then(|a| a.address()) {
        m.insert("disp_notification_to".into(), json!(dnt));
    }
    let mut headers = Map::new();
    for (name, value) in msg.headers_raw() {
        if OWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let v = parse::decode_header_text(value);
        match headers.get_mut(name) {
            Some(Value::String(prev)) => {
                let joined = format!("{prev}, {v}");
                *prev = joined;
            }
            _ => {
                headers.insert(name.to_string(), json!(v));
            }
        }
    }
    m.insert("headers".into(), Value::Object(headers));

    let all = leaves(msg);
    let html_idx = all.iter().position(|l| l.content_type == "text/html" && is_body_candidate(l));
    let text_idx = all.iter().position(|l| l.content_type == "text/plain" && is_body_candidate(l));
    let body_idx = if opts.view.wants_html() { html_idx.or(text_idx) } else { text_idx.or(html_idx) };
    let mut attachments = Vec::new();
    let mut truncated = false;
    let mut has_attachment = false;
    if let Some(bi) = body_idx {
        let leaf = &all[bi];
        let text = text_of(leaf.part).unwrap_or("");
        let (ct, mut content) = match (leaf.content_type.as_str(), opts.view) {
            ("text/html", View::Raw) => ("text/html", text.to_string()),
            ("text/html", View::Html) => ("text/html", sanitize_html(text, false, opts.image_url_base)),
            ("text/html", View::NoImg) => ("text/html", sanitize_html(text, true, opts.image_url_base)),
            ("text/html", _) => ("text/plain", html_to_text(text)),
            _ => ("text/plain", text.to_string()),
        };
        truncated |= truncate(&mut content, opts.max_size);
        attachments.push(json!({
            "id": leaf.section, "content_type": ct, "content": content, "filename": null,
            "size": part_size(leaf.part), "disp": "inline",
        }));
    } else {
        attachments.push(json!({"id": "1", "content_type": "text/plain", "content": "", "filename": null, "size": 0, "disp": "inline"}));
    }
    let mut nested = Vec::new();
    for (i, leaf) in all.iter().enumerate() {
        if Some(i) == body_idx {
            continue;
        }
        let alternative_of_body = body_idx.is_some_and(|b| all[b].in_alternative) && leaf.in_alternative && is_body_candidate(leaf);
        if alternative_of_body && opts.view == View::TextNoHtmlAttach {
            continue;
        }
        if let PartType::Message(inner) = &leaf.part.body {
            if depth < MAX_DEPTH {
                let mut n = message_json(inner, opts, depth + 1);
                n.insert("id".into(), json!(leaf.section));
                nested.push(Value::Object(n));
            }
            has_attachment = true;
            continue;
        }
        let disp = if alternative_of_body {
            "alternative".to_string()
        } else {
            disposition(leaf.part).unwrap_or_else(|| if leaf.part.attachment_name().is_some() { "attachment".into() } else { "inline".into() })
        };
        if disp != "alternative" {
            has_attachment = true;
        }
        let content = match (text_of(leaf.part), leaf.content_type.as_str()) {
            (Some(t), "text/html") if opts.view != View::Raw => Value::String(sanitize_html(t, opts.view != View::Html, opts.image_url_base)),
            (Some(t), _) if disp != "attachment" => Value::String(t.to_string()),
            _ => Value::Null,
        };
        let mut a = json!({
            "id": leaf.section,
            "content_type": leaf.content_type,
            "content": content,
            "filename": leaf.part.attachment_name(),
            "size": part_size(leaf.part),
            "disp": disp,
        });
        if let Some(cid) = leaf.part.content_id() {
            a["cid"] = json!(cid.trim_start_matches('<').trim_end_matches('>'));
        }
        attachments.push(a);
    }
    m.insert("attachment".into(), json!(has_attachment));
    m.insert("attachments".into(), Value::Array(attachments));
    m.insert("nested_msgs".into(), Value::Array(nested));
    if truncated {
        m.insert("truncated".into(), json!(true));
    }
    m
}

/// The displayable text of a message for quoting in replies/forwards.
pub fn quotable_text(msg: &Message) -> (String, bool) {
    let all = leaves(msg);
    if let Some(l) = all.iter().find(|l| l.content_type == "text/plain" && is_body_candidate(l)) {
        return (text_of(l.part).unwrap_or("").to_string(), false);
    }
    if let Some(l) = all.iter().find(|l| l.content_type == "text/html" && is_body_candidate(l)) {
        return (text_of(l.part).unwrap_or("").to_string(), true);
    }
    (String::new(), false)
}

/// Attachments of a message that a forward carries over: `(section, content_type, filename, size)`.
pub fn attachment_parts(msg: &Message) -> Vec<(String, String, Option<String>, i64)> {
    let all = leaves(msg);
    let body = all.iter().position(|l| is_body_candidate(l));
    all.iter()
        .enumerate()
        .filter(|(i, l)| Some(*i) != body && !(l.in_alternative && is_body_candidate(l)))
        .map(|(_, l)| (l.section.clone(), l.content_type.clone(), l.part.attachment_name().map(|s| s.to_string()), part_size(l.part)))
        .collect()
}
