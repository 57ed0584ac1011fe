//! The IMAP side of mail: connections to IMAP servers (the primary account's server when
//! `[mail] backend = "imap"`, and every external account's), pooled per user and account.

pub mod conn;
pub mod pool;
pub mod utf7;

pub use conn::{ImapConnection, ImapTarget, Security};
pub use pool::{ImapPool, PooledConnection};
