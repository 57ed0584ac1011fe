//! Rows of the built-in mail store: mailboxes (`mail_boxes`) and message metadata
//! (`mail_messages`; the bytes are in the blob store under `blob_key`).

use crate::db::{Conn, Executor};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};
use oxbow_core::OxResult;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailboxRow {
    pub cid: i64,
    pub user_id: i64,
    pub id: i64,
    pub full_name: String,
    pub special_use: i64,
    pub subscribed: bool,
    pub uidvalidity: i64,
    pub uidnext: i64,
    pub last_modified: i64,
}

const BOX_COLS: &str = "cid, user_id, id, full_name, special_use, subscribed, uidvalidity, uidnext, last_modified";

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct MailboxCounts {
    pub mailbox_id: i64,
    pub total: i64,
    pub unread: i64,
    pub recent: i64,
    pub deleted: i64,
    pub bytes: i64,
}

/// Message metadata; `header_block` is only filled where a query asks for it.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct MessageRow {
    pub mailbox_id: i64,
    pub uid: i64,
    pub blob_key: String,
    pub size: i64,
    pub flags: i64,
    pub keywords: String,
    pub color_label: i64,
    pub received_date: i64,
    pub sent_date: Option<i64>,
    pub subject: String,
    pub subject_sort: String,
    pub from_addr: String,
    pub to_addr: String,
    pub cc_addr: String,
    pub bcc_addr: String,
    pub reply_to_addr: String,
    pub from_sort: String,
    pub to_sort: String,
    pub cc_sort: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub refs: String,
    pub content_type: String,
    pub has_attachment: bool,
    pub priority: i64,
    pub disp_notification_to: Option<String>,
    pub header_block: String,
}

/// Columns of `MessageRow` with `header_block` replaced by `''` (lists that do not need it).
pub const MSG_COLS_LIGHT: &str = "mailbox_id, uid, blob_key, size, flags, keywords, color_label, received_date, sent_date, subject, subject_sort, from_addr, to_addr, cc_addr, bcc_addr, reply_to_addr, from_sort, to_sort, cc_sort, message_id, in_reply_to, refs, content_type, has_attachment, priority, disp_notification_to, '' AS header_block";
pub const MSG_COLS_FULL: &str = "mailbox_id, uid, blob_key, size, flags, keywords, color_label, received_date, sent_date, subject, subject_sort, from_addr, to_addr, cc_addr, bcc_addr, reply_to_addr, from_sort, to_sort, cc_sort, message_id, in_reply_to, refs, content_type, has_attachment, priority, disp_notification_to, header_block";

pub async fn boxes(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<Vec<MailboxRow>> {
    Ok(fetch_all!(ex, MailboxRow, format!("SELECT {BOX_COLS} FROM mail_boxes WHERE cid = $1 AND user_id = $2 ORDER BY full_name"), cid, user)?)
}

pub async fn box_by_name(mut ex: impl Executor, cid: i64, user: i64, full_name: &str) -> OxResult<Option<MailboxRow>> {
    Ok(fetch_optional!(
        ex,
        MailboxRow,
        format!("SELECT {BOX_COLS} FROM mail_boxes WHERE cid = $1 AND user_id = $2 AND full_name = $3"),
        cid,
        user,
        full_name.to_string()
    )?)
}

pub async fn insert_box(mut ex: impl Executor, b: &MailboxRow) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO mail_boxes ({BOX_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        b.cid,
        b.user_id,
        b.id,
        b.full_name.clone(),
        b.special_use,
        b.subscribed,
        b.uidvalidity,
        b.uidnext,
        b.last_modified
    )?;
    Ok(())
}

pub async fn rename_box(mut ex: impl Executor, cid: i64, user: i64, id: i64, full_name: &str, now: i64) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE mail_boxes SET full_name = $4, last_modified = $5 WHERE cid = $1 AND user_id = $2 AND id = $3",
        cid,
        user,
        id,
        full_name.to_string(),
        now
    )?;
    Ok(())
}

pub async fn set_subscribed(mut ex: impl Executor, cid: i64, user: i64, id: i64, subscribed: bool, now: i64) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE mail_boxes SET subscribed = $4, last_modified = $5 WHERE cid = $1 AND user_id = $2 AND id = $3",
        cid,
        user,
        id,
        subscribed,
        now
    )?;
    Ok(())
}

