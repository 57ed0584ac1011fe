mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn login_then_unknown_module_and_logout() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    assert_eq!(admin.session.len(), 32);

    let v = admin.get("nosuchmodule", &[("action", "x")]).await;
    assert_eq!(code(&v), "SVL-0007");

    let r = admin.get_raw("login", &[("action", "logout")]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().is_empty());

    let v = admin.put("multiple", &[], &json!([])).await;
    assert_eq!(code(&v), "SES-0203");
}

#[tokio::test]
async fn wrong_password_and_missing_secret() {
    let server = Server::start().await;
    let mut c = Client::new(&server.url);
    let v = c.login("admin", "wrong").await;
    assert_eq!(code(&v), "LGI-0006");

    let admin = server.admin_client().await;
    // Same session id, but a client without the secret cookie.
    let mut other = Client::new(&server.url);
    other.session = admin.session.clone();
    let v = other.put("multiple", &[], &json!([])).await;
    assert_eq!(code(&v), "SES-0206");
}
