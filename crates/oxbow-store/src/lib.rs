//! Storage backends of oxbow. `Db` runs the same SQL on SQLite (embedded default) and
//! PostgreSQL (scale-out); the repository modules below speak the domain's language on top
//! of it. Blob bytes live behind `blob::BlobStore` (local directory or S3).

pub mod blob;
pub mod contacts;
pub mod attachments;
pub mod contexts;
pub mod infostore;
pub mod db;
pub mod folders;
pub mod groups;
pub mod ids;
pub mod resources;
pub mod mail;
pub mod mail_accounts;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod users;

pub use db::{Db, DbKind, Executor, Tx};
