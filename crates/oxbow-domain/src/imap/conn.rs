//! One IMAP connection: TCP (plain, implicit TLS or STARTTLS), LOGIN, capability probing and
//! the commands the mail backend needs, with every failure mapped to an OX error.

use super::utf7;
use async_imap::types::{Fetch, Flag, NameAttribute};
use futures::TryStreamExt;
use oxbow_core::{codes, OxError, OxResult};
use std::collections::HashSet;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The next response on a connection (`self` of `ImapConn`); a connection the server closed
/// is marked broken so the pool does not hand it out again. A macro because async-imap does
/// not export the response type a helper function would have to name.
macro_rules! next_response {
    ($conn:expr) => {{
        let resp = $conn.session.read_response().await;
        match resp.map_err(|e| $conn.fail(e.into()))? {
            Some(resp) => resp,
            None => {
                $conn.broken = true;
                return Err(codes::IMAP_STORE_CLOSED.with([$conn.server.as_str()]));
            }
        }
    }};
}

/// How to secure the connection to a mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Plain,
    /// TLS from the first byte (imaps, smtps).
    Tls,
    /// Plain connect, then STARTTLS before LOGIN.
    StartTls,
}

/// Where a mail server is and how to log in to it.
#[derive(Clone)]
pub struct ImapTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub login: String,
    pub password: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for ImapTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never log the password.
        write!(f, "{}:{} ({:?}) as {}", self.host, self.port, self.security, self.login)
    }
}

impl ImapTarget {
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// A TCP stream with or without TLS, for IMAP and SMTP alike.
#[derive(Debug)]
pub enum MailStream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for MailStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_flush(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

fn tls_connector() -> tokio_rustls::TlsConnector {
    static CONFIG: std::sync::OnceLock<Arc<tokio_rustls::rustls::ClientConfig>> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = tokio_rustls::rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    });
    tokio_rustls::TlsConnector::from(config.clone())
}

/// Open a TCP connection (with implicit TLS when asked), mapping failures to OX errors.
pub async fn connect_stream(host: &str, port: u16, tls: bool, timeout: Duration, login: &str) -> OxResult<MailStream> {
    let server = format!("{host}:{port}");
    let tcp = match tokio::time::timeout(timeout, TcpStream::connect((host, port))).await {
        Err(_) => return Err(codes::IMAP_CONNECT_ERROR.with([server.as_str(), login]).detail("timed out")),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::Other || e.to_string().contains("lookup") => {
            return Err(codes::IMAP_UNKNOWN_HOST.with([host]).detail(e.to_string()));
        }
        Ok(Err(e)) => return Err(codes::IMAP_CONNECT_ERROR.with([server.as_str(), login]).detail(e.to_string())),
        Ok(Ok(s)) => s,
    };
    tcp.set_nodelay(true).ok();
    if tls { start_tls(tcp, host, timeout, login).await } else { Ok(MailStream::Plain(tcp)) }
}

pub async fn start_tls(tcp: TcpStream, host: &str, timeout: Duration, login: &str) -> OxResult<MailStream> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|_| codes::ACC_INVALID_HOST_NAME.with([host]))?;
    match tokio::time::timeout(timeout, tls_connector().connect(name, tcp)).await {
        Ok(Ok(s)) => Ok(MailStream::Tls(Box::new(s))),
        Ok(Err(e)) => Err(codes::IMAP_CONNECT_ERROR.with([host, login]).detail(format!("TLS: {e}"))),
        Err(_) => Err(codes::IMAP_CONNECT_ERROR.with([host, login]).detail("TLS handshake timed out")),
    }
}

/// Map an IMAP library error to an OX error; `io` failures mark the connection broken.
pub fn imap_error(server: &str, e: async_imap::error::Error) -> OxError {
    use async_imap::error::Error as E;
    match e {
        E::Io(io) => codes::IMAP_STORE_CLOSED.with([server]).detail(io.to_string()),
        E::ConnectionLost => codes::IMAP_STORE_CLOSED.with([server]),
        E::No(text) if text.contains("[OVERQUOTA]") || text.to_ascii_lowercase().contains("quota") => {
            codes::IMAP_QUOTA_EXCEEDED.with([text])
        }
        E::No(text) | E::Bad(text) => codes::IMAP_COMMAND_FAILED.with([text]),
        other => codes::IMAP_PROTOCOL_ERROR.with([other.to_string()]),
    }
}

