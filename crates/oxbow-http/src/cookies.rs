//! OX cookie names and attributes (behaviour notes 1.2-1.5).

use base64::Engine;
use md5::{Digest, Md5};

pub const SECRET_PREFIX: &str = "open-xchange-secret-";
pub const SESSION_PREFIX: &str = "open-xchange-session-";
pub const PUBLIC_SESSION_PREFIX: &str = "open-xchange-public-session-";

/// The cookie-name suffix: MD5 over User-Agent + client (or "default") + salt, Base64,
/// stripped to `[A-Za-z0-9_]`.
pub fn cookie_hash(user_agent: &str, client: Option<&str>, salt: &str) -> String {
    let mut h = Md5::new();
    h.update(user_agent.as_bytes());
    h.update(client.filter(|c| !c.is_empty()).unwrap_or("default").as_bytes());
    h.update(salt.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(h.finalize());
    b64.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// A `Set-Cookie` value. `max_age`: `Some(0)` deletes, `None` makes a browser-session cookie.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    s
}

pub fn delete_cookie(name: &str, secure: bool) -> String {
    set_cookie(name, "", Some(0), secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_documented_examples() {
        assert_eq!(cookie_hash("Mozilla/5.0 (X11; Linux x86_64)", Some("open-xchange-appsuite"), ""), "fg7SfwT5DxuqAoJAEuaZXQ");
        assert_eq!(
            cookie_hash("Mozilla/5.0 (X11; Linux x86_64)", Some("open-xchange-appsuite"), "replaceMe1234567890"),
            "Irxf2A5ByGh2IjLujYgBQ"
        );
    }
}
