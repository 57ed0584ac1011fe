//! The built-in mail store: mailboxes and message metadata in the database, message bytes
//! in the blob store. Standard folders (INBOX, Drafts, Sent, Spam, Trash) are created the
//! first time a user's mail is touched. The hierarchy separator is `/`.

use super::backend::*;
use super::parse;
use crate::sessions::Session;
use bytes::Bytes;
use futures::StreamExt;
use oxbow_core::config::Config;
use oxbow_core::time::now_ms;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_store::blob::{self, BlobStore};
use oxbow_store::mail::{self as repo, Bind, MailboxRow, MessageRow};
use oxbow_store::{ids, Db};
use std::collections::HashMap;
use std::sync::Arc;

/// Largest message the store accepts.
pub const MAX_MESSAGE_SIZE: u64 = 200 * 1024 * 1024;

pub const STANDARD_FOLDERS: [(&str, SpecialUse); 5] = [
    ("INBOX", SpecialUse::Inbox),
    ("Drafts", SpecialUse::Drafts),
    ("Sent", SpecialUse::Sent),
    ("Spam", SpecialUse::Spam),
    ("Trash", SpecialUse::Trash),
];

pub struct BuiltinMailStore {
    db: Db,
    blobs: Arc<dyn BlobStore>,
    config: Arc<Config>,
    /// Users whose standard folders are known to exist.
    provisioned: moka::sync::Cache<(i64, i64), ()>,
}

fn special_from_code(code: i64) -> SpecialUse {
    match code {
        7 => SpecialUse::Inbox,
        9 => SpecialUse::Drafts,
        10 => SpecialUse::Sent,
        11 => SpecialUse::Spam,
        12 => SpecialUse::Trash,
        _ => SpecialUse::None,
    }
}

fn not_found(folder: &str) -> OxError {
    codes::MSG_FOLDER_NOT_FOUND.with([folder])
}

fn parent_of(full_name: &str) -> &str {
    full_name.rfind('/').map(|p| &full_name[..p]).unwrap_or("")
}

/// Checks a full name a client asked for: non-empty segments, bounded length.
fn valid_full_name(full_name: &str) -> bool {
    !full_name.is_empty()
        && full_name.len() <= 1000
        && full_name.split('/').all(|seg| !seg.trim().is_empty() && seg.len() <= 255)
        && !full_name.chars().any(|c| c.is_control())
}

impl BuiltinMailStore {
    pub fn new(db: Db, blobs: Arc<dyn BlobStore>, config: Arc<Config>) -> Self {
        BuiltinMailStore {
            db,
            blobs,
            config,
            provisioned: moka::sync::Cache::builder().max_capacity(100_000).build(),
        }
    }

    /// Create the user's standard folders if missing.
    pub async fn ensure_standard_folders(&self, cid: i64, user: i64) -> OxResult<()> {
        if self.provisioned.contains_key(&(cid, user)) {
            return Ok(());
        }
        let existing = repo::boxes(&self.db, cid, user).await?;
        for (name, role) in STANDARD_FOLDERS {
            if existing.iter().any(|b| b.full_name == name) {
                continue;
            }
            let mut tx = self.db.begin().await?;
            if repo::box_by_name(&mut tx, cid, user, name).await?.is_none() {
                let id = ids::next_id(&mut tx, cid, "mail_box", 1).await?;
                let now = now_ms();
                repo::insert_box(
                    &mut tx,
                    &MailboxRow {
                        cid,
                        user_id: user,
                        id,
                        full_name: name.into(),
                        special_use: role.standard_folder_type(),
                        subscribed: true,
                        uidvalidity: now / 1000,
                        uidnext: 1,
                        last_modified: now,
                    },
                )
                .await?;
            }
            // A concurrent request may have created it: a failed commit is retried by reading.
            if let Err(e) = tx.commit().await {
                if repo::box_by_name(&self.db, cid, user, name).await?.is_none() {
                    return Err(e);
                }
            }
        }
        self.provisioned.insert((cid, user), ());
        Ok(())
    }

    async fn mailbox(&self, cid: i64, user: i64, full_name: &str) -> OxResult<MailboxRow> {
        self.ensure_standard_folders(cid, user).await?;
        repo::box_by_name(&self.db, cid, user, full_name).await?.ok_or_else(|| not_found(full_name))
    }

