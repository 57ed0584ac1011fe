//! `oxbow admin`: contexts, users, groups, resources against a running server.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Wait until `request` gives an error with `expected` (session caches live ~2 s).
async fn eventually_error(client: &Client, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        let v = client.get("user/me", &[]).await;
        if v.get("code").and_then(Value::as_str) == Some(expected) {
            return;
        }
        assert!(Instant::now() < deadline, "session still works: {v}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn second_context_users_and_deletion() {
    let server = Server::start().await;
    let ctx = server.admin(&["context", "add", "--name", "acme"]);
    assert_eq!(ctx.trim(), "2");
    assert!(server.admin(&["context", "list"]).contains("2\tacme\tenabled"));

    server.admin(&["user", "add", "--login", "bob@acme", "--password", PASSWORD, "--name", "Bob B", "--email", "bob@acme.test", "--timezone", "Europe/Paris", "--locale", "fr_FR"]);
    server.admin(&["user", "add", "--context", "acme", "--login", "carol", "--password", PASSWORD, "--context-admin"]);
    let listed = server.admin(&["user", "list", "--context", "acme"]);
    assert!(listed.contains("bob\tBob B\tbob@acme.test"), "{listed}");
    assert!(!server.admin(&["user", "list"]).contains("bob"));

    let bob = server.login("bob@acme", PASSWORD).await;
    let v = bob.get("user/me", &[]).await;
    assert_eq!(data(&v)["context_id"], 2);
    assert_eq!(data(&v)["login_name"], "bob");
    let v = bob.get("user", &[("action", "get")]).await;
    assert_eq!(data(&v)["timezone"], "Europe/Paris");
    assert_eq!(data(&v)["locale"], "fr_FR");
    // Only the own context's users are visible.
    let v = bob.get("user", &[("action", "all"), ("columns", "615")]).await;
    let mut logins: Vec<String> = data(&v).as_array().unwrap().iter().map(|r| r[0].as_str().unwrap().to_string()).collect();
    logins.sort();
    assert_eq!(logins, vec!["bob", "carol"]);
    // A plain login means the default context.
    let mut c = Client::new(&server.url);
    assert_eq!(code(&c.login("bob", PASSWORD).await), "LGI-0006");

    // Errors are reported with a failing exit status.
    assert!(!server.admin_result(&["user", "add", "--login", "bob@acme", "--password", "x"]).0);
    assert!(!server.admin_result(&["user", "add", "--context", "nosuch", "--login", "x", "--password", "x"]).0);
    assert!(!server.admin_result(&["user", "add", "--login", "empty", "--password", ""]).0);
    assert!(!server.admin_result(&["user", "delete", "--login", "nobody"]).0);
    assert!(!server.admin_result(&["context", "add", "--name", "acme"]).0);

    // Deleting a user ends the user's sessions and logins.
    server.admin(&["user", "delete", "--login", "bob@acme"]);
    eventually_error(&bob, "SES-0203").await;
    let mut c = Client::new(&server.url);
    assert_eq!(code(&c.login("bob@acme", PASSWORD).await), "LGI-0006");
    assert!(!server.admin(&["user", "list", "--context", "2"]).contains("bob"));

    // Deleting the context removes everything in it.
    let carol = server.login("carol@acme", PASSWORD).await;
    server.admin(&["context", "delete", "--context", "acme"]);
    eventually_error(&carol, "SES-0203").await;
    assert!(!server.admin(&["context", "list"]).contains("acme"));
    assert!(!server.admin_result(&["user", "list", "--context", "acme"]).0);
    assert!(!server.admin_result(&["context", "delete", "--context", "acme"]).0);
    // The default context is untouched.
    server.admin_client().await;
}

#[tokio::test]
async fn password_change_ends_sessions() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    data(&alice.get("user/me", &[]).await);
    server.admin(&["user", "passwd", "--login", "alice", "--password", "new-password"]);
    eventually_error(&alice, "SES-0203").await;
    let mut c = Client::new(&server.url);
    assert_eq!(code(&c.login("alice", PASSWORD).await), "LGI-0006");
    server.login("alice", "new-password").await;
    assert!(!server.admin_result(&["user", "passwd", "--login", "alice", "--password", ""]).0);
    assert!(!server.admin_result(&["user", "passwd", "--login", "nobody", "--password", "x"]).0);
}

#[tokio::test]
async fn groups_and_resources_from_the_command_line() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    server.admin(&["user", "add", "--login", "dave", "--password", PASSWORD]);
    let alice_id = data(&alice.get("user/me", &[]).await)["user_id"].as_i64().unwrap();

    let gid: i64 = server.admin(&["group", "add", "--name", "staff", "--display-name", "Staff", "--member", "alice"]).trim().parse().unwrap();
    let v = alice.get("group", &[("action", "get"), ("id", &gid.to_string())]).await;
    assert_eq!(data(&v)["members"], json!([alice_id]));
    assert_eq!(data(&alice.get("user", &[("action", "get")]).await)["groups"], json!([0, gid]));

    server.admin(&["group", "members", "--name", "staff", "--add", "dave", "--remove", "alice"]);
    let v = alice.get("group", &[("action", "get"), ("id", &gid.to_string())]).await;
    assert_eq!(data(&v)["members"].as_array().unwrap().len(), 1);
    assert_ne!(data(&v)["members"][0], alice_id);
    let listed = server.admin(&["group", "list"]);
    assert!(listed.contains("\tstaff\tStaff\t"), "{listed}");
    assert!(listed.starts_with("0\tusers\tAll users\t"), "{listed}");

    assert!(!server.admin_result(&["group", "add", "--name", "staff"]).0);
    assert!(!server.admin_result(&["group", "add", "--name", "x y"]).0);
    assert!(!server.admin_result(&["group", "members", "--name", "staff"]).0);
    assert!(!server.admin_result(&["group", "members", "--name", "staff", "--add", "nobody"]).0);
    assert!(!server.admin_result(&["group", "delete", "--name", "nosuch"]).0);

    server.admin(&["group", "delete", "--name", "staff"]);
    assert_eq!(code(&alice.get("group", &[("action", "get"), ("id", &gid.to_string())]).await), "GRP-0017");

    let rid: i64 = server.admin(&["resource", "add", "--name", "beamer", "--email", "beamer@example.com", "--description", "HD"]).trim().parse().unwrap();
    let v = alice.get("resource", &[("action", "get"), ("id", &rid.to_string())]).await;
    assert_eq!(data(&v)["description"], "HD");
    assert_eq!(data(&v)["display_name"], "beamer");
    assert!(server.admin(&["resource", "list"]).contains("beamer@example.com"));
    assert!(!server.admin_result(&["resource", "add", "--name", "beamer2", "--email", "broken"]).0);
    server.admin(&["resource", "delete", "--name", "beamer"]);
    assert_eq!(data(&alice.get("resource", &[("action", "all")]).await), &json!([]));
    assert!(!server.admin_result(&["resource", "delete", "--name", "beamer"]).0);
}
