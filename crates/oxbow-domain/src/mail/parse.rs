//! Reading the list fields of an RFC 822 message (what the 600+ columns show).

use super::backend::{MailAddress, MessageSummary};
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};

/// Longest text body kept for full-text search.
pub const SEARCH_TEXT_LIMIT: usize = 64 * 1024;

/// The summary fields of `raw` (uid, flags, keywords and received date left at defaults),
/// the raw header block, and the start of the text body for searching. Unparseable input
/// yields an empty summary, never an error: a store must accept whatever arrives.
pub fn summarize(raw: &[u8]) -> (MessageSummary, String, String) {
    let mut s = MessageSummary { size: raw.len() as i64, priority: 3, content_type: "text/plain".into(), ..Default::default() };
    let header_end = header_block_end(raw);
    let header_block = String::from_utf8_lossy(&raw[..header_end]).into_owned();
    let Some(msg) = MessageParser::default().parse(raw) else {
        return (s, header_block, String::new());
    };
    s.subject = msg.subject().unwrap_or("").to_string();
    s.from = addresses(msg.from());
    s.to = addresses(msg.to());
    s.cc = addresses(msg.cc());
    s.bcc = addresses(msg.bcc());
    s.reply_to = addresses(msg.reply_to());
    s.sent_date = msg.date().map(|d| d.to_timestamp() * 1000);
    s.message_id = msg.message_id().map(|m| m.to_string());
    s.in_reply_to = id_list(msg.in_reply_to()).into_iter().next();
    s.references = id_list(msg.references());
    if let Some(ct) = msg.root_part().content_type() {
        s.content_type = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase();
    }
    s.has_attachment = s.content_type == "multipart/mixed"
        || s.content_type == "multipart/related" && msg.attachment_count() > 0
        || (!s.content_type.starts_with("multipart/") && !s.content_type.starts_with("text/"));
    s.priority = msg
        .header_raw("X-Priority")
        .and_then(|v| v.trim().chars().next())
        .and_then(|c| c.to_digit(10))
        .map(|d| d.clamp(1, 5) as i64)
        .unwrap_or(3);
    s.disp_notification_to = msg
        .header("Disposition-Notification-To")
        .and_then(|v| v.as_address())
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| a.to_string());
    let mut body = msg.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    truncate_utf8(&mut body, SEARCH_TEXT_LIMIT);
    (s, header_block, body)
}

/// Byte offset where the header block ends (the blank line), or the whole input.
pub fn header_block_end(raw: &[u8]) -> usize {
    let limit = raw.len().min(256 * 1024);
    for i in 0..limit {
        if raw[i] == b'\n' {
            if raw.get(i + 1) == Some(&b'\n') {
                return i + 1;
            }
            if raw.get(i + 1) == Some(&b'\r') && raw.get(i + 2) == Some(&b'\n') {
                return i + 1;
            }
        }
    }
    limit
}

pub fn truncate_utf8(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

pub fn addresses(a: Option<&Address>) -> Vec<MailAddress> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter_map(|x| {
            let email = x.address().unwrap_or("").to_string();
            let name = x.name().map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
            if email.is_empty() && name.is_none() {
                None
            } else {
                Some(MailAddress { name, email })
            }
        })
        .collect()
}

fn id_list(v: &HeaderValue) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Value of header `name` in a raw header block (unfolded, RFC 2047 decoded); `None` when absent.
pub fn header_value(header_block: &str, name: &str) -> Option<String> {
    let msg = MessageParser::default().parse(header_block.as_bytes())?;
    let raw = msg.header_raw(name)?;
    Some(decode_header_text(raw))
}

/// Unfold and decode RFC 2047 words in a raw header value.
pub fn decode_header_text(raw: &str) -> String {
    let unfolded: String = raw.replace("\r\n", "\n").split('\n').map(|l| l.trim_start_matches([' ', '\t'])).collect::<Vec<_>>().join(" ");
    let fake = format!("Subject: {}\n\n", unfolded.trim());
    MessageParser::default()
        .parse(fake.as_bytes())
        .and_then(|m| m.subject().map(|s| s.to_string()))
        .unwrap_or_else(|| unfolded.trim().to_string())
}

/// Lower-case subject without `Re:`/`Fwd:`-style prefixes, for sorting.
pub fn subject_sort_key(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let mut stripped = false;
        for p in ["re:", "fw:", "fwd:", "aw:", "wg:", "sv:"] {
            if lower.starts_with(p) {
                s = s[p.len()..].trim_start();
                stripped = true;
                break;
            }
        }
        if !stripped {
            break;
        }
    }
    s.to_lowercase()
}

/// Sort text of an address list: the first address's name, or its address.
pub fn address_sort_key(a: &[MailAddress]) -> String {
    a.first().map(|x| x.name.clone().unwrap_or_else(|| x.email.clone()).to_lowercase()).unwrap_or_default()
}

pub fn addresses_to_json(a: &[MailAddress]) -> String {
    serde_json::Value::Array(
        a.iter()
            .map(|x| serde_json::json!([x.name, x.email]))
            .collect(),
    )
    .to_string()
}

pub fn addresses_from_json(s: &str) -> Vec<MailAddress> {
    let v: serde_json::Value = serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
    v.as_array()
        .map(|arr| {
            arr.iter()
                .map(|p| MailAddress {
                    name: p.get(0).and_then(|n| n.as_str()).map(|n| n.to_string()),
                    email: p.get(1).and_then(|e| e.as_str()).unwrap_or("").to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}
