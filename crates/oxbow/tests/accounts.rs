//! Mail accounts (`account` module) and `autoconfig`, against a real Dovecot and Postfix.

mod common;
use common::mailserver::MailServer;
use common::*;
use serde_json::{json, Value};

const ALL_COLUMNS: &str = "1001,1002,1003,1004,1005,1006,1007,1015,1016,1017,1018,1019,1020,1043";

fn external(m: &MailServer, login: &str, password: &str, address: &str) -> Value {
    json!({
        "name": "Bob's mailbox",
        "primary_address": address,
        "login": login,
        "password": password,
        "mail_url": format!("imap://127.0.0.1:{}", m.imap_port),
        "transport_url": format!("smtp://127.0.0.1:{}", m.smtp_port),
        "transport_auth": "none",
    })
}

async fn server_with_mail() -> (MailServer, Server) {
    let m = MailServer::start(&[("alice", PASSWORD), ("bob", "bob-imap-pw")]);
    let env = m.oxbow_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let s = Server::start_with(&env).await;
    (m, s)
}

#[tokio::test]
async fn primary_account_is_listed_and_protected() {
    let (m, s) = server_with_mail().await;
    let alice = s.user("alice").await;
    let v = alice.get("account", &[("action", "all"), ("columns", ALL_COLUMNS)]).await;
    let rows = data(&v).as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    let row = rows[0].as_array().unwrap();
    assert_eq!(row[0], json!(0));
    assert_eq!(row[1], json!("alice"));
    assert_eq!(row[2], Value::Null, "password never returned");
    assert_eq!(row[3], json!(format!("imap://127.0.0.1:{}", m.imap_port)));
    assert_eq!(row[6], json!("alice@oxbow.local"));
    assert_eq!(row[7], json!("127.0.0.1"));
    assert_eq!(row[13], json!("mail"));

    let v = alice.get("account", &[("action", "get"), ("id", "0")]).await;
    assert_eq!(data(&v)["primary_address"], json!("alice@oxbow.local"));
    assert_eq!(data(&v)["addresses"], json!("alice@oxbow.local"));

    // The primary account cannot be deleted, nor changed beyond what the configuration says.
    let v = alice.put("account", &[("action", "delete")], &json!([0])).await;
    assert_eq!(code(&v), "ACC-0006");
    let v = alice.put("account", &[("action", "update")], &json!({"id": 0, "mail_server": "evil.test"})).await;
    assert_eq!(code(&v), "ACC-0007");
    let v = alice.put("account", &[("action", "update")], &json!({"id": 0, "primary_address": "alice@oxbow.local"})).await;
    assert_eq!(data(&v)["id"], json!(0));

    // Parameters and columns are checked.
    let v = alice.get("account", &[("action", "all")]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = alice.get("account", &[("action", "all"), ("columns", "1001,99")]).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = alice.get("account", &[("action", "get")]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = alice.get("account", &[("action", "get"), ("id", "abc")]).await;
    assert!(code(&v).starts_with("SVL-"), "{v}");
    let v = alice.get("account", &[("action", "nope")]).await;
    assert_eq!(code(&v), "SVL-0021");
}

#[tokio::test]
async fn external_account_lifecycle() {
    let (m, s) = server_with_mail().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;

    let v = alice.put("account", &[("action", "new")], &external(&m, "bob", "bob-imap-pw", "bob@elsewhere.test")).await;
    let created = data(&v).clone();
    let id = created["id"].as_i64().unwrap();
    assert!(id >= 1, "{v}");
    assert_eq!(created["password"], Value::Null);
    assert_eq!(created["mail_server"], json!("127.0.0.1"));
    assert_eq!(created["mail_port"], json!(m.imap_port));
    assert_eq!(created["transport_port"], json!(m.smtp_port));
    assert_eq!(created["name"], json!("Bob's mailbox"));

    // Listed after the primary account, readable by id.
    let v = alice.get("account", &[("action", "all"), ("columns", "1001,1006,1007")]).await;
    let rows = data(&v).as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1], json!([id, "Bob's mailbox", "bob@elsewhere.test"]));
    let id_s = id.to_string();
    let v = alice.get("account", &[("action", "get"), ("id", &id_s)]).await;
    assert_eq!(data(&v)["login"], json!("bob"));
    assert!(v["timestamp"].as_i64().unwrap() > 0);

    // The password is stored sealed, never in clear text.
    let sealed = stored_password(&s, id).await;
    assert!(sealed.starts_with("v1:") && !sealed.contains("bob-imap-pw"), "{sealed}");

    // Another user sees none of it and cannot touch it.
    let v = bob.get("account", &[("action", "get"), ("id", &id_s)]).await;
    assert_eq!(code(&v), "ACC-0002");
    let v = bob.put("account", &[("action", "delete")], &json!([id])).await;
    assert_eq!(code(&v), "ACC-0002");
    let v = bob.put("account", &[("action", "update")], &json!({"id": id, "name": "mine"})).await;
    assert_eq!(code(&v), "ACC-0002");

    // The same address twice is refused, and so is the primary address.
    let v = alice.put("account", &[("action", "new")], &external(&m, "bob", "x", "bob@elsewhere.test")).await;
    assert_eq!(code(&v), "ACC-0015");
    let v = alice.put("account", &[("action", "new")], &external(&m, "bob", "x", "alice@oxbow.local")).await;
    assert_eq!(code(&v), "ACC-0015");

    // Update: the name changes, the password stays unless sent.
    let v = alice.put("account", &[("action", "update")], &json!({"id": id, "name": "Renamed"})).await;
    assert_eq!(data(&v)["name"], json!("Renamed"));
    assert_eq!(stored_password(&s, id).await, sealed);
    // The stored password still logs in: validate the stored account without sending it.
    let v = alice.put("account", &[("action", "validate")], &json!({"id": id})).await;
    assert_eq!(data(&v), &json!(true));

    // Delete: unknown ids fail as a whole and change nothing.
    let v = alice.put("account", &[("action", "delete")], &json!([id, 999])).await;
    assert_eq!(code(&v), "ACC-0002");
    let v = alice.get("account", &[("action", "get"), ("id", &id_s)]).await;
    assert_eq!(data(&v)["name"], json!("Renamed"));
    let v = alice.put("account", &[("action", "delete")], &json!([id])).await;
    assert_eq!(data(&v), &json!([id]));
    let v = alice.get("account", &[("action", "get"), ("id", &id_s)]).await;
    assert_eq!(code(&v), "ACC-0002");
    let v = alice.put("account", &[("action", "delete")], &json!("not an array")).await;
    assert!(code(&v).starts_with("SVL-"), "{v}");
}

