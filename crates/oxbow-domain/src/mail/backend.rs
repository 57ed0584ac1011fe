//! The interface between the mail module and a mail store.
//!
//! The `mail` HTTP module, the mail folder provider and `quota?action=mail` speak only to
//! `MailBackend` (message storage) and `MailTransport` (sending). Two stores implement it:
//! the built-in store (mailboxes in the database, bodies in the blob store) and the IMAP
//! backend. `MailService` (in `mail::service`) maps a session's account id to a backend:
//! account 0 is the primary account, external accounts are `1, 2, ...`.
//!
//! Conventions every implementation follows:
//! - Folders are addressed by their *full name* inside the account (`INBOX`, `INBOX/Sent`,
//!   `Archive.2024`), never by the OX id. The OX id is `default<account><sep><full name>`
//!   (see `mail_folder_id`/`parse_mail_folder_id`); the separator in the full name is the
//!   store's own hierarchy delimiter (`MailBackend::separator`).
//! - Messages are addressed by `uid` (IMAP UID semantics: unique and stable inside one
//!   folder, never reused while `uidvalidity` stays the same). The OX mail id is the UID as
//!   a decimal string.
//! - Operations on a folder that does not exist fail with `codes::MSG_FOLDER_NOT_FOUND`;
//!   unknown uids in a list of uids are skipped silently (the module reports MSG-0032 when
//!   it needs an object), so a message deleted concurrently never fails a whole batch.
//! - System flags use the OX bit values of `flags` (column 611, `MailFlags`). The colour label
//!   and other user flags are IMAP keywords: the colour label is the keyword `$cl_<n>`
//!   (legacy `cl_<n>` is recognised on reading), `$Forwarded`, `$Junk` and `$MDNSent` map to
//!   the flag bits 256, 128 and 512 (see `flags_from_keywords`).
//! - Times are UTC milliseconds.
//! - Every call receives the `Session` of the caller: the built-in store uses it to find the
//!   user's mailboxes, the IMAP backend to find the credentials of the account.

use crate::sessions::Session;
use bytes::Bytes;
use oxbow_core::OxResult;
use std::pin::Pin;
use tokio::io::AsyncRead;

/// OX `flags` bits (column 611; behaviour notes 7.2).
pub mod flag {
    pub const ANSWERED: u32 = 1;
    pub const DELETED: u32 = 2;
    pub const DRAFT: u32 = 4;
    pub const FLAGGED: u32 = 8;
    pub const RECENT: u32 = 16;
    pub const SEEN: u32 = 32;
    pub const USER: u32 = 64;
    pub const SPAM: u32 = 128;
    pub const FORWARDED: u32 = 256;
    pub const READ_ACK: u32 = 512;
    /// Bits that are IMAP system flags (`\Answered` ... `\Seen`).
    pub const SYSTEM: u32 = ANSWERED | DELETED | DRAFT | FLAGGED | RECENT | SEEN;
    /// Bits that are stored as keywords (`$Junk`, `$Forwarded`, `$MDNSent`).
    pub const KEYWORD_BITS: u32 = SPAM | FORWARDED | READ_ACK;
}

/// Keywords standing for OX flag bits.
pub const KEYWORD_FORWARDED: &str = "$Forwarded";
pub const KEYWORD_JUNK: &str = "$Junk";
pub const KEYWORD_MDN_SENT: &str = "$MDNSent";

/// The keyword carrying colour label `n` (1..=10).
pub fn color_label_keyword(n: u8) -> String {
    format!("$cl_{n}")
}

/// The colour label encoded in a keyword (`$cl_3` or legacy `cl_3`), if it is one.
pub fn color_label_of(keyword: &str) -> Option<u8> {
    let rest = keyword.strip_prefix("$cl_").or_else(|| keyword.strip_prefix("cl_"))?;
    rest.parse::<u8>().ok().filter(|n| *n <= 10)
}

/// The flag bits (`SPAM`/`FORWARDED`/`READ_ACK`) a keyword list carries.
pub fn flags_from_keywords(keywords: &[String]) -> u32 {
    let mut bits = 0;
    for k in keywords {
        if k.eq_ignore_ascii_case(KEYWORD_JUNK) {
            bits |= flag::SPAM;
        } else if k.eq_ignore_ascii_case(KEYWORD_FORWARDED) {
            bits |= flag::FORWARDED;
        } else if k.eq_ignore_ascii_case(KEYWORD_MDN_SENT) {
            bits |= flag::READ_ACK;
        }
    }
    bits
}

