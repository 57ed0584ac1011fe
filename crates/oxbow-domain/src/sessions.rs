//! Sessions: stored in the database (so every node of a cluster shares them) with an
//! in-process cache in front. Every change of a session (removal, new secret, new IP,
//! new client) goes through this type, which invalidates the cache here and, on
//! PostgreSQL, on every other node through `NOTIFY oxbow_session_gone` (see
//! `listen_for_invalidations`). The cache's time-to-live (`session_cache_secs`) is a
//! safety net on PostgreSQL and the bound for changes made by other processes on SQLite.

use oxbow_core::config::Config;
use oxbow_core::time::now_ms;
use oxbow_core::OxResult;
use oxbow_store::sessions::{self, SessionRow};
use oxbow_store::{tokens, users, Db};
use std::sync::Arc;
use std::time::Duration;

/// An authenticated session as handlers see it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub secret: String,
    pub alt_id: String,
    pub cid: i64,
    pub user_id: i64,
    pub login: String,
    pub client: String,
    pub client_ip: String,
    pub user_agent: String,
    pub long_term: bool,
    pub created: i64,
    pub last_active: i64,
    /// The user's time zone (IANA name) and locale, for Time fields and texts.
    pub timezone: String,
    pub locale: String,
    /// Groups the user belongs to, for permission checks (group 0 is implicit).
    pub group_ids: Vec<i64>,
}

impl Session {
    pub fn tz(&self) -> chrono_tz::Tz {
        oxbow_core::time::parse_tz(&self.timezone).unwrap_or(chrono_tz::UTC)
    }
}

/// What a login needs to open a session.
pub struct NewSession {
    pub cid: i64,
    pub user_id: i64,
    pub login: String,
    pub client: String,
    pub client_ip: String,
    pub user_agent: String,
    pub auth_id: String,
    pub version: String,
    pub long_term: bool,
}

pub struct Sessions {
    db: Db,
    config: Arc<Config>,
    cache: moka::sync::Cache<String, Arc<Session>>,
}

