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