/// Keywords that are neither colour labels nor flag bits: the `user` field of a mail.
pub fn user_keywords(keywords: &[String]) -> Vec<String> {
    keywords
        .iter()
        .filter(|k| color_label_of(k).is_none() && flags_from_keywords(std::slice::from_ref(k)) == 0)
        .cloned()
        .collect()
}

/// The OX id of a mail folder: `default<account>/<full name>`; the account root for "".
pub fn mail_folder_id(account_id: i64, full_name: &str) -> String {
    if full_name.is_empty() {
        format!("default{account_id}")
    } else {
        format!("default{account_id}/{full_name}")
    }
}

/// Split an OX mail folder id into account id and full name (`""` for the account root).
/// `None` when `id` is not a mail folder id.
pub fn parse_mail_folder_id(id: &str) -> Option<(i64, String)> {
    let rest = id.strip_prefix("default")?;
    let (num, full) = match rest.find('/') {
        Some(p) => (&rest[..p], &rest[p + 1..]),
        None => (rest, ""),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) || num.len() > 9 {
        return None;
    }
    Some((num.parse().ok()?, full.to_string()))
}

/// Role of a standard folder; reported as `standard_folder_type` 7/9/10/11/12.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialUse {
    None,
    Inbox,
    Drafts,
    Sent,
    Spam,
    Trash,
}

impl SpecialUse {
    pub fn standard_folder_type(self) -> i64 {
        match self {
            SpecialUse::None => 0,
            SpecialUse::Inbox => 7,
            SpecialUse::Drafts => 9,
            SpecialUse::Sent => 10,
            SpecialUse::Spam => 11,
            SpecialUse::Trash => 12,
        }
    }
}

/// One folder of a mail account with its message counts.
#[derive(Debug, Clone)]
pub struct MailFolderInfo {
    /// Full name inside the account (`INBOX`, `INBOX/Sent`).
    pub full_name: String,
    /// Last path segment, shown as the title (`INBOX` is localised by the module).
    pub name: String,
    /// Full name of the parent folder; `""` for top-level folders.
    pub parent: String,
    pub subscribed: bool,
    /// `false` for \Noselect containers.
    pub selectable: bool,
    pub has_children: bool,
    pub special_use: SpecialUse,
    pub total: i64,
    /// Messages with \Recent.
    pub new: i64,
    /// Messages without \Seen.
    pub unread: i64,
    /// Messages with \Deleted.
    pub deleted: i64,
    pub uidvalidity: i64,
    /// Highest modification stamp of the folder (or 0 when unknown); used for `timestamp`.
    pub last_modified: i64,
}

/// A mail address as OX writes it: `[personal, address]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailAddress {
    pub name: Option<String>,
    pub email: String,
}

/// Everything the list views (`all`, `list`, `search`, `threadedAll`) show of a message:
/// the 600+ columns that do not need the body.
#[derive(Debug, Clone, Default)]
pub struct MessageSummary {
    pub uid: u64,
    /// OX flag bits including `SPAM`/`FORWARDED`/`READ_ACK` derived from keywords.
    pub flags: u32,
    /// All keywords as stored (colour label keyword included).
    pub keywords: Vec<String>,
    /// 0..=10, from the `$cl_<n>` keyword.
    pub color_label: u8,
    /// RFC 822 size in bytes.
    pub size: i64,
    /// `Date:` header, when present and parseable.
    pub sent_date: Option<i64>,
    /// INTERNALDATE.
    pub received_date: i64,
    pub from: Vec<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    pub bcc: Vec<MailAddress>,
    pub reply_to: Vec<MailAddress>,
    pub subject: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    /// Message-ids of the `References:` header, oldest first.
    pub references: Vec<String>,
    /// Base type of the message (`multipart/mixed`).
    pub content_type: String,
    /// Attachment indicator as OX computes it for lists (top-level `multipart/mixed` etc.).
    pub has_attachment: bool,
    /// X-Priority 1..5 (3 = normal).
    pub priority: i64,
    pub disp_notification_to: Option<String>,
    /// Values of the extra header names the caller asked for in `ListQuery::headers`
    /// (same order; `None` when the message lacks the header).
    pub headers: Vec<Option<String>>,
}

/// Sort keys of `all`/`search` (mail columns the server can sort by).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    ReceivedDate,
    SentDate,
    Subject,
    From,
    To,
    Cc,
    Size,
    /// Seen first / unseen first (column 651 `flag_seen`, also 611).
    Seen,
    Flagged,
    ColorLabel,
    Priority,
    Attachment,
    Uid,
}

