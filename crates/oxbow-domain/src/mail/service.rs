//! `MailService`: which backend and transport serve which mail account of a user.
//!
//! Account 0 is the primary account, served by the store chosen with `[mail] backend`
//! (`builtin` or `imap`). External accounts (ids 1, 2, ...) are resolved per user through
//! `MailAccounts`, which the account module registers with `set_external`.

use super::backend::{MailBackend, MailTransport};
use crate::sessions::Session;
use oxbow_core::OxResult;
use std::sync::{Arc, RwLock};

/// A mail account ready to use.
#[derive(Clone)]
pub struct MailAccount {
    pub id: i64,
    /// `account_name` as shown to the client ("E-Mail" for the primary account).
    pub name: String,
    /// Primary address of the account (default sender).
    pub address: String,
    pub backend: Arc<dyn MailBackend>,
    pub transport: Arc<dyn MailTransport>,
}

/// Resolves the external (non-primary) mail accounts of a user.
#[async_trait::async_trait]
pub trait MailAccounts: Send + Sync {
    /// The account with this id (>= 1) of the session's user; `None` when it does not exist.
    async fn account(&self, s: &Session, id: i64) -> OxResult<Option<MailAccount>>;
    /// Ids of all external accounts of the session's user.
    async fn account_ids(&self, s: &Session) -> OxResult<Vec<i64>>;
}

pub struct MailService {
    primary_backend: Arc<dyn MailBackend>,
    primary_transport: Arc<dyn MailTransport>,
    external: RwLock<Option<Arc<dyn MailAccounts>>>,
}

impl MailService {
    pub fn new(backend: Arc<dyn MailBackend>, transport: Arc<dyn MailTransport>) -> Self {
        MailService { primary_backend: backend, primary_transport: transport, external: RwLock::new(None) }
    }

    /// Register the resolver of external accounts.
    pub fn set_external(&self, accounts: Arc<dyn MailAccounts>) {
        *self.external.write().unwrap_or_else(|e| e.into_inner()) = Some(accounts);
    }

    fn external(&self) -> Option<Arc<dyn MailAccounts>> {
        self.external.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn primary_backend(&self) -> &Arc<dyn MailBackend> {
        &self.primary_backend
    }

    pub fn primary_transport(&self) -> &Arc<dyn MailTransport> {
        &self.primary_transport
    }

    /// The session's primary account.
    pub async fn primary(&self, s: &Session, address: String) -> MailAccount {
        let _ = s;
        MailAccount {
            id: 0,
            name: "E-Mail".into(),
            address,
            backend: self.primary_backend.clone(),
            transport: self.primary_transport.clone(),
        }
    }

    /// Account `id` of the session's user (`address` = the user's primary address, used
    /// for account 0); `None` when there is no such account.
    pub async fn account(&self, s: &Session, id: i64, address: String) -> OxResult<Option<MailAccount>> {
        if id == 0 {
            return Ok(Some(self.primary(s, address).await));
        }
        match self.external() {
            Some(ext) => ext.account(s, id).await,
            None => Ok(None),
        }
    }

    /// Ids of every account of the user, primary first.
    pub async fn account_ids(&self, s: &Session) -> OxResult<Vec<i64>> {
        let mut ids = vec![0];
        if let Some(ext) = self.external() {
            ids.extend(ext.account_ids(s).await?);
        }
        Ok(ids)
    }
}

/// The mail service for `[mail] backend`: the built-in store with local delivery and SMTP
/// relay (`builtin`, the default).
pub fn primary_from_config(
    config: &Arc<oxbow_core::config::Config>,
    db: &oxbow_store::Db,
    store: &Arc<super::builtin::BuiltinMailStore>,
) -> MailService {
    let transport = Arc::new(super::transport::BuiltinTransport::new(store.clone(), db.clone(), config.clone()));
    let service = match config.mail.backend.as_str() {
        "imap" => {
            let (backend, transport) = crate::mail_accounts::imap_primary(config, db);
            MailService::new(backend, transport)
        }
        _ => MailService::new(store.clone(), transport),
    };
    // External IMAP accounts (`account` module) are served for every primary backend.
    service.set_external(Arc::new(crate::mail_accounts::ExternalAccounts { config: config.clone(), db: db.clone() }));
    service
}
