//! `MailBackend` over IMAP: the primary account on the configured IMAP server (logged in as
//! the session's user through the server's master user), or an external account with its
//! own server and credentials. Sorting, searching and paging happen on the server (SORT,
//! UID SEARCH); only the summaries of one page are fetched.

use super::conn::{ImapConnection, ImapTarget, ListedMailbox, Security};
use super::pool::{ImapPool, PooledConnection};
use crate::mail::backend::*;
use crate::sessions::Session;
use bytes::Bytes;
use oxbow_core::config::MailConfig;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_store::Db;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Whose mailbox a backend opens.
#[derive(Clone)]
pub enum ImapAccount {
    /// The session user's primary account on the configured server.
    Primary { config: Arc<MailConfig>, db: Db },
    /// An external account with fixed server and credentials.
    External { account_id: i64, target: ImapTarget },
}

pub struct ImapBackend {
    account: ImapAccount,
    pool: Arc<ImapPool>,
    /// Hierarchy delimiter, learned from LIST (`/` until then).
    separator: AtomicU32,
}

/// Summaries beyond this many are never fetched for one client-side sort.
const MAX_CLIENT_SORT: usize = 20_000;

impl ImapBackend {
    pub fn new(account: ImapAccount, pool: Arc<ImapPool>) -> ImapBackend {
        ImapBackend { account, pool, separator: AtomicU32::new('/' as u32) }
    }

    fn account_id(&self) -> i64 {
        match &self.account {
            ImapAccount::Primary { .. } => 0,
            ImapAccount::External { account_id, .. } => *account_id,
        }
    }

    /// Where and as whom to log in for this session.
    async fn target(&self, s: &Session) -> OxResult<ImapTarget> {
        match &self.account {
            ImapAccount::External { target, .. } => Ok(target.clone()),
            ImapAccount::Primary { config, db } => primary_target(config, db, s).await,
        }
    }

    async fn conn(&self, s: &Session) -> OxResult<PooledConnection> {
        let target = self.target(s).await?;
        self.pool.get((s.cid, s.user_id, self.account_id()), &target).await
    }

    fn learn_separator(&self, listed: &[(ListedMailbox, bool)]) {
        if let Some(d) = listed.iter().find_map(|(m, _)| m.delimiter.as_deref()).and_then(|d| d.chars().next()) {
            self.separator.store(d as u32, Ordering::Relaxed);
        }
    }

    fn folder_info(&self, m: &ListedMailbox, subscribed: bool, all_names: &[String], status: Option<&super::conn::MailboxStatus>) -> MailFolderInfo {
        let sep = self.separator();
        let (parent, name) = match m.name.rfind(sep) {
            Some(p) => (m.name[..p].to_string(), m.name[p + sep.len_utf8()..].to_string()),
            None => (String::new(), m.name.clone()),
        };
        let prefix = format!("{}{sep}", m.name);
        let has_children = m.has_children.unwrap_or_else(|| all_names.iter().any(|n| n.starts_with(&prefix)));
        let special_use = if m.name.eq_ignore_ascii_case("INBOX") {
            SpecialUse::Inbox
        } else {
            match m.special_use.as_deref() {
                Some("sent") => SpecialUse::Sent,
                Some("drafts") => SpecialUse::Drafts,
                Some("trash") => SpecialUse::Trash,
                Some("junk") => SpecialUse::Spam,
                _ => SpecialUse::None,
            }
        };
        MailFolderInfo {
            full_name: m.name.clone(),
            name,
            parent,
            subscribed,
            selectable: !m.no_select,
            has_children,
            special_use,
            total: status.map(|s| s.messages as i64).unwrap_or(0),
            new: status.map(|s| s.recent as i64).unwrap_or(0),
            unread: status.map(|s| s.unseen as i64).unwrap_or(0),
            deleted: 0,
            uidvalidity: status.map(|s| s.uid_validity as i64).unwrap_or(0),
            last_modified: status.and_then(|s| s.highest_modseq).unwrap_or(0) as i64,
        }
    }

    async fn listed(&self, conn: &mut ImapConnection) -> OxResult<Vec<(ListedMailbox, bool)>> {
        let listed = conn.list().await?;
        self.learn_separator(&listed);
        Ok(listed)
    }

