//! The domain of oxbow: what a groupware server knows independent of HTTP. Handlers in
//! `oxbow-http` call into these services; the services use `oxbow-store` for persistence.

pub mod auth;
pub mod contacts;
pub mod core;
pub mod directory;
pub mod folder_contents;
pub mod folder_ops;
pub mod folder_provider;
pub mod folder_tree;
pub mod folders;
pub mod mail;
pub mod infostore;
pub mod mail_accounts;
pub mod imap;
pub mod provision;
pub mod sessions;
pub mod share_notifications;

pub use crate::core::Core;
