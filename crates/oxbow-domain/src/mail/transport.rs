//! The built-in transport: recipients who are users of this server get the message in
//! their INBOX directly; every other recipient is relayed through `[mail] smtp_host`.

use super::backend::{MailTransport, OutgoingMessage};
use super::builtin::BuiltinMailStore;
use crate::sessions::Session;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use oxbow_core::config::Config;
use oxbow_core::{codes, OxResult};
use oxbow_store::{fetch_optional, Db};
use std::sync::Arc;

pub struct BuiltinTransport {
    store: Arc<BuiltinMailStore>,
    db: Db,
    config: Arc<Config>,
}

/// A syntactically usable address: `local@domain`, no spaces or angle brackets.
pub fn valid_address(a: &str) -> bool {
    let Some((local, domain)) = a.rsplit_once('@') else { return false };
    !local.is_empty()
        && !domain.is_empty()
        && a.len() <= 320
        && !a.chars().any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]".contains(c))
}

/// The primary address of a user: the stored e-mail, or `<login>@<mail domain>`.
pub async fn user_address(db: &Db, config: &Config, cid: i64, user: i64) -> OxResult<String> {
    let u = oxbow_store::users::get(db, cid, user).await?;
    Ok(match u {
        Some(u) if !u.email.is_empty() => u.email,
        Some(u) => format!("{}@{}", u.login, config.mail.domain),
        None => format!("user{user}@{}", config.mail.domain),
    })
}

/// The user of context `cid` who owns `address`, if any.
pub async fn local_user(db: &Db, config: &Config, cid: Option<i64>, address: &str) -> OxResult<Option<(i64, i64)>> {
    #[derive(sqlx::FromRow)]
    struct Hit {
        cid: i64,
        id: i64,
    }
    let address = address.trim().to_string();
    let login = address
        .rsplit_once('@')
        .filter(|(_, d)| d.eq_ignore_ascii_case(&config.mail.domain))
        .map(|(l, _)| l.to_string())
        .unwrap_or_default();
    let hit = match cid {
        Some(cid) => fetch_optional!(
            db,
            Hit,
            "SELECT cid, id FROM users WHERE cid = $1 AND (LOWER(email) = LOWER($2) OR (email = '' AND LOWER(login) = LOWER($3))) ORDER BY id LIMIT 1",
            cid,
            address,
            login
        )?,
        None => fetch_optional!(
            db,
            Hit,
            "SELECT cid, id FROM users WHERE LOWER(email) = LOWER($1) OR (email = '' AND LOWER(login) = LOWER($2)) ORDER BY cid, id LIMIT 1",
            address,
            login
        )?,
    };
    Ok(hit.map(|h| (h.cid, h.id)))
}

impl BuiltinTransport {
    pub fn new(store: Arc<BuiltinMailStore>, db: Db, config: Arc<Config>) -> Self {
        BuiltinTransport { store, db, config }
    }

    async fn relay(&self, from: &str, recipients: &[String], raw: &[u8]) -> OxResult<()> {
        let host = &self.config.mail.smtp_host;
        if host.is_empty() {
            return Err(codes::MSG_SEND_FAILED.with([format!("no route to {}", recipients.join(", "))]));
        }
        let builder = if self.config.mail.smtp_tls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| codes::MSG_SEND_FAILED.with([e.to_string()]))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        };
        let transport = builder.port(self.config.mail.smtp_port).timeout(Some(std::time::Duration::from_secs(60))).build();
        let from = from.parse().map_err(|_| codes::MSG_INVALID_ADDRESS.with([from]))?;
        let to = recipients
            .iter()
            .map(|r| r.parse().map_err(|_| codes::MSG_INVALID_ADDRESS.with([r.as_str()])))
            .collect::<OxResult<Vec<lettre::Address>>>()?;
        let envelope = lettre::address::Envelope::new(Some(from), to).map_err(|e| codes::MSG_SEND_FAILED.with([e.to_string()]))?;
        transport.send_raw(&envelope, raw).await.map_err(|e| codes::MSG_SEND_FAILED.with([e.to_string()]))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl MailTransport for BuiltinTransport {
    async fn send(&self, s: &Session, message: &OutgoingMessage) -> OxResult<()> {
        if !valid_address(&message.from) {
            return Err(codes::MSG_INVALID_ADDRESS.with([message.from.as_str()]));
        }
        if message.recipients.is_empty() {
            return Err(codes::MSG_SEND_FAILED.with(["no recipients"]));
        }
        let mut local = Vec::new();
        let mut remote = Vec::new();
        for r in &message.recipients {
            if !valid_address(r) {
                return Err(codes::MSG_INVALID_ADDRESS.with([r.as_str()]));
            }
            match local_user(&self.db, &self.config, Some(s.cid), r).await? {
                Some(u) => {
                    if !local.contains(&u) {
                        local.push(u)
                    }
                }
                None => remote.push(r.clone()),
            }
        }
        if !remote.is_empty() {
            self.relay(&message.from, &remote, &message.raw).await?;
        }
        for (cid, user) in local {
            // A full mailbox of one recipient must not fail the whole send.
            if let Err(e) = self.store.deliver(cid, user, message.raw.clone()).await {
                tracing::warn!("local delivery to user {user} in context {cid} failed: {}", e.display_message());
            }
        }
        Ok(())
    }
}
