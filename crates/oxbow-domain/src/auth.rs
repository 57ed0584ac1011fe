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

/// HMAC-SHA256 (RFC 2104) over `message` with `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    const BLOCK: usize = 64;
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block_key.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block_key.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// An identity token (`jump?action=identityToken`): tells another system, which shares
/// `secret`, who the user is. Format: `base64url(JSON claims) "." base64url(HMAC-SHA256)`
/// over the first part. Claims: `iss` ("oxbow"), `aud` (the target system), `cid`, `uid`,
/// `login`, `iat`/`exp` (seconds since the epoch) and `jti` (random, unique per token, so
/// that the receiver can refuse a second use).
pub fn identity_token(secret: &str, system: &str, cid: i64, user_id: i64, login: &str, now_secs: i64, lifetime_secs: i64) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = serde_json::json!({
        "iss": "oxbow",
        "aud": system,
        "cid": cid,
        "uid": user_id,
        "login": login,
        "iat": now_secs,
        "exp": now_secs + lifetime_secs,
        "jti": crate::sessions::random_id(),
    });
    let body = engine.encode(claims.to_string());
    let signature = engine.encode(hmac_sha256(secret.as_bytes(), body.as_bytes()));
    format!("{body}.{signature}")
}

/// Check an identity token's signature and expiry; returns its claims.
pub fn verify_identity_token(secret: &str, token: &str, now_secs: i64) -> Option<serde_json::Value> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (body, signature) = token.split_once('.')?;
    let expected = hmac_sha256(secret.as_bytes(), body.as_bytes());
    let given = engine.decode(signature).ok()?;
    // Constant-time comparison.
    if given.len() != expected.len() || given.iter().zip(expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
        return None;
    }
    let claims: serde_json::Value = serde_json::from_slice(&engine.decode(body).ok()?).ok()?;
    (claims.get("exp")?.as_i64()? >= now_secs).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn identity_token_round_trip() {
        let t = identity_token("k", "sys", 1, 3, "anna", 1000, 60);
        let claims = verify_identity_token("k", &t, 1030).expect("valid");
        assert_eq!(claims["uid"], 3);
        assert_eq!(claims["aud"], "sys");
        assert!(verify_identity_token("other", &t, 1030).is_none());
        assert!(verify_identity_token("k", &t, 2000).is_none());
    }
}
