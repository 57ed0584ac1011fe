//! Server configuration: TOML file, overridden by `OXBOW_*` environment variables,
//! overridden by command-line flags (the binary does the layering).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: String,
    /// Directory for the SQLite database and local blobs.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; empty = SQLite file `oxbow.db` in `data_dir`.
    pub database_url: String,
    /// Idle lifetime of a normal session, in seconds (OX: sessionDefaultLifeTime, 1 hour).
    pub session_lifetime_secs: i64,
    /// Idle lifetime of a staySignedIn / long-term session, in seconds (OX: 1 week).
    pub session_long_lifetime_secs: i64,
    /// How long a node trusts its cached copy of a session without reading the database,
    /// in seconds; 0 = automatic. On PostgreSQL every change reaches every node's cache at
    /// once through notifications and this is only a safety net (automatic: 300). On
    /// SQLite another process (the admin command) cannot notify the server, so this bounds
    /// how long its changes take to apply (automatic: 2).
    pub session_cache_secs: i64,
    /// Maximum sessions per user (OX: maxSessionPerUser, 100; 0 = unlimited).
    pub max_sessions_per_user: i64,
    /// Salt mixed into the cookie-name hash.
    pub cookie_hash_salt: String,
    /// Mark cookies `Secure` (set when served behind HTTPS).
    pub cookie_secure: bool,
    /// Reject requests whose IP differs from the session's (SES-0205).
    pub ip_check: bool,
    /// Allow `login?action=store` / `autologin` (OX: com.openexchange.sessiond.autologin).
    pub autologin: bool,
    /// Maximum size of a non-upload request body, bytes.
    pub max_body_size: u64,
    /// Maximum size of an upload (multipart) request body, bytes.
    pub max_upload_size: u64,
    /// Failed logins allowed per remote address within `login_throttle_window_secs`.
    pub login_max_failures: u32,
    pub login_throttle_window_secs: i64,
    /// Shared secrets for `login?action=redeemToken`/token flows of trusted applications.
    pub token_secrets: Vec<String>,
    /// Validity of one-time redirect/login tokens, seconds.
    pub token_lifetime_secs: i64,
    /// Hand out a one-time `random` token at login for `login?action=redirect`/`redeem`
    /// (OX: com.openexchange.ajax.login.randomToken; off by default because the token
    /// alone grants the session).
    pub random_token: bool,
    /// Path of the web UI that form login and the token flows redirect to
    /// (OX: com.openexchange.UIWebPath).
    pub ui_web_path: String,
    /// Accept `login?action=formlogin` without an `authId` parameter
    /// (OX: com.openexchange.ajax.login.formLoginWithoutAuthId).
    pub form_login_without_auth_id: bool,
    /// Key for signing `jump?action=identityToken` tokens (HMAC-SHA256); the systems that
    /// accept the tokens share it. Empty = identity tokens are disabled.
    pub identity_token_secret: String,
    pub blob: BlobConfig,
    pub mail: MailConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlobConfig {
    /// `local` (directory below data_dir) or `s3`.
    pub backend: String,
    pub s3_endpoint: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_access_key: String,
    pub s3_secret_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `builtin` (mailboxes in the database) or `imap`.
    pub backend: String,
    /// Mail domain of users without an explicit address.
    pub domain: String,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_tls: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: bool,
    /// Address for the built-in store's LMTP listener; empty = off.
    pub lmtp_listen: String,
    pub sieve_host: String,
    pub sieve_port: u16,
    /// Built-in store quota per user in bytes (0 = unlimited).
    pub quota_bytes: i64,
    /// IMAP login name of a user's primary account: `%u` = oxbow login, `%e` = primary
    /// email address, `%l` = local part of the email address.
    pub imap_login: String,
    /// Master user of the IMAP server (Dovecot: `auth_master_user_separator`): when set,
    /// oxbow opens a user's primary account as `<login><separator><master user>` with the
    /// master password, so it never needs to keep the user's own password.
    pub imap_master_user: String,
    pub imap_master_password: String,
    pub imap_master_separator: String,
    /// Connections kept open per mail account (IMAP backend).
    pub imap_pool_size: usize,
    /// Seconds to wait for the IMAP/SMTP server to accept a connection.
    pub connect_timeout_secs: u64,
    /// Key (64 hex digits) that encrypts external mail accounts' passwords; empty = a random
    /// key created once in `data_dir/mail-accounts.key`.
    pub account_secret_key: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8008".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            session_lifetime_secs: 3600,
            session_long_lifetime_secs: 7 * 24 * 3600,
            session_cache_secs: 0,
            max_sessions_per_user: 100,
            cookie_hash_salt: String::new(),
            cookie_secure: false,
            ip_check: true,
            autologin: true,
            max_body_size: 10 * 1024 * 1024,
            max_upload_size: 10 * 1024 * 1024 * 1024,
            login_max_failures: 10,
            login_throttle_window_secs: 300,
            token_secrets: Vec::new(),
            token_lifetime_secs: 60,
            random_token: false,
            ui_web_path: "/appsuite/".into(),
            form_login_without_auth_id: false,
            identity_token_secret: String::new(),
            blob: BlobConfig::default(),
            mail: MailConfig::default(),
        }
    }
}

impl Default for BlobConfig {
    fn default() -> Self {
        BlobConfig {
            backend: "local".into(),
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key: String::new(),
            s3_secret_key: String::new(),
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            backend: "builtin".into(),
            domain: "oxbow.local".into(),
            imap_host: String::new(),
            imap_port: 143,
            imap_tls: false,
            smtp_host: String::new(),
            smtp_port: 25,
            smtp_tls: false,
            lmtp_listen: String::new(),
            sieve_host: String::new(),
            sieve_port: 4190,
            quota_bytes: 0,
            imap_login: "%u".into(),
            imap_master_user: String::new(),
            imap_master_password: String::new(),
            imap_master_separator: "*".into(),
            imap_pool_size: 4,
            connect_timeout_secs: 10,
            account_secret_key: String::new(),
        }
    }
}

impl Config {
    /// The database URL, defaulting to the SQLite file inside the data directory.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("oxbow.db").display())
        } else {
            self.database_url.clone()
        }
    }
}