    fn info(&self, b: &MailboxRow, counts: &repo::MailboxCounts, has_children: bool) -> MailFolderInfo {
        let name = b.full_name.rsplit('/').next().unwrap_or(&b.full_name).to_string();
        MailFolderInfo {
            full_name: b.full_name.clone(),
            name,
            parent: parent_of(&b.full_name).to_string(),
            subscribed: b.subscribed,
            selectable: true,
            has_children,
            special_use: special_from_code(b.special_use),
            total: counts.total,
            new: counts.recent,
            unread: counts.unread,
            deleted: counts.deleted,
            uidvalidity: b.uidvalidity,
            last_modified: b.last_modified,
        }
    }

    /// Store a message in a user's mailbox: bytes to the blob store, metadata to the
    /// database. Checks the quota first.
    pub async fn store(&self, cid: i64, user: i64, full_name: &str, m: AppendMessage) -> OxResult<u64> {
        if m.raw.len() as u64 > MAX_MESSAGE_SIZE {
            return Err(codes::MSG_TOO_LARGE.with([MAX_MESSAGE_SIZE]));
        }
        let mailbox = self.mailbox(cid, user, full_name).await?;
        let quota = self.config.mail.quota_bytes;
        if quota > 0 {
            let (_, used) = repo::used_bytes(&self.db, cid, user).await?;
            if used + m.raw.len() as i64 > quota {
                return Err(codes::MSG_QUOTA_EXCEEDED.err());
            }
        }
        let raw = m.raw.clone();
        let (summary, header_block, body_text) = tokio::task::spawn_blocking(move || parse::summarize(&raw))
            .await
            .map_err(OxError::internal)?;
        let key = format!("mail-{}", blob::new_key());
        self.blobs.put(&key, blob::stream_from_bytes(m.raw.clone()), Some(MAX_MESSAGE_SIZE)).await?;
        let mut keywords = Vec::new();
        let mut color_label = 0u8;
        let mut flags = m.flags & (flag::SYSTEM | flag::KEYWORD_BITS);
        for k in &m.keywords {
            if let Some(l) = color_label_of(k) {
                color_label = l;
            } else {
                let bits = flags_from_keywords(std::slice::from_ref(k));
                if bits != 0 {
                    flags |= bits;
                } else if valid_keyword(k) && !keywords.contains(k) {
                    keywords.push(k.clone());
                }
            }
        }
        let row = MessageRow {
            mailbox_id: mailbox.id,
            uid: 0,
            blob_key: key.clone(),
            size: m.raw.len() as i64,
            flags: flags as i64,
            keywords: join_keywords(&keywords),
            color_label: color_label as i64,
            received_date: m.received_date.unwrap_or_else(now_ms),
            sent_date: summary.sent_date,
            subject_sort: parse::subject_sort_key(&summary.subject),
            subject: summary.subject.clone(),
            from_sort: parse::address_sort_key(&summary.from),
            to_sort: parse::address_sort_key(&summary.to),
            cc_sort: parse::address_sort_key(&summary.cc),
            from_addr: parse::addresses_to_json(&summary.from),
            to_addr: parse::addresses_to_json(&summary.to),
            cc_addr: parse::addresses_to_json(&summary.cc),
            bcc_addr: parse::addresses_to_json(&summary.bcc),
            reply_to_addr: parse::addresses_to_json(&summary.reply_to),
            message_id: summary.message_id.clone(),
            in_reply_to: summary.in_reply_to.clone(),
            refs: summary.references.join(" "),
            content_type: summary.content_type.clone(),
            has_attachment: summary.has_attachment,
            priority: summary.priority,
            disp_notification_to: summary.disp_notification_to.clone(),
            header_block: strip_nul(&header_block),
        };
        let body_text = strip_nul(&body_text);
        let result: OxResult<u64> = async {
            let mut tx = self.db.begin().await?;
            let uid = repo::reserve_uids(&mut tx, cid, user, mailbox.id, 1, now_ms()).await?;
            let mut row = row;
            row.uid = uid;
            repo::insert_message(&mut tx, cid, user, repo::NewMessage { row: &row, body_text: &body_text }).await?;
            tx.commit().await?;
            Ok(uid as u64)
        }
        .await;
        if result.is_err() {
            let _ = self.blobs.delete(&key).await;
        }
        result
    }

