//! user, user/me, group, resource, capabilities, quota and image/user/picture.

mod common;

use common::*;
use serde_json::{json, Value};

fn ts(v: &Value) -> i64 {
    v.get("timestamp").and_then(Value::as_i64).unwrap_or_else(|| panic!("no timestamp in {v}"))
}

fn id_of(v: &Value) -> i64 {
    data(v)["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn me(c: &Client) -> i64 {
    data(&c.get("user/me", &[]).await).get("user_id").and_then(Value::as_i64).unwrap()
}

#[tokio::test]
async fn users_are_readable_in_every_form() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    let alice = server.user("alice").await;
    let alice_id = me(&alice).await;
    let admin_id = me(&admin).await;

    let v = alice.get("user/me", &[]).await;
    let d = data(&v);
    assert_eq!(d["login_name"], "alice");
    assert_eq!(d["context_id"], 1);
    assert_eq!(d["context_admin"], admin_id);
    assert_eq!(d["display_name"], "alice Tester");

    // get without id is the caller; full object with user and contact fields.
    let v = alice.get("user", &[("action", "get")]).await;
    let u = data(&v);
    assert_eq!(u["id"], alice_id);
    assert_eq!(u["login_info"], "alice");
    assert_eq!(u["first_name"], "alice");
    assert_eq!(u["last_name"], "Tester");
    assert_eq!(u["groups"], json!([0]));
    assert_eq!(u["folder_id"], 6);
    assert!(u["email1"].as_str().unwrap().starts_with("alice@"));
    assert_eq!(u["aliases"], json!([u["email1"]]));
    assert_eq!(ts(&v), u["last_modified_utc"].as_i64().unwrap());

    // Time fields follow the timezone parameter; last_modified_utc never shifts.
    let v = alice.get("user", &[("action", "get"), ("id", &admin_id.to_string()), ("timezone", "Asia/Tokyo")]).await;
    let u = data(&v);
    assert_eq!(u["last_modified"].as_i64().unwrap() - u["last_modified_utc"].as_i64().unwrap(), 9 * 3_600_000);
    assert_eq!(u["login_info"], "admin");

    let v = alice.get("user", &[("action", "all"), ("columns", "1,500,524,611,612,613,615"), ("sort", "500"), ("order", "asc")]).await;
    let rows = data(&v).as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], "Administrator");
    assert_eq!(rows[1], json!([alice_id, "alice Tester", alice_id, "UTC", "en_US", [0], "alice"]));
    let v = alice.get("user", &[("action", "all"), ("columns", "1"), ("sort", "500"), ("order", "desc"), ("left_hand_limit", "0"), ("right_hand_limit", "1")]).await;
    assert_eq!(data(&v), &json!([[alice_id]]));

    let v = alice.put("user", &[("action", "list"), ("columns", "1,555")], &json!([null, admin_id.to_string()])).await;
    let rows = data(&v).as_array().unwrap();
    assert_eq!(rows[0][0], alice_id);
    assert_eq!(rows[1][0], admin_id);

    let v = alice.put("user", &[("action", "search"), ("columns", "1")], &json!({"pattern": "ali"})).await;
    assert_eq!(data(&v), &json!([[alice_id]]));
    let v = alice.put("user", &[("action", "search"), ("columns", "1")], &json!({"pattern": "*istrat?r"})).await;
    assert_eq!(data(&v), &json!([[admin_id]]));
    let v = alice.put("user", &[("action", "search"), ("columns", "1"), ("sort", "1")], &json!({"first_name": "alice", "last_name": "Istrator", "orSearch": true})).await;
    assert_eq!(data(&v), &json!([[admin_id], [alice_id]]));
    let v = alice.put("user", &[("action", "search"), ("columns", "1")], &json!({"first_name": "alice", "last_name": "Istrator"})).await;
    assert_eq!(data(&v), &json!([]));
    let v = alice.put("user", &[("action", "search"), ("columns", "1")], &json!({"pattern": "Test", "startletter": true})).await;
    assert_eq!(data(&v), &json!([[alice_id]]));
}

