mod common;

use common::*;
use serde_json::json;
use std::time::Duration;

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

/// A fresh user and a logged-in client with explicit login parameters.
async fn login_with(server: &Server, ua: &str, form: &[(&str, &str)]) -> (Client, reqwest::Response) {
    let c = Client::without_redirects(&server.url, ua);
    let r = c.post_form_raw("login", &[("action", "login")], form).await;
    (c, r)
}

fn fragment_param(location: &str, name: &str) -> Option<String> {
    let fragment = location.split_once('#')?.1;
    fragment.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
}

#[tokio::test]
async fn login_parameters_locale_stay_signed_in_and_multiple() {
    let server = Server::start().await;
    server.user("anna").await;
    let multiple = json!([{"module": "token", "action": "acquireToken"}, {"module": "nosuch", "action": "x"}]).to_string();
    let (mut c, r) = login_with(
        &server,
        "browser/1",
        &[
            ("name", "anna"),
            ("password", PASSWORD),
            ("client", "open-xchange-appsuite"),
            ("version", "7.8.4"),
            ("authId", "abc-123"),
            ("language", "de_DE"),
            ("storeLanguage", "true"),
            ("staySignedIn", "true"),
            ("multiple", &multiple),
        ],
    )
    .await;
    let cookies = set_cookies(&r);
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200);
    assert_eq!(v["user"], "anna");
    assert_eq!(v["context_id"], 1);
    assert_eq!(v["locale"], "de_DE");
    assert!(v.get("random").is_none(), "random token only when configured: {v}");
    let results = v["multiple"].as_array().expect("multiple results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["data"]["token"].as_str().unwrap().len(), 32);
    assert_eq!(code(&results[1]), "SVL-0007");
    // staySignedIn: persistent secret cookie and the session cookie.
    assert!(cookies.iter().any(|c| c.starts_with("open-xchange-secret-") && c.contains("Max-Age=")), "{cookies:?}");
    assert!(cookies.iter().any(|c| c.starts_with("open-xchange-session-")), "{cookies:?}");
    assert!(cookies.iter().any(|c| c.starts_with("open-xchange-public-session-")), "{cookies:?}");
    c.session = v["session"].as_str().unwrap().to_string();
    assert!(c.ping().await.is_array());

    // The language was stored: a plain login now answers with it.
    let plain = Client::new(&server.url).login("anna", PASSWORD).await;
    assert_eq!(plain["locale"], "de_DE");
    // Without staySignedIn the cookies are browser-session cookies and there is no session cookie.
    let (_, r) = login_with(&server, "browser/1", &[("name", "anna"), ("password", PASSWORD)]).await;
    let cookies = set_cookies(&r);
    assert!(!cookies.iter().any(|c| c.starts_with("open-xchange-session-")), "{cookies:?}");
    assert!(!cookies.iter().any(|c| c.contains("Max-Age")), "{cookies:?}");
}