/// A mailbox as LIST reports it (name decoded from modified UTF-7).
#[derive(Debug, Clone)]
pub struct ListedMailbox {
    pub name: String,
    pub delimiter: Option<String>,
    pub no_select: bool,
    pub has_children: Option<bool>,
    /// `\Sent`, `\Trash`, ... (RFC 6154), lower-cased without the backslash.
    pub special_use: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct MailboxStatus {
    pub messages: u32,
    pub unseen: u32,
    pub recent: u32,
    pub uid_next: u32,
    pub uid_validity: u32,
    pub highest_modseq: Option<u64>,
}

/// What a page of a mail list needs from one message.
#[derive(Debug, Clone, Default)]
pub struct MessageSummary {
    pub uid: u32,
    pub flags: Vec<String>,
    pub internal_date: Option<i64>,
    pub size: u64,
    pub modseq: Option<u64>,
    /// The requested header lines, raw.
    pub headers: Vec<u8>,
}

/// Headers fetched for a mail list page.
pub const SUMMARY_HEADERS: &str = "FROM TO CC BCC SUBJECT DATE MESSAGE-ID IN-REPLY-TO REFERENCES REPLY-TO SENDER CONTENT-TYPE X-PRIORITY DISPOSITION-NOTIFICATION-TO";

pub struct ImapConnection {
    session: async_imap::Session<MailStream>,
    pub capabilities: HashSet<String>,
    pub server: String,
    /// The mailbox currently selected and whether read-write.
    selected: Option<(String, bool)>,
    /// Set after an I/O failure: the pool drops the connection instead of reusing it.
    pub broken: bool,
    /// QRESYNC was enabled for this connection.
    qresync: bool,
}

impl ImapConnection {
    /// Connect and log in.
    pub async fn open(t: &ImapTarget) -> OxResult<ImapConnection> {
        let server = t.server();
        let stream = connect_stream(&t.host, t.port, t.security == Security::Tls, t.timeout, &t.login).await?;
        let mut client = async_imap::Client::new(stream);
        let greeting = tokio::time::timeout(t.timeout, client.read_response())
            .await
            .map_err(|_| codes::IMAP_CONNECT_ERROR.with([server.as_str(), t.login.as_str()]).detail("no greeting"))?
            .map_err(|e| codes::IMAP_CONNECT_ERROR.with([server.as_str(), t.login.as_str()]).detail(e.to_string()))?;
        if greeting.is_none() {
            return Err(codes::IMAP_CONNECT_ERROR.with([server.as_str(), t.login.as_str()]).detail("connection closed"));
        }
        if t.security == Security::StartTls {
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| codes::IMAP_CONNECT_ERROR.with([server.as_str(), t.login.as_str()]).detail(e.to_string()))?;
            let MailStream::Plain(tcp) = client.into_inner() else {
                return Err(OxError::internal("STARTTLS on a TLS stream"));
            };
            let tls = start_tls(tcp, &t.host, t.timeout, &t.login).await?;
            client = async_imap::Client::new(tls);
        }
        let login = tokio::time::timeout(t.timeout, client.login(&t.login, &t.password)).await;
        let mut session = match login {
            Err(_) => return Err(codes::IMAP_CONNECT_ERROR.with([server.as_str(), t.login.as_str()]).detail("login timed out")),
            Ok(Err((async_imap::error::Error::No(text), _))) | Ok(Err((async_imap::error::Error::Bad(text), _))) => {
                return Err(codes::IMAP_INVALID_CREDENTIALS.with([server.as_str(), text.as_str()]));
            }
            Ok(Err((e, _))) => return Err(codes::IMAP_LOGIN_FAILED.with([server.as_str(), t.login.as_str()]).detail(e.to_string())),
            Ok(Ok(s)) => s,
        };
        let caps = session.capabilities().await.map_err(|e| imap_error(&server, e))?;
        let capabilities: HashSet<String> = caps
            .iter()
            .filter_map(|c| match c {
                async_imap::types::Capability::Atom(a) => Some(a.to_ascii_uppercase()),
                async_imap::types::Capability::Imap4rev1 => Some("IMAP4REV1".into()),
                async_imap::types::Capability::Auth(a) => Some(format!("AUTH={}", a.to_ascii_uppercase())),
            })
            .collect();
        // QRESYNC lets `updates` learn expunged UIDs (VANISHED); it must be enabled before
        // any mailbox is selected.
        let mut qresync = false;
        if capabilities.contains("QRESYNC") {
            let r = session.run_command_and_check_ok("ENABLE QRESYNC").await;
            qresync = r.is_ok();
        }
        Ok(ImapConnection { session, capabilities, server, selected: None, broken: false, qresync })
    }