#[tokio::test]
async fn user_errors_name_the_problem() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    assert_eq!(code(&alice.get("user", &[("action", "all")]).await), "SVL-0002");
    assert_eq!(code(&alice.get("user", &[("action", "all"), ("columns", "1,abc")]).await), "SVL-0010");
    assert_eq!(code(&alice.get("user", &[("action", "all"), ("columns", "1,99999")]).await), "SVL-0010");
    assert_eq!(code(&alice.get("user", &[("action", "all"), ("columns", "1"), ("sort", "x")]).await), "SVL-0010");
    assert_eq!(code(&alice.get("user", &[("action", "get"), ("id", "abc")]).await), "SVL-0010");
    assert_eq!(code(&alice.get("user", &[("action", "get"), ("id", "99999")]).await), "USR-0010");
    assert_eq!(code(&alice.put("user", &[("action", "list"), ("columns", "1")], &json!([99999])).await), "USR-0010");
    assert_eq!(code(&alice.put("user", &[("action", "list"), ("columns", "1")], &json!({"a": 1})).await), "SVL-0029");
    assert_eq!(code(&alice.put("user", &[("action", "list"), ("columns", "1")], &json!([true])).await), "SVL-0029");
    assert_eq!(code(&alice.put("user", &[("action", "search"), ("columns", "1")], &json!({"pattern": 5})).await), "SVL-0010");
    assert_eq!(code(&alice.get("user", &[("action", "nosuch")]).await), "SVL-0021");
    let r = alice.put_raw("user", &[("action", "search"), ("columns", "1")], "{not json").await;
    assert_eq!(code(&parse_json(r).await), "SVL-0029");
}

#[tokio::test]
async fn user_update_is_own_account_only_with_conflict_detection() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    let alice = server.user("alice").await;
    let alice_id = me(&alice).await.to_string();
    let admin_id = me(&admin).await.to_string();

    let before = ts(&alice.get("user", &[("action", "get")]).await);
    let v = alice
        .put("user", &[("action", "update"), ("id", &alice_id), ("timestamp", &before.to_string())], &json!({"display_name": "Alice A.", "timezone": "Europe/Berlin", "locale": "de_DE"}))
        .await;
    let after = ts(&v);
    assert!(after > before);
    let v = alice.get("user", &[("action", "get")]).await;
    let u = data(&v);
    assert_eq!(u["display_name"], "Alice A.");
    assert_eq!(u["locale"], "de_DE");
    assert_eq!(u["timezone"], "Europe/Berlin");
    // The session now uses the new time zone for Time fields.
    let shift = u["last_modified"].as_i64().unwrap() - u["last_modified_utc"].as_i64().unwrap();
    assert!(shift == 3_600_000 || shift == 7_200_000, "shift {shift}");

    // A stale timestamp conflicts and changes nothing.
    let v = alice.put("user", &[("action", "update"), ("id", &alice_id), ("timestamp", &before.to_string())], &json!({"display_name": "Stale"})).await;
    assert_eq!(code(&v), "CON-0119");
    // Another user's account.
    let v = alice.put("user", &[("action", "update"), ("id", &admin_id), ("timestamp", &after.to_string())], &json!({"display_name": "Hacked"})).await;
    assert_eq!(code(&v), "USR-0016");
    let v = admin.get("user", &[("action", "get")]).await;
    assert_eq!(data(&v)["display_name"], "Administrator");
    // The context administrator may change it.
    let v = admin.put("user", &[("action", "update"), ("id", &alice_id), ("timestamp", &after.to_string())], &json!({"first_name": "Alicia"})).await;
    assert!(ts(&v) > after);
    assert_eq!(data(&alice.get("user", &[("action", "get")]).await)["first_name"], "Alicia");
    assert_eq!(data(&alice.get("user", &[("action", "get")]).await)["display_name"], "Alice A.");

    let now = i64::MAX.to_string();
    let upd = |body: Value| {
        let alice = &alice;
        let id = alice_id.clone();
        let now = now.clone();
        async move { alice.put("user", &[("action", "update"), ("id", &id), ("timestamp", &now)], &body).await }
    };
    assert_eq!(code(&upd(json!({"timezone": "Mars/Olympus"})).await), "SVL-0010");
    assert_eq!(code(&upd(json!({"locale": "not a locale"})).await), "SVL-0010");
    assert_eq!(code(&upd(json!({"display_name": 42})).await), "SVL-0010");
    assert_eq!(code(&upd(json!({"display_name": ""})).await), "SVL-0010");
    assert_eq!(code(&upd(json!({"telephone_home1": "123"})).await), "SVL-0010");
    assert_eq!(code(&upd(json!({"display_name": "x".repeat(400)})).await), "SVL-0010");
    assert_eq!(code(&alice.put("user", &[("action", "update"), ("id", &alice_id)], &json!({})).await), "SVL-0002");
    assert_eq!(code(&alice.put("user", &[("action", "update"), ("id", &alice_id), ("timestamp", "soon")], &json!({})).await), "SVL-0010");
    assert_eq!(code(&alice.put("user", &[("action", "update"), ("id", "99999"), ("timestamp", &now)], &json!({})).await), "USR-0016");
    assert_eq!(code(&admin.put("user", &[("action", "update"), ("id", "99999"), ("timestamp", &now)], &json!({})).await), "USR-0010");
    assert_eq!(data(&alice.get("user", &[("action", "get")]).await)["display_name"], "Alice A.");
}