#[tokio::test]
async fn login_input_errors() {
    let server = Server::start().await;
    let c = Client::new(&server.url);
    let v = c.post_form("login", &[("action", "login"), ("password", "x")], &[("name", "admin")]).await;
    assert_eq!(code(&v), "SVL-0030");
    let v = c.post_form("login", &[("action", "login")], &[("password", "x")]).await;
    assert_eq!(code(&v), "SVL-0002");
    assert_eq!(v["error_params"][0], "name");
    let v = c.post_form("login", &[("action", "login")], &[("name", "admin")]).await;
    assert_eq!(v["error_params"][0], "password");
    for (k, bad) in [("staySignedIn", "perhaps"), ("clientIP", "not-an-ip"), ("language", "xx_yy_zz<script>")] {
        let v = c.post_form("login", &[("action", "login")], &[("name", "admin"), ("password", ADMIN_PASSWORD), (k, bad)]).await;
        assert_eq!(code(&v), "SVL-0010", "{k}: {v}");
    }
    let v = c.post_form("login", &[("action", "login")], &[("name", "admin"), ("password", ADMIN_PASSWORD), ("multiple", "[{")]).await;
    assert_eq!(code(&v), "SVL-0029");
    let v = c.post_form("login", &[("action", "login")], &[("name", "admin"), ("password", ADMIN_PASSWORD), ("multiple", "[{\"action\":\"x\"}]")]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = c.post_form("login", &[("action", "login")], &[("name", "nobody"), ("password", "x")]).await;
    assert_eq!(code(&v), "LGI-0006");
    let v = c.get("login", &[("action", "nosuchaction")]).await;
    assert_eq!(code(&v), "SVL-0021");
}

#[tokio::test]
async fn session_checks_and_logout_statuses() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    // No session parameter.
    let mut anon = Client::new(&server.url);
    let v = anon.get("token", &[("action", "acquireToken")]).await;
    assert_eq!(code(&v), "SES-0201");
    // Unknown session.
    anon.session = "0123456789abcdef0123456789abcdef".into();
    let v = anon.get("token", &[("action", "acquireToken")]).await;
    assert_eq!(code(&v), "SES-0203");
    // Right session, other browser (User-Agent) → the secret cookie is not found.
    let mut other_browser = admin.on_node(&server.url);
    other_browser.http = reqwest::Client::builder().cookie_store(true).user_agent("other/2").build().unwrap();
    let v = other_browser.ping().await;
    assert_eq!(code(&v), "SES-0206");
    // A forged secret cookie.
    let r = reqwest::Client::new()
        .put(admin.url("multiple"))
        .query(&[("session", admin.session.as_str())])
        .header("user-agent", USER_AGENT)
        .header("cookie", "open-xchange-secret-abc=forged")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(code(&parse_json(r).await), "SES-0206");

    // logout: no session → 400, unknown → 403, wrong secret → 403, then success.
    let r = Client::new(&server.url).get_raw("login", &[("action", "logout")]).await;
    assert_eq!(r.status().as_u16(), 400);
    let r = anon.get_raw("login", &[("action", "logout")]).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = other_browser.get_raw("login", &[("action", "logout")]).await;
    assert_eq!(r.status().as_u16(), 403);
    assert!(admin.ping().await.is_array(), "a failed logout must not end the session");
    let r = admin.get_raw("login", &[("action", "logout")]).await;
    assert_eq!(r.status().as_u16(), 200);
    let cookies = set_cookies(&r);
    assert_eq!(cookies.iter().filter(|c| c.contains("Max-Age=0")).count(), 3, "{cookies:?}");
    assert_eq!(code(&admin.ping().await), "SES-0203");
}

#[tokio::test]
async fn expired_sessions_and_tokens() {
    let server = Server::start_with(&[("OXBOW_SESSION_LIFETIME_SECS", "1"), ("OXBOW_TOKEN_LIFETIME_SECS", "1")]).await;
    let admin = server.admin_client().await;
    assert!(admin.ping().await.is_array());
    // Activity keeps the session alive (sliding idle timeout).
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(admin.ping().await.is_array());
    }
    let v = admin.get("token", &[("action", "acquireToken")]).await;
    assert!(data(&v)["token"].is_string());
    // A parked token-login session whose server token is not redeemed in time.
    let native = Client::without_redirects(&server.url, "native/1");
    let r = native
        .post_form_raw(
            "login",
            &[("action", "tokenLogin")],
            &[("login", "admin"), ("password", ADMIN_PASSWORD), ("clientToken", "ct-1"), ("jsonResponse", "true")],
        )
        .await;
    let (_, v) = status_json(r).await;
    let server_token = v["serverToken"].as_str().expect("serverToken").to_string();
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(code(&admin.ping().await), "SES-0203");
    let v = Client::new(&server.url)
        .post_form("login", &[("action", "tokens")], &[("clientToken", "ct-1"), ("serverToken", &server_token)])
        .await;
    assert_eq!(code(&v), "SES-0210");
}

