//! `Core`: the shared state every request works with.

use crate::sessions::Sessions;
use oxbow_core::config::Config;
use oxbow_core::OxResult;
use oxbow_store::Db;
use std::sync::Arc;

pub struct Core {
    pub config: Arc<Config>,
    pub db: Db,
    pub sessions: Sessions,
    pub login_throttle: crate::auth::LoginThrottle,
    /// Folder trees outside the `folders` table (mail accounts); see `folder_provider`.
    pub folder_providers: Vec<Arc<dyn crate::folder_provider::FolderProvider>>,
    /// Where file, attachment and mail bytes live (`[blob] backend`).
    pub blobs: Arc<dyn oxbow_store::blob::BlobStore>,
    /// Mail accounts and their backends (account 0 = `[mail] backend`).
    pub mail: Arc<crate::mail::MailService>,
    /// The built-in mail store (also when the primary backend is IMAP: local delivery, LMTP).
    pub mail_store: Arc<crate::mail::builtin::BuiltinMailStore>,
}

impl Core {
    /// Connect to the configured database, migrate it and build the shared state.
    pub async fn open(config: Config) -> OxResult<Arc<Core>> {
        std::fs::create_dir_all(&config.data_dir)?;
        let db = Db::connect(&config.effective_database_url(), 16).await?;
        oxbow_store::schema::migrate(&db).await?;
        let blobs = oxbow_store::blob::from_config(&config)?;
        let core = Core::with_parts(config, db, blobs);
        // Expired temporary uploads and unreferenced blobs are swept every ten minutes.
        let weak = Arc::downgrade(&core);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                tick.tick().await;
                let Some(core) = weak.upgrade() else { break };
                if let Err(e) = crate::infostore::sweep(&core).await {
                    tracing::warn!("blob sweep: {e}");
                }
            }
        });
        Ok(core)
    }

    /// Shared state over `db`, with blobs in the local directory below `data_dir`.
    pub fn with_db(config: Config, db: Db) -> Arc<Core> {
        let blobs: Arc<dyn oxbow_store::blob::BlobStore> =
            Arc::new(oxbow_store::blob::LocalBlobStore::new(config.data_dir.join("blobs")));
        Core::with_parts(config, db, blobs)
    }

    pub fn with_parts(config: Config, db: Db, blobs: Arc<dyn oxbow_store::blob::BlobStore>) -> Arc<Core> {
        let config = Arc::new(config);
        let mail_store = Arc::new(crate::mail::builtin::BuiltinMailStore::new(db.clone(), blobs.clone(), config.clone()));
        let mail = Arc::new(crate::mail::service::primary_from_config(&config, &db, &mail_store));
        let folder_providers: Vec<Arc<dyn crate::folder_provider::FolderProvider>> = vec![Arc::new(crate::mail::folders::MailFolders {
            mail: mail.clone(),
            db: db.clone(),
            config: config.clone(),
        })];
        Arc::new(Core {
            sessions: Sessions::new(db.clone(), config.clone()),
            login_throttle: crate::auth::LoginThrottle::new(
                config.login_max_failures,
                config.login_throttle_window_secs,
            ),
            folder_providers,
            mail,
            mail_store,
            blobs,
            config,
            db,
        })
    }
}