pub async fn touch_box(mut ex: impl Executor, cid: i64, user: i64, id: i64, now: i64) -> OxResult<()> {
    execute!(ex, "UPDATE mail_boxes SET last_modified = $4 WHERE cid = $1 AND user_id = $2 AND id = $3", cid, user, id, now)?;
    Ok(())
}

pub async fn delete_box(mut ex: impl Executor, cid: i64, user: i64, id: i64) -> OxResult<()> {
    execute!(ex, "DELETE FROM mail_messages WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3", cid, user, id)?;
    execute!(ex, "DELETE FROM mail_boxes WHERE cid = $1 AND user_id = $2 AND id = $3", cid, user, id)?;
    Ok(())
}

/// Reserve `n` uids in a mailbox; returns the first one.
pub async fn reserve_uids(mut ex: impl Executor, cid: i64, user: i64, id: i64, n: i64, now: i64) -> OxResult<i64> {
    let next: i64 = fetch_scalar!(
        ex,
        i64,
        "UPDATE mail_boxes SET uidnext = uidnext + $4, last_modified = $5 WHERE cid = $1 AND user_id = $2 AND id = $3 RETURNING uidnext",
        cid,
        user,
        id,
        n,
        now
    )?;
    Ok(next - n)
}

pub async fn counts(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<Vec<MailboxCounts>> {
    Ok(fetch_all!(
        ex,
        MailboxCounts,
        "SELECT mailbox_id, CAST(COUNT(*) AS BIGINT) AS total, \
         CAST(SUM(CASE WHEN (flags & 32) = 0 THEN 1 ELSE 0 END) AS BIGINT) AS unread, \
         CAST(SUM(CASE WHEN (flags & 16) <> 0 THEN 1 ELSE 0 END) AS BIGINT) AS recent, \
         CAST(SUM(CASE WHEN (flags & 2) <> 0 THEN 1 ELSE 0 END) AS BIGINT) AS deleted, \
         CAST(SUM(size) AS BIGINT) AS bytes \
         FROM mail_messages WHERE cid = $1 AND user_id = $2 GROUP BY mailbox_id",
        cid,
        user
    )?)
}

pub async fn used_bytes(mut ex: impl Executor, cid: i64, user: i64) -> OxResult<(i64, i64)> {
    #[derive(sqlx::FromRow)]
    struct Used {
        n: i64,
        bytes: Option<i64>,
    }
    let u = fetch_optional!(
        ex,
        Used,
        "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(size) AS BIGINT) AS bytes FROM mail_messages WHERE cid = $1 AND user_id = $2",
        cid,
        user
    )?;
    Ok(u.map(|u| (u.n, u.bytes.unwrap_or(0))).unwrap_or((0, 0)))
}

/// A new message row plus the searchable text columns.
pub struct NewMessage<'a> {
    pub row: &'a MessageRow,
    pub body_text: &'a str,
}

pub async fn insert_message(mut ex: impl Executor, cid: i64, user: i64, m: NewMessage<'_>) -> OxResult<()> {
    let r = m.row;
    execute!(
        ex,
        "INSERT INTO mail_messages (cid, user_id, mailbox_id, uid, blob_key, size, flags, keywords, color_label, received_date, sent_date, \
         subject, subject_sort, from_addr, to_addr, cc_addr, bcc_addr, reply_to_addr, from_sort, to_sort, cc_sort, message_id, in_reply_to, \
         refs, content_type, has_attachment, priority, disp_notification_to, header_block, body_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)",
        cid,
        user,
        r.mailbox_id,
        r.uid,
        r.blob_key.clone(),
        r.size,
        r.flags,
        r.keywords.clone(),
        r.color_label,
        r.received_date,
        r.sent_date,
        r.subject.clone(),
        r.subject_sort.clone(),
        r.from_addr.clone(),
        r.to_addr.clone(),
        r.cc_addr.clone(),
        r.bcc_addr.clone(),
        r.reply_to_addr.clone(),
        r.from_sort.clone(),
        r.to_sort.clone(),
        r.cc_sort.clone(),
        r.message_id.clone(),
        r.in_reply_to.clone(),
        r.refs.clone(),
        r.content_type.clone(),
        r.has_attachment,
        r.priority,
        r.disp_notification_to.clone(),
        r.header_block.clone(),
        m.body_text.to_string()
    )?;
    Ok(())
}

