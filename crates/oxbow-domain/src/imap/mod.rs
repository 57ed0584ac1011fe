//! The IMAP side of mail: connections to IMAP servers (the primary account's server when
//! `[mail] backend = "imap"`, and every external account's), pooled per user and account,
//! the `MailBackend` over them, and SMTP sending with lettre.

pub mod backend;
pub mod conn;
pub mod pool;
pub mod smtp;
pub mod utf7;

pub use backend::{ImapAccount, ImapBackend};
pub use conn::{ImapConnection, ImapTarget, Security};
pub use pool::{ImapPool, PooledConnection};
pub use smtp::{SmtpTarget, SmtpTransport};
