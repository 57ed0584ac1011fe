//! Wire-protocol error paths: broken, missing, oversized and mistyped input never gives a
//! panic or an HTTP 5xx, and always names the problem with an OX code.

mod common;

use common::*;
use serde_json::{json, Value};

async fn raw_put(c: &Client, module: &str, params: &[(&str, &str)], body: impl Into<reqwest::Body>) -> (u16, Value) {
    status_json(c.put_raw(module, params, body).await).await
}

#[tokio::test]
async fn multiple_body_errors() {
    let server = Server::start_with(&[("OXBOW_MAX_BODY_SIZE", "2000")]).await;
    let admin = server.admin_client().await;

    let (status, v) = raw_put(&admin, "multiple", &[], "[{\"module\": ").await;
    assert_eq!((status, code(&v)), (400, "SVL-0029"));
    let (status, v) = raw_put(&admin, "multiple", &[], "").await;
    assert_eq!((status, code(&v)), (400, "SVL-0023"));
    let (status, v) = raw_put(&admin, "multiple", &[], "{\"module\": \"token\"}").await;
    assert_eq!((status, code(&v)), (400, "SVL-0029"));
    let (status, v) = raw_put(&admin, "multiple", &[], vec![0xffu8, 0xfe, 0x00, 0x5b]).await;
    assert_eq!((status, code(&v)), (400, "SVL-0029"));
    // Over the configured body size.
    let big = json!([{"module": "token", "action": "acquireToken", "pad": "x".repeat(5000)}]).to_string();
    let (status, v) = raw_put(&admin, "multiple", &[], big).await;
    assert_eq!((status, code(&v)), (400, "SVL-0024"));
    let (status, v) = raw_put(&admin, "passwordchange", &[("action", "update")], format!("{{\"new_password\": \"{}\"}}", "p".repeat(5000))).await;
    assert_eq!((status, code(&v)), (200, "SVL-0024"));
    // An element without module fails the whole call.
    let (status, v) = raw_put(&admin, "multiple", &[], "[{\"action\": \"acquireToken\"}]").await;
    assert_eq!((status, code(&v)), (400, "SVL-0002"));
    let (status, v) = raw_put(&admin, "multiple", &[], "[{\"module\": 7}]").await;
    assert_eq!((status, code(&v)), (400, "SVL-0002"));
    // Wrong type of `continue`.
    let (status, v) = raw_put(&admin, "multiple", &[("continue", "sometimes")], "[]").await;
    assert_eq!((status, code(&v)), (200, "SVL-0010"));
    let (status, v) = raw_put(&admin, "multiple", &[("continue", "true")], "[]").await;
    assert_eq!((status, v), (200, json!([])));

    // No session → HTTP 400; unknown session → the session error.
    let anon = Client::new(&server.url);
    let (status, v) = raw_put(&anon, "multiple", &[], "[]").await;
    assert_eq!((status, code(&v)), (400, "SES-0201"));
    let (status, v) = raw_put(&anon, "multiple", &[("session", "ffffffffffffffffffffffffffffffff")], "[]").await;
    assert_eq!((status, code(&v)), (200, "SES-0203"));
}

#[tokio::test]
async fn multiple_elements_keep_order_and_fail_alone() {
    let server = Server::start_with(&[("OXBOW_IDENTITY_TOKEN_SECRET", "k")]).await;
    let admin = server.admin_client().await;
    let body = json!([
        {"module": "token", "action": "acquireToken"},
        {"module": "nosuchmodule", "action": "x"},
        "not an object",
        {"module": "jump", "action": "identityToken", "system": "a", "extra": {"nested": [1, 2]}},
        {"module": "token", "action": "nosuchaction"},
        {"module": "login", "action": "login", "name": "admin", "password": ADMIN_PASSWORD},
        {"module": "multiple", "data": []},
        {"module": "passwordchange", "action": "update", "data": "a string"},
        {"module": "jump", "action": "identityToken", "system": 42},
    ]);
    let v = admin.put("multiple", &[("continue", "false")], &body).await;
    let results = v.as_array().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(results.len(), 9);
    assert_eq!(data(&results[0])["token"].as_str().unwrap().len(), 32);
    assert!(results[0]["timestamp"].is_i64());
    assert_eq!(code(&results[1]), "SVL-0007");
    assert_eq!(code(&results[2]), "SVL-0020");
    assert!(data(&results[3])["token"].is_string());
    assert_eq!(code(&results[4]), "SVL-0021");
    assert_eq!(code(&results[5]), "SVL-0020", "no login inside multiple");
    assert_eq!(code(&results[6]), "SVL-0020", "no nested multiple");
    assert_eq!(code(&results[7]), "SVL-0029");
    assert!(data(&results[8])["token"].is_string(), "numbers become parameter strings");
}

#[tokio::test]
async fn login_module_input_errors() {
    let server = Server::start_with(&[("OXBOW_MAX_BODY_SIZE", "2000")]).await;
    let c = Client::new(&server.url);
    // An oversized form body.
    let big = "x".repeat(5000);
    let r = c.post_form_raw("login", &[("action", "login")], &[("name", "admin"), ("password", big.as_str())]).await;
    let (status, v) = status_json(r).await;
    assert!(status < 500, "HTTP {status}");
    assert_eq!(code(&v), "SVL-0024");
    // A JSON body where a form is expected is ignored: the parameters are missing.
    let (status, v) = raw_put(&c, "login", &[("action", "login")], "{\"name\": \"admin\"}").await;
    assert_eq!((status, code(&v)), (200, "SVL-0002"));
    // No action at all, unknown actions, odd characters.
    let v = c.get("login", &[]).await;
    assert_eq!(code(&v), "SVL-0021");
    let v = c.get("login", &[("action", "<script>\u{0}")]).await;
    assert_eq!(code(&v), "SVL-0021");
    let v = c.get("login", &[("action", "changeip")]).await;
    assert_eq!(code(&v), "SES-0201");
    let v = c.get("login", &[("action", "tokens"), ("clientToken", "a"), ("serverToken", &"z".repeat(1500))]).await;
    assert_eq!(code(&v), "SES-0210");
    let v = c.post_form("login", &[("action", "login")], &[("name", "admin"), ("password", ADMIN_PASSWORD), ("staySignedIn", "[]")]).await;
    assert_eq!(code(&v), "SVL-0010");
    assert_eq!(v["error_params"][0], "staySignedIn");
}

