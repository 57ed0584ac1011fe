//! The one error type of oxbow. Every failure a client can see is an `OxError` carrying a
//! stable OX code (`SES-0203`, `CON-0125`, ...), its category and printf-style parameters.

use serde_json::{Map, Value, json};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

pub type OxResult<T> = Result<T, OxError>;

/// OX error categories with their legacy numbers (behaviour notes 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    UserInput,
    Configuration,
    PermissionDenied,
    TryAgain,
    ServiceDown,
    Connectivity,
    Error,
    Conflict,
    Capacity,
    Truncated,
    Warning,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::UserInput => "USER_INPUT",
            Category::Configuration => "CONFIGURATION",
            Category::PermissionDenied => "PERMISSION_DENIED",
            Category::TryAgain => "TRY_AGAIN",
            Category::ServiceDown => "SERVICE_DOWN",
            Category::Connectivity => "CONNECTIVITY",
            Category::Error => "ERROR",
            Category::Conflict => "CONFLICT",
            Category::Capacity => "CAPACITY",
            Category::Truncated => "TRUNCATED",
            Category::Warning => "WARNING",
        }
    }

    pub fn number(self) -> u32 {
        match self {
            Category::UserInput => 1,
            Category::Configuration => 2,
            Category::PermissionDenied => 3,
            Category::TryAgain => 4,
            Category::ServiceDown => 5,
            Category::Connectivity => 6,
            Category::Error => 8,
            Category::Conflict => 9,
            Category::Capacity => 11,
            Category::Truncated => 12,
            Category::Warning => 13,
        }
    }
}

/// A static error definition: code, category and message template (`%s` / `%1$s`).
/// All definitions live in [`crate::codes`].
#[derive(Debug, Clone, Copy)]
pub struct ErrorDef {
    pub code: &'static str,
    pub category: Category,
    pub message: &'static str,
}

impl ErrorDef {
    pub const fn new(code: &'static str, category: Category, message: &'static str) -> Self {
        ErrorDef { code, category, message }
    }

    /// An error of this kind with no parameters.
    pub fn err(&self) -> OxError {
        OxError::from_def(self, Vec::new())
    }

    /// An error of this kind with parameters substituted into the message.
    pub fn with<I, S>(&self, params: I) -> OxError
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        OxError::from_def(self, params.into_iter().map(|p| p.to_string()).collect())
    }
}

#[derive(Debug, Clone)]
pub struct OxError {
    pub code: &'static str,
    pub category: Category,
    pub message: &'static str,
    pub params: Vec<String>,
    /// Extra technical detail for `error_desc` (logged, never user data of other users).
    pub detail: Option<String>,
    /// Optional `problematic` / `truncated` attribute info.
    pub extra: Option<Map<String, Value>>,
    /// Set for the few cases where OX answers with an HTTP status instead of a 200 error body.
    pub http_status: Option<u16>,
}

impl OxError {
    pub fn from_def(def: &ErrorDef, params: Vec<String>) -> Self {
        OxError {
            code: def.code,
            category: def.category,
            message: def.message,
            params,
            detail: None,
            extra: None,
            http_status: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub fn extra(mut self, key: &str, value: Value) -> Self {
        self.extra.get_or_insert_with(Map::new).insert(key.to_string(), value);
        self
    }

    /// An unexpected internal failure. The cause is logged with the error id; the client
    /// gets a generic message.
    pub fn internal(cause: impl fmt::Display) -> Self {
        crate::codes::SVL_UNEXPECTED.err().detail(cause.to_string())
    }

    /// The message with `%s` / `%n$s` replaced by the parameters.
    pub fn display_message(&self) -> String {
        format_message(self.message, &self.params)
    }

    /// The response-envelope fields of this error (without `data`).
    pub fn to_envelope(&self) -> Map<String, Value> {
        let message = self.display_message();
        let error_id = next_error_id();
        let desc = match &self.detail {
            Some(d) => format!("{message} ({d})"),
            None => message.clone(),
        };
        if self.category == Category::Error {
            tracing::warn!(code = self.code, error_id = %error_id, "{desc}");
        } else {
            tracing::debug!(code = self.code, error_id = %error_id, "{desc}");
        }
        let mut m = Map::new();
        m.insert("error".into(), json!(message));
        m.insert("error_params".into(), json!(self.params));
        m.insert("categories".into(), json!(self.category.name()));
        m.insert("category".into(), json!(self.category.number()));
        m.insert("code".into(), json!(self.code));
        m.insert("error_id".into(), json!(error_id));
        m.insert("error_desc".into(), json!(desc));
        if let Some(extra) = &self.extra {
            for (k, v) in extra {
                m.insert(k.clone(), v.clone());
            }
        }
        m
    }
}

impl fmt::Display for OxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.display_message())?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

impl std::error::Error for OxError {}

impl From<sqlx::Error> for OxError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                crate::codes::DB_DOWN.err().detail(e.to_string())
            }
            _ => OxError::internal(e),
        }
    }
}

impl From<std::io::Error> for OxError {
    fn from(e: std::io::Error) -> Self {
        OxError::internal(e)
    }
}

/// Replace simplified printf specifiers (`%s`, `%n$s`) from left to right.
pub fn format_message(template: &str, params: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut next = 0usize;
    let bytes = template.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 1 < bytes.len() {
            if bytes[i + 1] == b's' {
                out.push_str(params.get(next).map(String::as_str).unwrap_or("%s"));
                next += 1;
                i += 2;
                continue;
            }
            // %n$s
            let mut j = i + 1;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 1 && j + 1 < bytes.len() && bytes[j] == b'$' && bytes[j + 1] == b's' {
                let n: usize = template[i + 1..j].parse().unwrap_or(0);
                if n >= 1 {
                    out.push_str(params.get(n - 1).map(String::as_str).unwrap_or(""));
                    next = n;
                    i = j + 2;
                    continue;
                }
            }
        }
        let ch = template[i..].chars().next().unwrap_or('%');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn next_error_id() -> String {
    static SERVER_ID: OnceLock<i32> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let server = *SERVER_ID.get_or_init(rand::random::<i32>);
    format!("{server}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_positional_and_sequential_params() {
        let p = vec!["a".to_string(), "b".to_string()];
        assert_eq!(format_message("x %s y %s", &p), "x a y b");
        assert_eq!(format_message("%2$s then %1$s", &p), "b then a");
        assert_eq!(format_message("100% sure", &p), "100% sure");
    }
}
