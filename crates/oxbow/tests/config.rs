//! config tree, config properties and jslob.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn config_tree_paths_and_writable_leaves() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let me = data(&alice.get("user/me", &[]).await)["user_id"].as_i64().unwrap();

    let v = alice.get("config", &[]).await;
    let t = data(&v);
    assert_eq!(t["context_id"], 1);
    assert_eq!(t["identifier"], me);
    assert_eq!(t["language"], "en_US");
    assert_eq!(t["timezone"], "UTC");
    assert!(t["availableTimeZones"]["Europe/Berlin"].is_string());
    for m in ["tasks", "calendar", "contacts", "infostore"] {
        assert!(t["folder"][m].as_i64().unwrap() >= 20, "folder/{m}: {}", t["folder"]);
    }
    let home = t["folder"]["infostore"].as_i64().unwrap();
    let v = alice.get("config/modules/infostore/folder", &[]).await;
    let f = data(&v);
    for m in ["trash", "pictures", "documents", "music", "videos", "templates"] {
        let id = f[m].as_i64().unwrap_or_else(|| panic!("no {m} in {f}"));
        assert!(id > home);
    }
    assert_eq!(data(&alice.get("config/modules/contacts/module", &[]).await), &json!(true));
    // The published ids are the user's real folders.
    let v = alice.get("config/folder/calendar", &[]).await;
    assert_eq!(data(&v), &t["folder"]["calendar"]);
    assert_eq!(data(&alice.get("config/context_id", &[]).await), &json!(1));
    assert_eq!(code(&alice.get("config/nosuch", &[]).await), "CFG-0010");
    assert_eq!(code(&alice.get("config/language/deeper", &[]).await), "CFG-0010");

    // Writable leaves.
    assert_eq!(data(&alice.put("config/timezone", &[], &json!({"data": "Europe/Berlin"})).await), &json!({}));
    assert_eq!(data(&alice.get("config/timezone", &[]).await), "Europe/Berlin");
    assert_eq!(data(&alice.get("user", &[("action", "get")]).await)["timezone"], "Europe/Berlin");
    alice.put("config/language", &[], &json!("de_DE")).await;
    assert_eq!(data(&alice.get("config/language", &[]).await), "de_DE");
    alice.put("config/gui", &[], &json!({"data": "{\"theme\":\"dark\"}"})).await;
    assert_eq!(data(&alice.get("config/gui", &[]).await), "{\"theme\":\"dark\"}");

    assert_eq!(code(&alice.put("config/language", &[], &json!({"data": "not a locale"})).await), "SVL-0010");
    assert_eq!(code(&alice.put("config/timezone", &[], &json!({"data": "Nowhere/City"})).await), "SVL-0010");
    assert_eq!(code(&alice.put("config/timezone", &[], &json!({"data": 5})).await), "SVL-0010");
    assert_eq!(code(&alice.put("config/context_id", &[], &json!({"data": 2})).await), "CFG-0011");
    assert_eq!(code(&alice.put("config/folder/tasks", &[], &json!({"data": 1})).await), "CFG-0011");
    assert_eq!(code(&alice.put("config/nosuch", &[], &json!({"data": 1})).await), "CFG-0010");
    let r = alice.put_raw("config/language", &[], "{broken").await;
    assert_eq!(code(&parse_json(r).await), "SVL-0029");
    assert_eq!(data(&alice.get("config/timezone", &[]).await), "Europe/Berlin");
}

async fn get_flag(c: &Client) -> Value {
    c.get("config", &[("action", "get_property"), ("name", "io.ox/test.flag")]).await
}