#[tokio::test]
async fn user_attributes() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    let alice = server.user("alice").await;
    let id = me(&alice).await.to_string();
    let admin_id = me(&admin).await.to_string();

    let get = |name: &'static str| {
        let alice = &alice;
        let id = id.clone();
        async move { alice.get("user", &[("action", "getAttribute"), ("id", &id), ("name", name)]).await }
    };
    assert_eq!(data(&get("theme").await), &json!({"name": "theme", "value": null}));
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &id)], &json!({"name": "theme", "value": "dark"})).await;
    assert_eq!(data(&v), &json!(true));
    assert_eq!(data(&get("theme").await)["value"], "dark");
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &id), ("setIfAbsent", "true")], &json!({"name": "theme", "value": "light"})).await;
    assert_eq!(data(&v), &json!(false));
    assert_eq!(data(&get("theme").await)["value"], "dark");
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &id), ("setIfAbsent", "true")], &json!({"name": "font", "value": "serif"})).await;
    assert_eq!(data(&v), &json!(true));
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &id)], &json!({"name": "theme", "value": null})).await;
    assert_eq!(data(&v), &json!(true));
    assert_eq!(data(&get("theme").await)["value"], Value::Null);
    assert_eq!(data(&get("font").await)["value"], "serif");

    assert_eq!(code(&get("bad name!").await), "USR-0033");
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &id)], &json!({"name": "a b", "value": "x"})).await;
    assert_eq!(code(&v), "USR-0033");
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &id)], &json!({"value": "x"})).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &id)], &json!({"name": "x", "value": {"nested": 1}})).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &id), ("setIfAbsent", "maybe")], &json!({"name": "x", "value": "y"})).await;
    assert_eq!(code(&v), "SVL-0010");
    // Another user's attributes are private.
    let v = alice.put("user", &[("action", "setAttribute"), ("id", &admin_id)], &json!({"name": "x", "value": "y"})).await;
    assert_eq!(code(&v), "USR-0016");
    let v = alice.get("user", &[("action", "getAttribute"), ("id", &admin_id), ("name", "x")]).await;
    assert_eq!(code(&v), "USR-0016");
    let v = admin.get("user", &[("action", "getAttribute"), ("id", &id), ("name", "font")]).await;
    assert_eq!(data(&v)["value"], "serif");
    assert_eq!(code(&alice.get("user", &[("action", "getAttribute"), ("id", &id)]).await), "SVL-0002");
}