    /// Deliver a message into the INBOX of a user of this server (local delivery, LMTP).
    pub async fn deliver(&self, cid: i64, user: i64, raw: Bytes) -> OxResult<u64> {
        self.store(cid, user, "INBOX", AppendMessage { raw, flags: flag::RECENT, keywords: Vec::new(), received_date: None }).await
    }

    fn summary_of(&self, r: &MessageRow, headers: &[String]) -> MessageSummary {
        let user_kw: Vec<String> = r.keywords.split_whitespace().map(|s| s.to_string()).collect();
        let mut keywords = user_kw.clone();
        if r.color_label > 0 {
            keywords.push(color_label_keyword(r.color_label as u8));
        }
        let flags = r.flags as u32;
        if flags & flag::FORWARDED != 0 {
            keywords.push(KEYWORD_FORWARDED.into());
        }
        if flags & flag::SPAM != 0 {
            keywords.push(KEYWORD_JUNK.into());
        }
        if flags & flag::READ_ACK != 0 {
            keywords.push(KEYWORD_MDN_SENT.into());
        }
        MessageSummary {
            uid: r.uid as u64,
            flags: flags | if user_kw.is_empty() { 0 } else { flag::USER },
            keywords,
            color_label: r.color_label as u8,
            size: r.size,
            sent_date: r.sent_date,
            received_date: r.received_date,
            from: parse::addresses_from_json(&r.from_addr),
            to: parse::addresses_from_json(&r.to_addr),
            cc: parse::addresses_from_json(&r.cc_addr),
            bcc: parse::addresses_from_json(&r.bcc_addr),
            reply_to: parse::addresses_from_json(&r.reply_to_addr),
            subject: r.subject.clone(),
            message_id: r.message_id.clone(),
            in_reply_to: r.in_reply_to.clone(),
            references: r.refs.split_whitespace().map(|s| s.to_string()).collect(),
            content_type: r.content_type.clone(),
            has_attachment: r.has_attachment,
            priority: r.priority,
            disp_notification_to: r.disp_notification_to.clone(),
            headers: headers.iter().map(|h| parse::header_value(&r.header_block, h)).collect(),
        }
    }

    async fn read_blob(&self, key: &str) -> OxResult<Bytes> {
        let read = self.blobs.get(key, None).await?;
        let mut out = Vec::with_capacity(read.size as usize);
        let mut stream = read.stream;
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.map_err(OxError::internal)?);
        }
        Ok(Bytes::from(out))
    }

    async fn remove_rows(&self, cid: i64, user: i64, mailbox: &MailboxRow, uids: &[u64]) -> OxResult<()> {
        let mut keys = Vec::new();
        let mut tx = self.db.begin().await?;
        for uid in uids {
            if let Some(k) = repo::delete_message(&mut tx, cid, user, mailbox.id, *uid as i64).await? {
                keys.push(k);
            }
        }
        repo::touch_box(&mut tx, cid, user, mailbox.id, now_ms()).await?;
        tx.commit().await?;
        for k in keys {
            let _ = self.blobs.delete(&k).await;
        }
        Ok(())
    }
}

fn strip_nul(s: &str) -> String {
    // PostgreSQL TEXT cannot hold NUL characters.
    if s.contains('\0') { s.replace('\0', "") } else { s.to_string() }
}

fn valid_keyword(k: &str) -> bool {
    !k.is_empty() && k.len() <= 100 && k.chars().all(|c| c.is_ascii_graphic() && !"(){%*\"\\]".contains(c))
}

fn join_keywords(k: &[String]) -> String {
    if k.is_empty() { " ".into() } else { format!(" {} ", k.join(" ")) }
}

