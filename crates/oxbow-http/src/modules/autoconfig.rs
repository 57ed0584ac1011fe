//! autoconfig module: suggest the mail server settings for an address (reference:
//! /autoconfig?action=get). Known providers come from a local table; for other domains the
//! usual host names (`imap.`, `mail.`, `smtp.` + domain) are probed with short timeouts.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use serde_json::{json, Map, Value};
use std::time::Duration;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "get" => get(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "autoconfig"])),
    }
}

/// A provider's servers: (imap host, port, implicit TLS), (smtp host, port, implicit TLS).
struct Provider {
    domains: &'static [&'static str],
    imap: (&'static str, u16, bool),
    smtp: (&'static str, u16, bool),
    /// Whether the login is the whole address (else the local part).
    login_is_address: bool,
}

const PROVIDERS: &[Provider] = &[
    Provider { domains: &["gmail.com", "googlemail.com"], imap: ("imap.gmail.com", 993, true), smtp: ("smtp.gmail.com", 465, true), login_is_address: true },
    Provider {
        domains: &["outlook.com", "hotmail.com", "live.com", "msn.com", "outlook.de", "hotmail.de"],
        imap: ("outlook.office365.com", 993, true),
        smtp: ("smtp.office365.com", 587, false),
        login_is_address: true,
    },
    Provider { domains: &["yahoo.com", "yahoo.de", "ymail.com"], imap: ("imap.mail.yahoo.com", 993, true), smtp: ("smtp.mail.yahoo.com", 465, true), login_is_address: true },
    Provider { domains: &["icloud.com", "me.com", "mac.com"], imap: ("imap.mail.me.com", 993, true), smtp: ("smtp.mail.me.com", 587, false), login_is_address: false },
    Provider { domains: &["aol.com"], imap: ("imap.aol.com", 993, true), smtp: ("smtp.aol.com", 465, true), login_is_address: true },
    Provider { domains: &["gmx.de", "gmx.net", "gmx.at", "gmx.ch"], imap: ("imap.gmx.net", 993, true), smtp: ("mail.gmx.net", 465, true), login_is_address: true },
    Provider { domains: &["gmx.com"], imap: ("imap.gmx.com", 993, true), smtp: ("mail.gmx.com", 465, true), login_is_address: true },
    Provider { domains: &["web.de"], imap: ("imap.web.de", 993, true), smtp: ("smtp.web.de", 587, false), login_is_address: true },
    Provider { domains: &["t-online.de"], imap: ("secureimap.t-online.de", 993, true), smtp: ("securesmtp.t-online.de", 465, true), login_is_address: true },
    Provider { domains: &["posteo.de", "posteo.net"], imap: ("posteo.de", 993, true), smtp: ("posteo.de", 465, true), login_is_address: true },
    Provider { domains: &["mailbox.org"], imap: ("imap.mailbox.org", 993, true), smtp: ("smtp.mailbox.org", 465, true), login_is_address: true },
    Provider { domains: &["fastmail.com", "fastmail.fm"], imap: ("imap.fastmail.com", 993, true), smtp: ("smtp.fastmail.com", 465, true), login_is_address: true },
    Provider { domains: &["zoho.com"], imap: ("imap.zoho.com", 993, true), smtp: ("smtp.zoho.com", 465, true), login_is_address: true },
    Provider { domains: &["yandex.com", "yandex.ru"], imap: ("imap.yandex.com", 993, true), smtp: ("smtp.yandex.com", 465, true), login_is_address: true },
    Provider { domains: &["mail.ru"], imap: ("imap.mail.ru", 993, true), smtp: ("smtp.mail.ru", 465, true), login_is_address: true },
];

const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

fn answer(email: &str, login: &str, imap: (&str, u16, bool, bool), smtp: Option<(&str, u16, bool, bool)>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("login".into(), json!(login));
    m.insert("primary_address".into(), json!(email));
    m.insert("mail_server".into(), json!(imap.0));
    m.insert("mail_port".into(), json!(imap.1));
    m.insert("mail_protocol".into(), json!("imap"));
    m.insert("mail_secure".into(), json!(imap.2));
    m.insert("mail_starttls".into(), json!(imap.3));
    if let Some((host, port, secure, starttls)) = smtp {
        m.insert("transport_server".into(), json!(host));
        m.insert("transport_port".into(), json!(port));
        m.insert("transport_protocol".into(), json!("smtp"));
        m.insert("transport_secure".into(), json!(secure));
        m.insert("transport_starttls".into(), json!(starttls));
        m.insert("transport_auth".into(), json!("mail"));
    }
    m
}

/// Names under `.invalid` never resolve (RFC 6761) and `*.localhost` is loopback, so
/// neither needs a DNS query.
async fn reachable(host: &str, port: u16) -> bool {
    if host.ends_with(".invalid") || host == "invalid" {
        return false;
    }
    let host = if host.ends_with(".localhost") { "127.0.0.1" } else { host };
    matches!(tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect((host, port))).await, Ok(Ok(_)))
}