#[tokio::test]
async fn groups_are_managed_by_context_admins() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    let alice = server.user("alice").await;
    let alice_id = me(&alice).await;
    let start = ts(&admin.get("user", &[("action", "get")]).await);

    let body = json!({"name": "devs", "display_name": "Developers", "members": [alice_id]});
    assert_eq!(code(&alice.put("group", &[("action", "new")], &body).await), "GRP-0009");
    let v = admin.put("group", &[("action", "new")], &body).await;
    let gid = id_of(&v);
    let created = ts(&v);
    assert!(created > start);

    let v = alice.get("group", &[("action", "get"), ("id", &gid.to_string())]).await;
    assert_eq!(data(&v)["members"], json!([alice_id]));
    assert_eq!(data(&v)["display_name"], "Developers");
    assert_eq!(data(&v)["name"], "devs");
    assert_eq!(ts(&v), created);
    assert_eq!(data(&alice.get("user", &[("action", "get")]).await)["groups"], json!([0, gid]));

    let v = alice.get("group", &[("action", "all")]).await;
    let all = data(&v).as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["id"], 0);
    assert_eq!(all[0]["members"].as_array().unwrap().len(), 2);
    let v = alice.get("group", &[("action", "all"), ("columns", "1,500,502")]).await;
    assert_eq!(data(&v)[1], json!([gid, "Developers", [alice_id]]));
    assert_eq!(code(&alice.get("group", &[("action", "all"), ("columns", "1,777")]).await), "SVL-0010");

    let v = alice.put("group", &[("action", "list")], &json!([{"id": gid}, {"id": 0}])).await;
    assert_eq!(data(&v)[0]["id"], gid);
    assert_eq!(data(&v)[1]["display_name"], "All users");
    assert_eq!(code(&alice.put("group", &[("action", "list")], &json!([{"id": 4242}])).await), "GRP-0017");
    assert_eq!(code(&alice.put("group", &[("action", "list")], &json!([{"x": 1}])).await), "SVL-0029");

    let v = alice.put("group", &[("action", "search")], &json!({"pattern": "dev*"})).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 1);
    let v = alice.put("group", &[("action", "search")], &json!({"pattern": "All*"})).await;
    assert_eq!(data(&v)[0]["id"], 0);
    assert_eq!(code(&alice.put("group", &[("action", "search")], &json!({})).await), "SVL-0002");

    // Updates: only admins, only with a current timestamp.
    let g = gid.to_string();
    let c = created.to_string();
    assert_eq!(code(&alice.put("group", &[("action", "update"), ("id", &g), ("timestamp", &c)], &json!({"display_name": "Mine"})).await), "GRP-0011");
    let v = admin.put("group", &[("action", "update"), ("id", &g), ("timestamp", &c)], &json!({"display_name": "Devs", "members": []})).await;
    let updated = ts(&v);
    assert!(updated > created);
    assert_eq!(code(&admin.put("group", &[("action", "update"), ("id", &g), ("timestamp", &c)], &json!({"display_name": "Old"})).await), "GRP-0010");
    assert_eq!(data(&alice.get("user", &[("action", "get")]).await)["groups"], json!([0]));
    let u = updated.to_string();
    assert_eq!(code(&admin.put("group", &[("action", "update"), ("id", &g), ("timestamp", &u)], &json!({"members": [99999]})).await), "GRP-0007");
    assert_eq!(code(&admin.put("group", &[("action", "update"), ("id", &g), ("timestamp", &u)], &json!({"name": "has space"})).await), "GRP-0005");
    assert_eq!(code(&admin.put("group", &[("action", "update"), ("id", &g), ("timestamp", &u)], &json!({"members": "all"})).await), "GRP-0008");
    assert_eq!(code(&admin.put("group", &[("action", "update"), ("id", "0"), ("timestamp", &u)], &json!({"display_name": "x"})).await), "GRP-0014");
    assert_eq!(code(&admin.put("group", &[("action", "update"), ("id", "4242"), ("timestamp", &u)], &json!({})).await), "GRP-0017");
    assert_eq!(code(&admin.put("group", &[("action", "new")], &json!({"name": "devs"})).await), "GRP-0006");
    assert_eq!(code(&admin.put("group", &[("action", "new")], &json!({"display_name": "No name"})).await), "GRP-0004");
    assert_eq!(data(&alice.get("group", &[("action", "get"), ("id", &g)]).await)["display_name"], "Devs");

    let v = alice.get("group", &[("action", "updates"), ("timestamp", &c)]).await;
    assert_eq!(data(&v)["modified"][0]["id"], gid);
    assert_eq!(data(&v)["new"], json!([]));
    assert_eq!(ts(&v), updated);
    let v = alice.get("group", &[("action", "updates"), ("timestamp", &start.to_string())]).await;
    assert_eq!(data(&v)["new"][0]["id"], gid);

    assert_eq!(code(&alice.put("group", &[("action", "delete"), ("timestamp", &u)], &json!({"id": gid})).await), "GRP-0012");
    assert_eq!(code(&admin.put("group", &[("action", "delete"), ("timestamp", &c)], &json!({"id": gid})).await), "GRP-0010");
    assert_eq!(code(&admin.put("group", &[("action", "delete"), ("timestamp", &u)], &json!({"id": 0})).await), "GRP-0013");
    assert_eq!(code(&admin.put("group", &[("action", "delete")], &json!({"id": gid})).await), "SVL-0002");
    let v = admin.put("group", &[("action", "delete"), ("timestamp", &u)], &json!({"id": gid})).await;
    assert_eq!(data(&v), &json!([]));
    let deleted_at = ts(&v);
    assert_eq!(code(&alice.get("group", &[("action", "get"), ("id", &g)]).await), "GRP-0017");
    let v = alice.get("group", &[("action", "updates"), ("timestamp", &u)]).await;
    assert_eq!(data(&v)["deleted"][0]["id"], gid);
    assert_eq!(ts(&v), deleted_at);
    assert_eq!(code(&alice.get("group", &[("action", "updates")]).await), "SVL-0002");
    assert_eq!(code(&alice.get("group", &[("action", "get"), ("id", "x")]).await), "SVL-0010");
}