/// SQL for a search criterion over `mail_messages` (placeholders numbered from `binds`).
fn criteria_sql(c: &SearchCriteria, binds: &mut Vec<Bind>) -> String {
    fn push(binds: &mut Vec<Bind>, b: Bind) -> String {
        binds.push(b);
        format!("${}", binds.len())
    }
    fn like(binds: &mut Vec<Bind>, col: &str, text: &str) -> String {
        let p = push(binds, Bind::Text(format!("%{}%", like_escape(text))));
        format!("LOWER({col}) LIKE LOWER({p}) ESCAPE '\\'")
    }
    match c {
        SearchCriteria::All => "1=1".into(),
        SearchCriteria::And(v) if v.is_empty() => "1=1".into(),
        SearchCriteria::Or(v) if v.is_empty() => "1=0".into(),
        SearchCriteria::And(v) => format!("({})", v.iter().map(|c| criteria_sql(c, binds)).collect::<Vec<_>>().join(" AND ")),
        SearchCriteria::Or(v) => format!("({})", v.iter().map(|c| criteria_sql(c, binds)).collect::<Vec<_>>().join(" OR ")),
        SearchCriteria::Not(c) => format!("NOT ({})", criteria_sql(c, binds)),
        SearchCriteria::Header(name, text) => match name.to_ascii_lowercase().as_str() {
            "from" => like(binds, "from_addr", text),
            "to" => like(binds, "to_addr", text),
            "cc" => like(binds, "cc_addr", text),
            "bcc" => like(binds, "bcc_addr", text),
            "subject" => like(binds, "subject", text),
            other => {
                let name = push(binds, Bind::Text(format!("%{}:%", like_escape(other))));
                let value = like(binds, "header_block", text);
                format!("(LOWER(header_block) LIKE LOWER({name}) ESCAPE '\\' AND {value})")
            }
        },
        SearchCriteria::Body(t) => like(binds, "body_text", t),
        SearchCriteria::Text(t) => {
            let parts: Vec<String> = ["from_addr", "to_addr", "cc_addr", "subject", "body_text"].iter().map(|c| like(binds, c, t)).collect();
            format!("({})", parts.join(" OR "))
        }
        SearchCriteria::FlagsSet(b) => {
            let p = push(binds, Bind::Int(*b as i64));
            format!("(flags & {p}) = {p}")
        }
        SearchCriteria::FlagsUnset(b) => {
            let p = push(binds, Bind::Int(*b as i64));
            format!("(flags & {p}) = 0")
        }
        SearchCriteria::Keyword(k) => {
            if let Some(l) = color_label_of(k) {
                let p = push(binds, Bind::Int(l as i64));
                return format!("color_label = {p}");
            }
            let bits = flags_from_keywords(std::slice::from_ref(k));
            if bits != 0 {
                let p = push(binds, Bind::Int(bits as i64));
                return format!("(flags & {p}) <> 0");
            }
            let p = push(binds, Bind::Text(format!("% {} %", like_escape(k))));
            format!("keywords LIKE {p} ESCAPE '\\'")
        }
        SearchCriteria::ReceivedSince(t) => format!("received_date >= {}", push(binds, Bind::Int(*t))),
        SearchCriteria::ReceivedBefore(t) => format!("received_date < {}", push(binds, Bind::Int(*t))),
        SearchCriteria::SentSince(t) => format!("sent_date >= {}", push(binds, Bind::Int(*t))),
        SearchCriteria::SentBefore(t) => format!("sent_date < {}", push(binds, Bind::Int(*t))),
        SearchCriteria::Larger(n) => format!("size > {}", push(binds, Bind::Int(*n))),
        SearchCriteria::Smaller(n) => format!("size < {}", push(binds, Bind::Int(*n))),
        SearchCriteria::Uids(u) if u.is_empty() => "1=0".into(),
        SearchCriteria::Uids(u) => {
            let ps: Vec<String> = u.iter().take(10_000).map(|x| push(binds, Bind::Int(*x as i64))).collect();
            format!("uid IN ({})", ps.join(", "))
        }
    }
}

fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn sort_sql(k: SortKey) -> &'static str {
    match k {
        SortKey::ReceivedDate => "received_date",
        SortKey::SentDate => "COALESCE(sent_date, received_date)",
        SortKey::Subject => "subject_sort",
        SortKey::From => "from_sort",
        SortKey::To => "to_sort",
        SortKey::Cc => "cc_sort",
        SortKey::Size => "size",
        SortKey::Seen => "(flags & 32)",
        SortKey::Flagged => "(flags & 8)",
        SortKey::ColorLabel => "color_label",
        SortKey::Priority => "priority",
        SortKey::Attachment => "CASE WHEN has_attachment THEN 1 ELSE 0 END",
        SortKey::Uid => "uid",
    }
}

#[async_trait::async_trait]
impl MailBackend for BuiltinMailStore {
    fn separator(&self) -> char {
        '/'
    }