/// The first (host, port) of the candidates that accepts a TCP connection, probed together.
async fn first_reachable(candidates: Vec<(String, u16, bool, bool)>) -> Option<(String, u16, bool, bool)> {
    let probes = candidates.iter().map(|(h, p, _, _)| reachable(h, *p));
    let results = futures::future::join_all(probes).await;
    candidates.into_iter().zip(results).find(|(_, ok)| *ok).map(|(c, _)| c)
}

async fn get(_state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let email = req.require("email")?.trim().to_string();
    // The password is part of the contract; probing only checks that servers answer.
    let _password = req.require("password")?;
    let force_secure = req.param_bool("force_secure")?.unwrap_or(true);
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(codes::SVL_INVALID_PARAM_VALUE.with(["email", email.as_str()]));
    };
    let domain = domain.to_ascii_lowercase();
    let domain_ok = !local.is_empty()
        && !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !domain_ok {
        return Err(codes::SVL_INVALID_PARAM_VALUE.with(["email", email.as_str()]));
    }
    if let Some(p) = PROVIDERS.iter().find(|p| p.domains.contains(&domain.as_str())) {
        let login = if p.login_is_address { email.clone() } else { local.to_string() };
        let smtp_starttls = !p.smtp.2;
        let data = answer(&email, &login, (p.imap.0, p.imap.1, p.imap.2, !p.imap.2), Some((p.smtp.0, p.smtp.1, p.smtp.2, smtp_starttls)));
        return Ok(ApiResponse::data(Value::Object(data)));
    }
    // Guess: implicit TLS first, then STARTTLS (and plain only when not forced secure).
    let mut imap_candidates = Vec::new();
    for host in [format!("imap.{domain}"), format!("mail.{domain}"), domain.clone()] {
        imap_candidates.push((host.clone(), 993, true, false));
        imap_candidates.push((host, 143, false, true));
    }
    let mut smtp_candidates = Vec::new();
    for host in [format!("smtp.{domain}"), format!("mail.{domain}"), domain.clone()] {
        smtp_candidates.push((host.clone(), 465, true, false));
        smtp_candidates.push((host.clone(), 587, false, true));
        if !force_secure {
            smtp_candidates.push((host, 25, false, false));
        }
    }
    let (imap, smtp) = tokio::join!(first_reachable(imap_candidates), first_reachable(smtp_candidates));
    let Some(imap) = imap else {
        return Ok(ApiResponse::data(json!({})));
    };
    let data = answer(
        &email,
        &email,
        (imap.0.as_str(), imap.1, imap.2, imap.3),
        smtp.as_ref().map(|s| (s.0.as_str(), s.1, s.2, s.3)),
    );
    Ok(ApiResponse::data(Value::Object(data)))
}