    pub fn has(&self, capability: &str) -> bool {
        self.capabilities.contains(capability)
    }

    /// Remember I/O failures so the connection is not reused.
    fn fail(&mut self, e: async_imap::error::Error) -> OxError {
        if matches!(e, async_imap::error::Error::Io(_) | async_imap::error::Error::ConnectionLost) {
            self.broken = true;
        }
        imap_error(&self.server, e)
    }

    /// Folder-not-found for NO answers to commands that name a mailbox.
    fn mailbox_fail(&mut self, mailbox: &str, e: async_imap::error::Error) -> OxError {
        match e {
            async_imap::error::Error::No(ref text)
                if !text.contains("[OVERQUOTA]") && !text.to_ascii_lowercase().contains("quota") =>
            {
                codes::IMAP_FOLDER_NOT_FOUND.with([mailbox]).detail(text.clone())
            }
            e => self.fail(e),
        }
    }

    pub async fn noop(&mut self) -> OxResult<()> {
        let r = self.session.noop().await;
        r.map_err(|e| self.fail(e))
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.session.logout()).await;
    }

    /// Every mailbox (LIST "" "*"), with the subscription state from LSUB.
    pub async fn list(&mut self) -> OxResult<Vec<(ListedMailbox, bool)>> {
        let listed: Vec<ListedMailbox> = {
            let r = self.session.list(Some(""), Some("*")).await;
            let stream = match r {
                Ok(s) => s,
                Err(e) => return Err(imap_error(&self.server, e)),
            };
            let names: Result<Vec<_>, _> = stream.try_collect().await;
            let names = names.map_err(|e| imap_error(&self.server, e))?;
            names.iter().map(listed_mailbox).collect()
        };
        let subscribed: HashSet<String> = {
            let r = self.session.lsub(Some(""), Some("*")).await;
            let stream = r.map_err(|e| imap_error(&self.server, e))?;
            let names: Result<Vec<_>, _> = stream.try_collect().await;
            names.map_err(|e| imap_error(&self.server, e))?.iter().map(|n| utf7::decode(n.name())).collect()
        };
        Ok(listed
            .into_iter()
            .map(|m| {
                let sub = subscribed.contains(&m.name) || m.name.eq_ignore_ascii_case("INBOX");
                (m, sub)
            })
            .collect())
    }

    pub async fn status(&mut self, mailbox: &str) -> OxResult<MailboxStatus> {
        // STATUS of the selected mailbox reports the session's view of it: bring that view up
        // to date first, so changes by other clients (counts, HIGHESTMODSEQ) show.
        if self.selected.as_ref().is_some_and(|(name, _)| name == mailbox) {
            self.noop().await?;
        }
        let items = if self.has("CONDSTORE") {
            "(MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY HIGHESTMODSEQ)"
        } else {
            "(MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY)"
        };
        let r = self.session.status(utf7::encode(mailbox), items).await;
        let m = r.map_err(|e| self.mailbox_fail(mailbox, e))?;
        Ok(MailboxStatus {
            messages: m.exists,
            unseen: m.unseen.unwrap_or(0),
            recent: m.recent,
            uid_next: m.uid_next.unwrap_or(0),
            uid_validity: m.uid_validity.unwrap_or(0),
            highest_modseq: m.highest_modseq,
        })
    }

    /// SELECT (read-write) or EXAMINE (read-only) unless already selected that way.
    pub async fn select(&mut self, mailbox: &str, writable: bool) -> OxResult<MailboxStatus> {
        let encoded = utf7::encode(mailbox);
        let r = if writable {
            if self.has("CONDSTORE") {
                self.session.select_condstore(&encoded).await
            } else {
                self.session.select(&encoded).await
            }
        } else {
            self.session.examine(&encoded).await
        };
        self.selected = None;
        let m = r.map_err(|e| self.mailbox_fail(mailbox, e))?;
        self.selected = Some((mailbox.to_string(), writable));
        Ok(MailboxStatus {
            messages: m.exists,
            unseen: m.unseen.unwrap_or(0),
            recent: m.recent,
            uid_next: m.uid_next.unwrap_or(0),
            uid_validity: m.uid_validity.unwrap_or(0),
            highest_modseq: m.highest_modseq,
        })
    }

    /// Make sure `mailbox` is selected (writable when asked), reusing the current selection.
    pub async fn ensure_selected(&mut self, mailbox: &str, writable: bool) -> OxResult<()> {
        match &self.selected {
            Some((name, w)) if name == mailbox && (*w || !writable) => Ok(()),
            _ => self.select(mailbox, writable).await.map(|_| ()),
        }
    }

    /// UIDs in server-side order: SORT when advertised (criteria like `REVERSE ARRIVAL`),
    /// else SEARCH ALL (ascending UIDs).
    pub async fn sorted_uids(&mut self, mailbox: &str, sort_criteria: Option<&str>, search: &str) -> OxResult<Vec<u32>> {
        self.ensure_selected(mailbox, false).await?;
        if let Some(criteria) = sort_criteria.filter(|_| self.has("SORT")) {
            return self.uid_sort(criteria, search).await;
        }
        let r = self.session.uid_search(search).await;
        let mut uids: Vec<u32> = r.map_err(|e| self.fail(e))?.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    async fn uid_sort(&mut self, criteria: &str, search: &str) -> OxResult<Vec<u32>> {
        // SORT names the charset itself; a SEARCH-style CHARSET prefix would be an error.
        let search = search.strip_prefix("CHARSET UTF-8 ").unwrap_or(search);
        let command = format!("UID SORT ({criteria}) UTF-8 {search}");
        let id = self.session.run_command(&command).await.map_err(|e| self.fail(e))?;
        let mut uids = Vec::new();
        loop {
            let resp = next_response!(self);
            match resp.parsed() {
                imap_proto::Response::MailboxData(imap_proto::MailboxDatum::Sort(ids)) => uids.extend(ids.iter().copied()),
                imap_proto::Response::Done { tag, status, information, .. } if *tag == id => {
                    return match status {
                        imap_proto::Status::Ok => Ok(uids),
                        _ => Err(codes::IMAP_COMMAND_FAILED.with([information.as_deref().unwrap_or("SORT failed")])),
                    };
                }
                _ => {}
            }
        }
    }

    /// Summary fields of the given UIDs, in the order asked for.
    pub async fn fetch_summaries(&mut self, mailbox: &str, uids: &[u32]) -> OxResult<Vec<MessageSummary>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        self.ensure_selected(mailbox, false).await?;
        let query = format!(
            "(UID FLAGS INTERNALDATE RFC822.SIZE{} BODY.PEEK[HEADER.FIELDS ({SUMMARY_HEADERS})])",
            if self.has("CONDSTORE") { " MODSEQ" } else { "" }
        );
        let set = uid_set(uids);
        let fetched: Vec<Fetch> = {
            let r = self.session.uid_fetch(&set, &query).await;
            match r {
                Ok(stream) => {
                    let items: Result<Vec<Fetch>, _> = stream.try_collect().await;
                    match items {
                        Ok(items) => items,
                        Err(e) => return Err(imap_error(&self.server, e)),
                    }
                }
                Err(e) => return Err(imap_error(&self.server, e)),
            }
        };
        let mut by_uid: std::collections::HashMap<u32, MessageSummary> = fetched
            .iter()
            .filter_map(|f| {
                let uid = f.uid?;
                Some((
                    uid,
                    MessageSummary {
                        uid,
                        flags: f.flags().map(|fl| flag_name(&fl)).collect(),
                        internal_date: f.internal_date().map(|d| d.timestamp_millis()),
                        size: f.size.unwrap_or(0) as u64,
                        modseq: f.modseq,
                        headers: f.header().map(|h| h.to_vec()).unwrap_or_default(),
                    },
                ))
            })
            .collect();
        Ok(uids.iter().filter_map(|u| by_uid.remove(u)).collect())
    }

    /// The whole message (BODY.PEEK[] so reading does not set \Seen by itself).
    pub async fn fetch_raw(&mut self, mailbox: &str, uid: u32) -> OxResult<Option<Vec<u8>>> {
        self.ensure_selected(mailbox, false).await?;
        let r = self.session.uid_fetch(uid.to_string(), "(UID BODY.PEEK[])").await;
        let stream = match r {
            Ok(s) => s,
            Err(e) => return Err(imap_error(&self.server, e)),
        };
        let items: Result<Vec<Fetch>, _> = stream.try_collect().await;
        let items = items.map_err(|e| imap_error(&self.server, e))?;
        Ok(items.into_iter().find(|f| f.uid == Some(uid)).and_then(|f| f.body().map(|b| b.to_vec())))
    }

    /// Whether `changes_since` can report changes and expunges (QRESYNC is enabled).
    pub fn can_report_changes(&self) -> bool {
        self.qresync
    }

    /// UIDs changed (new messages and flag changes) and UIDs expunged since `modseq`, from one
    /// `UID FETCH 1:* (UID) (CHANGEDSINCE <modseq> VANISHED)` (RFC 7162): the server answers
    /// with FETCH for the changed messages and VANISHED (EARLIER) for the expunged ones.
    pub async fn changes_since(&mut self, mailbox: &str, modseq: u64) -> OxResult<(Vec<u32>, Vec<u32>)> {
        if !self.qresync {
            return Err(codes::IMAP_COMMAND_FAILED.with(["QRESYNC is not enabled"]));
        }
        self.ensure_selected(mailbox, false).await?;
        let command = format!("UID FETCH 1:* (UID) (CHANGEDSINCE {} VANISHED)", modseq.max(1));
        let id = self.session.run_command(&command).await.map_err(|e| self.fail(e))?;
        let mut changed = Vec::new();
        let mut vanished = Vec::new();
        loop {
            let resp = next_response!(self);
            match resp.parsed() {
                imap_proto::Response::Fetch(_, attrs) => {
                    if let Some(uid) = attrs.iter().find_map(|a| match a {
                        imap_proto::AttributeValue::Uid(u) => Some(*u),
                        _ => None,
                    }) {
                        changed.push(uid);
                    }
                }
                imap_proto::Response::Vanished { uids, .. } => {
                    for r in uids {
                        // A range from a hostile server must not blow up memory.
                        if vanished.len() + (r.end().saturating_sub(*r.start()) as usize) > 10_000_000 {
                            return Err(codes::IMAP_PROTOCOL_ERROR.with(["VANISHED range too large"]));
                        }
                        vanished.extend(r.clone());
                    }
                }
                imap_proto::Response::Done { tag, status, information, .. } if *tag == id => {
                    return match status {
                        imap_proto::Status::Ok => {
                            changed.sort_unstable();
                            changed.dedup();
                            vanished.sort_unstable();
                            vanished.dedup();
                            Ok((changed, vanished))
                        }
                        _ => Err(codes::IMAP_COMMAND_FAILED.with([information.as_deref().unwrap_or("FETCH CHANGEDSINCE failed")])),
                    };
                }
                _ => {}
            }
        }
    }

    /// Add (`+FLAGS`) or remove (`-FLAGS`) flags and keywords.
    pub async fn store_flags(&mut self, mailbox: &str, uids: &[u32], add: bool, flags: &[String]) -> OxResult<()> {
        if uids.is_empty() || flags.is_empty() {
            return Ok(());
        }
        self.ensure_selected(mailbox, true).await?;
        let op = if add { "+FLAGS.SILENT" } else { "-FLAGS.SILENT" };
        let r = self.session.uid_store(uid_set(uids), format!("{op} ({})", flags.join(" "))).await;
        let stream = match r {
            Ok(s) => s,
            Err(e) => return Err(imap_error(&self.server, e)),
        };
        let drained: Result<Vec<Fetch>, _> = stream.try_collect().await;
        drained.map_err(|e| imap_error(&self.server, e))?;
        Ok(())
    }

    /// Copy messages; returns the new UIDs (COPYUID, same order) when the server tells them.
    pub async fn copy(&mut self, mailbox: &str, uids: &[u32], target: &str) -> OxResult<Vec<Option<u32>>> {
        self.ensure_selected(mailbox, false).await?;
        let command = format!("UID COPY {} {}", uid_set(uids), quote(&utf7::encode(target)));
        let mapping = self.run_with_copyuid(&command, target).await?;
        Ok(uids.iter().map(|u| mapping.iter().find(|(s, _)| s == u).map(|(_, d)| *d)).collect())
    }

    /// Move messages (MOVE when advertised, else COPY + delete + expunge of those UIDs).
    pub async fn move_to(&mut self, mailbox: &str, uids: &[u32], target: &str) -> OxResult<Vec<Option<u32>>> {
        if !self.has("MOVE") {
            let copied = self.copy(mailbox, uids, target).await?;
            self.delete_uids(mailbox, uids).await?;
            return Ok(copied);
        }
        self.ensure_selected(mailbox, true).await?;
        let command = format!("UID MOVE {} {}", uid_set(uids), quote(&utf7::encode(target)));
        let mapping = self.run_with_copyuid(&command, target).await?;
        Ok(uids.iter().map(|u| mapping.iter().find(|(s, _)| s == u).map(|(_, d)| *d)).collect())
    }

    /// Run COPY/MOVE and read the COPYUID response code (source → destination UID pairs).
    async fn run_with_copyuid(&mut self, command: &str, target: &str) -> OxResult<Vec<(u32, u32)>> {
        let id = self.session.run_command(command).await.map_err(|e| self.fail(e))?;
        let mut pairs = Vec::new();
        loop {
            let resp = next_response!(self);
            let parsed = resp.parsed();
            let code = match parsed {
                imap_proto::Response::Done { code, .. } | imap_proto::Response::Data { code, .. } => code.as_ref(),
                _ => None,
            };
            if let Some(imap_proto::ResponseCode::CopyUid(_, src, dst)) = code {
                let src = expand_uid_set(src);
                let dst = expand_uid_set(dst);
                pairs = src.into_iter().zip(dst).collect();
            }
            if let imap_proto::Response::Done { tag, status, information, .. } = parsed {
                if *tag == id {
                    return match status {
                        imap_proto::Status::Ok => Ok(pairs),
                        _ => {
                            let text = information.as_deref().unwrap_or("").to_string();
                            if text.to_ascii_lowercase().contains("quota") {
                                Err(codes::IMAP_QUOTA_EXCEEDED.with([text]))
                            } else {
                                Err(codes::IMAP_FOLDER_NOT_FOUND.with([target]).detail(text))
                            }
                        }
                    };
                }
            }
        }
    }

    /// Flag as \Deleted and expunge exactly these UIDs (UID EXPUNGE when UIDPLUS).
    pub async fn delete_uids(&mut self, mailbox: &str, uids: &[u32]) -> OxResult<()> {
        if uids.is_empty() {
            return Ok(());
        }
        self.store_flags(mailbox, uids, true, &["\\Deleted".to_string()]).await?;
        let set = uid_set(uids);
        if self.has("UIDPLUS") {
            let r = self.session.uid_expunge(&set).await;
            match r {
                Ok(stream) => {
                    let drained: Result<Vec<_>, _> = stream.try_collect().await;
                    drained.map_err(|e| imap_error(&self.server, e))?;
                }
                Err(e) => return Err(imap_error(&self.server, e)),
            }
        } else {
            let r = self.session.expunge().await;
            match r {
                Ok(stream) => {
                    let drained: Result<Vec<_>, _> = stream.try_collect().await;
                    drained.map_err(|e| imap_error(&self.server, e))?;
                }
                Err(e) => return Err(imap_error(&self.server, e)),
            }
        }
        Ok(())
    }

    /// APPEND a message; returns its UID when the server reports APPENDUID.
    pub async fn append(&mut self, mailbox: &str, flags: &[String], raw: &[u8]) -> OxResult<Option<u32>> {
        let flags = if flags.is_empty() { String::new() } else { format!(" ({})", flags.join(" ")) };
        let command = format!("APPEND {}{flags} {{{}}}", quote(&utf7::encode(mailbox)), raw.len());
        let id = self.session.run_command(&command).await.map_err(|e| self.fail(e))?;
        // Wait for the continuation request before sending the literal.
        loop {
            let resp = next_response!(self);
            match resp.parsed() {
                imap_proto::Response::Continue { .. } => break,
                imap_proto::Response::Done { tag, information, .. } if *tag == id => {
                    let text = information.as_deref().unwrap_or("").to_string();
                    return Err(if text.to_ascii_lowercase().contains("quota") {
                        codes::IMAP_QUOTA_EXCEEDED.with([text])
                    } else {
                        codes::IMAP_FOLDER_NOT_FOUND.with([mailbox]).detail(text)
                    });
                }
                _ => {}
            }
        }
        {
            use tokio::io::AsyncWriteExt;
            let stream = self.session.get_mut();
            let w = async {
                stream.write_all(raw).await?;
                stream.write_all(b"\r\n").await?;
                stream.flush().await
            };
            if let Err(e) = w.await {
                self.broken = true;
                return Err(codes::IMAP_STORE_CLOSED.with([self.server.as_str()]).detail(e.to_string()));
            }
        }
        loop {
            let resp = next_response!(self);
            if let imap_proto::Response::Done { tag, status, code, information } = resp.parsed() {
                if *tag == id {
                    if *status != imap_proto::Status::Ok {
                        let text = information.as_deref().unwrap_or("").to_string();
                        return Err(if text.to_ascii_lowercase().contains("quota") {
                            codes::IMAP_QUOTA_EXCEEDED.with([text])
                        } else {
                            codes::IMAP_COMMAND_FAILED.with([text])
                        });
                    }
                    return Ok(match code {
                        Some(imap_proto::ResponseCode::AppendUid(_, uids)) => expand_uid_set(uids).into_iter().next(),
                        _ => None,
                    });
                }
            }
        }
    }

    pub async fn create_mailbox(&mut self, mailbox: &str) -> OxResult<()> {
        let r = self.session.create(utf7::encode(mailbox)).await;
        r.map_err(|e| self.fail(e))?;
        let r = self.session.subscribe(utf7::encode(mailbox)).await;
        r.map_err(|e| self.fail(e))
    }

    pub async fn delete_mailbox(&mut self, mailbox: &str) -> OxResult<()> {
        if self.selected.as_ref().is_some_and(|(n, _)| n == mailbox) {
            self.selected = None;
            let _ = self.session.run_command_and_check_ok("UNSELECT").await;
        }
        let r = self.session.delete(utf7::encode(mailbox)).await;
        r.map_err(|e| self.mailbox_fail(mailbox, e))?;
        let _ = self.session.unsubscribe(utf7::encode(mailbox)).await;
        Ok(())
    }

    pub async fn rename_mailbox(&mut self, from: &str, to: &str) -> OxResult<()> {
        if self.selected.as_ref().is_some_and(|(n, _)| n == from) {
            self.selected = None;
            let _ = self.session.run_command_and_check_ok("UNSELECT").await;
        }
        let r = self.session.rename(utf7::encode(from), utf7::encode(to)).await;
        r.map_err(|e| self.mailbox_fail(from, e))?;
        let _ = self.session.unsubscribe(utf7::encode(from)).await;
        let _ = self.session.subscribe(utf7::encode(to)).await;
        Ok(())
    }

    pub async fn set_subscribed(&mut self, mailbox: &str, subscribed: bool) -> OxResult<()> {
        let r = if subscribed {
            self.session.subscribe(utf7::encode(mailbox)).await
        } else {
            self.session.unsubscribe(utf7::encode(mailbox)).await
        };
        r.map_err(|e| self.mailbox_fail(mailbox, e))
    }

    /// UID SEARCH with a raw criteria string built by the caller from validated input.
    pub async fn uid_search(&mut self, mailbox: &str, criteria: &str) -> OxResult<Vec<u32>> {
        self.ensure_selected(mailbox, false).await?;
        let r = self.session.uid_search(criteria).await;
        let mut uids: Vec<u32> = r.map_err(|e| self.fail(e))?.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// STORAGE usage and limit in bytes of the quota root of `mailbox`, when the server has QUOTA.
    pub async fn storage_quota(&mut self, mailbox: &str) -> OxResult<Option<(u64, u64)>> {
        if !self.has("QUOTA") {
            return Ok(None);
        }
        let r = self.session.get_quota_root(&utf7::encode(mailbox)).await;
        let (_roots, quotas) = r.map_err(|e| self.fail(e))?;
        for q in quotas {
            for res in q.resources {
                if matches!(res.name, async_imap::types::QuotaResourceName::Storage) {
                    // RFC 9208: STORAGE is counted in units of 1024 octets.
                    return Ok(Some((res.usage * 1024, res.limit * 1024)));
                }
            }
        }
        Ok(None)
    }
}

