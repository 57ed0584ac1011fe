//! Sending through an SMTP server with lettre: the configured server for the primary account
//! in IMAP mode, or an external account's own transport.

use super::conn::Security;
use crate::mail::backend::{MailTransport, OutgoingMessage};
use crate::sessions::Session;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use oxbow_core::{codes, OxError, OxResult};
use std::time::Duration;

#[derive(Clone)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// `None` = no authentication.
    pub credentials: Option<(String, String)>,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} ({:?})", self.host, self.port, self.security)
    }
}

impl SmtpTarget {
    fn transport(&self) -> OxResult<AsyncSmtpTransport<Tokio1Executor>> {
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.clone())
            .port(self.port)
            .timeout(Some(self.timeout));
        let params = || {
            TlsParameters::new(self.host.clone()).map_err(|e| codes::ACC_INVALID_HOST_NAME.with([self.host.as_str()]).detail(e.to_string()))
        };
        b = match self.security {
            Security::Plain => b.tls(Tls::None),
            Security::StartTls => b.tls(Tls::Required(params()?)),
            Security::Tls => b.tls(Tls::Wrapper(params()?)),
        };
        if let Some((user, password)) = &self.credentials {
            b = b.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(b.build())
    }

    fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn login(&self) -> &str {
        self.credentials.as_ref().map(|c| c.0.as_str()).unwrap_or("")
    }

    fn map_error(&self, e: lettre::transport::smtp::Error, recipients: &str) -> OxError {
        let text = e.to_string();
        if e.is_permanent() && text.contains("535") || text.to_ascii_lowercase().contains("authentication") {
            return codes::IMAP_TRANSPORT_INVALID_CREDENTIALS.with([self.server(), text]);
        }
        if e.is_response() {
            return codes::IMAP_SEND_FAILED.with([recipients, text.as_str()]);
        }
        codes::IMAP_CONNECT_ERROR.with([self.server().as_str(), self.login()]).detail(text)
    }

    /// Connect, greet and authenticate (when credentials are set), then quit.
    pub async fn check(&self) -> OxResult<()> {
        let t = self.transport()?;
        match t.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(codes::IMAP_CONNECT_ERROR.with([self.server().as_str(), self.login()])),
            Err(e) => Err(self.map_error(e, "")),
        }
    }

    pub async fn send_raw(&self, from: &str, recipients: &[String], raw: &[u8]) -> OxResult<()> {
        let sender = from.parse().map_err(|_| codes::MSG_INVALID_ADDRESS.with([from]))?;
        let mut to = Vec::with_capacity(recipients.len());
        for r in recipients {
            to.push(r.parse().map_err(|_| codes::MSG_INVALID_ADDRESS.with([r.as_str()]))?);
        }
        let envelope = Envelope::new(Some(sender), to).map_err(|e| codes::MSG_INVALID_ADDRESS.with([e.to_string()]))?;
        let t = self.transport()?;
        t.send_raw(&envelope, raw).await.map_err(|e| self.map_error(e, &recipients.join(", ")))?;
        Ok(())
    }
}

/// `MailTransport` over one SMTP server.
pub struct SmtpTransport {
    pub target: SmtpTarget,
}

#[async_trait::async_trait]
impl MailTransport for SmtpTransport {
    async fn send(&self, _s: &Session, message: &OutgoingMessage) -> OxResult<()> {
        if message.recipients.is_empty() {
            return Err(codes::MSG_SEND_FAILED.with(["no recipients"]));
        }
        self.target.send_raw(&message.from, &message.recipients, &message.raw).await
    }
}
