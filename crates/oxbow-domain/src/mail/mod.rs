//! Mail: the backend interface (`backend`), the account map (`service`) and the stores.

pub mod backend;
pub mod service;

pub use backend::{MailBackend, MailTransport};
pub use service::{MailAccount, MailAccounts, MailService};
pub mod builtin;
pub mod parse;
pub mod transport;
pub mod folders;
pub mod view;
pub mod compose;
pub mod lmtp;
pub mod share_reference;
