//! A small pool of logged-in IMAP connections per (context, user, account). A connection
//! goes back to the pool when its guard drops, unless it saw an I/O failure; idle ones are
//! checked with NOOP before reuse and closed after a while.

use super::conn::{ImapConnection, ImapTarget};
use oxbow_core::{codes, OxResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// (context, user, account id)
pub type PoolKey = (i64, i64, i64);

const IDLE_LIMIT: Duration = Duration::from_secs(120);
/// Idle connections younger than this are reused without a NOOP round trip.
const TRUSTED_IDLE: Duration = Duration::from_secs(5);

struct Slot {
    idle: Vec<(ImapConnection, Instant)>,
    permits: Arc<Semaphore>,
    /// Credentials fingerprint, so changed account settings never reuse old connections.
    target: String,
}

pub struct ImapPool {
    slots: Mutex<HashMap<PoolKey, Slot>>,
    per_account: usize,
}

pub struct PooledConnection {
    conn: Option<ImapConnection>,
    key: PoolKey,
    pool: Arc<ImapPool>,
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for PooledConnection {
    type Target = ImapConnection;
    fn deref(&self) -> &ImapConnection {
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl std::ops::DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut ImapConnection {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if !conn.broken {
                let mut slots = self.pool.slots.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(slot) = slots.get_mut(&self.key) {
                    slot.idle.push((conn, Instant::now()));
                }
            }
        }
    }
}

fn fingerprint(t: &ImapTarget) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(format!("{}\0{}\0{:?}\0{}\0{}", t.host, t.port, t.security, t.login, t.password));
    hex::encode(h.finalize())
}

impl ImapPool {
    pub fn new(per_account: usize) -> Arc<ImapPool> {
        Arc::new(ImapPool { slots: Mutex::new(HashMap::new()), per_account: per_account.max(1) })
    }

    /// A logged-in connection for `key`, waiting up to the target's timeout for a free one.
    pub async fn get(self: &Arc<Self>, key: PoolKey, target: &ImapTarget) -> OxResult<PooledConnection> {
        let fp = fingerprint(target);
        let permits = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let slot = slots.entry(key).or_insert_with(|| Slot {
                idle: Vec::new(),
                permits: Arc::new(Semaphore::new(self.per_account)),
                target: fp.clone(),
            });
            if slot.target != fp {
                slot.idle.clear();
                slot.target = fp.clone();
            }
            slot.permits.clone()
        };
        let permit = tokio::time::timeout(target.timeout, permits.acquire_owned())
            .await
            .map_err(|_| codes::IMAP_NO_FREE_CONNECTION.with([target.server()]))?
            .map_err(|_| codes::IMAP_NO_FREE_CONNECTION.with([target.server()]))?;
        loop {
            let candidate = {
                let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
                slots.get_mut(&key).and_then(|s| s.idle.pop())
            };
            let Some((mut conn, since)) = candidate else { break };
            if since.elapsed() > IDLE_LIMIT {
                tokio::spawn(conn.logout());
                continue;
            }
            if since.elapsed() > TRUSTED_IDLE && conn.noop().await.is_err() {
                continue;
            }
            return Ok(PooledConnection { conn: Some(conn), key, pool: self.clone(), _permit: permit });
        }
        let conn = ImapConnection::open(target).await?;
        Ok(PooledConnection { conn: Some(conn), key, pool: self.clone(), _permit: permit })
    }

    /// Close every idle connection of an account (after its settings changed or it was deleted).
    pub fn forget(&self, key: PoolKey) {
        let removed = self.slots.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
        if let Some(slot) = removed {
            for (conn, _) in slot.idle {
                tokio::spawn(conn.logout());
            }
        }
    }
}
