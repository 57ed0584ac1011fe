//! The IMAP mail backend against a real Dovecot, with mail submitted through a real Postfix.

mod common;
use common::mailserver::{ImapTestClient, MailServer};
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const INBOX: &str = "default0/INBOX";

async fn imap_server(m: &MailServer) -> Server {
    let env = m.oxbow_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Server::start_with(&env).await
}

/// Rows of `mail?action=all` on a folder, waiting for delivery up to a few seconds.
async fn wait_for_rows(c: &Client, folder: &str, columns: &str, count: usize, m: &MailServer) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = c.get("mail", &[("action", "all"), ("folder", folder), ("columns", columns), ("sort", "610"), ("order", "desc")]).await;
        let rows = data(&v).as_array().unwrap().clone();
        if rows.len() >= count || Instant::now() > deadline {
            assert_eq!(rows.len(), count, "{v}\n--- smtp log:\n{}", m.smtp_log());
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn mail_services_start_and_deliver() {
    let m = MailServer::start(&[("alice", "pw-a"), ("bob", "pw-b")]);
    m.deliver("bob", "Subject: hello\nFrom: x@example.org\n\nbody\n");
    assert!(m.imap_port != m.smtp_port);
}

#[tokio::test]
async fn alice_sends_through_smtp_bob_reads_over_imap() {
    let m = MailServer::start(&[("alice", PASSWORD), ("bob", PASSWORD)]);
    let s = imap_server(&m).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;

    let mail = json!({
        "from": [[null, "alice@oxbow.local"]],
        "to": [[null, "bob@oxbow.local"]],
        "subject": "Grüße über IMAP",
        "attachments": [{"content_type": "text/plain", "content": "Delivered by Postfix to Dovecot."}],
    });
    let v = alice.put("mail", &[("action", "new")], &mail).await;
    data(&v);

    // Bob's INBOX on Dovecot has it, unread.
    let rows = wait_for_rows(&bob, INBOX, "600,601,603,607,611", 1, &m).await;
    assert_eq!(rows[0][1], INBOX);
    assert_eq!(rows[0][2], json!([[null, "alice@oxbow.local"]]));
    assert_eq!(rows[0][3], "Grüße über IMAP");
    assert_eq!(rows[0][4].as_i64().unwrap() & 32, 0);
    let id = rows[0][0].as_str().unwrap().to_string();

    let v = bob.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id)]).await;
    let got = data(&v);
    assert_eq!(got["subject"], "Grüße über IMAP");
    assert!(got["attachments"][0]["content"].as_str().unwrap().contains("Delivered by Postfix"), "{got}");

    // Flags and colour labels are stored on the IMAP server.
    let v = bob.put("mail", &[("action", "update"), ("folder", INBOX), ("id", &id)], &json!({"flags": 8, "value": true})).await;
    data(&v);
    let v = bob.put("mail", &[("action", "update"), ("folder", INBOX), ("id", &id)], &json!({"color_label": 4})).await;
    data(&v);
    let v = bob.put("mail", &[("action", "list"), ("columns", "600,611,102")], &json!([{"folder": INBOX, "id": id}])).await;
    let r = &data(&v)[0];
    assert_eq!(r[1].as_i64().unwrap() & (8 | 32), 8 | 32, "{v}");
    assert_eq!(r[2], 4);

    // Move to another folder, then delete for good.
    let v = bob.put("mail", &[("action", "update"), ("folder", INBOX), ("id", &id)], &json!({"folder_id": "default0/Drafts"})).await;
    let moved = data(&v)["id"].as_str().unwrap().to_string();
    let v = bob.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600")]).await;
    assert!(data(&v).as_array().unwrap().is_empty(), "{v}");
    let v = bob.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id)]).await;
    assert!(v.get("error").is_some(), "{v}");
    let v = bob.put("mail", &[("action", "delete"), ("harddelete", "1")], &json!([{"folder": "default0/Drafts", "id": moved}])).await;
    data(&v);
    let v = bob.get("mail", &[("action", "all"), ("folder", "default0/Drafts"), ("columns", "600")]).await;
    assert!(data(&v).as_array().unwrap().is_empty(), "{v}");

    // Unknown folders are clear errors.
    let v = bob.get("mail", &[("action", "all"), ("folder", "default0/Nope"), ("columns", "600")]).await;
    assert!(v.get("error").is_some(), "{v}");

    // Quota comes from the IMAP server's QUOTA.
    let v = bob.get("quota", &[("action", "mail")]).await;
    assert_eq!(data(&v)["quota"], json!(1024 * 1024 * 1024), "{v}");
}

