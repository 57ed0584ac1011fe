//! Mail accounts of a user: the primary account (id 0, from `[mail]` and the user) and
//! external IMAP accounts with their own SMTP transport (ids 1, 2, ... in `mail_accounts`).
//!
//! Passwords of external accounts are sealed with XChaCha20-Poly1305 before they reach the
//! database. The key is `[mail] account_secret_key` (64 hex digits) or, when that is empty, a
//! random key created once in `<data_dir>/mail-accounts.key` (mode 0600). The sealed value is
//! bound to its account and field (associated data), so it cannot be moved to another row.

use crate::imap::{ImapAccount, ImapBackend, ImapPool, ImapTarget, Security, SmtpTarget, SmtpTransport};
use crate::mail::service::{MailAccount, MailAccounts};
use crate::sessions::Session;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use oxbow_core::config::Config;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_store::mail_accounts::MailAccountRow;
use oxbow_store::Db;
use serde_json::{json, Map, Value};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Every connection pool of IMAP accounts in this process (primary and external).
pub fn imap_pool(config: &Config) -> Arc<ImapPool> {
    static POOL: OnceLock<Arc<ImapPool>> = OnceLock::new();
    POOL.get_or_init(|| ImapPool::new(config.mail.imap_pool_size)).clone()
}

/// The sealing key for account passwords.
pub struct AccountSecrets {
    cipher: XChaCha20Poly1305,
}

impl AccountSecrets {
    pub fn load(config: &Config) -> OxResult<AccountSecrets> {
        let key = if !config.mail.account_secret_key.is_empty() {
            hex::decode(config.mail.account_secret_key.trim())
                .ok()
                .filter(|k| k.len() == 32)
                .ok_or_else(|| OxError::internal("[mail] account_secret_key must be 64 hex digits"))?
        } else {
            key_file(&config.data_dir.join("mail-accounts.key"))?
        };
        let cipher = XChaCha20Poly1305::new_from_slice(&key).map_err(OxError::internal)?;
        Ok(AccountSecrets { cipher })
    }

    /// `v1:<base64(nonce | ciphertext)>`; the empty password stays empty.
    pub fn seal(&self, plain: &str, context: &str) -> OxResult<String> {
        if plain.is_empty() {
            return Ok(String::new());
        }
        let mut nonce = [0u8; 24];
        rand::Rng::fill(&mut rand::rng(), &mut nonce[..]);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: context.as_bytes() })
            .map_err(|_| OxError::internal("sealing a password failed"))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!("v1:{}", base64::engine::general_purpose::STANDARD.encode(out)))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Option<String> {
        if sealed.is_empty() {
            return Some(String::new());
        }
        let bytes = base64::engine::general_purpose::STANDARD.decode(sealed.strip_prefix("v1:")?).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, body) = bytes.split_at(24);
        let plain = self.cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: context.as_bytes() }).ok()?;
        String::from_utf8(plain).ok()
    }
}

fn key_file(path: &std::path::Path) -> OxResult<Vec<u8>> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return hex::decode(text.trim())
            .ok()
            .filter(|k| k.len() == 32)
            .ok_or_else(|| OxError::internal(format!("{} does not hold a 32-byte hex key", path.display())));
    }
    let mut key = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut key[..]);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // create_new: when two nodes race, the loser reads the winner's key.
    let written = {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        opts.open(path).and_then(|mut f| f.write_all(hex::encode(key).as_bytes()))
    };
    match written {
        Ok(()) => Ok(key.to_vec()),
        Err(_) => key_file_existing(path),
    }
}

fn key_file_existing(path: &std::path::Path) -> OxResult<Vec<u8>> {
    let text = std::fs::read_to_string(path)?;
    hex::decode(text.trim()).ok().filter(|k| k.len() == 32).ok_or_else(|| OxError::internal("bad mail account key file"))
}

/// Associated data binding a sealed password to its row and field.
pub fn seal_context(cid: i64, user_id: i64, id: i64, field: &str) -> String {
    format!("mail-account/{cid}/{user_id}/{id}/{field}")
}

/// Connection settings of an account, decrypted.
#[derive(Clone, Debug)]
pub struct AccountEndpoints {
    pub imap: ImapTarget,
    pub smtp: Option<SmtpTarget>,
}

fn timeout(config: &Config) -> Duration {
    Duration::from_secs(config.mail.connect_timeout_secs.max(1))
}

pub fn security(secure: bool, starttls: bool) -> Security {
    if secure {
        Security::Tls
    } else if starttls {
        Security::StartTls
    } else {
        Security::Plain
    }
}

