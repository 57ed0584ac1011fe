//! External mail accounts of users (`mail_accounts`). Passwords arrive here already sealed.

use crate::db::Executor;
use crate::{execute, fetch_all, fetch_optional};
use oxbow_core::OxResult;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailAccountRow {
    pub cid: i64,
    pub user_id: i64,
    pub id: i64,
    pub name: String,
    pub primary_address: String,
    pub login: String,
    pub password_sealed: String,
    pub mail_protocol: String,
    pub mail_server: String,
    pub mail_port: i64,
    pub mail_secure: bool,
    pub mail_starttls: bool,
    pub transport_server: String,
    pub transport_port: i64,
    pub transport_secure: bool,
    pub transport_starttls: bool,
    pub transport_auth: String,
    pub transport_login: String,
    pub transport_password_sealed: String,
    pub settings: String,
    pub last_modified: i64,
}

const COLS: &str = "cid, user_id, id, name, primary_address, login, password_sealed, mail_protocol, mail_server, mail_port, mail_secure, mail_starttls, transport_server, transport_port, transport_secure, transport_starttls, transport_auth, transport_login, transport_password_sealed, settings, last_modified";

pub async fn insert(mut ex: impl Executor, a: &MailAccountRow) -> OxResult<()> {
    execute!(
        ex,
        format!("INSERT INTO mail_accounts ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"),
        a.cid,
        a.user_id,
        a.id,
        a.name.clone(),
        a.primary_address.clone(),
        a.login.clone(),
        a.password_sealed.clone(),
        a.mail_protocol.clone(),
        a.mail_server.clone(),
        a.mail_port,
        a.mail_secure,
        a.mail_starttls,
        a.transport_server.clone(),
        a.transport_port,
        a.transport_secure,
        a.transport_starttls,
        a.transport_auth.clone(),
        a.transport_login.clone(),
        a.transport_password_sealed.clone(),
        a.settings.clone(),
        a.last_modified
    )?;
    Ok(())
}

/// Write back every field but the key.
pub async fn update(mut ex: impl Executor, a: &MailAccountRow) -> OxResult<bool> {
    let n = execute!(
        ex,
        "UPDATE mail_accounts SET name = $4, primary_address = $5, login = $6, password_sealed = $7, mail_protocol = $8, mail_server = $9, mail_port = $10, mail_secure = $11, mail_starttls = $12, transport_server = $13, transport_port = $14, transport_secure = $15, transport_starttls = $16, transport_auth = $17, transport_login = $18, transport_password_sealed = $19, settings = $20, last_modified = $21 WHERE cid = $1 AND user_id = $2 AND id = $3",
        a.cid,
        a.user_id,
        a.id,
        a.name.clone(),
        a.primary_address.clone(),
        a.login.clone(),
        a.password_sealed.clone(),
        a.mail_protocol.clone(),
        a.mail_server.clone(),
        a.mail_port,
        a.mail_secure,
        a.mail_starttls,
        a.transport_server.clone(),
        a.transport_port,
        a.transport_secure,
        a.transport_starttls,
        a.transport_auth.clone(),
        a.transport_login.clone(),
        a.transport_password_sealed.clone(),
        a.settings.clone(),
        a.last_modified
    )?;
    Ok(n > 0)
}

pub async fn get(mut ex: impl Executor, cid: i64, user_id: i64, id: i64) -> OxResult<Option<MailAccountRow>> {
    Ok(fetch_optional!(
        ex,
        MailAccountRow,
        format!("SELECT {COLS} FROM mail_accounts WHERE cid = $1 AND user_id = $2 AND id = $3"),
        cid,
        user_id,
        id
    )?)
}

pub async fn list(mut ex: impl Executor, cid: i64, user_id: i64) -> OxResult<Vec<MailAccountRow>> {
    Ok(fetch_all!(
        ex,
        MailAccountRow,
        format!("SELECT {COLS} FROM mail_accounts WHERE cid = $1 AND user_id = $2 ORDER BY id"),
        cid,
        user_id
    )?)
}

pub async fn ids(mut ex: impl Executor, cid: i64, user_id: i64) -> OxResult<Vec<i64>> {
    Ok(crate::fetch_scalars!(ex, i64, "SELECT id FROM mail_accounts WHERE cid = $1 AND user_id = $2 ORDER BY id", cid, user_id)?)
}

pub async fn delete(mut ex: impl Executor, cid: i64, user_id: i64, id: i64) -> OxResult<bool> {
    Ok(execute!(ex, "DELETE FROM mail_accounts WHERE cid = $1 AND user_id = $2 AND id = $3", cid, user_id, id)? > 0)
}
