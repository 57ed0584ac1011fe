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

/// Rows of `table` in context `cid`.
async fn rows_in(server: &Server, table: &str, cid: i64) -> i64 {
    server.sql_i64(&format!("SELECT COUNT(*) FROM {table} WHERE cid = {cid}")).await
}

#[tokio::test]
async fn context_deletion_removes_drive_sharing_and_mail_account_rows() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    server.admin(&["context", "add", "--name", "acme"]);
    server.admin(&["user", "add", "--context", "acme", "--login", "carol", "--password", PASSWORD, "--given-name", "carol", "--sur-name", "C"]);
    server.admin(&["user", "add", "--context", "acme", "--login", "dave", "--password", PASSWORD, "--given-name", "dave", "--sur-name", "D"]);
    let dave_id = server.admin(&["user", "list", "--context", "acme"]).lines().find(|l| l.contains("\tdave\t")).unwrap().split('\t').next().unwrap().parse::<i64>().unwrap();

    // The same kind of data in both contexts: a shared Drive file, a shared folder with a
    // notification, an external mail account.
    let carol = server.login("carol@acme", PASSWORD).await;
    let mut others = Vec::new();
    for (c, grantee) in [(&carol, dave_id), (&alice, 0)] {
        let home = c.drive_home().await;
        let v = c.upload(&home, "shared.txt", b"shared bytes".to_vec(), &[]).await;
        let id = data(&v).as_str().unwrap().to_string();
        let t = c.get("infostore", &[("action", "get"), ("id", &id)]).await["timestamp"].as_i64().unwrap().to_string();
        let perms = json!([{"entity": grantee, "group": grantee == 0, "bits": 1}]);
        data(&c.put("infostore", &[("action", "update"), ("id", &id), ("timestamp", &t)], &json!({"file": {"object_permissions": perms}})).await);
        let me_v = c.get("user", &[("action", "get")]).await;
        let me = data(&me_v)["id"].as_i64().or_else(|| data(&me_v)["id"].as_str().and_then(|s| s.parse().ok())).unwrap();
        let docs = c.drive_folder("documents").await;
        let t = c.get("folders", &[("action", "get"), ("id", &docs)]).await["timestamp"].as_i64().unwrap().to_string();
        let folder_perms = json!([{"entity": me, "group": false, "bits": 403_710_016}, {"entity": grantee, "group": grantee == 0, "bits": 257}]);
        let v = c.put("folders", &[("action", "update"), ("id", &docs), ("timestamp", &t)], &json!({"folder": {"permissions": folder_perms}, "notification": {"message": "see"}})).await;
        assert!(v.get("error").is_none(), "{v}");
        others.push(me);
    }
    for (cid, user) in [(2, others[0]), (1, others[1])] {
        // No IMAP server is needed for this: the account row is what must go.
        server
            .sql(&format!(
                "INSERT INTO mail_accounts (cid, user_id, id, name, primary_address, login, mail_server, mail_port, last_modified) VALUES ({cid}, {user}, 1, 'Other', 'x@elsewhere.test', 'x', 'imap.elsewhere.test', 993, 0)"
            ))
            .await;
    }
    let tables = ["infostore_items", "infostore_versions", "infostore_object_permissions", "folder_notifications", "mail_accounts"];
    for table in tables {
        assert!(rows_in(&server, table, 2).await > 0, "no {table} rows to delete");
    }
    let before: Vec<i64> = futures::future::join_all(tables.iter().map(|t| rows_in(&server, t, 1))).await;

    server.admin(&["context", "delete", "--context", "acme"]);
    for table in tables.iter().chain(&["folders", "folder_permissions", "users"]) {
        assert_eq!(rows_in(&server, table, 2).await, 0, "{table} rows of the deleted context remain");
    }
    let after: Vec<i64> = futures::future::join_all(tables.iter().map(|t| rows_in(&server, t, 1))).await;
    assert_eq!(after, before, "the default context lost rows");
    // The other context's shared file is still there and readable.
    let v = alice.get("infostore", &[("action", "all"), ("folder", &alice.drive_home().await), ("columns", "702,108")]).await;
    assert_eq!(data(&v)[0][0], "shared.txt");
}