/// IMAP and SMTP targets of a stored external account.
pub fn endpoints(config: &Config, secrets: &AccountSecrets, row: &MailAccountRow) -> OxResult<AccountEndpoints> {
    let password = secrets
        .open(&row.password_sealed, &seal_context(row.cid, row.user_id, row.id, "password"))
        .ok_or_else(|| codes::ACC_PASSWORD_DECRYPTION_FAILED.with([row.login.clone(), row.mail_server.clone(), row.user_id.to_string(), row.cid.to_string()]))?;
    let imap = ImapTarget {
        host: row.mail_server.clone(),
        port: u16::try_from(row.mail_port).unwrap_or(143),
        security: security(row.mail_secure, row.mail_starttls),
        login: row.login.clone(),
        password: password.clone(),
        timeout: timeout(config),
    };
    let smtp = if row.transport_server.is_empty() {
        None
    } else {
        let credentials = match row.transport_auth.as_str() {
            "none" => None,
            "custom" => {
                let p = secrets
                    .open(&row.transport_password_sealed, &seal_context(row.cid, row.user_id, row.id, "transport_password"))
                    .ok_or_else(|| codes::ACC_PASSWORD_DECRYPTION_FAILED.with([row.transport_login.clone(), row.transport_server.clone(), row.user_id.to_string(), row.cid.to_string()]))?;
                Some((row.transport_login.clone(), p))
            }
            _ => Some((row.login.clone(), password)),
        };
        Some(SmtpTarget {
            host: row.transport_server.clone(),
            port: u16::try_from(row.transport_port).unwrap_or(25),
            security: security(row.transport_secure, row.transport_starttls),
            credentials,
            timeout: timeout(config),
        })
    };
    Ok(AccountEndpoints { imap, smtp })
}

/// The primary account's backend and transport when `[mail] backend = "imap"`.
pub fn imap_primary(config: &Arc<Config>, db: &Db) -> (Arc<ImapBackend>, Arc<SmtpTransport>) {
    let backend = Arc::new(ImapBackend::new(
        ImapAccount::Primary { config: Arc::new(config.mail.clone()), db: db.clone() },
        imap_pool(config),
    ));
    let transport = Arc::new(SmtpTransport {
        target: SmtpTarget {
            host: config.mail.smtp_host.clone(),
            port: config.mail.smtp_port,
            security: if config.mail.smtp_tls { Security::StartTls } else { Security::Plain },
            credentials: None,
            timeout: timeout(config),
        },
    });
    (backend, transport)
}

/// External accounts for `MailService`: each one an `ImapBackend` plus its SMTP transport.
pub struct ExternalAccounts {
    pub config: Arc<Config>,
    pub db: Db,
}

#[async_trait::async_trait]
impl MailAccounts for ExternalAccounts {
    async fn account(&self, s: &Session, id: i64) -> OxResult<Option<MailAccount>> {
        let Some(row) = oxbow_store::mail_accounts::get(&self.db, s.cid, s.user_id, id).await? else {
            return Ok(None);
        };
        let secrets = AccountSecrets::load(&self.config)?;
        let ep = endpoints(&self.config, &secrets, &row)?;
        let backend = Arc::new(ImapBackend::new(ImapAccount::External { account_id: id, target: ep.imap }, imap_pool(&self.config)));
        let transport: Arc<dyn crate::mail::MailTransport> = match ep.smtp {
            Some(target) => Arc::new(SmtpTransport { target }),
            None => Arc::new(NoTransport { account: row.name.clone() }),
        };
        Ok(Some(MailAccount { id, name: row.name.clone(), address: row.primary_address.clone(), backend, transport }))
    }

    async fn account_ids(&self, s: &Session) -> OxResult<Vec<i64>> {
        oxbow_store::mail_accounts::ids(&self.db, s.cid, s.user_id).await
    }
}

/// An account without a transport server: sending through it fails clearly.
struct NoTransport {
    account: String,
}

#[async_trait::async_trait]
impl crate::mail::MailTransport for NoTransport {
    async fn send(&self, _s: &Session, _m: &crate::mail::backend::OutgoingMessage) -> OxResult<()> {
        Err(codes::MSG_SEND_FAILED.with([format!("the account {} has no transport server", self.account)]))
    }
}

/// MailAccountData fields kept in the `settings` JSON column.
pub const SETTINGS_FIELDS: &[&str] = &[
    "spam_handler", "trash", "sent", "drafts", "spam", "confirmed_spam", "confirmed_ham", "unified_inbox_enabled",
    "trash_fullname", "sent_fullname", "drafts_fullname", "spam_fullname", "confirmed_spam_fullname",
    "confirmed_ham_fullname", "pop3_refresh_rate", "pop3_expunge_on_quit", "pop3_delete_write_through",
    "pop3_storage", "pop3_path", "personal", "reply_to", "meta", "archive", "archive_fullname",
];