    /// UIDs of `folder` matching `filter`, in the order of `sort`.
    async fn ordered_uids(&self, conn: &mut ImapConnection, folder: &str, q: &ListQuery) -> OxResult<Vec<u32>> {
        let search = search_string(&q.filter, conn.has("LITERAL+"));
        let server_sort = match q.sort {
            SortKey::ReceivedDate => Some("ARRIVAL"),
            SortKey::SentDate => Some("DATE"),
            SortKey::Subject => Some("SUBJECT"),
            SortKey::From => Some(if conn.has("SORT=DISPLAY") { "DISPLAYFROM" } else { "FROM" }),
            SortKey::To => Some(if conn.has("SORT=DISPLAY") { "DISPLAYTO" } else { "TO" }),
            SortKey::Cc => Some("CC"),
            SortKey::Size => Some("SIZE"),
            _ => None,
        };
        if q.sort == SortKey::Uid {
            let mut uids = conn.sorted_uids(folder, None, &search).await?;
            if q.descending {
                uids.reverse();
            }
            return Ok(uids);
        }
        if let Some(key) = server_sort.filter(|_| conn.has("SORT")) {
            let criteria = if q.descending { format!("REVERSE {key}") } else { key.to_string() };
            return conn.sorted_uids(folder, Some(&criteria), &search).await;
        }
        // No server-side order for this key: sort the summaries here (bounded).
        let uids = conn.sorted_uids(folder, None, &search).await?;
        if uids.len() > MAX_CLIENT_SORT {
            let mut uids = uids;
            if q.descending {
                uids.reverse();
            }
            return Ok(uids);
        }
        let mut summaries: Vec<MessageSummary> = Vec::with_capacity(uids.len());
        for chunk in uids.chunks(1000) {
            for raw in conn.fetch_summaries(folder, chunk).await? {
                summaries.push(to_summary(&raw, &[]));
            }
        }
        summaries.sort_by(|a, b| {
            let o = match q.sort {
                SortKey::Seen => (a.flags & flag::SEEN).cmp(&(b.flags & flag::SEEN)),
                SortKey::Flagged => (a.flags & flag::FLAGGED).cmp(&(b.flags & flag::FLAGGED)),
                SortKey::ColorLabel => a.color_label.cmp(&b.color_label),
                SortKey::Priority => a.priority.cmp(&b.priority),
                SortKey::Attachment => a.has_attachment.cmp(&b.has_attachment),
                SortKey::ReceivedDate => a.received_date.cmp(&b.received_date),
                SortKey::SentDate => a.sent_date.cmp(&b.sent_date),
                SortKey::Subject => a.subject.to_lowercase().cmp(&b.subject.to_lowercase()),
                SortKey::Size => a.size.cmp(&b.size),
                _ => std::cmp::Ordering::Equal,
            };
            o.then(a.received_date.cmp(&b.received_date)).then(a.uid.cmp(&b.uid))
        });
        if q.descending {
            summaries.reverse();
        }
        Ok(summaries.into_iter().map(|m| m.uid as u32).collect())
    }
}

/// Login target of a user's primary account: `[mail] imap_login` with the master user.
pub async fn primary_target(config: &MailConfig, db: &Db, s: &Session) -> OxResult<ImapTarget> {
    if config.imap_host.is_empty() {
        return Err(codes::IMAP_CONNECT_ERROR.with(["(none)", s.login.as_str()]).detail("[mail] imap_host is not set"));
    }
    let email = if config.imap_login.contains("%e") || config.imap_login.contains("%l") {
        oxbow_store::users::get(db, s.cid, s.user_id).await?.map(|u| u.email).unwrap_or_default()
    } else {
        String::new()
    };
    let local = email.split('@').next().unwrap_or("").to_string();
    let user = config.imap_login.replace("%u", &s.login).replace("%e", &email).replace("%l", &local);
    if config.imap_master_user.is_empty() {
        return Err(codes::IMAP_LOGIN_FAILED
            .with([config.imap_host.as_str(), user.as_str()])
            .detail("no IMAP master user is configured ([mail] imap_master_user)"));
    }
    Ok(ImapTarget {
        host: config.imap_host.clone(),
        port: config.imap_port,
        security: if config.imap_tls { Security::Tls } else { Security::Plain },
        login: format!("{user}{}{}", config.imap_master_separator, config.imap_master_user),
        password: config.imap_master_password.clone(),
        timeout: Duration::from_secs(config.connect_timeout_secs.max(1)),
    })
}

