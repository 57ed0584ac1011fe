//! One file per API module. Each exposes `pub async fn handle(state, req)` and matches
//! `req.action` itself; `dispatch.rs` maps module names to these files.

pub mod login;
pub mod multiple;