/// A message filter, evaluated by the store (IMAP SEARCH or SQL).
#[derive(Debug, Clone)]
pub enum SearchCriteria {
    All,
    And(Vec<SearchCriteria>),
    Or(Vec<SearchCriteria>),
    Not(Box<SearchCriteria>),
    /// Case-insensitive substring of a header (`from`, `to`, `cc`, `bcc`, `subject` or any
    /// header name).
    Header(String, String),
    /// Case-insensitive substring of the text body.
    Body(String),
    /// Substring of any of from/to/cc/bcc/subject/body.
    Text(String),
    /// Messages having all of these flag bits set.
    FlagsSet(u32),
    /// Messages having none of these flag bits set.
    FlagsUnset(u32),
    Keyword(String),
    /// `received_date` >= / < (UTC ms).
    ReceivedSince(i64),
    ReceivedBefore(i64),
    SentSince(i64),
    SentBefore(i64),
    /// `size` > / <.
    Larger(i64),
    Smaller(i64),
    Uids(Vec<u64>),
}

/// What `list_messages` should return.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub sort: SortKey,
    pub descending: bool,
    /// 0-based start (inclusive) and end (exclusive) after sorting; `None` = everything.
    pub range: Option<(u64, u64)>,
    pub filter: SearchCriteria,
    /// Extra header names whose values go into `MessageSummary::headers`.
    pub headers: Vec<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            sort: SortKey::ReceivedDate,
            descending: true,
            range: None,
            filter: SearchCriteria::All,
            headers: Vec::new(),
        }
    }
}

/// A page of messages and how many matched in total (before paging).
#[derive(Debug, Clone, Default)]
pub struct MessagePage {
    pub total: u64,
    pub messages: Vec<MessageSummary>,
}

/// Changes of a folder since a modification stamp (`MailBackend::changes_since`).
#[derive(Debug, Clone, Default)]
pub struct FolderChanges {
    /// New messages and messages whose flags changed, ascending by uid.
    pub changed: Vec<MessageSummary>,
    /// Uids expunged since (may include uids the caller never saw).
    pub deleted: Vec<u64>,
}

/// A flag update applied to several messages at once.
#[derive(Debug, Clone, Default)]
pub struct FlagChange {
    /// Flag bits to set / clear (`SYSTEM` and `KEYWORD_BITS` bits; the store maps the keyword
    /// bits to their keywords).
    pub set: u32,
    pub clear: u32,
    /// `Some(0)` removes the colour label, `Some(n)` replaces it with `$cl_n`.
    pub color_label: Option<u8>,
    pub add_keywords: Vec<String>,
    pub remove_keywords: Vec<String>,
}

/// A message to store with `append`.
#[derive(Debug, Clone)]
pub struct AppendMessage {
    pub raw: Bytes,
    pub flags: u32,
    pub keywords: Vec<String>,
    /// INTERNALDATE; `None` = now.
    pub received_date: Option<i64>,
}

/// Storage quota of the account (`None` fields = no limit of that kind).
#[derive(Debug, Clone, Default)]
pub struct MailQuota {
    pub used_bytes: i64,
    pub limit_bytes: Option<i64>,
    pub used_messages: i64,
    pub limit_messages: Option<i64>,
}

/// A raw message as a stream (for `src=1`, zip downloads and attachments of big mails).
pub struct RawStream {
    pub size: i64,
    pub reader: Pin<Box<dyn AsyncRead + Send>>,
}

/// Message storage of one mail account.
#[async_trait::async_trait]
pub trait MailBackend: Send + Sync {
    /// The hierarchy delimiter of full names (`/` for the built-in store).
    fn separator(&self) -> char;

    /// Every folder of the account with counts, parents before children. `all` = include
    /// unsubscribed folders.
    async fn folders(&self, s: &Session, all: bool) -> OxResult<Vec<MailFolderInfo>>;
    /// One folder with counts; `None` when it does not exist.
    async fn folder(&self, s: &Session, full_name: &str) -> OxResult<Option<MailFolderInfo>>;
    /// Create `full_name` (its parent must exist; `""` = top level). Fails with MSG-0063
    /// when it exists.
    async fn create_folder(&self, s: &Session, full_name: &str) -> OxResult<()>;
    /// Rename and/or move a folder with its subfolders and messages.
    async fn rename_folder(&self, s: &Session, full_name: &str, new_full_name: &str) -> OxResult<()>;
    /// Delete a folder, its subfolders and all their messages.
    async fn delete_folder(&self, s: &Session, full_name: &str) -> OxResult<()>;
    async fn subscribe_folder(&self, s: &Session, full_name: &str, subscribed: bool) -> OxResult<()>;
    /// Full name of the folder with this role, creating the standard folder when the store
    /// does that lazily; `None` when the account has none.
    async fn special_folder(&self, s: &Session, role: SpecialUse) -> OxResult<Option<String>>;