#[tokio::test]
async fn resources_are_managed_by_context_admins() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    let alice = server.user("alice").await;
    let body = json!({"name": "room1", "display_name": "Room 1", "mailaddress": "room1@example.com", "description": "Big"});
    assert_eq!(code(&alice.put("resource", &[("action", "new")], &body).await), "RES-0009");
    let v = admin.put("resource", &[("action", "new")], &body).await;
    let rid = id_of(&v);
    let created = ts(&v);
    let r = rid.to_string();

    assert_eq!(data(&alice.get("resource", &[("action", "all")]).await), &json!([rid]));
    let v = alice.get("resource", &[("action", "get"), ("id", &r)]).await;
    let d = data(&v);
    assert_eq!(d["display_name"], "Room 1");
    assert_eq!(d["mailaddress"], "room1@example.com");
    assert_eq!(d["availability"], true);
    assert_eq!(d["description"], "Big");
    assert_eq!(d["last_modified_utc"], created);
    let v = alice.put("resource", &[("action", "list")], &json!([{"id": rid}])).await;
    assert_eq!(data(&v)[0]["name"], "room1");
    let v = alice.put("resource", &[("action", "search")], &json!({"pattern": "room"})).await;
    assert_eq!(data(&v)[0]["id"], rid);
    let v = alice.put("resource", &[("action", "search")], &json!({"pattern": "nothing"})).await;
    assert_eq!(data(&v), &json!([]));
    assert_eq!(code(&alice.get("resource", &[("action", "get"), ("id", "4242")]).await), "RES-0005");

    let c = created.to_string();
    assert_eq!(code(&alice.put("resource", &[("action", "update"), ("id", &r), ("timestamp", &c)], &json!({"availability": false})).await), "RES-0009");
    let v = admin.put("resource", &[("action", "update"), ("id", &r), ("timestamp", &c)], &json!({"availability": false})).await;
    let updated = ts(&v);
    assert_eq!(data(&alice.get("resource", &[("action", "get"), ("id", &r)]).await)["availability"], false);
    assert_eq!(code(&admin.put("resource", &[("action", "update"), ("id", &r), ("timestamp", &c)], &json!({"description": "x"})).await), "RES-0013");
    let u = updated.to_string();
    assert_eq!(code(&admin.put("resource", &[("action", "update"), ("id", &r), ("timestamp", &u)], &json!({"mailaddress": "not-an-address"})).await), "RES-0012");
    assert_eq!(code(&admin.put("resource", &[("action", "update"), ("id", &r), ("timestamp", &u)], &json!({"availability": "no"})).await), "SVL-0010");
    assert_eq!(code(&admin.put("resource", &[("action", "new")], &body).await), "RES-0006");
    assert_eq!(code(&admin.put("resource", &[("action", "new")], &json!({"name": "room2", "mailaddress": "room1@example.com"})).await), "RES-0010");
    assert_eq!(code(&admin.put("resource", &[("action", "new")], &json!({"name": "room2"})).await), "RES-0008");
    assert_eq!(code(&admin.put("resource", &[("action", "new")], &json!({"display_name": "x"})).await), "RES-0008");
    assert_eq!(code(&admin.put("resource", &[("action", "new")], &json!({"name": "room 2", "mailaddress": "r2@example.com"})).await), "RES-0011");

    let v = alice.get("resource", &[("action", "updates"), ("timestamp", &c)]).await;
    assert_eq!(data(&v)["modified"][0]["id"], rid);
    assert_eq!(ts(&v), updated);

    assert_eq!(code(&alice.put("resource", &[("action", "delete"), ("timestamp", &u)], &json!([{"id": rid}])).await), "RES-0009");
    assert_eq!(code(&admin.put("resource", &[("action", "delete"), ("timestamp", &u)], &json!([{"id": rid}, {"id": 4242}])).await), "RES-0005");
    // The failed multi-delete removed nothing.
    assert_eq!(data(&alice.get("resource", &[("action", "all")]).await), &json!([rid]));
    let v = admin.put("resource", &[("action", "delete"), ("timestamp", &u)], &json!([{"id": rid}])).await;
    assert_eq!(data(&v), &json!([]));
    assert_eq!(data(&alice.get("resource", &[("action", "all")]).await), &json!([]));
    let v = alice.get("resource", &[("action", "updates"), ("timestamp", &u)]).await;
    assert_eq!(data(&v)["deleted"][0]["id"], rid);
}