#[tokio::test]
async fn config_properties() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    assert_eq!(code(&get_flag(&alice).await), "CFG-0010");
    let v = alice.put("config", &[("action", "set_property"), ("name", "io.ox/test.flag")], &json!({"value": "on"})).await;
    assert_eq!(data(&v), &json!({"name": "io.ox/test.flag", "value": "on"}));
    assert_eq!(data(&get_flag(&alice).await), &json!({"name": "io.ox/test.flag", "value": "on"}));
    // Properties are per user.
    assert_eq!(code(&get_flag(&bob).await), "CFG-0010");

    assert_eq!(code(&alice.put("config", &[("action", "set_property"), ("name", "x")], &json!({})).await), "SVL-0002");
    assert_eq!(code(&alice.put("config", &[("action", "set_property"), ("name", "x")], &json!({"value": [1]})).await), "SVL-0010");
    assert_eq!(code(&alice.put("config", &[("action", "set_property"), ("name", "bad name")], &json!({"value": "x"})).await), "SVL-0010");
    assert_eq!(code(&alice.put("config", &[("action", "set_property")], &json!({"value": "x"})).await), "SVL-0002");
    assert_eq!(code(&alice.get("config", &[("action", "get_property")]).await), "SVL-0002");
    assert_eq!(code(&alice.get("config", &[("action", "nosuch")]).await), "SVL-0021");
}

#[tokio::test]
async fn jslob_documents() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;

    assert_eq!(data(&alice.get("jslob", &[("action", "all")]).await), &json!([]));
    let v = alice.put("jslob", &[("action", "set"), ("id", "io.ox/core")], &json!({"theme": {"name": "dark", "size": 1}, "lang": "en"})).await;
    data(&v);
    let v = alice.get("jslob", &[("action", "all")]).await;
    assert_eq!(data(&v), &json!([{"id": "io.ox/core", "tree": {"theme": {"name": "dark", "size": 1}, "lang": "en"}, "meta": {}}]));

    let v = alice.put("jslob", &[("action", "update"), ("id", "io.ox/core")], &json!({"theme": {"size": 2}, "new": true})).await;
    data(&v);
    let v = alice.put("jslob", &[("action", "list")], &json!(["io.ox/core", "io.ox/mail"])).await;
    let list = data(&v).as_array().unwrap();
    assert_eq!(list[0]["tree"], json!({"theme": {"name": "dark", "size": 2}, "lang": "en", "new": true}));
    assert_eq!(list[1], json!({"id": "io.ox/mail", "tree": {}, "meta": {}}));
    // Update of a missing document creates it.
    alice.put("jslob", &[("action", "update"), ("id", "io.ox/mail")], &json!({"a": 1})).await;
    assert_eq!(data(&alice.get("jslob", &[("action", "get"), ("id", "io.ox/mail")]).await)["tree"], json!({"a": 1}));

    // Another user sees nothing of it; another service id is separate.
    assert_eq!(data(&bob.get("jslob", &[("action", "all")]).await), &json!([]));
    assert_eq!(data(&alice.get("jslob", &[("action", "all"), ("serviceId", "other")]).await), &json!([]));

    // Broken input changes nothing.
    let r = alice.put_raw("jslob", &[("action", "set"), ("id", "io.ox/core")], "{\"theme\": ").await;
    assert_eq!(code(&parse_json(r).await), "SVL-0029");
    assert_eq!(code(&alice.put("jslob", &[("action", "set"), ("id", "io.ox/core")], &json!([1, 2])).await), "SVL-0029");
    assert_eq!(code(&alice.put("jslob", &[("action", "update"), ("id", "io.ox/core")], &json!("text")).await), "SVL-0029");
    assert_eq!(code(&alice.put("jslob", &[("action", "set")], &json!({})).await), "SVL-0002");
    assert_eq!(code(&alice.put("jslob", &[("action", "list")], &json!([1])).await), "SVL-0029");
    let big = json!({"blob": "x".repeat(1_100_000)});
    let v = alice.put("jslob", &[("action", "set"), ("id", "big")], &big).await;
    assert!(v.get("error").is_some(), "{}", v.to_string().chars().take(200).collect::<String>());
    let v = alice.get("jslob", &[("action", "get"), ("id", "io.ox/core")]).await;
    assert_eq!(data(&v)["tree"]["theme"]["size"], 2);

    // An empty body deletes.
    let r = alice.put_raw("jslob", &[("action", "set"), ("id", "io.ox/core")], "").await;
    data(&parse_json(r).await);
    let v = alice.get("jslob", &[("action", "all")]).await;
    let ids: Vec<&Value> = data(&v).as_array().unwrap().iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, vec![&json!("io.ox/mail")]);
}