fn to_u32s(uids: &[u64]) -> Vec<u32> {
    uids.iter().filter_map(|u| u32::try_from(*u).ok()).collect()
}

/// IMAP flags and keywords for OX flag bits.
fn flag_names(bits: u32) -> Vec<String> {
    let mut out = Vec::new();
    for (bit, name) in [
        (flag::ANSWERED, "\\Answered"),
        (flag::DELETED, "\\Deleted"),
        (flag::DRAFT, "\\Draft"),
        (flag::FLAGGED, "\\Flagged"),
        (flag::SEEN, "\\Seen"),
        (flag::SPAM, KEYWORD_JUNK),
        (flag::FORWARDED, KEYWORD_FORWARDED),
        (flag::READ_ACK, KEYWORD_MDN_SENT),
    ] {
        if bits & bit != 0 {
            out.push(name.to_string());
        }
    }
    out
}

/// A keyword is an IMAP atom: refuse anything that could break out of the command.
fn valid_keyword(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 100
        && k.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']'))
}

/// Convert what the server sent into the backend's summary.
fn to_summary(raw: &super::conn::MessageSummary, extra_headers: &[String]) -> MessageSummary {
    let mut flags = 0u32;
    let mut keywords = Vec::new();
    for f in &raw.flags {
        match f.as_str() {
            "\\Seen" => flags |= flag::SEEN,
            "\\Answered" => flags |= flag::ANSWERED,
            "\\Flagged" => flags |= flag::FLAGGED,
            "\\Deleted" => flags |= flag::DELETED,
            "\\Draft" => flags |= flag::DRAFT,
            "\\Recent" => flags |= flag::RECENT,
            k if !k.starts_with('\\') => keywords.push(k.to_string()),
            _ => {}
        }
    }
    flags |= flags_from_keywords(&keywords);
    if !user_keywords(&keywords).is_empty() {
        flags |= flag::USER;
    }
    let color_label = keywords.iter().filter_map(|k| color_label_of(k)).next_back().unwrap_or(0);
    let mut m = MessageSummary {
        uid: raw.uid as u64,
        flags,
        keywords,
        color_label,
        size: raw.size as i64,
        received_date: raw.internal_date.unwrap_or(0),
        priority: 3,
        content_type: "text/plain".into(),
        ..Default::default()
    };
    let parser = mail_parser::MessageParser::default();
    if let Some(h) = parser.parse_headers(&raw.headers) {
        let addrs = |a: Option<&mail_parser::Address>| -> Vec<MailAddress> {
            a.map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some(MailAddress { name: x.name().map(str::to_string), email: x.address()?.to_string() })
                    })
                    .collect()
            })
            .unwrap_or_default()
        };
        m.from = addrs(h.from());
        m.to = addrs(h.to());
        m.cc = addrs(h.cc());
        m.bcc = addrs(h.bcc());
        m.reply_to = addrs(h.reply_to());
        m.subject = h.subject().unwrap_or("").to_string();
        m.sent_date = h.date().map(|d| d.to_timestamp() * 1000);
        m.message_id = h.message_id().map(|id| format!("<{id}>"));
        m.in_reply_to = h.in_reply_to().as_text_list().and_then(|l| l.first()).map(|id| format!("<{id}>"))
            .or_else(|| h.in_reply_to().as_text().map(|id| format!("<{id}>")));
        m.references = match h.references().as_text_list() {
            Some(l) => l.iter().map(|id| format!("<{id}>")).collect(),
            None => h.references().as_text().map(|id| vec![format!("<{id}>")]).unwrap_or_default(),
        };
        if let Some(ct) = h.header(mail_parser::HeaderName::ContentType).and_then(|v| v.as_content_type()) {
            m.content_type = match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
                None => ct.ctype().to_ascii_lowercase(),
            };
            m.has_attachment = m.content_type == "multipart/mixed";
        }
        m.priority = h
            .header_raw("X-Priority")
            .and_then(|p| p.trim().chars().next())
            .and_then(|c| c.to_digit(10))
            .map(|d| d.clamp(1, 5) as i64)
            .unwrap_or(3);
        m.disp_notification_to = h.header_raw("Disposition-Notification-To").map(|v| v.trim().to_string());
        m.headers = extra_headers.iter().map(|name| h.header_raw(name.as_str()).map(|v| v.trim().to_string())).collect();
    } else {
        m.headers = vec![None; extra_headers.len()];
    }
    m
}