#[tokio::test]
async fn capabilities_quota_and_user_picture() {
    let server = Server::start().await;
    let admin = server.admin_client().await;
    let alice = server.user("alice").await;
    let alice_id = me(&alice).await.to_string();

    let v = admin.get("capabilities", &[("action", "all")]).await;
    let ids: Vec<&str> = data(&v).as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"edit_group") && ids.contains(&"edit_resource"), "{ids:?}");
    let v = alice.get("capabilities", &[("action", "all")]).await;
    assert!(!data(&v).as_array().unwrap().iter().any(|c| c["id"] == "edit_group"));
    for id in ["contacts", "gab", "infostore"] {
        assert!(data(&v).as_array().unwrap().iter().any(|c| c["id"] == id), "{id} missing: {v}");
    }
    let v = admin.get("capabilities", &[("action", "get"), ("id", "edit_group")]).await;
    assert_eq!(data(&v), &json!({"id": "edit_group", "attributes": {}}));
    let v = alice.get("capabilities", &[("action", "get"), ("id", "edit_group")]).await;
    assert_eq!(data(&v), &json!({}));
    assert_eq!(code(&alice.get("capabilities", &[("action", "get")]).await), "SVL-0002");

    let v = alice.get("quota", &[("action", "get")]).await;
    assert!(data(&v).is_object());
    let r = alice.get_raw("quota", &[("action", "get"), ("module", "no-such-module")]).await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(code(&alice.get("quota", &[("action", "get"), ("account", "0")]).await), "SVL-0002");

    let r = alice.get_raw("image/user/picture", &[("id", &alice_id)]).await;
    assert_eq!(r.status().as_u16(), 404);
    let r = alice.get_raw("image/user/picture", &[("id", "abc")]).await;
    assert_eq!(r.status().as_u16(), 400);
    let r = alice.get_raw("image/user/picture", &[("id", "99999")]).await;
    assert_eq!(r.status().as_u16(), 404);
    let r = Client::new(&server.url).get_raw("image/user/picture", &[("id", &alice_id)]).await;
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn user_picture_is_the_address_book_picture() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let v = alice.get("user", &[("action", "get")]).await;
    let alice_id = data(&v)["id"].as_i64().unwrap().to_string();
    let contact_id = data(&v)["contact_id"].as_i64().expect("user has an address book entry").to_string();
    let t = data(&alice.get("contacts", &[("action", "get"), ("folder", "6"), ("id", &contact_id)]).await)["last_modified_utc"]
        .as_i64()
        .unwrap()
        .to_string();
    let form = reqwest::multipart::Form::new()
        .text("json", json!({}).to_string())
        .part("file", reqwest::multipart::Part::bytes(tiny_png()).file_name("me.png").mime_str("image/png").unwrap());
    let v = alice.post_multipart("contacts", &[("action", "update"), ("folder", "6"), ("id", &contact_id), ("timestamp", &t)], form).await;
    assert!(v.get("error").is_none(), "{v}");
    let r = bob.get_raw("image/user/picture", &[("id", &alice_id)]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), tiny_png());
}

