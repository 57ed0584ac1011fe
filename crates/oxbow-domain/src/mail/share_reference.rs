//! Share references: what a sent mail shared from Drive instead of attaching it
//! (`share_attachments` of `mail?action=new`), kept in the sender's copy of the mail in the
//! `X-Open-Xchange-Share-Reference` header and resolved by `mail?action=resolve_share_reference`.
//!
//! The reference carries the same fields as OX's: share token, context and user of the sender,
//! the Drive folder and the shared items (id and name), an optional expiry and password. It is
//! a JSON object sealed with the server's secret key (authenticated encryption bound to the
//! purpose), so a client can pass it around but neither read nor forge it.

use crate::mail_accounts::AccountSecrets;
use serde::{Deserialize, Serialize};

/// The mail header that carries the reference in the sender's copy.
pub const HEADER: &str = "X-Open-Xchange-Share-Reference";
/// Purpose the sealed value is bound to.
const PURPOSE: &str = "share-reference";
/// Longest reference string accepted for decoding.
pub const MAX_REFERENCE_LEN: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedItem {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareReference {
    #[serde(rename = "shareToken")]
    pub share_token: String,
    #[serde(rename = "contextId")]
    pub context_id: i64,
    #[serde(rename = "userId")]
    pub user_id: i64,
    pub folder: SharedItem,
    pub items: Vec<SharedItem>,
    /// UTC milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl ShareReference {
    /// A fresh random share token.
    pub fn new_token() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    /// The sealed reference string.
    pub fn encode(&self, secrets: &AccountSecrets) -> oxbow_core::OxResult<String> {
        let json = serde_json::to_string(self).map_err(oxbow_core::OxError::internal)?;
        secrets.seal(&json, PURPOSE)
    }

    /// The reference sealed in `reference` (spaces of a folded header value are ignored);
    /// `None` when it is malformed, tampered with or sealed by another key.
    pub fn decode(reference: &str, secrets: &AccountSecrets) -> Option<ShareReference> {
        if reference.is_empty() || reference.len() > MAX_REFERENCE_LEN {
            return None;
        }
        let compact: String = reference.chars().filter(|c| !c.is_whitespace()).collect();
        let json = secrets.open(&compact, PURPOSE).filter(|j| !j.is_empty())?;
        serde_json::from_str(&json).ok()
    }

    /// The header line (folded at 76 characters) for the sender's copy of the mail.
    pub fn header_line(&self, secrets: &AccountSecrets) -> oxbow_core::OxResult<String> {
        let value = self.encode(secrets)?;
        let mut line = format!("{HEADER}:");
        // The first chunk shares its line with the header name; later lines start with a space.
        let mut room = 76usize.saturating_sub(line.len() + 1).max(1);
        let mut rest = value.as_str();
        let mut first = true;
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(room.min(rest.len()));
            if !first {
                line.push_str("\r\n");
            }
            line.push(' ');
            line.push_str(chunk);
            rest = tail;
            room = 75;
            first = false;
        }
        line.push_str("\r\n");
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(dir: &std::path::Path) -> AccountSecrets {
        let config = oxbow_core::config::Config { data_dir: dir.to_path_buf(), ..Default::default() };
        AccountSecrets::load(&config).unwrap()
    }

    #[test]
    fn references_round_trip_and_refuse_tampering() {
        let dir = std::env::temp_dir().join(format!("oxbow-share-ref-{}", uuid::Uuid::new_v4().simple()));
        let s = secrets(&dir);
        let r = ShareReference {
            share_token: ShareReference::new_token(),
            context_id: 1,
            user_id: 3,
            folder: SharedItem { id: "15".into(), name: "My files".into() },
            items: vec![SharedItem { id: "15/7".into(), name: "a.pdf".into() }],
            expiration: Some(1_700_000_000_000),
            password: None,
        };
        let text = r.encode(&s).unwrap();
        assert_eq!(ShareReference::decode(&text, &s), Some(r.clone()));
        // A folded header value decodes to the same reference.
        let line = r.header_line(&s).unwrap();
        assert!(line.lines().all(|l| l.len() <= 78), "{line}");
        let value = line.split_once(':').unwrap().1;
        assert_eq!(ShareReference::decode(value, &s), Some(r));
        // Any changed character, garbage and foreign keys are refused.
        let mut bytes = text.into_bytes();
        let i = bytes.len() - 3;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        assert_eq!(ShareReference::decode(&String::from_utf8(bytes).unwrap(), &s), None);
        assert_eq!(ShareReference::decode("not a reference", &s), None);
        let other = secrets(&dir.join("other"));
        let foreign = ShareReference {
            share_token: "t".into(),
            context_id: 1,
            user_id: 3,
            folder: SharedItem { id: "1".into(), name: "x".into() },
            items: vec![],
            expiration: None,
            password: None,
        }
        .encode(&other)
        .unwrap();
        assert_eq!(ShareReference::decode(&foreign, &s), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