/// An IMAP string argument: quoted for plain ASCII, a non-synchronising literal otherwise.
fn imap_string(value: &str, literal_plus: bool) -> String {
    let cleaned: String = value.chars().filter(|c| *c != '\r' && *c != '\n' && *c != '\0').collect();
    let plain = cleaned.bytes().all(|b| (0x20..0x7f).contains(&b));
    if plain || !literal_plus {
        super::conn::quote(&cleaned)
    } else {
        format!("{{{}+}}\r\n{cleaned}", cleaned.len())
    }
}

/// IMAP date (`1-Jan-2024`) of a UTC millisecond time.
fn imap_date(ms: i64) -> String {
    let d = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    d.format("%-d-%b-%Y").to_string()
}

/// The SEARCH key string for a filter (always prefixed with CHARSET UTF-8).
fn search_string(c: &SearchCriteria, literal_plus: bool) -> String {
    format!("CHARSET UTF-8 {}", search_key(c, literal_plus))
}

fn search_key(c: &SearchCriteria, lp: bool) -> String {
    match c {
        SearchCriteria::All => "ALL".into(),
        SearchCriteria::And(items) if items.is_empty() => "ALL".into(),
        SearchCriteria::And(items) => format!("({})", items.iter().map(|i| search_key(i, lp)).collect::<Vec<_>>().join(" ")),
        SearchCriteria::Or(items) if items.is_empty() => "NOT ALL".into(),
        SearchCriteria::Or(items) => {
            let mut keys: Vec<String> = items.iter().map(|i| search_key(i, lp)).collect();
            let mut acc = keys.pop().unwrap_or_else(|| "ALL".into());
            while let Some(k) = keys.pop() {
                acc = format!("(OR {k} {acc})");
            }
            acc
        }
        SearchCriteria::Not(inner) => format!("(NOT {})", search_key(inner, lp)),
        SearchCriteria::Header(name, value) => {
            let v = imap_string(value, lp);
            match name.to_ascii_lowercase().as_str() {
                "from" => format!("FROM {v}"),
                "to" => format!("TO {v}"),
                "cc" => format!("CC {v}"),
                "bcc" => format!("BCC {v}"),
                "subject" => format!("SUBJECT {v}"),
                other => {
                    let safe: String = other.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                    format!("HEADER {} {v}", super::conn::quote(&safe))
                }
            }
        }
        SearchCriteria::Body(v) => format!("BODY {}", imap_string(v, lp)),
        SearchCriteria::Text(v) => format!("TEXT {}", imap_string(v, lp)),
        SearchCriteria::FlagsSet(bits) => flag_search(*bits, true),
        SearchCriteria::FlagsUnset(bits) => flag_search(*bits, false),
        SearchCriteria::Keyword(k) if valid_keyword(k) => format!("KEYWORD {k}"),
        SearchCriteria::Keyword(_) => "NOT ALL".into(),
        SearchCriteria::ReceivedSince(ms) => format!("SINCE {}", imap_date(*ms)),
        SearchCriteria::ReceivedBefore(ms) => format!("BEFORE {}", imap_date(*ms)),
        SearchCriteria::SentSince(ms) => format!("SENTSINCE {}", imap_date(*ms)),
        SearchCriteria::SentBefore(ms) => format!("SENTBEFORE {}", imap_date(*ms)),
        SearchCriteria::Larger(n) => format!("LARGER {}", (*n).max(0)),
        SearchCriteria::Smaller(n) => format!("SMALLER {}", (*n).max(0)),
        SearchCriteria::Uids(uids) if uids.is_empty() => "NOT ALL".into(),
        SearchCriteria::Uids(uids) => format!("UID {}", super::conn::uid_set(&to_u32s(uids))),
    }
}

