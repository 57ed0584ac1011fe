//! axum wiring: every `/ajax/*` and `/appsuite/api/*` request becomes an `ApiRequest` and
//! goes through `dispatch`. Query and form-encoded body parameters are merged; JSON and
//! multipart bodies stay unread until the handler asks for them.

use crate::dispatch;
use crate::request::{ApiRequest, RequestBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use http::Method;
use oxbow_domain::Core;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
}

impl std::ops::Deref for AppState {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

pub fn router(state: AppState) -> Router {
    let limit = state.core.config.max_upload_size.min(usize::MAX as u64) as usize;
    Router::new()
        .route("/ajax/{*path}", any(handle))
        .route("/appsuite/api/{*path}", any(handle))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(dispatch::panic_response))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn handle(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let module = path
        .strip_prefix("/ajax/")
        .or_else(|| path.strip_prefix("/appsuite/api/"))
        .unwrap_or("")
        // Old clients append `;jsessionid=...` to the path.
        .split(';')
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let module = percent_encoding::percent_decode_str(&module).decode_utf8_lossy().into_owned();

    let mut params: HashMap<String, String> = HashMap::new();
    let mut query_keys = Vec::new();
    if let Some(q) = parts.uri.query() {
        for (k, v) in form_pairs(q.as_bytes()) {
            query_keys.push(k.clone());
            params.entry(k).or_insert(v);
        }
    }
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let cookies = parse_cookies(&parts.headers);
    let config = &state.core.config;

    let mut api = ApiRequest {
        module,
        action: String::new(),
        method: parts.method.clone(),
        params,
        query_keys,
        headers: parts.headers.clone(),
        cookies,
        remote_ip: peer.ip(),
        body: RequestBody::Empty,
        session: None,
        upload: false,
        set_cookies: Vec::new(),
        max_body_size: config.max_body_size,
        max_upload_size: config.max_upload_size,
    };

    let has_body = parts.method != Method::GET && parts.method != Method::HEAD;
    if has_body {
        if parts.method == Method::POST && content_type.starts_with("application/x-www-form-urlencoded") {
            match crate::request::read_limited(body, config.max_body_size).await {
                Ok(bytes) => {
                    for (k, v) in form_pairs(&bytes) {
                        api.params.entry(k).or_insert(v);
                    }
                }
                Err(e) => return dispatch::render_error(&api, &e),
            }
        } else {
            api.body = RequestBody::Stream { body: std::sync::Mutex::new(body), content_type };
        }
    } else {
        drop(body);
    }
    api.action = api.params.get("action").cloned().unwrap_or_default();
    dispatch::dispatch_http(&state, api).await
}

pub fn form_pairs(input: &[u8]) -> Vec<(String, String)> {
    url_decode_pairs(input)
}

fn url_decode_pairs(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(raw: &[u8]) -> String {
    let plus_as_space: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
    percent_encoding::percent_decode(&plus_as_space).decode_utf8_lossy().into_owned()
}

fn parse_cookies(headers: &http::HeaderMap) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for value in headers.get_all(http::header::COOKIE) {
        if let Ok(s) = value.to_str() {
            for part in s.split(';') {
                if let Some((k, v)) = part.trim().split_once('=') {
                    out.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
        }
    }
    out
}