#[tokio::test]
async fn ip_check_and_changeip() {
    let server = Server::start().await;
    let mut c = Client::new(&server.url);
    let r = c.post_form_raw("login", &[("action", "login")], &[("name", "admin"), ("password", ADMIN_PASSWORD), ("clientIP", "10.9.8.7")]).await;
    let (_, v) = status_json(r).await;
    c.session = v["session"].as_str().unwrap().to_string();
    let v = c.ping().await;
    assert_eq!(code(&v), "SES-0205");
    // The session was removed.
    assert_eq!(code(&c.ping().await), "SES-0203");

    let admin = server.admin_client().await;
    let v = admin.post_form("login", &[("action", "changeip")], &[]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = admin.post_form("login", &[("action", "changeip")], &[("clientIP", "999.1.1.1")]).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = admin.post_form("login", &[("action", "changeip")], &[("clientIP", "127.0.0.1")]).await;
    assert_eq!(data(&v), "1");
    assert!(admin.ping().await.is_array());
    let v = admin.post_form("login", &[("action", "changeip")], &[("clientIP", "10.1.1.1")]).await;
    assert_eq!(data(&v), "1");
    assert_eq!(code(&admin.ping().await), "SES-0205");
}

#[tokio::test]
async fn throttling_and_session_limit() {
    let server = Server::start_with(&[("OXBOW_LOGIN_MAX_FAILURES", "3"), ("OXBOW_MAX_SESSIONS_PER_USER", "2")]).await;
    server.user("bert").await; // session 1 of bert
    let mut c = Client::new(&server.url);
    assert!(c.login("bert", PASSWORD).await.get("session").is_some()); // session 2
    let v = c.login("bert", PASSWORD).await;
    assert_eq!(code(&v), "SES-0007");
    for _ in 0..3 {
        assert_eq!(code(&c.login("bert", "wrong").await), "LGI-0006");
    }
    // Now even the right password is refused with HTTP 429.
    let r = c
        .http
        .post(c.url("login"))
        .query(&[("action", "login")])
        .form(&[("name", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 429);
    assert_eq!(code(&v), "LGI-0026");
}

#[tokio::test]
async fn store_autologin_and_refresh_secret() {
    let server = Server::start().await;
    let ua = "browser/store";
    let (mut c, r) = login_with(&server, ua, &[("name", "admin"), ("password", ADMIN_PASSWORD), ("client", "open-xchange-appsuite")]).await;
    let (_, v) = status_json(r).await;
    c.session = v["session"].as_str().unwrap().to_string();
    // Without the session cookie autologin fails and expires the cookies.
    let r = c.get_raw("login", &[("action", "autologin"), ("client", "open-xchange-appsuite"), ("session", "")]).await;
    assert!(set_cookies(&r).iter().any(|s| s.contains("Max-Age=0")));
    assert_eq!(code(&parse_json(r).await), "SVL-0003");
    // autologin expired the secret cookie too: log in again, then store.
    let r = c.post_form_raw("login", &[("action", "login"), ("session", "")], &[("name", "admin"), ("password", ADMIN_PASSWORD), ("client", "open-xchange-appsuite")]).await;
    let (_, v) = status_json(r).await;
    c.session = v["session"].as_str().unwrap().to_string();
    let r = c.get_raw("login", &[("action", "store")]).await;
    assert!(set_cookies(&r).iter().any(|s| s.starts_with("open-xchange-session-") && s.contains("Max-Age=")));
    assert_eq!(data(&parse_json(r).await), "1");
    let v = c.get("login", &[("action", "autologin"), ("client", "open-xchange-appsuite"), ("session", "")]).await;
    assert_eq!(v["session"], c.session.as_str());
    assert_eq!(v["user"], "admin");
    assert!(v.get("rampup").is_none() && v.get("modules").is_none());
    // autologin carries modules and the rampup like login.
    let v = c
        .get("login", &[("action", "autologin"), ("client", "open-xchange-appsuite"), ("session", ""), ("rampup", "true"), ("modules", "true")])
        .await;
    assert_eq!(v["session"], c.session.as_str());
    assert_eq!(v["rampup"]["user"]["id"], v["user_id"], "{v}");
    assert_eq!(v["modules"]["contacts"]["module"], true, "{v}");
    // Another client id gives another cookie hash: no session found.
    let v = c.get("login", &[("action", "autologin"), ("client", "other-client"), ("session", "")]).await;
    assert_eq!(code(&v), "SVL-0003");
    // A browser without cookies.
    let v = Client::new(&server.url).get("login", &[("action", "autologin")]).await;
    assert_eq!(code(&v), "SVL-0003");

    let r = c.get_raw("login", &[("action", "refreshSecret")]).await;
    assert!(set_cookies(&r).iter().any(|s| s.starts_with("open-xchange-secret-")));
    assert_eq!(data(&parse_json(r).await), "1");
    let v = Client::new(&server.url).get("login", &[("action", "refreshSecret"), ("session", &c.session)]).await;
    assert_eq!(code(&v), "SES-0206");
}

#[tokio::test]
async fn autologin_disabled() {
    let server = Server::start_with(&[("OXBOW_AUTOLOGIN", "false")]).await;
    let admin = server.admin_client().await;
    let v = admin.get("login", &[("action", "store")]).await;
    assert_eq!(code(&v), "SVL-0015");
    let v = admin.get("login", &[("action", "autologin")]).await;
    assert_eq!(code(&v), "SVL-0015");
}

#[tokio::test]
async fn formlogin_redirects_into_the_ui() {
    let server = Server::start().await;
    let browser = Client::without_redirects(&server.url, "browser/form");
    let form = [
        ("login", "admin"),
        ("password", ADMIN_PASSWORD),
        ("client", "open-xchange-appsuite"),
        ("version", "7.8.4"),
        ("autologin", "true"),
        ("uiWebPath", "/ui/index.html?x=1"),
    ];
    let r = browser.post_form_raw("login", &[("action", "formlogin"), ("authId", "a1")], &form).await;
    assert_eq!(r.status().as_u16(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/ui/index.html?x=1#session="), "{location}");
    assert_eq!(fragment_param(&location, "user").as_deref(), Some("admin"));
    assert_eq!(fragment_param(&location, "store").as_deref(), Some("true"));
    assert!(fragment_param(&location, "context_id").is_some());
    assert!(set_cookies(&r).iter().any(|s| s.starts_with("open-xchange-secret-")));
    let mut c = browser.on_node(&server.url);
    c.session = fragment_param(&location, "session").unwrap();
    assert!(c.ping().await.is_array());

    // Default UI path, and no open redirect to another host.
    let r = browser.post_form_raw("login", &[("action", "formlogin"), ("authId", "a2")], &[("login", "admin"), ("password", ADMIN_PASSWORD)]).await;
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/appsuite/#session="));
    let r = browser
        .post_form_raw("login", &[("action", "formlogin"), ("authId", "a3")], &[("login", "admin"), ("password", ADMIN_PASSWORD), ("uiWebPath", "//evil.example/\r\nx")])
        .await;
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/evil.example/x#"), "{location}");

    // Failures: an HTML page that sends the browser back with login=failed.
    let r = browser
        .http
        .post(browser.url("login"))
        .query(&[("action", "formlogin"), ("authId", "a4")])
        .header("referer", "https://portal.example/login.html")
        .form(&[("login", "admin"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Invalid credentials."), "{html}");
    assert!(html.contains("https://portal.example/login.html?login=failed"), "{html}");
    let r = browser.post_form_raw("login", &[("action", "formlogin")], &[("login", "admin"), ("password", ADMIN_PASSWORD)]).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Login failed") && html.contains("authId"), "{html}");
}

#[tokio::test]
async fn random_token_redirect_and_redeem() {
    let disabled = Server::start().await;
    let r = Client::new(&disabled.url).get_raw("login", &[("action", "redeem"), ("random", "x")]).await;
    assert_eq!(r.status().as_u16(), 400);

    let server = Server::start_with(&[("OXBOW_RANDOM_TOKEN", "true")]).await;
    let v = Client::new(&server.url).login("admin", ADMIN_PASSWORD).await;
    let random = v["random"].as_str().expect("random token").to_string();
    let session = v["session"].as_str().unwrap().to_string();
    // Another browser redeems it and gets the session with its own cookies.
    let mut browser = Client::with_user_agent(&server.url, "browser/redeem");
    let v = parse_json(browser.get_raw("login", &[("action", "redeem"), ("random", &random)]).await).await;
    assert_eq!(v["session"], session.as_str());
    browser.session = session;
    assert!(browser.ping().await.is_array());
    // Single use.
    let r = browser.get_raw("login", &[("action", "redeem"), ("random", &random), ("session", "")]).await;
    assert_eq!(r.status().as_u16(), 403);

    let v = Client::new(&server.url).login("admin", ADMIN_PASSWORD).await;
    let random = v["random"].as_str().unwrap().to_string();
    let nav = Client::without_redirects(&server.url, "browser/redirect");
    let r = nav.get_raw("login", &[("action", "redirect"), ("random", &random), ("store", "true")]).await;
    assert_eq!(r.status().as_u16(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(fragment_param(&location, "session").as_deref(), v["session"].as_str());
    assert_eq!(fragment_param(&location, "store").as_deref(), Some("true"));
    let mut c = nav.on_node(&server.url);
    c.session = v["session"].as_str().unwrap().to_string();
    assert!(c.ping().await.is_array());
    let r = nav.get_raw("login", &[("action", "redirect"), ("random", &random)]).await;
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn token_login_and_tokens() {
    let server = Server::start().await;
    let native = Client::without_redirects(&server.url, "native-app/3");
    let form = |ct: &'static str, json: &'static str| {
        vec![("login", "admin"), ("password", ADMIN_PASSWORD), ("client", "native"), ("version", "1"), ("clientToken", ct), ("jsonResponse", json), ("autologin", "false")]
    };
    let r = native.post_form_raw("login", &[("action", "tokenLogin"), ("authId", "t1")], &form("client-token-1", "true")).await;
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200);
    let server_token = v["serverToken"].as_str().unwrap().to_string();
    assert_eq!(v["user"], "admin");
    assert!(v["url"].as_str().unwrap().contains(&format!("serverToken={server_token}")));
    // The browser redeems both tokens; the cookies are for the browser's User-Agent and client.
    let mut browser = Client::with_user_agent(&server.url, "browser/tokens");
    let v = browser
        .post_form("login", &[("action", "tokens")], &[("clientToken", "client-token-1"), ("serverToken", &server_token), ("client", "open-xchange-appsuite")])
        .await;
    let d = data(&v);
    assert_eq!(d["user"], "admin");
    browser.session = d["session"].as_str().unwrap().to_string();
    assert!(browser.ping().await.is_array());
    let v = browser.post_form("login", &[("action", "tokens")], &[("clientToken", "client-token-1"), ("serverToken", &server_token)]).await;
    assert_eq!(code(&v), "SES-0210");

    // A wrong client token ends the parked session.
    let r = native.post_form_raw("login", &[("action", "tokenLogin")], &form("client-token-2", "false")).await;
    assert_eq!(r.status().as_u16(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let server_token = fragment_param(&location, "serverToken").expect("serverToken in redirect");
    let v = browser.post_form("login", &[("action", "tokens"), ("session", "")], &[("clientToken", "guess"), ("serverToken", &server_token)]).await;
    assert_eq!(code(&v), "SES-0211");
    let v = browser.post_form("login", &[("action", "tokens"), ("session", "")], &[("clientToken", "client-token-2"), ("serverToken", &server_token)]).await;
    assert_eq!(code(&v), "SES-0210");
    let v = browser.post_form("login", &[("action", "tokens"), ("session", "")], &[("serverToken", &server_token)]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = native.post_form("login", &[("action", "tokenLogin"), ("password", "x")], &[("login", "admin"), ("clientToken", "c")]).await;
    assert_eq!(code(&v), "SVL-0030");
}

#[tokio::test]
async fn acquire_token_redeem_token_and_identity_token() {
    // Without configured secrets redeemToken is refused, identity tokens are disabled.
    let plain = Server::start().await;
    let admin = plain.admin_client().await;
    let token = data(&admin.get("token", &[("action", "acquireToken")]).await)["token"].as_str().unwrap().to_string();
    let v = Client::new(&plain.url).post_form("login", &[("action", "redeemToken")], &[("token", &token), ("secret", ""), ("client", "app")]).await;
    assert_eq!(code(&v), "TKN-0002");
    assert_eq!(code(&admin.get("jump", &[("action", "identityToken")]).await), "SVL-0015");

    let server = Server::start_with(&[("OXBOW_TOKEN_SECRETS", "[\"app-secret\"]"), ("OXBOW_IDENTITY_TOKEN_SECRET", "jump-key")]).await;
    let admin = server.admin_client().await;
    let v = admin.get("token", &[("action", "acquireToken")]).await;
    assert!(v["timestamp"].as_i64().unwrap() > 0);
    let token = data(&v)["token"].as_str().unwrap().to_string();
    let app = Client::with_user_agent(&server.url, "trusted-app/1");
    let v = app.post_form("login", &[("action", "redeemToken"), ("authId", "r1")], &[("token", &token), ("secret", "nope"), ("client", "app")]).await;
    assert_eq!(code(&v), "TKN-0002");
    let v = app.post_form("login", &[("action", "redeemToken"), ("authId", "r1")], &[("token", &token), ("secret", "app-secret"), ("client", "app")]).await;
    let new_session = v["session"].as_str().unwrap_or_else(|| panic!("{v}")).to_string();
    assert_ne!(new_session, admin.session);
    assert_eq!(v["user"], "admin");
    let mut app_session = app.on_node(&server.url);
    app_session.session = new_session;
    assert!(app_session.ping().await.is_array());
    let v = app.post_form("login", &[("action", "redeemToken")], &[("token", &token), ("secret", "app-secret")]).await;
    assert_eq!(code(&v), "TKN-0001");
    // A token of a session that has ended is worthless.
    let token = data(&admin.get("token", &[("action", "acquireToken")]).await)["token"].as_str().unwrap().to_string();
    admin.get_raw("login", &[("action", "logout")]).await;
    let v = app.post_form("login", &[("action", "redeemToken")], &[("token", &token), ("secret", "app-secret")]).await;
    assert_eq!(code(&v), "TKN-0001");

    let admin = server.admin_client().await;
    let v = admin.get("jump", &[("action", "identityToken"), ("system", "com.example.crm")]).await;
    let t = data(&v)["token"].as_str().unwrap().to_string();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = oxbow_domain::auth::verify_identity_token("jump-key", &t, now).expect("valid identity token");
    assert_eq!(claims["aud"], "com.example.crm");
    assert_eq!(claims["login"], "admin");
    assert!(oxbow_domain::auth::verify_identity_token("other-key", &t, now).is_none());
    let t2 = data(&admin.get("jump", &[("action", "identityToken"), ("system", "com.example.crm")]).await)["token"].as_str().unwrap().to_string();
    assert_ne!(t, t2, "every identity token is unique");
    assert_eq!(code(&admin.get("jump", &[("action", "nope")]).await), "SVL-0021");
}

#[tokio::test]
async fn password_change() {
    let server = Server::start().await;
    let anna = server.user("anna").await;
    let other = server.login("anna", PASSWORD).await;
    let v = anna.put("passwordchange", &[("action", "update")], &json!({"old_password": "wrong", "new_password": "n3w"})).await;
    assert_eq!(code(&v), "USR-0031");
    let v = anna.put("passwordchange", &[("action", "update")], &json!({"old_password": PASSWORD, "new_password": ""})).await;
    assert_eq!(code(&v), "USR-0032");
    let v = anna.put("passwordchange", &[("action", "update")], &json!({"old_password": PASSWORD, "new_password": 5})).await;
    assert_eq!(code(&v), "SVL-0010");
    let r = anna.put_raw("passwordchange", &[("action", "update")], "").await;
    assert_eq!(code(&parse_json(r).await), "SVL-0023");
    assert!(other.ping().await.is_array(), "failed changes end nothing");
    let v = anna.put("passwordchange", &[("action", "update")], &json!({"old_password": PASSWORD, "new_password": "n3w-pass"})).await;
    assert!(data(&v).is_object());
    assert_eq!(code(&other.ping().await), "SES-0203");
    assert!(anna.ping().await.is_array(), "the changing session stays");
    assert_eq!(code(&Client::new(&server.url).login("anna", PASSWORD).await), "LGI-0006");
    assert!(Client::new(&server.url).login("anna", "n3w-pass").await.get("session").is_some());
}

/// POST login with extra form fields; returns the unwrapped answer.
async fn login_answer_with(server: &Server, login: &str, extra: &[(&str, &str)]) -> serde_json::Value {
    let c = Client::new(&server.url);
    let mut form = vec![("name", login), ("password", PASSWORD)];
    form.extend_from_slice(extra);
    let r = c.post_form_raw("login", &[("action", "login")], &form).await;
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200, "{v}");
    v
}

#[tokio::test]
async fn login_modules_and_rampup() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    data(&alice.put("jslob", &[("action", "set"), ("id", "io.ox/core")], &json!({"theme": "dark"})).await);

    // modules: the user's config/modules tree, as config/modules answers it.
    let v = login_answer_with(&server, "alice", &[("modules", "true")]).await;
    let modules = v["modules"].clone();
    assert_eq!(modules, alice.config_value("modules").await);
    assert_eq!(modules["contacts"]["module"], true);
    assert_eq!(modules["infostore"]["folder"]["trash"].as_i64(), alice.drive_folder("trash").await.parse::<i64>().ok());
    assert_eq!(modules["mail"]["defaultaddress"], "alice@oxbow.local");
    assert_eq!(modules["mail"]["defaultFolder"]["inbox"], "default0/INBOX");
    assert!(modules["mail"]["defaultFolder"]["sent"].as_str().is_some_and(|f| f.starts_with("default0/")), "{modules}");
    assert!(v.get("rampup").is_none());
    let v = login_answer_with(&server, "alice", &[]).await;
    assert!(v.get("modules").is_none() && v.get("rampup").is_none(), "{v}");

    // rampup for App Suite: the answers of the calls the UI would make itself.
    let v = login_answer_with(&server, "alice", &[("rampup", "true"), ("client", "open-xchange-appsuite")]).await;
    let r = &v["rampup"];
    assert_eq!(r["jslobs"]["io.ox/core"]["tree"], json!({"theme": "dark"}), "{r}");
    assert_eq!(r["jslobs"]["io.ox/mail"]["id"], "io.ox/mail");
    assert_eq!(r["folder"]["1"]["id"], "1");
    assert_eq!(r["folder"]["default0/INBOX"]["id"], "default0/INBOX");
    assert!(r["folderlist"]["1"].as_array().is_some_and(|l| !l.is_empty()), "{r}");
    assert_eq!(r["user"]["id"], v["user_id"]);
    assert_eq!(r["user"]["email1"], "alice@oxbow.local");
    let accounts = r["accounts"].as_array().unwrap_or_else(|| panic!("accounts: {r}"));
    assert_eq!(accounts[0][0], 0, "primary mail account first: {r}");
    assert!(r["oauth"].is_object());
    // The session the rampup was made for works.
    let session = v["session"].as_str().unwrap();
    assert_eq!(session.len(), 32);

    // rampUpFor picks the rampup; other clients get none.
    let v = login_answer_with(&server, "alice", &[("rampup", "true"), ("client", "some-sync-client"), ("rampUpFor", "open-xchange-appsuite")]).await;
    assert!(v["rampup"]["folder"]["1"].is_object(), "{v}");
    let v = login_answer_with(&server, "alice", &[("rampup", "true"), ("client", "some-sync-client")]).await;
    assert!(v.get("rampup").is_none(), "{v}");
    let v = login_answer_with(&server, "alice", &[("rampup", "false"), ("client", "open-xchange-appsuite")]).await;
    assert!(v.get("rampup").is_none(), "{v}");

    // Malformed flags are refused before a session exists.
    let v = login_answer_with(&server, "alice", &[("rampup", "maybe")]).await;
    assert_eq!(code(&v), "SVL-0010");
    assert!(v.get("session").is_none());
    let v = login_answer_with(&server, "alice", &[("modules", "2")]).await;
    assert_eq!(code(&v), "SVL-0010");
}