    async fn folders(&self, s: &Session, all: bool) -> OxResult<Vec<MailFolderInfo>> {
        self.ensure_standard_folders(s.cid, s.user_id).await?;
        let boxes = repo::boxes(&self.db, s.cid, s.user_id).await?;
        let counts: HashMap<i64, repo::MailboxCounts> =
            repo::counts(&self.db, s.cid, s.user_id).await?.into_iter().map(|c| (c.mailbox_id, c)).collect();
        let empty = repo::MailboxCounts::default();
        let mut out = Vec::new();
        for b in &boxes {
            if !all && !b.subscribed {
                continue;
            }
            let prefix = format!("{}/", b.full_name);
            let has_children = boxes.iter().any(|c| c.full_name.starts_with(&prefix));
            out.push(self.info(b, counts.get(&b.id).unwrap_or(&empty), has_children));
        }
        Ok(out)
    }

    async fn folder(&self, s: &Session, full_name: &str) -> OxResult<Option<MailFolderInfo>> {
        self.ensure_standard_folders(s.cid, s.user_id).await?;
        let Some(b) = repo::box_by_name(&self.db, s.cid, s.user_id, full_name).await? else { return Ok(None) };
        let counts = repo::counts(&self.db, s.cid, s.user_id).await?;
        let c = counts.into_iter().find(|c| c.mailbox_id == b.id).unwrap_or_default();
        let prefix = format!("{full_name}/");
        let has_children = repo::boxes(&self.db, s.cid, s.user_id).await?.iter().any(|x| x.full_name.starts_with(&prefix));
        Ok(Some(self.info(&b, &c, has_children)))
    }

    async fn create_folder(&self, s: &Session, full_name: &str) -> OxResult<()> {
        if !valid_full_name(full_name) {
            return Err(codes::SVL_INVALID_PARAM_VALUE.with(["title", full_name]));
        }
        self.ensure_standard_folders(s.cid, s.user_id).await?;
        let parent = parent_of(full_name);
        if !parent.is_empty() && repo::box_by_name(&self.db, s.cid, s.user_id, parent).await?.is_none() {
            return Err(not_found(parent));
        }
        let mut tx = self.db.begin().await?;
        if repo::box_by_name(&mut tx, s.cid, s.user_id, full_name).await?.is_some() {
            return Err(codes::MSG_FOLDER_EXISTS.with([full_name]));
        }
        let id = ids::next_id(&mut tx, s.cid, "mail_box", 1).await?;
        let now = now_ms();
        repo::insert_box(
            &mut tx,
            &MailboxRow {
                cid: s.cid,
                user_id: s.user_id,
                id,
                full_name: full_name.into(),
                special_use: 0,
                subscribed: true,
                uidvalidity: now / 1000,
                uidnext: 1,
                last_modified: now,
            },
        )
        .await?;
        tx.commit().await
    }

    async fn rename_folder(&self, s: &Session, full_name: &str, new_full_name: &str) -> OxResult<()> {
        if !valid_full_name(new_full_name) {
            return Err(codes::SVL_INVALID_PARAM_VALUE.with(["title", new_full_name]));
        }
        let b = self.mailbox(s.cid, s.user_id, full_name).await?;
        if b.special_use != 0 {
            return Err(codes::MSG_STANDARD_FOLDER.with([full_name]));
        }
        if new_full_name == full_name {
            return Ok(());
        }
        if new_full_name.starts_with(&format!("{full_name}/")) {
            return Err(codes::SVL_INVALID_PARAM_VALUE.with(["folder_id", new_full_name]));
        }
        let parent = parent_of(new_full_name);
        if !parent.is_empty() && repo::box_by_name(&self.db, s.cid, s.user_id, parent).await?.is_none() {
            return Err(not_found(parent));
        }
        let mut tx = self.db.begin().await?;
        if repo::box_by_name(&mut tx, s.cid, s.user_id, new_full_name).await?.is_some() {
            return Err(codes::MSG_FOLDER_EXISTS.with([new_full_name]));
        }
        let now = now_ms();
        let prefix = format!("{full_name}/");
        for x in repo::boxes(&mut tx, s.cid, s.user_id).await? {
            if x.id == b.id {
                repo::rename_box(&mut tx, s.cid, s.user_id, x.id, new_full_name, now).await?;
            } else if let Some(rest) = x.full_name.strip_prefix(&prefix) {
                repo::rename_box(&mut tx, s.cid, s.user_id, x.id, &format!("{new_full_name}/{rest}"), now).await?;
            }
        }
        tx.commit().await
    }

