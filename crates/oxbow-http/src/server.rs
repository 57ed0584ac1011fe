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
use std::time::Duration;

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

/// Longest time spent reading the unread rest of a request body after the answer is ready.
const DRAIN_TIME: Duration = Duration::from_secs(5);

async fn handle(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let content_length = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let expects_continue = parts
        .headers
        .get(http::header::EXPECT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    // As in HTTP/1.1 framing: without a length or a transfer coding there is no body.
    let sends_body = content_length.is_some_and(|l| l > 0) || parts.headers.contains_key(http::header::TRANSFER_ENCODING);
    let drain_limit = state.core.config.max_body_size;
    let (body, slot) = BodySlot::share(body, sends_body);
    let mut resp = respond(state, peer, parts, body).await;
    slot.finish(&mut resp, content_length, expects_continue, drain_limit).await;
    resp
}

/// The request body, shared between the handler and the connection. Handlers may answer
/// before reading all of it (an error, a refused upload); the rest is then still on the
/// connection. It is read and dropped when it is small enough, so the connection stays
/// usable for the next request; otherwise the answer carries `Connection: close`, so the
/// client neither reuses the connection nor takes the missing bytes for a broken answer.
struct BodySlot(Arc<std::sync::Mutex<SlotState>>);

struct SlotState {
    stream: Option<axum::body::BodyDataStream>,
    finished: bool,
    read: u64,
}

impl BodySlot {
    fn share(body: axum::body::Body, sends_body: bool) -> (axum::body::Body, BodySlot) {
        let finished = !sends_body;
        let state = Arc::new(std::sync::Mutex::new(SlotState { stream: Some(body.into_data_stream()), finished, read: 0 }));
        let shared = state.clone();
        let reader = futures::stream::poll_fn(move |cx| {
            use futures::StreamExt;
            use std::task::Poll;
            let mut st = shared.lock().unwrap_or_else(|e| e.into_inner());
            let Some(stream) = st.stream.as_mut() else { return Poll::Ready(None) };
            match stream.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    st.read += chunk.len() as u64;
                    Poll::Ready(Some(Ok(chunk)))
                }
                Poll::Ready(None) => {
                    st.finished = true;
                    Poll::Ready(None)
                }
                other => other,
            }
        });
        (axum::body::Body::from_stream(reader), BodySlot(state))
    }

    /// Read what the handler left unread (at most `limit` bytes, for at most `DRAIN_TIME`),
    /// or mark the answer as the connection's last.
    async fn finish(&self, resp: &mut Response, content_length: Option<u64>, expects_continue: bool, limit: u64) {
        use futures::StreamExt;
        let (stream, finished, read) = {
            let mut st = self.0.lock().unwrap_or_else(|e| e.into_inner());
            (st.stream.take(), st.finished, st.read)
        };
        if finished {
            return;
        }
        let too_long = content_length.is_some_and(|len| len.saturating_sub(read) > limit);
        // A client waiting for "100 Continue" has sent nothing yet; asking for the body now
        // would only make it send what nobody reads.
        let waiting_client = expects_continue && read == 0;
        let drained = match stream {
            Some(mut stream) if !too_long && !waiting_client => {
                let drain = async {
                    let mut skipped: u64 = 0;
                    while let Some(chunk) = stream.next().await {
                        match chunk {
                            Ok(c) => {
                                skipped += c.len() as u64;
                                if skipped > limit {
                                    return false;
                                }
                            }
                            Err(_) => return false,
                        }
                    }
                    true
                };
                tokio::time::timeout(DRAIN_TIME, drain).await.unwrap_or(false)
            }
            _ => false,
        };
        if !drained {
            resp.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
        }
    }
}

async fn respond(state: AppState, peer: SocketAddr, parts: http::request::Parts, body: axum::body::Body) -> Response {
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

