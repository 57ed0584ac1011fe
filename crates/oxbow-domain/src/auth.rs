//! Passwords (argon2id hashes) and the throttle on repeated failed logins.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use oxbow_core::codes;
use oxbow_core::{OxError, OxResult};
use oxbow_store::{contexts, users, Db};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub fn hash_password(password: &str) -> OxResult<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(OxError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(OxError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Split `login@contextname` (or a plain login in the default context 1).
/// Resolves to the context id, or `None` for an unknown context.
pub async fn resolve_login(db: &Db, name: &str) -> OxResult<Option<(i64, String)>> {
    let name = name.trim();
    if let Some((login, ctx)) = name.rsplit_once('@') {
        if let Some(c) = contexts::by_name(db, ctx).await? {
            return Ok(Some((c.id, login.to_string())));
        }
    }
    // A login may itself contain '@' (e-mail style logins) in the default context.
    Ok(Some((1, name.to_string())))
}

/// Check credentials; returns the user. Unknown users and wrong passwords give the same error.
pub async fn authenticate(db: &Db, name: &str, password: &str) -> OxResult<users::User> {
    let Some((cid, login)) = resolve_login(db, name).await? else {
        return Err(codes::LGI_INVALID_CREDENTIALS.err());
    };
    let Some(user) = users::by_login(db, cid, &login).await? else {
        // Spend the same time as a real check so timing does not reveal valid logins.
        let _ = verify_password(password, DUMMY_HASH);
        return Err(codes::LGI_INVALID_CREDENTIALS.err());
    };
    if !verify_password(password, &user.password_hash) {
        return Err(codes::LGI_INVALID_CREDENTIALS.err());
    }
    if !user.active {
        return Err(codes::LGI_USER_INACTIVE.err());
    }
    match contexts::get(db, cid).await? {
        Some(c) if c.enabled => Ok(user),
        _ => Err(codes::SES_CONTEXT_LOCKED.err()),
    }
}

// argon2id hash of a random string, used to equalise timing for unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$N1ojLHnl7Pwc2S5uMC8FUVnlk6z6X+Q3PHXFAXgYa9Y";

/// Counts failed logins per remote address in a sliding window.
pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window_secs: i64) -> Self {
        LoginThrottle {
            max_failures,
            window: Duration::from_secs(window_secs.max(1) as u64),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Err when `key` has failed too often recently.
    pub fn check(&self, key: &str) -> OxResult<()> {
        if self.max_failures == 0 {
            return Ok(());
        }
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if let Some(list) = map.get_mut(key) {
            list.retain(|t| now.duration_since(*t) < self.window);
            if list.len() as u32 >= self.max_failures {
                return Err(codes::LGI_TOO_MANY_ATTEMPTS.err().http_status(429));
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            let now = Instant::now();
            map.retain(|_, l| l.iter().any(|t| now.duration_since(*t) < self.window));
        }
        map.entry(key.to_string()).or_default().push(Instant::now());
    }

    pub fn record_success(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}