    /// A sorted, filtered, paged list of message summaries.
    async fn list_messages(&self, s: &Session, folder: &str, q: &ListQuery) -> OxResult<MessagePage>;
    /// Summaries of the given uids in the given order; unknown uids are left out.
    async fn summaries(&self, s: &Session, folder: &str, uids: &[u64], headers: &[String]) -> OxResult<Vec<MessageSummary>>;
    /// The complete RFC 822 message; `None` when the uid does not exist.
    async fn fetch_raw(&self, s: &Session, folder: &str, uid: u64) -> OxResult<Option<Bytes>>;
    /// The RFC 822 message as a stream, for downloads that should not buffer it.
    async fn open_raw(&self, s: &Session, folder: &str, uid: u64) -> OxResult<Option<RawStream>> {
        Ok(self.fetch_raw(s, folder, uid).await?.map(|b| RawStream {
            size: b.len() as i64,
            reader: Box::pin(std::io::Cursor::new(b)),
        }))
    }
    /// What changed in `folder` since `since` (a value `MailFolderInfo::last_modified` had):
    /// new or changed messages (with the extra `headers`) and the uids removed since. `None`
    /// when the store cannot tell (the caller then reports no changes, like OX on IMAP).
    async fn changes_since(&self, s: &Session, folder: &str, since: i64, headers: &[String]) -> OxResult<Option<FolderChanges>> {
        let _ = (s, folder, since, headers);
        Ok(None)
    }
    /// Uids of all messages matching `criteria`, ascending.
    async fn search(&self, s: &Session, folder: &str, criteria: &SearchCriteria) -> OxResult<Vec<u64>>;

    /// Change flags/keywords/colour label of the given messages.
    async fn set_flags(&self, s: &Session, folder: &str, uids: &[u64], change: &FlagChange) -> OxResult<()>;
    /// Copy messages; returns the new uid of every source uid (`None` when it did not exist).
    async fn copy(&self, s: &Session, folder: &str, uids: &[u64], target: &str) -> OxResult<Vec<Option<u64>>>;
    /// Move messages; returns the new uid of every source uid (`None` when it did not exist).
    async fn move_messages(&self, s: &Session, folder: &str, uids: &[u64], target: &str) -> OxResult<Vec<Option<u64>>>;
    /// Remove the messages for good (flag \Deleted + expunge of just these uids).
    async fn delete_messages(&self, s: &Session, folder: &str, uids: &[u64]) -> OxResult<()>;
    /// Remove every message of the folder (not its subfolders).
    async fn clear_folder(&self, s: &Session, folder: &str) -> OxResult<()>;
    /// Store a message (import, draft, sent copy); returns its uid. Fails with MSG-0029 when
    /// the quota is exceeded.
    async fn append(&self, s: &Session, folder: &str, message: AppendMessage) -> OxResult<u64>;

    /// Group the messages of a folder into threads (RFC 5256 REFERENCES semantics); each
    /// thread lists its uids in thread order (root first). Stores without server-side
    /// threading can use `thread_by_references` on the summaries.
    async fn threads(&self, s: &Session, folder: &str) -> OxResult<Vec<Vec<ThreadNode>>>;

    /// The account's quota; `None` when the store has no quota.
    async fn quota(&self, s: &Session) -> OxResult<Option<MailQuota>>;
}

/// One message in a thread with its nesting depth (`level`, column 612).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadNode {
    pub uid: u64,
    pub level: u32,
}

