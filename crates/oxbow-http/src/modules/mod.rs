//! One file per API module. Each exposes `pub async fn handle(state, req)` and matches
//! `req.action` itself; `dispatch.rs` maps module names to these files.

pub mod contacts;
pub mod export;
pub mod halo;
pub mod image_contact;
pub mod import;
pub mod account;
pub mod autoconfig;
pub mod login;
pub mod folders;
pub mod multiple;
pub mod sync;
pub mod capabilities;
pub mod config;
pub mod group;
pub mod image_user_picture;
pub mod jslob;
pub mod quota;
pub mod rampup;
pub mod resource;
pub mod user;
pub mod user_me;
pub mod attachment;
pub mod file;
pub mod fileaccount;
pub mod fileservice;
pub mod image_file;
pub mod infostore;
pub mod image_mail;
pub mod mail;
pub mod jump;
pub mod passwordchange;
pub mod token;