fn flag_search(bits: u32, set: bool) -> String {
    let mut keys = Vec::new();
    for (bit, on, off) in [
        (flag::ANSWERED, "ANSWERED", "UNANSWERED"),
        (flag::DELETED, "DELETED", "UNDELETED"),
        (flag::DRAFT, "DRAFT", "UNDRAFT"),
        (flag::FLAGGED, "FLAGGED", "UNFLAGGED"),
        (flag::SEEN, "SEEN", "UNSEEN"),
        (flag::RECENT, "RECENT", "NOT RECENT"),
    ] {
        if bits & bit != 0 {
            keys.push(if set { on.to_string() } else { off.to_string() });
        }
    }
    for (bit, kw) in [(flag::SPAM, KEYWORD_JUNK), (flag::FORWARDED, KEYWORD_FORWARDED), (flag::READ_ACK, KEYWORD_MDN_SENT)] {
        if bits & bit != 0 {
            keys.push(if set { format!("KEYWORD {kw}") } else { format!("UNKEYWORD {kw}") });
        }
    }
    if keys.is_empty() { "ALL".into() } else { format!("({})", keys.join(" ")) }
}

fn not_found(folder: &str) -> OxError {
    codes::IMAP_FOLDER_NOT_FOUND.with([folder])
}

#[async_trait::async_trait]
impl MailBackend for ImapBackend {
    fn separator(&self) -> char {
        char::from_u32(self.separator.load(Ordering::Relaxed)).unwrap_or('/')
    }

    async fn folders(&self, s: &Session, all: bool) -> OxResult<Vec<MailFolderInfo>> {
        let mut conn = self.conn(s).await?;
        let listed = self.listed(&mut conn).await?;
        let names: Vec<String> = listed.iter().map(|(m, _)| m.name.clone()).collect();
        let mut out = Vec::new();
        for (m, subscribed) in &listed {
            if !all && !subscribed {
                continue;
            }
            let status = if m.no_select { None } else { conn.status(&m.name).await.ok() };
            out.push(self.folder_info(m, *subscribed, &names, status.as_ref()));
        }
        let sep = self.separator();
        out.sort_by(|a, b| {
            let da = a.full_name.matches(sep).count();
            let db = b.full_name.matches(sep).count();
            let inbox_first = |f: &MailFolderInfo| f.special_use != SpecialUse::Inbox;
            da.cmp(&db).then(inbox_first(a).cmp(&inbox_first(b))).then(a.full_name.cmp(&b.full_name))
        });
        Ok(out)
    }

    async fn folder(&self, s: &Session, full_name: &str) -> OxResult<Option<MailFolderInfo>> {
        let mut conn = self.conn(s).await?;
        let listed = self.listed(&mut conn).await?;
        let names: Vec<String> = listed.iter().map(|(m, _)| m.name.clone()).collect();
        let Some((m, subscribed)) = listed.iter().find(|(m, _)| m.name == full_name || (full_name.eq_ignore_ascii_case("INBOX") && m.name.eq_ignore_ascii_case("INBOX"))) else {
            return Ok(None);
        };
        let status = if m.no_select { None } else { Some(conn.status(&m.name).await?) };
        Ok(Some(self.folder_info(m, *subscribed, &names, status.as_ref())))
    }

    async fn create_folder(&self, s: &Session, full_name: &str) -> OxResult<()> {
        let mut conn = self.conn(s).await?;
        let listed = self.listed(&mut conn).await?;
        if listed.iter().any(|(m, _)| m.name == full_name) {
            return Err(codes::MSG_FOLDER_EXISTS.with([full_name]));
        }
        let sep = self.separator();
        if let Some(p) = full_name.rfind(sep) {
            let parent = &full_name[..p];
            if !listed.iter().any(|(m, _)| m.name == parent) {
                return Err(not_found(parent));
            }
        }
        conn.create_mailbox(full_name).await
    }