#[tokio::test]
async fn external_account_folders_are_listed() {
    let m = MailServer::start(&[("alice", PASSWORD), ("carol", "carol-pw")]);
    m.deliver("carol", "From: x@example.org\nTo: carol@oxbow.local\nSubject: for carol\n\nhello\n");
    let s = imap_server(&m).await;
    let alice = s.user("alice").await;
    let account = json!({
        "name": "Carol",
        "primary_address": "carol@elsewhere.test",
        "login": "carol",
        "password": "carol-pw",
        "mail_url": format!("imap://127.0.0.1:{}", m.imap_port),
        "transport_url": format!("smtp://127.0.0.1:{}", m.smtp_port),
        "transport_auth": "none",
    });
    let v = alice.put("account", &[("action", "new")], &account).await;
    let id = data(&v)["id"].as_i64().unwrap();
    let folder = format!("default{id}/INBOX");
    let v = alice.get("mail", &[("action", "all"), ("folder", &folder), ("columns", "600,607")]).await;
    let rows = data(&v).as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0][1], "for carol");
}

#[tokio::test]
async fn unreachable_imap_server_gives_clear_error_and_session_survives() {
    let dead = common::mailserver::free_port();
    let port = dead.to_string();
    let s = Server::start_with(&[
        ("OXBOW_MAIL_BACKEND", "imap"),
        ("OXBOW_MAIL_IMAP_HOST", "127.0.0.1"),
        ("OXBOW_MAIL_IMAP_PORT", &port),
        ("OXBOW_MAIL_IMAP_MASTER_USER", "m"),
        ("OXBOW_MAIL_IMAP_MASTER_PASSWORD", "p"),
        ("OXBOW_MAIL_CONNECT_TIMEOUT_SECS", "2"),
    ])
    .await;
    let alice = s.user("alice").await;
    let v = alice.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600")]).await;
    assert_eq!(code(&v), "IMAP-1016", "{v}");
    assert!(v["error"].as_str().unwrap().contains(&port), "{v}");
    // The session is still valid.
    let v = alice.get("account", &[("action", "get"), ("id", "0")]).await;
    assert_eq!(data(&v)["id"], json!(0));
}

#[tokio::test]
async fn halo_mail_provider_reads_imap_folders() {
    let m = MailServer::start(&[("alice", PASSWORD), ("bob", PASSWORD)]);
    let s = imap_server(&m).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let mail = json!({
        "from": [[null, "alice@oxbow.local"]],
        "to": [[null, "bob@oxbow.local"]],
        "subject": "Halo over IMAP",
        "attachments": [{"content_type": "text/plain", "content": "hi"}],
    });
    data(&alice.put("mail", &[("action", "new")], &mail).await);
    wait_for_rows(&bob, INBOX, "600", 1, &m).await;

    let halo = |email: &'static str| [("action", "investigate"), ("provider", "com.openexchange.halo.mail"), ("email1", email), ("columns", "601,607")];
    let v = bob.get("halo/contact", &halo("alice@oxbow.local")).await;
    assert_eq!(data(&v), &json!([[INBOX, "Halo over IMAP"]]));
    let v = alice.get("halo/contact", &halo("bob@oxbow.local")).await;
    let rows = data(&v).as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0][1], "Halo over IMAP");
    assert_ne!(rows[0][0], INBOX);
    let v = bob.get("halo/contact", &halo("nobody@example.org")).await;
    assert_eq!(data(&v), &json!([]));
}