fn listed_mailbox(n: &async_imap::types::Name) -> ListedMailbox {
    let mut no_select = false;
    let mut has_children = None;
    let mut special_use = None;
    for a in n.attributes() {
        match a {
            NameAttribute::NoSelect | NameAttribute::NoInferiors if matches!(a, NameAttribute::NoSelect) => no_select = true,
            NameAttribute::Extension(x) => {
                let x = x.to_ascii_lowercase();
                match x.as_str() {
                    "\\haschildren" => has_children = Some(true),
                    "\\hasnochildren" => has_children = Some(false),
                    "\\nonexistent" => no_select = true,
                    _ => {}
                }
            }
            NameAttribute::Sent => special_use = Some("sent".to_string()),
            NameAttribute::Trash => special_use = Some("trash".to_string()),
            NameAttribute::Drafts => special_use = Some("drafts".to_string()),
            NameAttribute::Junk => special_use = Some("junk".to_string()),
            NameAttribute::Archive => special_use = Some("archive".to_string()),
            NameAttribute::All => special_use = Some("all".to_string()),
            NameAttribute::Flagged => special_use = Some("flagged".to_string()),
            _ => {}
        }
    }
    ListedMailbox {
        name: utf7::decode(n.name()),
        delimiter: n.delimiter().map(str::to_string),
        no_select,
        has_children,
        special_use,
    }
}

/// `\Seen`, `\Answered`, ... and keywords as they appear on the wire.
pub fn flag_name(f: &Flag<'_>) -> String {
    match f {
        Flag::Seen => "\\Seen".into(),
        Flag::Answered => "\\Answered".into(),
        Flag::Flagged => "\\Flagged".into(),
        Flag::Deleted => "\\Deleted".into(),
        Flag::Draft => "\\Draft".into(),
        Flag::Recent => "\\Recent".into(),
        Flag::MayCreate => "\\*".into(),
        Flag::Custom(c) => c.to_string(),
    }
}

/// A compact UID set: `1:5,8,10:12`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted: Vec<u32> = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

fn expand_uid_set(set: &[imap_proto::UidSetMember]) -> Vec<u32> {
    let mut out = Vec::new();
    for m in set {
        match m {
            imap_proto::UidSetMember::Uid(u) => out.push(*u),
            imap_proto::UidSetMember::UidRange(r) => out.extend(r.clone()),
        }
    }
    out
}

/// An IMAP quoted string.
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[5, 1, 2, 3, 8, 10, 11]), "1:3,5,8,10:11");
        assert_eq!(uid_set(&[7]), "7");
    }
}