    async fn rename_folder(&self, s: &Session, full_name: &str, new_full_name: &str) -> OxResult<()> {
        let mut conn = self.conn(s).await?;
        let listed = self.listed(&mut conn).await?;
        if !listed.iter().any(|(m, _)| m.name == full_name) {
            return Err(not_found(full_name));
        }
        if listed.iter().any(|(m, _)| m.name == new_full_name) {
            return Err(codes::MSG_FOLDER_EXISTS.with([new_full_name]));
        }
        conn.rename_mailbox(full_name, new_full_name).await
    }

    async fn delete_folder(&self, s: &Session, full_name: &str) -> OxResult<()> {
        let mut conn = self.conn(s).await?;
        let listed = self.listed(&mut conn).await?;
        if !listed.iter().any(|(m, _)| m.name == full_name) {
            return Err(not_found(full_name));
        }
        // Children first: servers refuse to delete a mailbox that has inferiors.
        let prefix = format!("{full_name}{}", self.separator());
        let mut children: Vec<&String> = listed.iter().map(|(m, _)| &m.name).filter(|n| n.starts_with(&prefix)).collect();
        children.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for child in children {
            conn.delete_mailbox(child).await?;
        }
        conn.delete_mailbox(full_name).await
    }

    async fn subscribe_folder(&self, s: &Session, full_name: &str, subscribed: bool) -> OxResult<()> {
        let mut conn = self.conn(s).await?;
        conn.set_subscribed(full_name, subscribed).await
    }

    async fn special_folder(&self, s: &Session, role: SpecialUse) -> OxResult<Option<String>> {
        if role == SpecialUse::Inbox {
            return Ok(Some("INBOX".into()));
        }
        if role == SpecialUse::None {
            return Ok(None);
        }
        let mut conn = self.conn(s).await?;
        let listed = self.listed(&mut conn).await?;
        let (attr, names, default) = match role {
            SpecialUse::Sent => ("sent", &["Sent", "Sent Items", "Sent Messages"][..], "Sent"),
            SpecialUse::Drafts => ("drafts", &["Drafts"][..], "Drafts"),
            SpecialUse::Trash => ("trash", &["Trash", "Deleted Items", "Deleted Messages"][..], "Trash"),
            SpecialUse::Spam => ("junk", &["Spam", "Junk", "Junk E-mail"][..], "Spam"),
            _ => return Ok(None),
        };
        if let Some((m, _)) = listed.iter().find(|(m, _)| m.special_use.as_deref() == Some(attr)) {
            return Ok(Some(m.name.clone()));
        }
        let sep = self.separator();
        for name in names {
            for candidate in [name.to_string(), format!("INBOX{sep}{name}")] {
                if listed.iter().any(|(m, _)| m.name.eq_ignore_ascii_case(&candidate)) {
                    return Ok(Some(candidate));
                }
            }
        }
        conn.create_mailbox(default).await?;
        Ok(Some(default.to_string()))
    }

    async fn list_messages(&self, s: &Session, folder: &str, q: &ListQuery) -> OxResult<MessagePage> {
        let mut conn = self.conn(s).await?;
        let uids = self.ordered_uids(&mut conn, folder, q).await?;
        let total = uids.len() as u64;
        let page: Vec<u32> = match q.range {
            Some((start, end)) => {
                let start = (start as usize).min(uids.len());
                let end = (end as usize).clamp(start, uids.len());
                uids[start..end].to_vec()
            }
            None => uids,
        };
        let mut messages = Vec::with_capacity(page.len());
        for chunk in page.chunks(2000) {
            for raw in conn.fetch_summaries(folder, chunk).await? {
                messages.push(to_summary(&raw, &q.headers));
            }
        }
        Ok(MessagePage { total, messages })
    }

    async fn summaries(&self, s: &Session, folder: &str, uids: &[u64], headers: &[String]) -> OxResult<Vec<MessageSummary>> {
        let mut conn = self.conn(s).await?;
        let uids = to_u32s(uids);
        let mut out = Vec::with_capacity(uids.len());
        for chunk in uids.chunks(2000) {
            for raw in conn.fetch_summaries(folder, chunk).await? {
                out.push(to_summary(&raw, headers));
            }
        }
        Ok(out)
    }

