//! Building outgoing messages from the compose JSON of `mail?action=new` (behaviour notes 7.5).

use super::backend::MailAddress;
use super::parse;
use bytes::Bytes;
use mail_builder::headers::address::Address as BAddress;
use mail_builder::headers::raw::Raw;
use mail_builder::MessageBuilder;
use oxbow_core::{codes, OxResult};
use serde_json::Value;

pub struct ComposeAttachment {
    pub content_type: String,
    pub filename: String,
    pub data: Bytes,
    /// Content-ID for inline parts (images referenced by `cid:` in the HTML body).
    pub cid: Option<String>,
}

#[derive(Default)]
pub struct Compose {
    pub from: Vec<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    pub bcc: Vec<MailAddress>,
    pub reply_to: Vec<MailAddress>,
    pub subject: String,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub priority: Option<i64>,
    pub disp_notification_to: Option<String>,
    pub headers: Vec<(String, String)>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub attachments: Vec<ComposeAttachment>,
}

/// Addresses from a JSON value: a string `"A <a@x>, b@y"` or an array of `[name, address]`
/// pairs (or of plain address strings).
pub fn addresses_from_value(v: Option<&Value>, field: &str) -> OxResult<Vec<MailAddress>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(parse_address_list(s)),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for it in items {
                match it {
                    Value::Array(pair) => {
                        let name = pair.first().and_then(|n| n.as_str()).map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
                        let email = pair.get(1).and_then(|e| e.as_str()).unwrap_or("").trim().to_string();
                        if email.is_empty() {
                            return Err(codes::MSG_INVALID_ADDRESS.with([it.to_string()]));
                        }
                        out.push(MailAddress { name, email });
                    }
                    Value::String(s) => out.extend(parse_address_list(s)),
                    _ => return Err(codes::SVL_INVALID_FIELD.with([field, &it.to_string()])),
                }
            }
            Ok(out)
        }
        Some(other) => Err(codes::SVL_INVALID_FIELD.with([field, &other.to_string()])),
    }
}

/// Parse an RFC 5322 address list written by a person.
pub fn parse_address_list(s: &str) -> Vec<MailAddress> {
    if s.trim().is_empty() {
        return Vec::new();
    }
    let clean: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let fake = format!("To: {clean}\r\n\r\n");
    mail_parser::MessageParser::default()
        .parse(fake.as_bytes())
        .map(|m| parse::addresses(m.to()))
        .unwrap_or_default()
        .into_iter()
        .filter(|a| !a.email.is_empty())
        .collect()
}

fn baddr(a: &[MailAddress]) -> BAddress<'static> {
    BAddress::List(a.iter().map(|x| BAddress::new_address(x.name.clone(), x.email.clone())).collect())
}

fn header_safe(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// A fresh Message-ID for `domain`.
pub fn new_message_id(domain: &str) -> String {
    format!("{}@{}", uuid::Uuid::new_v4().simple(), domain)
}

/// Write the message (without a Bcc header: Bcc recipients are only in the envelope).
pub fn build(c: Compose, message_id: &str) -> OxResult<Vec<u8>> {
    let mut b = MessageBuilder::new().message_id(message_id.to_string()).subject(header_safe(&c.subject));
    if !c.from.is_empty() {
        b = b.from(baddr(&c.from));
    }
    if !c.to.is_empty() {
        b = b.to(baddr(&c.to));
    }
    if !c.cc.is_empty() {
        b = b.cc(baddr(&c.cc));
    }
    if !c.reply_to.is_empty() {
        b = b.reply_to(baddr(&c.reply_to));
    }
    if let Some(r) = &c.in_reply_to {
        b = b.in_reply_to(r.clone());
    }
    if !c.references.is_empty() {
        b = b.references(c.references.clone());
    }
    if let Some(p) = c.priority {
        if (1..=5).contains(&p) && p != 3 {
            b = b.header("X-Priority", Raw::new(p.to_string()));
        }
    }
    if let Some(d) = &c.disp_notification_to {
        b = b.header("Disposition-Notification-To", Raw::new(header_safe(d)));
    }
    for (name, value) in &c.headers {
        b = b.header(header_safe(name), Raw::new(header_safe(value)));
    }
    b = b.header("X-Mailer", Raw::new("oxbow"));
    match (&c.text_body, &c.html_body) {
        (Some(t), Some(h)) => b = b.text_body(t.clone()).html_body(h.clone()),
        (None, Some(h)) => b = b.html_body(h.clone()),
        (Some(t), None) => b = b.text_body(t.clone()),
        (None, None) => b = b.text_body(String::new()),
    }
    for a in c.attachments {
        // Takes the upload's buffer over without copying when nothing else holds it.
        let data: Vec<u8> = Vec::from(a.data);
        b = match a.cid {
            Some(cid) => b.inline(a.content_type, cid, data),
            None => b.attachment(a.content_type, a.filename, data),
        };
    }
    b.write_to_vec().map_err(oxbow_core::OxError::internal)
}

/// Prepend a Bcc header (for the copy kept in the Sent folder); without Bcc recipients the
/// message is shared, not copied.
pub fn with_bcc_header(raw: &Bytes, bcc: &[MailAddress]) -> Bytes {
    if bcc.is_empty() {
        return raw.clone();
    }
    let list: Vec<String> = bcc
        .iter()
        .map(|a| match &a.name {
            Some(n) => format!("\"{}\" <{}>", n.replace('"', ""), a.email),
            None => a.email.clone(),
        })
        .collect();
    let mut out = format!("Bcc: {}\r\n", header_safe(&list.join(", "))).into_bytes();
    out.extend_from_slice(raw);
    Bytes::from(out)
}

/// Escape text for HTML.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `> `-quoted text.
pub fn quote_text(text: &str) -> String {
    text.lines().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")
}