/// Group messages into threads by Message-ID / In-Reply-To / References. Input: the
/// summaries of one folder (only `uid`, `message_id`, `in_reply_to`, `references`,
/// `received_date` are used). Threads are ordered by their root's date, messages inside by
/// depth-first order with children by date.
pub fn thread_by_references(messages: &[MessageSummary]) -> Vec<Vec<ThreadNode>> {
    use std::collections::HashMap;
    let mut by_msgid: HashMap<&str, usize> = HashMap::new();
    for (i, m) in messages.iter().enumerate() {
        if let Some(id) = m.message_id.as_deref() {
            by_msgid.entry(id).or_insert(i);
        }
    }
    // Parent = the nearest referenced message that is present in the folder.
    let mut parent: Vec<Option<usize>> = vec![None; messages.len()];
    for (i, m) in messages.iter().enumerate() {
        let mut candidates: Vec<&str> = Vec::new();
        if let Some(r) = m.in_reply_to.as_deref() {
            candidates.push(r);
        }
        candidates.extend(m.references.iter().rev().map(|s| s.as_str()));
        for c in candidates {
            if let Some(&p) = by_msgid.get(c) {
                if p != i && !is_ancestor(&parent, i, p) {
                    parent[i] = Some(p);
                    break;
                }
            }
        }
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); messages.len()];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => roots.push(i),
        }
    }
    let by_date = |a: &usize, b: &usize| {
        messages[*a]
            .received_date
            .cmp(&messages[*b].received_date)
            .then(messages[*a].uid.cmp(&messages[*b].uid))
    };
    for c in children.iter_mut() {
        c.sort_by(by_date);
    }
    roots.sort_by(by_date);
    let mut threads = Vec::with_capacity(roots.len());
    for r in roots {
        let mut nodes = Vec::new();
        let mut stack = vec![(r, 0u32)];
        while let Some((i, level)) = stack.pop() {
            nodes.push(ThreadNode { uid: messages[i].uid, level });
            for c in children[i].iter().rev() {
                stack.push((*c, level + 1));
            }
        }
        threads.push(nodes);
    }
    threads
}

/// Whether `candidate` is `node` itself or one of its descendants would be formed by
/// linking node -> candidate: walk up from `candidate` and look for `node`.
fn is_ancestor(parent: &[Option<usize>], node: usize, candidate: usize) -> bool {
    let mut cur = Some(candidate);
    let mut steps = 0;
    while let Some(c) = cur {
        if c == node {
            return true;
        }
        steps += 1;
        if steps > parent.len() {
            return true;
        }
        cur = parent[c];
    }
    false
}

/// A message ready to be sent.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// Envelope sender (MAIL FROM).
    pub from: String,
    /// Envelope recipients (RCPT TO): To, Cc and Bcc addresses.
    pub recipients: Vec<String>,
    /// The RFC 822 message, without a `Bcc:` header.
    pub raw: Bytes,
}

/// Sending mail. The built-in transport delivers to users of this server directly into
/// their INBOX and relays everything else through the configured SMTP server.
#[async_trait::async_trait]
pub trait MailTransport: Send + Sync {
    /// Send the message. Fails with MSG-0035 when no recipient could be reached, and with
    /// MSG-0056 for an invalid address.
    async fn send(&self, s: &Session, message: &OutgoingMessage) -> OxResult<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(uid: u64, id: &str, reply: Option<&str>, date: i64) -> MessageSummary {
        MessageSummary {
            uid,
            message_id: Some(id.into()),
            in_reply_to: reply.map(|r| r.into()),
            received_date: date,
            ..Default::default()
        }
    }

    #[test]
    fn folder_ids_round_trip() {
        assert_eq!(mail_folder_id(0, "INBOX/Sent"), "default0/INBOX/Sent");
        assert_eq!(parse_mail_folder_id("default0/INBOX/Sent"), Some((0, "INBOX/Sent".into())));
        assert_eq!(parse_mail_folder_id("default12"), Some((12, String::new())));
        assert_eq!(parse_mail_folder_id("defaultx/INBOX"), None);
        assert_eq!(parse_mail_folder_id("25"), None);
    }

    #[test]
    fn keywords_map_to_labels_and_flags() {
        assert_eq!(color_label_of("$cl_3"), Some(3));
        assert_eq!(color_label_of("cl_10"), Some(10));
        assert_eq!(color_label_of("$cl_11"), None);
        let kw = vec!["$cl_2".to_string(), "$Forwarded".into(), "todo".into()];
        assert_eq!(flags_from_keywords(&kw), flag::FORWARDED);
        assert_eq!(user_keywords(&kw), vec!["todo".to_string()]);
    }

    #[test]
    fn threads_follow_replies() {
        let m = vec![
            msg(1, "a", None, 1),
            msg(2, "b", Some("a"), 2),
            msg(3, "c", None, 3),
            msg(4, "d", Some("b"), 4),
            msg(5, "e", Some("a"), 5),
        ];
        let t = thread_by_references(&m);
        assert_eq!(t.len(), 2);
        let uids: Vec<(u64, u32)> = t[0].iter().map(|n| (n.uid, n.level)).collect();
        assert_eq!(uids, vec![(1, 0), (2, 1), (4, 2), (5, 1)]);
        assert_eq!(t[1][0].uid, 3);
    }
}