    async fn fetch_raw(&self, s: &Session, folder: &str, uid: u64) -> OxResult<Option<Bytes>> {
        let Ok(uid) = u32::try_from(uid) else { return Ok(None) };
        let mut conn = self.conn(s).await?;
        Ok(conn.fetch_raw(folder, uid).await?.map(Bytes::from))
    }

    async fn changes_since(&self, s: &Session, folder: &str, since: i64, headers: &[String]) -> OxResult<Option<FolderChanges>> {
        let mut conn = self.conn(s).await?;
        // Without QRESYNC expunges cannot be told apart: report nothing rather than guess.
        if !conn.can_report_changes() || since <= 0 {
            return Ok(None);
        }
        let (changed, vanished) = conn.changes_since(folder, since as u64).await?;
        let mut out = Vec::with_capacity(changed.len());
        for chunk in changed.chunks(2000) {
            for raw in conn.fetch_summaries(folder, chunk).await? {
                out.push(to_summary(&raw, headers));
            }
        }
        Ok(Some(FolderChanges { changed: out, deleted: vanished.into_iter().map(u64::from).collect() }))
    }

    async fn search(&self, s: &Session, folder: &str, criteria: &SearchCriteria) -> OxResult<Vec<u64>> {
        let mut conn = self.conn(s).await?;
        let query = search_string(criteria, conn.has("LITERAL+"));
        Ok(conn.uid_search(folder, &query).await?.into_iter().map(u64::from).collect())
    }

    async fn set_flags(&self, s: &Session, folder: &str, uids: &[u64], change: &FlagChange) -> OxResult<()> {
        let uids = to_u32s(uids);
        if uids.is_empty() {
            return Ok(());
        }
        let mut add = flag_names(change.set);
        let mut remove = flag_names(change.clear);
        for k in &change.add_keywords {
            if valid_keyword(k) {
                add.push(k.clone());
            }
        }
        for k in &change.remove_keywords {
            if valid_keyword(k) {
                remove.push(k.clone());
            }
        }
        if let Some(label) = change.color_label {
            for n in 1..=10u8 {
                if n != label {
                    remove.push(color_label_keyword(n));
                    remove.push(format!("cl_{n}"));
                }
            }
            if label > 0 && label <= 10 {
                add.push(color_label_keyword(label));
            }
        }
        let mut conn = self.conn(s).await?;
        conn.store_flags(folder, &uids, false, &remove).await?;
        conn.store_flags(folder, &uids, true, &add).await
    }

    async fn copy(&self, s: &Session, folder: &str, uids: &[u64], target: &str) -> OxResult<Vec<Option<u64>>> {
        let mut conn = self.conn(s).await?;
        let existing = existing_uids(&mut conn, folder, uids).await?;
        if existing.is_empty() {
            return Ok(vec![None; uids.len()]);
        }
        let mapped = conn.copy(folder, &existing, target).await?;
        Ok(map_back(uids, &existing, &mapped))
    }

    async fn move_messages(&self, s: &Session, folder: &str, uids: &[u64], target: &str) -> OxResult<Vec<Option<u64>>> {
        let mut conn = self.conn(s).await?;
        let existing = existing_uids(&mut conn, folder, uids).await?;
        if existing.is_empty() {
            return Ok(vec![None; uids.len()]);
        }
        let mapped = conn.move_to(folder, &existing, target).await?;
        Ok(map_back(uids, &existing, &mapped))
    }

    async fn delete_messages(&self, s: &Session, folder: &str, uids: &[u64]) -> OxResult<()> {
        let mut conn = self.conn(s).await?;
        let existing = existing_uids(&mut conn, folder, uids).await?;
        conn.delete_uids(folder, &existing).await
    }

    async fn clear_folder(&self, s: &Session, folder: &str) -> OxResult<()> {
        let mut conn = self.conn(s).await?;
        let all = conn.uid_search(folder, "ALL").await?;
        for chunk in all.chunks(5000) {
            conn.delete_uids(folder, chunk).await?;
        }
        Ok(())
    }