#[tokio::test]
async fn unknown_modules_and_garbage_requests() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    for module in ["nosuchmodule", "login/extra", "%00", "multiple/x", "..%2F..%2Fetc"] {
        let r = admin.http.get(format!("{}/ajax/{module}?action=get&session={}", server.url, admin.session)).send().await.unwrap();
        let (status, v) = status_json(r).await;
        assert_eq!(status, 200, "{module}");
        assert_eq!(code(&v), "SVL-0007", "{module}: {v}");
    }
    // The same without a session: the session error comes first.
    let r = reqwest::get(format!("{}/ajax/nosuchmodule?action=get", server.url)).await.unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!((status, code(&v)), (200, "SES-0201"));
    // Broken percent-encoding and duplicate parameters.
    let r = admin.http.get(format!("{}/ajax/token?action=acquireToken&session={}&session=x&%zz=%", server.url, admin.session)).send().await.unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200);
    assert!(data(&v)["token"].is_string());
    // A passwordchange with a JSON array, broken JSON and a huge body.
    let (status, v) = raw_put(&admin, "passwordchange", &[("action", "update")], "[1]").await;
    assert_eq!((status, code(&v)), (200, "SVL-0029"));
    let (status, v) = raw_put(&admin, "passwordchange", &[("action", "update")], "{\"old_password\":").await;
    assert_eq!((status, code(&v)), (200, "SVL-0029"));
    // The server is still fine.
    assert!(admin.ping().await.is_array());
}

/// Read `count` HTTP/1.1 responses (with Content-Length bodies) from a raw connection;
/// returns their heads (lower-cased) and bodies. Stops early at end of stream.
async fn read_responses(stream: &mut (impl tokio::io::AsyncRead + Unpin), count: usize) -> Vec<(String, String)> {
    use tokio::io::AsyncReadExt;
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while out.len() < count && std::time::Instant::now() < deadline {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
                buf.drain(..end + 4 + len);
                out.push((head, body));
                continue;
            }
        }
        let mut chunk = [0u8; 16 * 1024];
        match tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    out
}

#[tokio::test]
async fn early_answers_keep_the_connection_usable() {
    use tokio::io::AsyncWriteExt;
    let server = Server::start().await;
    let addr = server.url.trim_start_matches("http://").to_string();
    // Answered with a session error before the body is read.
    let body = vec![b'x'; 256 * 1024];
    let early = |host: &str| {
        let mut r = format!(
            "PUT /ajax/folders?action=update&id=1&session=ffffffffffffffffffffffffffffffff HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/javascript\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(&body);
        r
    };

    // Two early answers and a normal request pipelined on one keep-alive connection.
    let mut requests = early(&addr);
    requests.extend(early(&addr));
    requests.extend(format!("GET /ajax/login?action=nope HTTP/1.1\r\nHost: {addr}\r\n\r\n").into_bytes());
    let (mut reader, mut writer) = tokio::net::TcpStream::connect(&addr).await.unwrap().into_split();
    let sending = tokio::spawn(async move {
        let _ = writer.write_all(&requests).await;
        writer
    });
    let responses = read_responses(&mut reader, 3).await;
    drop(sending.await);
    assert_eq!(responses.len(), 3, "every request answered on the same connection: {responses:?}");
    assert!(responses[0].1.contains("SES-0203") && responses[1].1.contains("SES-0203"), "{responses:?}");
    assert!(responses[2].1.contains("SVL-0021"), "{responses:?}");
    assert!(!responses[0].0.contains("connection: close"), "{}", responses[0].0);

    // The same through an HTTP client that reuses its connection.
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    for _ in 0..6 {
        let r = client
            .put(format!("{}/ajax/folders?action=update&id=1&session=ffffffffffffffffffffffffffffffff", server.url))
            .header("content-type", "text/javascript")
            .body(body.clone())
            .send()
            .await
            .expect("early answer over a reused connection");
        let (status, v) = status_json(r).await;
        assert_eq!((status, code(&v)), (200, "SES-0203"));
    }

    // Uploads the handler reads to the end keep the connection open.
    let admin = server.admin_client().await;
    let home = admin.drive_home().await;
    let form = reqwest::multipart::Form::new()
        .text("json", json!({ "folder_id": home }).to_string())
        .part("file", reqwest::multipart::Part::bytes(body.clone()).file_name("keep.bin"));
    let r = admin.http.post(admin.url("infostore")).query(&[("action", "new"), ("session", admin.session.as_str())]).multipart(form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().get("connection").is_none(), "{:?}", r.headers());
    assert!(r.text().await.unwrap().contains("\"data\""));

    // A body too large to skip: the answer says the connection ends.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "PUT /ajax/folders?action=update&id=1&session=ffffffffffffffffffffffffffffffff HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/javascript\r\nContent-Length: {}\r\n\r\n",
        1u64 << 40
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let responses = read_responses(&mut stream, 1).await;
    assert_eq!(responses.len(), 1);
    assert!(responses[0].1.contains("SES-0203"));
    assert!(responses[0].0.contains("connection: close"), "{}", responses[0].0);
}