/// Random 32-hex-digit identifier (a UUID without dashes), as OX uses for ids and secrets.
pub fn random_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Sessions {
    pub fn new(db: Db, config: Arc<Config>) -> Self {
        let cache_secs = match (config.session_cache_secs, db.kind()) {
            (secs, _) if secs > 0 => secs as u64,
            (_, oxbow_store::DbKind::Postgres) => 300,
            (_, oxbow_store::DbKind::Sqlite) => 2,
        };
        Sessions {
            db,
            config,
            cache: moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_live(Duration::from_secs(cache_secs))
                .build(),
        }
    }

    pub async fn create(&self, n: NewSession) -> OxResult<Arc<Session>> {
        let max = self.config.max_sessions_per_user;
        if max > 0 && sessions::count_for_user(&self.db, n.cid, n.user_id).await? >= max {
            return Err(oxbow_core::codes::SES_MAX_USER_SESSIONS.err());
        }
        let now = now_ms();
        let row = SessionRow {
            id: random_id(),
            secret: random_id(),
            alt_id: random_id(),
            cid: n.cid,
            user_id: n.user_id,
            login: n.login,
            client: n.client,
            client_ip: n.client_ip,
            user_agent: n.user_agent,
            auth_id: n.auth_id,
            version: n.version,
            long_term: n.long_term,
            created: now,
            last_active: now,
        };
        sessions::insert(&self.db, &row).await?;
        self.load(&row.id).await?.ok_or_else(|| oxbow_core::OxError::internal("session vanished"))
    }

    /// The live session with this id, or `None` when unknown or expired.
    pub async fn get(&self, id: &str) -> OxResult<Option<Arc<Session>>> {
        if let Some(s) = self.cache.get(id) {
            let now = now_ms();
            let idle = now - s.last_active;
            if idle > self.lifetime_ms(s.long_term) {
                self.remove(id).await?;
                return Ok(None);
            }
            if idle > self.touch_interval_ms(s.long_term) {
                // Sliding idle timeout: record the activity, rarely enough to keep most
                // requests free of writes.
                sessions::touch(&self.db, id, now).await?;
                let mut fresh = (*s).clone();
                fresh.last_active = now;
                let fresh = Arc::new(fresh);
                self.cache.insert(id.to_string(), fresh.clone());
                return Ok(Some(fresh));
            }
            return Ok(Some(s));
        }
        self.load(id).await
    }

    /// Idle lifetime of a session in milliseconds.
    fn lifetime_ms(&self, long_term: bool) -> i64 {
        if long_term {
            self.config.session_long_lifetime_secs
        } else {
            self.config.session_lifetime_secs
        }
        .saturating_mul(1000)
    }

    /// How stale the stored last-activity time may get: a minute, or a tenth of the
    /// lifetime for very short lifetimes.
    fn touch_interval_ms(&self, long_term: bool) -> i64 {
        (self.lifetime_ms(long_term) / 10).min(60_000)
    }

    async fn load(&self, id: &str) -> OxResult<Option<Arc<Session>>> {
        let Some(row) = sessions::get(&self.db, id).await? else {
            return Ok(None);
        };
        let now = now_ms();
        if now - row.last_active > self.lifetime_ms(row.long_term) {
            sessions::delete(&self.db, id).await?;
            return Ok(None);
        }
        let Some(user) = users::get(&self.db, row.cid, row.user_id).await? else {
            sessions::delete(&self.db, id).await?;
            return Ok(None);
        };
        if !user.active {
            return Ok(None);
        }
        // Sliding idle timeout; written rarely to keep requests read-only.
        let last_active = if now - row.last_active > self.touch_interval_ms(row.long_term) {
            sessions::touch(&self.db, id, now).await?;
            now
        } else {
            row.last_active
        };
        let group_ids = users::group_ids(&self.db, row.cid, row.user_id).await?;
        let s = Arc::new(Session {
            id: row.id,
            secret: row.secret,
            alt_id: row.alt_id,
            cid: row.cid,
            user_id: row.user_id,
            login: row.login,
            client: row.client,
            client_ip: row.client_ip,
            user_agent: row.user_agent,
            long_term: row.long_term,
            created: row.created,
            last_active,
            timezone: user.timezone,
            locale: user.locale,
            group_ids,
        });
        self.cache.insert(s.id.clone(), s.clone());
        Ok(Some(s))
    }

    pub async fn by_alt_id(&self, alt_id: &str) -> OxResult<Option<Arc<Session>>> {
        match sessions::by_alt_id(&self.db, alt_id).await? {
            Some(row) => self.get(&row.id).await,
            None => Ok(None),
        }
    }

    /// End a session everywhere.
    pub async fn remove(&self, id: &str) -> OxResult<()> {
        sessions::delete(&self.db, id).await?;
        tokens::delete_for_session(&self.db, id).await?;
        self.forget(id).await;
        Ok(())
    }

    /// End every other session of the session's user (after a password change).
    pub async fn remove_others(&self, keep: &Session) -> OxResult<u64> {
        let n = sessions::delete_for_user_except(&self.db, keep.cid, keep.user_id, &keep.id).await?;
        if n > 0 {
            self.forget_all().await;
        }
        Ok(n)
    }

    /// Give the session a new secret (the secret cookie must be re-sent).
    pub async fn renew_secret(&self, id: &str) -> OxResult<Option<Arc<Session>>> {
        sessions::set_secret(&self.db, id, &random_id()).await?;
        self.forget(id).await;
        self.get(id).await
    }

    /// Record a new client IP for the IP check (`changeip`).
    pub async fn set_client_ip(&self, id: &str, ip: &str) -> OxResult<()> {
        sessions::set_client_ip(&self.db, id, ip).await?;
        self.forget(id).await;
        Ok(())
    }

    /// Move a session to another client id (token flows hand a session to a browser whose
    /// `client` takes part in the cookie hash).
    pub async fn set_client(&self, id: &str, client: &str) -> OxResult<Option<Arc<Session>>> {
        sessions::set_client(&self.db, id, client).await?;
        self.forget(id).await;
        self.get(id).await
    }

    /// End all sessions of a user (password change by admin, user deleted, ...).
    pub async fn remove_for_user(&self, cid: i64, user_id: i64) -> OxResult<()> {
        sessions::delete_for_user(&self.db, cid, user_id).await?;
        self.cache.invalidate_all();
        self.notify("*").await;
        Ok(())
    }

    /// Drop cached state of a session after it changed in the database.
    pub async fn forget(&self, id: &str) {
        self.cache.invalidate(id);
        self.notify(id).await;
    }

    /// Forget every cached session (e.g. after a user's groups or time zone changed).
    pub async fn forget_all(&self) {
        self.cache.invalidate_all();
        self.notify("*").await;
    }

    async fn notify(&self, id: &str) {
        if let Db::Postgres(pool) = &self.db {
            if let Err(e) = sqlx::query("SELECT pg_notify('oxbow_session_gone', $1)")
                .bind(id.to_string())
                .execute(pool)
                .await
            {
                tracing::warn!("session invalidation notify failed: {e}");
            }
        }
    }

    /// On PostgreSQL, listen for invalidations from other nodes until the process ends.
    pub async fn listen_for_invalidations(self: &Sessions) -> OxResult<()> {
        let Db::Postgres(pool) = &self.db else { return Ok(()) };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen("oxbow_session_gone").await?;
        loop {
            match listener.recv().await {
                Ok(n) if n.payload() == "*" => self.cache.invalidate_all(),
                Ok(n) => self.cache.invalidate(n.payload()),
                Err(e) => {
                    tracing::warn!("session invalidation listener: {e}");
                    self.cache.invalidate_all();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Periodic clean-up of expired sessions, of expired one-time tokens and of token-login
    /// sessions whose server token was never redeemed.
    pub async fn expire_idle(&self) -> OxResult<u64> {
        let now = now_ms();
        for parked in tokens::expired_parked_sessions(&self.db, now).await? {
            sessions::delete(&self.db, &parked).await?;
            self.forget(&parked).await;
        }
        tokens::delete_expired(&self.db, now).await?;
        sessions::expire(
            &self.db,
            now - self.config.session_lifetime_secs * 1000,
            now - self.config.session_long_lifetime_secs * 1000,
        )
        .await
    }

    pub fn cached_count(&self) -> u64 {
        self.cache.entry_count()
    }
}