    async fn append(&self, s: &Session, folder: &str, message: AppendMessage) -> OxResult<u64> {
        let mut flags = flag_names(message.flags & !flag::RECENT);
        flags.extend(message.keywords.iter().filter(|k| valid_keyword(k)).cloned());
        let mut conn = self.conn(s).await?;
        let uid = match conn.append(folder, &flags, &message.raw).await {
            Err(e) if e.code == codes::IMAP_QUOTA_EXCEEDED.code => return Err(codes::MSG_QUOTA_EXCEEDED.err().detail(e.to_string())),
            other => other?,
        };
        match uid {
            Some(uid) => Ok(uid as u64),
            None => {
                // Without UIDPLUS the newest UID is the appended message.
                conn.select(folder, false).await?;
                let all = conn.uid_search(folder, "ALL").await?;
                all.last().map(|u| *u as u64).ok_or_else(|| not_found(folder))
            }
        }
    }

    async fn threads(&self, s: &Session, folder: &str) -> OxResult<Vec<Vec<ThreadNode>>> {
        let mut conn = self.conn(s).await?;
        let uids = conn.sorted_uids(folder, None, "ALL").await?;
        let mut summaries = Vec::with_capacity(uids.len());
        for chunk in uids.chunks(2000) {
            for raw in conn.fetch_summaries(folder, chunk).await? {
                summaries.push(to_summary(&raw, &[]));
            }
        }
        Ok(thread_by_references(&summaries))
    }

    async fn quota(&self, s: &Session) -> OxResult<Option<MailQuota>> {
        let mut conn = self.conn(s).await?;
        Ok(conn.storage_quota("INBOX").await?.map(|(used, limit)| MailQuota {
            used_bytes: used as i64,
            limit_bytes: Some(limit as i64),
            used_messages: 0,
            limit_messages: None,
        }))
    }
}

/// The subset of `uids` that exist in the folder (so unknown ones are skipped silently).
async fn existing_uids(conn: &mut ImapConnection, folder: &str, uids: &[u64]) -> OxResult<Vec<u32>> {
    let wanted = to_u32s(uids);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    conn.uid_search(folder, &format!("UID {}", super::conn::uid_set(&wanted))).await
}

fn map_back(requested: &[u64], existing: &[u32], mapped: &[Option<u32>]) -> Vec<Option<u64>> {
    requested
        .iter()
        .map(|u| {
            existing
                .iter()
                .position(|e| *e as u64 == *u)
                .and_then(|i| mapped.get(i).copied().flatten())
                .map(u64::from)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_keys_are_built_safely() {
        let c = SearchCriteria::And(vec![
            SearchCriteria::Header("subject".into(), "a \"b\"\r\nX".into()),
            SearchCriteria::FlagsUnset(flag::SEEN),
            SearchCriteria::Or(vec![SearchCriteria::Body("x".into()), SearchCriteria::Text("y".into())]),
        ]);
        assert_eq!(search_key(&c, true), "(SUBJECT \"a \\\"b\\\"X\" (UNSEEN) (OR BODY \"x\" TEXT \"y\"))");
        assert_eq!(search_key(&SearchCriteria::Header("subject".into(), "für".into()), true), "SUBJECT {4+}\r\nfür");
        assert_eq!(search_key(&SearchCriteria::Keyword("bad) x".into()), true), "NOT ALL");
    }

    #[test]
    fn summaries_decode_headers_and_flags() {
        let raw = super::super::conn::MessageSummary {
            uid: 7,
            flags: vec!["\\Seen".into(), "$cl_3".into(), "$Forwarded".into()],
            internal_date: Some(1000),
            size: 42,
            modseq: None,
            headers: b"From: Alice <alice@x.test>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nX-Priority: 1 (Highest)\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n".to_vec(),
        };
        let m = to_summary(&raw, &["X-Priority".to_string()]);
        assert_eq!(m.flags & flag::SEEN, flag::SEEN);
        assert_eq!(m.flags & flag::FORWARDED, flag::FORWARDED);
        assert_eq!(m.color_label, 3);
        assert_eq!(m.subject, "Grüße");
        assert_eq!(m.from[0].email, "alice@x.test");
        assert_eq!(m.priority, 1);
        assert!(m.has_attachment);
        assert_eq!(m.headers[0].as_deref(), Some("1 (Highest)"));
    }
}