#[tokio::test]
async fn new_account_input_is_checked() {
    let (m, s) = server_with_mail().await;
    let alice = s.user("alice").await;
    let mut body = external(&m, "bob", "pw", "bob@elsewhere.test");
    body.as_object_mut().unwrap().remove("primary_address");
    let v = alice.put("account", &[("action", "new")], &body).await;
    assert_eq!(code(&v), "SVL-0002");
    assert!(v["error"].as_str().unwrap().contains("primary_address"), "{v}");

    let mut body = external(&m, "bob", "pw", "bob@elsewhere.test");
    body["mail_url"] = json!("imap://bad host name:143");
    let v = alice.put("account", &[("action", "new")], &body).await;
    assert_eq!(code(&v), "ACC-0019");

    body["mail_url"] = json!("gopher://x.test");
    let v = alice.put("account", &[("action", "new")], &body).await;
    assert_eq!(code(&v), "ACC-0018");

    body["mail_url"] = json!("pop3://pop.x.test:110");
    let v = alice.put("account", &[("action", "new")], &body).await;
    assert_eq!(code(&v), "SVL-0010");

    let mut body = external(&m, "bob", "pw", "not-an-address");
    let v = alice.put("account", &[("action", "new")], &body).await;
    assert_eq!(code(&v), "IMAP-1008");

    body["primary_address"] = json!("bob@elsewhere.test");
    body["mail_port"] = json!(70000);
    body.as_object_mut().unwrap().remove("mail_url");
    body["mail_server"] = json!("127.0.0.1");
    let v = alice.put("account", &[("action", "new")], &body).await;
    assert_eq!(code(&v), "SVL-0010");

    body["name"] = json!("x".repeat(5000));
    body["mail_port"] = json!(143);
    let v = alice.put("account", &[("action", "new")], &body).await;
    assert_eq!(code(&v), "SVL-0010");

    let r = alice.put_raw("account", &[("action", "new")], "{broken").await;
    let v = parse_json(r).await;
    assert!(code(&v).starts_with("SVL-"), "{v}");

    // Nothing was created by any of these.
    let v = alice.get("account", &[("action", "all"), ("columns", "1001")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn validate_connects_for_real() {
    let (m, s) = server_with_mail().await;
    let alice = s.user("alice").await;

    let v = alice.put("account", &[("action", "validate")], &external(&m, "bob", "bob-imap-pw", "bob@elsewhere.test")).await;
    assert_eq!(data(&v), &json!(true));

    let v = alice
        .put("account", &[("action", "validate"), ("tree", "true")], &external(&m, "bob", "bob-imap-pw", "bob@elsewhere.test"))
        .await;
    let tree = data(&v);
    assert_eq!(tree["id"], json!("default0"));
    let names: Vec<&str> = tree["subfolder_array"].as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap()).collect();
    for expected in ["INBOX", "Sent", "Trash", "Drafts"] {
        assert!(names.contains(&expected), "{expected} missing in {names:?}");
    }

    // Wrong password: the IMAP server refuses the login.
    let v = alice.put("account", &[("action", "validate")], &external(&m, "bob", "wrong", "bob@elsewhere.test")).await;
    assert_eq!(code(&v), "IMAP-1001");

    // Nothing listens: a clear connect error, and the session goes on working.
    let dead = common::mailserver::free_port();
    let mut body = external(&m, "bob", "bob-imap-pw", "bob@elsewhere.test");
    body["mail_url"] = json!(format!("imap://127.0.0.1:{dead}"));
    let v = alice.put("account", &[("action", "validate")], &body).await;
    assert_eq!(code(&v), "IMAP-1016");
    assert!(v["error"].as_str().unwrap().contains(&dead.to_string()), "{v}");

    // A transport server that does not answer fails the validation too.
    let mut body = external(&m, "bob", "bob-imap-pw", "bob@elsewhere.test");
    body["transport_url"] = json!(format!("smtp://127.0.0.1:{dead}"));
    let v = alice.put("account", &[("action", "validate")], &body).await;
    assert_eq!(code(&v), "ACC-0021");

    let v = alice.get("account", &[("action", "get"), ("id", "0")]).await;
    assert_eq!(data(&v)["id"], json!(0));

    let v = alice.put("account", &[("action", "validate")], &json!({"login": "bob"})).await;
    assert_eq!(code(&v), "SVL-0002");
}

#[tokio::test]
async fn autoconfig_known_and_unknown_domains() {
    let s = Server::start().await;
    let alice = s.user("alice").await;
    let v = alice
        .post_form("autoconfig", &[("action", "get")], &[("email", "someone@gmail.com"), ("password", "x")])
        .await;
    let d = data(&v);
    assert_eq!(d["mail_server"], json!("imap.gmail.com"));
    assert_eq!(d["mail_port"], json!(993));
    assert_eq!(d["mail_secure"], json!(true));
    assert_eq!(d["transport_server"], json!("smtp.gmail.com"));
    assert_eq!(d["login"], json!("someone@gmail.com"));
    assert_eq!(d["mail_protocol"], json!("imap"));

    let v = alice
        .post_form("autoconfig", &[("action", "get")], &[("email", "someone@nowhere.invalid"), ("password", "x")])
        .await;
    assert_eq!(data(&v), &json!({}));

    let v = alice.post_form("autoconfig", &[("action", "get")], &[("password", "x")]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = alice.post_form("autoconfig", &[("action", "get")], &[("email", "no-at-sign"), ("password", "x")]).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = alice.post_form("autoconfig", &[("action", "get")], &[("email", "a@bad domain"), ("password", "x")]).await;
    assert_eq!(code(&v), "SVL-0010");
}

/// The sealed password column of an account, read straight from the database.
async fn stored_password(s: &Server, id: i64) -> String {
    if s.database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&s.database_url).await.unwrap();
        let v: String = sqlx::query_scalar("SELECT password_sealed FROM mail_accounts WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    } else {
        let pool = sqlx::SqlitePool::connect(&s.database_url).await.unwrap();
        let v: String = sqlx::query_scalar("SELECT password_sealed FROM mail_accounts WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    }
}