/// The JSON object (MailAccountData) of a stored account; passwords are never returned.
pub fn row_json(row: &MailAccountRow) -> Map<String, Value> {
    let mut m = Map::new();
    let scheme = |proto: &str, secure: bool| if secure { format!("{proto}s") } else { proto.to_string() };
    m.insert("id".into(), json!(row.id));
    m.insert("login".into(), json!(row.login));
    m.insert("password".into(), Value::Null);
    m.insert(
        "mail_url".into(),
        json!(format!("{}://{}:{}", scheme(&row.mail_protocol, row.mail_secure), url_host(&row.mail_server), row.mail_port)),
    );
    m.insert(
        "transport_url".into(),
        if row.transport_server.is_empty() {
            Value::Null
        } else {
            json!(format!("{}://{}:{}", scheme("smtp", row.transport_secure), url_host(&row.transport_server), row.transport_port))
        },
    );
    m.insert("name".into(), json!(row.name));
    m.insert("primary_address".into(), json!(row.primary_address));
    m.insert("mail_server".into(), json!(row.mail_server));
    m.insert("mail_port".into(), json!(row.mail_port));
    m.insert("mail_protocol".into(), json!(row.mail_protocol));
    m.insert("mail_secure".into(), json!(row.mail_secure));
    m.insert("mail_starttls".into(), json!(row.mail_starttls));
    m.insert("transport_server".into(), json!(row.transport_server));
    m.insert("transport_port".into(), json!(row.transport_port));
    m.insert("transport_protocol".into(), json!("smtp"));
    m.insert("transport_secure".into(), json!(row.transport_secure));
    m.insert("transport_starttls".into(), json!(row.transport_starttls));
    m.insert("transport_auth".into(), json!(row.transport_auth));
    m.insert("transport_login".into(), if row.transport_auth == "custom" { json!(row.transport_login) } else { Value::Null });
    m.insert("transport_password".into(), Value::Null);
    let settings: Map<String, Value> = serde_json::from_str(&row.settings).unwrap_or_default();
    for f in SETTINGS_FIELDS {
        m.insert((*f).into(), settings.get(*f).cloned().unwrap_or(Value::Null));
    }
    if m.get("unified_inbox_enabled").is_some_and(Value::is_null) {
        m.insert("unified_inbox_enabled".into(), json!(false));
    }
    m.insert("addresses".into(), Value::Null);
    m.insert("last_modified".into(), json!(row.last_modified));
    m
}

fn url_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_string() }
}

/// The primary account (id 0) as MailAccountData.
pub fn primary_json(config: &Config, login: &str, email: &str, display_name: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let imap_mode = config.mail.backend == "imap";
    let (mail_server, mail_port, mail_secure) = if imap_mode {
        (config.mail.imap_host.clone(), config.mail.imap_port as i64, config.mail.imap_tls)
    } else {
        ("localhost".to_string(), 143, false)
    };
    let (transport_server, transport_port, transport_tls) = if config.mail.smtp_host.is_empty() {
        ("localhost".to_string(), 25i64, false)
    } else {
        (config.mail.smtp_host.clone(), config.mail.smtp_port as i64, config.mail.smtp_tls)
    };
    m.insert("id".into(), json!(0));
    m.insert("login".into(), json!(login));
    m.insert("password".into(), Value::Null);
    m.insert("mail_url".into(), json!(format!("{}://{}:{mail_port}", if mail_secure { "imaps" } else { "imap" }, url_host(&mail_server))));
    m.insert("transport_url".into(), json!(format!("smtp://{}:{transport_port}", url_host(&transport_server))));
    m.insert("name".into(), json!("E-Mail"));
    m.insert("primary_address".into(), json!(email));
    m.insert("spam_handler".into(), json!("NoSpamHandler"));
    for (short, full, name) in [
        ("trash", "trash_fullname", "Trash"),
        ("sent", "sent_fullname", "Sent"),
        ("drafts", "drafts_fullname", "Drafts"),
        ("spam", "spam_fullname", "Spam"),
    ] {
        m.insert(short.into(), json!(name));
        m.insert(full.into(), json!(name));
    }
    m.insert("confirmed_spam".into(), json!("confirmed-spam"));
    m.insert("confirmed_ham".into(), json!("confirmed-ham"));
    m.insert("confirmed_spam_fullname".into(), json!("confirmed-spam"));
    m.insert("confirmed_ham_fullname".into(), json!("confirmed-ham"));
    m.insert("mail_server".into(), json!(mail_server));
    m.insert("mail_port".into(), json!(mail_port));
    m.insert("mail_protocol".into(), json!("imap"));
    m.insert("mail_secure".into(), json!(mail_secure));
    m.insert("mail_starttls".into(), json!(false));
    m.insert("transport_server".into(), json!(transport_server));
    m.insert("transport_port".into(), json!(transport_port));
    m.insert("transport_protocol".into(), json!("smtp"));
    m.insert("transport_secure".into(), json!(false));
    m.insert("transport_starttls".into(), json!(transport_tls));
    m.insert("transport_auth".into(), json!("mail"));
    m.insert("transport_login".into(), Value::Null);
    m.insert("transport_password".into(), Value::Null);
    m.insert("unified_inbox_enabled".into(), json!(false));
    for f in ["pop3_refresh_rate", "pop3_expunge_on_quit", "pop3_delete_write_through", "pop3_storage", "pop3_path", "reply_to", "meta", "archive", "archive_fullname"] {
        m.insert(f.into(), Value::Null);
    }
    m.insert("personal".into(), json!(display_name));
    m.insert("addresses".into(), json!(email));
    m
}