    async fn delete_folder(&self, s: &Session, full_name: &str) -> OxResult<()> {
        let b = self.mailbox(s.cid, s.user_id, full_name).await?;
        if b.special_use != 0 {
            return Err(codes::MSG_STANDARD_FOLDER.with([full_name]));
        }
        let prefix = format!("{full_name}/");
        let victims: Vec<MailboxRow> = repo::boxes(&self.db, s.cid, s.user_id)
            .await?
            .into_iter()
            .filter(|x| x.id == b.id || x.full_name.starts_with(&prefix))
            .collect();
        let mut keys = Vec::new();
        let mut tx = self.db.begin().await?;
        for v in &victims {
            keys.extend(repo::blob_keys(&mut tx, s.cid, s.user_id, v.id).await?);
            repo::delete_box(&mut tx, s.cid, s.user_id, v.id).await?;
        }
        tx.commit().await?;
        for k in keys {
            let _ = self.blobs.delete(&k).await;
        }
        Ok(())
    }

    async fn subscribe_folder(&self, s: &Session, full_name: &str, subscribed: bool) -> OxResult<()> {
        let b = self.mailbox(s.cid, s.user_id, full_name).await?;
        if !subscribed && b.special_use != 0 {
            return Err(codes::MSG_STANDARD_FOLDER.with([full_name]));
        }
        repo::set_subscribed(&self.db, s.cid, s.user_id, b.id, subscribed, now_ms()).await
    }

    async fn special_folder(&self, s: &Session, role: SpecialUse) -> OxResult<Option<String>> {
        self.ensure_standard_folders(s.cid, s.user_id).await?;
        let code = role.standard_folder_type();
        Ok(repo::boxes(&self.db, s.cid, s.user_id).await?.into_iter().find(|b| b.special_use == code && code != 0).map(|b| b.full_name))
    }