/// Copy a message row to another mailbox under a new uid and blob key (same searchable text).
pub async fn copy_message(
    mut ex: impl Executor,
    cid: i64,
    user: i64,
    from_box: i64,
    uid: i64,
    to_box: i64,
    new_uid: i64,
    new_blob: &str,
) -> OxResult<()> {
    execute!(
        ex,
        "INSERT INTO mail_messages (cid, user_id, mailbox_id, uid, blob_key, size, flags, keywords, color_label, received_date, sent_date, \
         subject, subject_sort, from_addr, to_addr, cc_addr, bcc_addr, reply_to_addr, from_sort, to_sort, cc_sort, message_id, in_reply_to, \
         refs, content_type, has_attachment, priority, disp_notification_to, header_block, body_text) \
         SELECT cid, user_id, $5, $6, $7, size, flags, keywords, color_label, received_date, sent_date, \
         subject, subject_sort, from_addr, to_addr, cc_addr, bcc_addr, reply_to_addr, from_sort, to_sort, cc_sort, message_id, in_reply_to, \
         refs, content_type, has_attachment, priority, disp_notification_to, header_block, body_text \
         FROM mail_messages WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3 AND uid = $4",
        cid,
        user,
        from_box,
        uid,
        to_box,
        new_uid,
        new_blob.to_string()
    )?;
    Ok(())
}

/// Move a message row to another mailbox under a new uid (the blob stays).
pub async fn move_message(mut ex: impl Executor, cid: i64, user: i64, from_box: i64, uid: i64, to_box: i64, new_uid: i64) -> OxResult<bool> {
    let n = execute!(
        ex,
        "UPDATE mail_messages SET mailbox_id = $5, uid = $6 WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3 AND uid = $4",
        cid,
        user,
        from_box,
        uid,
        to_box,
        new_uid
    )?;
    Ok(n > 0)
}

pub async fn message(mut ex: impl Executor, cid: i64, user: i64, mailbox: i64, uid: i64) -> OxResult<Option<MessageRow>> {
    Ok(fetch_optional!(
        ex,
        MessageRow,
        format!("SELECT {MSG_COLS_FULL} FROM mail_messages WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3 AND uid = $4"),
        cid,
        user,
        mailbox,
        uid
    )?)
}

pub async fn delete_message(mut ex: impl Executor, cid: i64, user: i64, mailbox: i64, uid: i64) -> OxResult<Option<String>> {
    let key: Option<String> = crate::fetch_optional!(
        ex,
        (String,),
        "DELETE FROM mail_messages WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3 AND uid = $4 RETURNING blob_key",
        cid,
        user,
        mailbox,
        uid
    )?
    .map(|r| r.0);
    Ok(key)
}

pub async fn blob_keys(mut ex: impl Executor, cid: i64, user: i64, mailbox: i64) -> OxResult<Vec<String>> {
    Ok(crate::fetch_scalars!(
        ex,
        String,
        "SELECT blob_key FROM mail_messages WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3",
        cid,
        user,
        mailbox
    )?)
}

pub async fn set_flags(mut ex: impl Executor, cid: i64, user: i64, mailbox: i64, uid: i64, flags: i64, keywords: &str, color_label: i64) -> OxResult<()> {
    execute!(
        ex,
        "UPDATE mail_messages SET flags = $5, keywords = $6, color_label = $7 WHERE cid = $1 AND user_id = $2 AND mailbox_id = $3 AND uid = $4",
        cid,
        user,
        mailbox,
        uid,
        flags,
        keywords.to_string(),
        color_label
    )?;
    Ok(())
}

/// A value bound to a dynamically built query.
#[derive(Debug, Clone)]
pub enum Bind {
    Int(i64),
    Text(String),
}

/// Run a dynamically built `SELECT` (placeholders `$1..$n` matching `binds`).
pub async fn fetch_dynamic<T>(mut ex: impl Executor, sql: &str, binds: &[Bind]) -> OxResult<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    macro_rules! run {
        ($c:expr) => {{
            let mut q = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql.to_string()));
            for b in binds {
                q = match b {
                    Bind::Int(i) => q.bind(*i),
                    Bind::Text(s) => q.bind(s.clone()),
                };
            }
            q.fetch_all($c).await?
        }};
    }
    Ok(match ex.conn() {
        Conn::SqlitePool(p) => run!(p),
        Conn::PgPool(p) => run!(p),
        Conn::SqliteTx(c) => run!(&mut *c),
        Conn::PgTx(c) => run!(&mut *c),
    })
}