#[tokio::test]
async fn updates_report_changes_of_another_imap_client() {
    let m = MailServer::start(&[("bob", PASSWORD)]);
    for i in 1..=3 {
        m.deliver("bob", &format!("From: x@example.org\nTo: bob@oxbow.local\nSubject: mail {i}\n\nbody {i}\n"));
    }
    let s = imap_server(&m).await;
    let bob = s.user("bob").await;
    let rows = wait_for_rows(&bob, INBOX, "600,607", 3, &m).await;
    let uid_of = |subject: &str| rows.iter().find(|r| r[1] == subject).unwrap()[0].as_str().unwrap().to_string();
    let (flagged, expunged, untouched) = (uid_of("mail 1"), uid_of("mail 2"), uid_of("mail 3"));

    // Without a timestamp: nothing, but the folder's current stamp.
    let v = bob.get("mail", &[("action", "updates"), ("folder", INBOX), ("columns", "600,611")]).await;
    assert_eq!(data(&v), &json!([]));
    let ts = v["timestamp"].as_i64().unwrap_or_else(|| panic!("no timestamp: {v}"));
    assert!(ts > 0, "{v}");
    let ts_text = ts.to_string();
    let v = bob.get("mail", &[("action", "updates"), ("folder", INBOX), ("columns", "600,611"), ("timestamp", &ts_text)]).await;
    assert_eq!(data(&v), &json!([]), "{v}");

    // Another client flags one mail and expunges another.
    let mut other = ImapTestClient::login(m.imap_port, "bob", PASSWORD);
    other.run("SELECT INBOX");
    other.run(&format!("UID STORE {flagged} +FLAGS.SILENT (\\Flagged)"));
    other.run(&format!("UID STORE {expunged} +FLAGS.SILENT (\\Deleted)"));
    other.run("EXPUNGE");
    other.logout();

    let v = bob.get("mail", &[("action", "updates"), ("folder", INBOX), ("columns", "600,611"), ("timestamp", &ts_text)]).await;
    let items = data(&v).as_array().unwrap().clone();
    let changed: Vec<&Value> = items.iter().filter(|i| i.is_array()).collect();
    let deleted: Vec<&Value> = items.iter().filter(|i| i.is_string()).collect();
    assert_eq!(changed.len(), 1, "{v}");
    assert_eq!(changed[0][0], json!(flagged));
    assert_eq!(changed[0][1].as_i64().unwrap() & 8, 8, "{v}");
    assert_eq!(deleted, vec![&json!(expunged)], "{v}");
    assert!(!v.to_string().contains(&format!("\"{untouched}\"")), "{v}");
    let ts2 = v["timestamp"].as_i64().unwrap();
    assert!(ts2 > ts, "{v}");

    // `ignore=deleted` leaves the removed ids out; the new stamp has nothing newer.
    let v = bob.get("mail", &[("action", "updates"), ("folder", INBOX), ("columns", "600"), ("timestamp", &ts_text), ("ignore", "deleted")]).await;
    assert!(data(&v).as_array().unwrap().iter().all(|i| i.is_array()), "{v}");
    let v = bob.get("mail", &[("action", "updates"), ("folder", INBOX), ("columns", "600"), ("timestamp", &ts2.to_string())]).await;
    assert_eq!(data(&v), &json!([]), "{v}");
    // A timestamp that is not a number is an input error.
    let v = bob.get("mail", &[("action", "updates"), ("folder", INBOX), ("columns", "600"), ("timestamp", "soon")]).await;
    assert!(v.get("error").is_some(), "{v}");
}