    async fn list_messages(&self, s: &Session, folder: &str, q: &ListQuery) -> OxResult<MessagePage> {
        let b = self.mailbox(s.cid, s.user_id, folder).await?;
        let mut binds = vec![Bind::Int(s.cid), Bind::Int(s.user_id), Bind::Int(b.id)];
        let filter = criteria_sql(&q.filter, &mut binds);
        let where_ = format!("cid = $1 AND user_id = $2 AND mailbox_id = $3 AND {filter}");
        #[derive(sqlx::FromRow)]
        struct Count {
            n: i64,
        }
        let total = repo::fetch_dynamic::<Count>(&self.db, &format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM mail_messages WHERE {where_}"), &binds)
            .await?
            .first()
            .map(|c| c.n)
            .unwrap_or(0);
        let dir = if q.descending { "DESC" } else { "ASC" };
        let cols = if q.headers.is_empty() { repo::MSG_COLS_LIGHT } else { repo::MSG_COLS_FULL };
        let mut sql = format!("SELECT {cols} FROM mail_messages WHERE {where_} ORDER BY {} {dir}, uid {dir}", sort_sql(q.sort));
        if let Some((start, end)) = q.range {
            let limit = end.saturating_sub(start).min(i64::MAX as u64) as i64;
            binds.push(Bind::Int(limit));
            sql.push_str(&format!(" LIMIT ${}", binds.len()));
            binds.push(Bind::Int(start.min(i64::MAX as u64) as i64));
            sql.push_str(&format!(" OFFSET ${}", binds.len()));
        }
        let rows: Vec<MessageRow> = repo::fetch_dynamic(&self.db, &sql, &binds).await?;
        Ok(MessagePage { total: total as u64, messages: rows.iter().map(|r| self.summary_of(r, &q.headers)).collect() })
    }

    async fn summaries(&self, s: &Session, folder: &str, uids: &[u64], headers: &[String]) -> OxResult<Vec<MessageSummary>> {
        let b = self.mailbox(s.cid, s.user_id, folder).await?;
        let mut out = Vec::with_capacity(uids.len());
        for chunk in uids.chunks(500) {
            let mut binds = vec![Bind::Int(s.cid), Bind::Int(s.user_id), Bind::Int(b.id)];
            let cond = criteria_sql(&SearchCriteria::Uids(chunk.to_vec()), &mut binds);
            let cols = if headers.is_empty() { repo::MSG_COLS_LIGHT } else { repo::MSG_COLS_FULL };
            let rows: Vec<MessageRow> = repo::fetch_dynamic(
                &self.db,
                &format!("SELECT {cols} FROM mail_messages WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3 AND {cond}"),
                &binds,
            )
            .await?;
            let by_uid: HashMap<u64, &MessageRow> = rows.iter().map(|r| (r.uid as u64, r)).collect();
            for u in chunk {
                if let Some(r) = by_uid.get(u) {
                    out.push(self.summary_of(r, headers));
                }
            }
        }
        Ok(out)
    }

    async fn fetch_raw(&self, s: &Session, folder: &str, uid: u64) -> OxResult<Option<Bytes>> {
        let b = self.mailbox(s.cid, s.user_id, folder).await?;
        let Some(r) = repo::message(&self.db, s.cid, s.user_id, b.id, uid as i64).await? else { return Ok(None) };
        Ok(Some(self.read_blob(&r.blob_key).await?))
    }

    async fn open_raw(&self, s: &Session, folder: &str, uid: u64) -> OxResult<Option<RawStream>> {
        let b = self.mailbox(s.cid, s.user_id, folder).await?;
        let Some(r) = repo::message(&self.db, s.cid, s.user_id, b.id, uid as i64).await? else { return Ok(None) };
        let read = self.blobs.get(&r.blob_key, None).await?;
        let reader = tokio_util::io::StreamReader::new(read.stream);
        Ok(Some(RawStream { size: read.size as i64, reader: Box::pin(reader) }))
    }

    async fn search(&self, s: &Session, folder: &str, criteria: &SearchCriteria) -> OxResult<Vec<u64>> {
        let b = self.mailbox(s.cid, s.user_id, folder).await?;
        let mut binds = vec![Bind::Int(s.cid), Bind::Int(s.user_id), Bind::Int(b.id)];
        let filter = criteria_sql(criteria, &mut binds);
        #[derive(sqlx::FromRow)]
        struct Uid {
            uid: i64,
        }
        let rows: Vec<Uid> = repo::fetch_dynamic(
            &self.db,
            &format!("SELECT uid FROM mail_messages WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3 AND {filter} ORDER BY uid"),
            &binds,
        )
        .await?;
        Ok(rows.into_iter().map(|r| r.uid as u64).collect())
    }

    async fn set_flags(&self, s: &Session, folder: &str, uids: &[u64], change: &FlagChange) -> OxResult<()> {
        let b = self.mailbox(s.cid, s.user_id, folder).await?;
        let mut tx = self.db.begin().await?;
        let mask = (flag::SYSTEM | flag::KEYWORD_BITS) as i64;
        for uid in uids {
            let Some(r) = repo::message(&mut tx, s.cid, s.user_id, b.id, *uid as i64).await? else { continue };
            let mut flags = r.flags;
            flags |= change.set as i64 & mask;
            flags &= !(change.clear as i64 & mask);
            let mut kw: Vec<String> = r.keywords.split_whitespace().map(|x| x.to_string()).collect();
            let mut color = r.color_label;
            for k in &change.add_keywords {
                if let Some(l) = color_label_of(k) {
                    color = l as i64;
                } else {
                    let bits = flags_from_keywords(std::slice::from_ref(k));
                    if bits != 0 {
                        flags |= bits as i64;
                    } else if valid_keyword(k) && !kw.contains(k) {
                        kw.push(k.clone());
                    }
                }
            }
            for k in &change.remove_keywords {
                if color_label_of(k).is_some_and(|l| l as i64 == color) {
                    color = 0;
                }
                flags &= !(flags_from_keywords(std::slice::from_ref(k)) as i64);
                kw.retain(|x| x != k);
            }
            if let Some(l) = change.color_label {
                color = l.min(10) as i64;
            }
            repo::set_flags(&mut tx, s.cid, s.user_id, b.id, *uid as i64, flags, &join_keywords(&kw), color).await?;
        }
        repo::touch_box(&mut tx, s.cid, s.user_id, b.id, now_ms()).await?;
        tx.commit().await
    }

    async fn copy(&self, s: &Session, folder: &str, uids: &[u64], target: &str) -> OxResult<Vec<Option<u64>>> {
        let src = self.mailbox(s.cid, s.user_id, folder).await?;
        let dst = self.mailbox(s.cid, s.user_id, target).await?;
        let quota = self.config.mail.quota_bytes;
        let mut out = Vec::with_capacity(uids.len());
        for uid in uids {
            let Some(r) = repo::message(&self.db, s.cid, s.user_id, src.id, *uid as i64).await? else {
                out.push(None);
                continue;
            };
            if quota > 0 {
                let (_, used) = repo::used_bytes(&self.db, s.cid, s.user_id).await?;
                if used + r.size > quota {
                    return Err(codes::MSG_QUOTA_EXCEEDED.err());
                }
            }
            // Each copy owns its bytes, so deleting one never affects the other.
            let key = format!("mail-{}", blob::new_key());
            let read = self.blobs.get(&r.blob_key, None).await?;
            self.blobs.put(&key, read.stream, None).await?;
            let res: OxResult<u64> = async {
                let mut tx = self.db.begin().await?;
                let new_uid = repo::reserve_uids(&mut tx, s.cid, s.user_id, dst.id, 1, now_ms()).await?;
                repo::copy_message(&mut tx, s.cid, s.user_id, src.id, r.uid, dst.id, new_uid, &key).await?;
                tx.commit().await?;
                Ok(new_uid as u64)
            }
            .await;
            match res {
                Ok(u) => out.push(Some(u)),
                Err(e) => {
                    let _ = self.blobs.delete(&key).await;
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    async fn move_messages(&self, s: &Session, folder: &str, uids: &[u64], target: &str) -> OxResult<Vec<Option<u64>>> {
        let src = self.mailbox(s.cid, s.user_id, folder).await?;
        let dst = self.mailbox(s.cid, s.user_id, target).await?;
        if src.id == dst.id {
            return Ok(uids.iter().map(|u| Some(*u)).collect());
        }
        let mut out = Vec::with_capacity(uids.len());
        let mut tx = self.db.begin().await?;
        let now = now_ms();
        for uid in uids {
            if repo::message(&mut tx, s.cid, s.user_id, src.id, *uid as i64).await?.is_none() {
                out.push(None);
                continue;
            }
            let new_uid = repo::reserve_uids(&mut tx, s.cid, s.user_id, dst.id, 1, now).await?;
            repo::move_message(&mut tx, s.cid, s.user_id, src.id, *uid as i64, dst.id, new_uid).await?;
            out.push(Some(new_uid as u64));
        }
        repo::touch_box(&mut tx, s.cid, s.user_id, src.id, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn delete_messages(&self, s: &Session, folder: &str, uids: &[u64]) -> OxResult<()> {
        let b = self.mailbox(s.cid, s.user_id, folder).await?;
        self.remove_rows(s.cid, s.user_id, &b, uids).await
    }

    async fn clear_folder(&self, s: &Session, folder: &str) -> OxResult<()> {
        let b = self.mailbox(s.cid, s.user_id, folder).await?;
        let mut tx = self.db.begin().await?;
        let keys = repo::blob_keys(&mut tx, s.cid, s.user_id, b.id).await?;
        oxbow_store::execute!(
            tx,
            "DELETE FROM mail_messages WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3",
            s.cid,
            s.user_id,
            b.id
        )?;
        repo::touch_box(&mut tx, s.cid, s.user_id, b.id, now_ms()).await?;
        tx.commit().await?;
        for k in keys {
            let _ = self.blobs.delete(&k).await;
        }
        Ok(())
    }

    async fn append(&self, s: &Session, folder: &str, message: AppendMessage) -> OxResult<u64> {
        self.store(s.cid, s.user_id, folder, message).await
    }

    async fn threads(&self, s: &Session, folder: &str) -> OxResult<Vec<Vec<ThreadNode>>> {
        let page = self.list_messages(s, folder, &ListQuery { sort: SortKey::ReceivedDate, descending: false, ..Default::default() }).await?;
        Ok(thread_by_references(&page.messages))
    }

    async fn quota(&self, s: &Session) -> OxResult<Option<MailQuota>> {
        let (n, bytes) = repo::used_bytes(&self.db, s.cid, s.user_id).await?;
        let limit = self.config.mail.quota_bytes;
        Ok(Some(MailQuota {
            used_bytes: bytes,
            limit_bytes: if limit > 0 { Some(limit) } else { None },
            used_messages: n,
            limit_messages: None,
        }))
    }
}