#[tokio::test]
async fn quota_lists_every_module_with_real_counts() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let count = |v: &Value, module: &str| v["data"][module]["accounts"][0]["countuse"].as_i64().unwrap_or_else(|| panic!("{module}: {v}"));
    let before = alice.get("quota", &[("action", "get")]).await;
    for (module, name) in [("filestorage", "Drive"), ("mail", "E-Mail"), ("contact", "Contacts"), ("infostore", "Drive"), ("attachment", "Attachments")] {
        assert_eq!(before["data"][module]["display_name"], name, "{before}");
    }
    for module in ["contact", "infostore", "attachment"] {
        assert_eq!(before["data"][module]["accounts"][0]["countquota"], -1);
        assert_eq!(before["data"][module]["accounts"][0]["account_id"], "0");
    }

    // Two contacts, one Drive document, one attachment.
    let folder = own_contacts_folder(&alice).await;
    let mut contact = String::new();
    for name in ["One", "Two"] {
        let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": folder, "display_name": name})).await;
        contact = data(&v)["id"].as_str().unwrap().to_string();
    }
    let home = alice.drive_home().await;
    data(&alice.upload(&home, "q.txt", b"quota".to_vec(), &[]).await);
    let form = reqwest::multipart::Form::new()
        .text("json_0", json!({"folder": folder, "attached": contact, "module": 7}).to_string())
        .part("file_0", reqwest::multipart::Part::bytes(b"att".to_vec()).file_name("a.txt"));
    data(&alice.post_multipart("attachment", &[("action", "attach")], form).await);

    let after = alice.get("quota", &[("action", "get")]).await;
    assert_eq!(count(&after, "contact"), count(&before, "contact") + 2);
    assert_eq!(count(&after, "infostore"), count(&before, "infostore") + 1);
    assert_eq!(count(&after, "attachment"), count(&before, "attachment") + 1);
    assert_eq!(
        after["data"]["filestorage"]["accounts"][0]["use"].as_i64().unwrap(),
        before["data"]["filestorage"]["accounts"][0]["use"].as_i64().unwrap() + 8
    );

    // One module, one account, unknown account.
    let v = alice.get("quota", &[("action", "get"), ("module", "contact")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 1);
    assert_eq!(data(&v)[0]["countuse"], count(&after, "contact"));
    let v = alice.get("quota", &[("action", "get"), ("module", "infostore"), ("account", "0")]).await;
    assert_eq!(data(&v)["countuse"], count(&after, "infostore"));
    assert!(data(&v).get("quota").is_none(), "no storage quota on an item count: {v}");
    let v = alice.get("quota", &[("action", "get"), ("module", "attachment"), ("account", "7")]).await;
    assert_eq!(code(&v), "SVL-0010");
}
