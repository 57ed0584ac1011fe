mod common;

use common::*;
use serde_json::{json, Value};

const COLS: &str = "1,20,300,301,302,305,306,308,316,304,314,2,5,6";
const OWNER: i64 = 403_710_016;
const VIEWER: i64 = 257;
const AUTHOR: i64 = 4_227_332;

/// Rows of a list answer, each as (id, parent, title, module, type).
fn rows(v: &Value) -> Vec<Vec<Value>> {
    data(v).as_array().unwrap().iter().map(|r| r.as_array().unwrap().clone()).collect()
}

fn ids(v: &Value) -> Vec<String> {
    rows(v).iter().map(|r| r[0].as_str().unwrap_or_default().to_string()).collect()
}

fn titles(v: &Value) -> Vec<String> {
    rows(v).iter().map(|r| r[2].as_str().unwrap_or_default().to_string()).collect()
}

async fn list(c: &Client, parent: &str) -> Value {
    c.get("folders", &[("action", "list"), ("parent", parent), ("columns", COLS)]).await
}

async fn get(c: &Client, id: &str) -> Value {
    c.get("folders", &[("action", "get"), ("id", id)]).await
}

/// The id of the user's standard folder of `module` below "Private folders", and the user id.
async fn standard(c: &Client, module: &str) -> (String, i64) {
    let v = list(c, "1").await;
    let r = rows(&v).into_iter().find(|r| r[3] == module && r[7] == true).expect("standard folder");
    (r[0].as_str().unwrap().to_string(), r[11].as_i64().unwrap())
}

async fn create(c: &Client, parent: &str, body: Value) -> Value {
    c.put("folders", &[("action", "new"), ("folder_id", parent)], &json!({ "folder": body })).await
}

async fn create_ok(c: &Client, parent: &str, title: &str, module: &str) -> String {
    let v = create(c, parent, json!({ "title": title, "module": module })).await;
    data(&v).as_str().unwrap().to_string()
}

async fn update(c: &Client, id: &str, folder: Value) -> Value {
    let ts = get(c, id).await["timestamp"].as_i64().unwrap();
    c.put("folders", &[("action", "update"), ("id", id), ("timestamp", &ts.to_string())], &json!({ "folder": folder })).await
}

async fn share(c: &Client, id: &str, owner: i64, entity: i64, group: bool, bits: i64) -> Value {
    update(c, id, json!({ "permissions": [
        { "bits": OWNER, "entity": owner, "group": false },
        { "bits": bits, "entity": entity, "group": group },
    ]}))
    .await
}

#[tokio::test]
async fn root_tree_and_standard_folders() {
    let server = Server::start().await;
    let alice = server.user("alice").await;

    let v = alice.get("folders", &[("action", "root"), ("columns", COLS)]).await;
    assert_eq!(ids(&v), ["1", "2", "3", "9"]);
    assert!(v["timestamp"].as_i64().is_some());

    let v = list(&alice, "1").await;
    let t = titles(&v);
    assert!(t.contains(&"Calendar".to_string()) && t.contains(&"Contacts".to_string()) && t.contains(&"Tasks".to_string()), "{t:?}");
    let cal = rows(&v).into_iter().find(|r| r[2] == "Calendar").unwrap();
    assert_eq!(cal[1], "1");
    assert_eq!(cal[4], 1);
    assert_eq!(cal[5], OWNER);
    assert_eq!(cal[7], true);
    assert_eq!(cal[8], 2);
    assert_eq!(cal[6][0]["bits"], OWNER);
    assert_eq!(cal[6][0]["group"], false);

    let v = list(&alice, "2").await;
    assert!(ids(&v).contains(&"6".to_string()), "{v}");
    let v = list(&alice, "9").await;
    assert_eq!(ids(&v), ["10", "15"]);
    let v = alice.get("folders", &[("action", "list"), ("parent", "9"), ("columns", "1,300"), ("altNames", "true")]).await;
    assert_eq!(titles_of(&v), ["Shared files", "Public files"]);
    let v = list(&alice, "10").await;
    assert_eq!(rows(&v).len(), 1);
    let home = rows(&v)[0][0].as_str().unwrap().to_string();
    let v = list(&alice, &home).await;
    let t = titles(&v);
    assert!(t.contains(&"Trash".to_string()) && t.contains(&"Documents".to_string()), "{t:?}");

    // get: object form, time zone shifted times, unknown column gives null in lists.
    let (cal_id, me) = standard(&alice, "calendar").await;
    let v = get(&alice, &cal_id).await;
    let o = data(&v);
    assert_eq!(o["id"], cal_id.as_str());
    assert_eq!(o["created_by"], me);
    assert_eq!(o["own_rights"], OWNER);
    assert_eq!(o["supported_capabilities"], json!(["permissions"]));
    let utc = o["last_modified_utc"].as_i64().unwrap();
    let v = alice.get("folders", &[("action", "get"), ("id", &cal_id), ("timezone", "Europe/Berlin")]).await;
    let shifted = data(&v)["last_modified"].as_i64().unwrap();
    assert!(shifted - utc == 3_600_000 || shifted - utc == 7_200_000, "{shifted} vs {utc}");
    let v = alice.get("folders", &[("action", "list"), ("parent", "1"), ("columns", "1,9999,abc")]).await;
    assert_eq!(rows(&v)[0][1], Value::Null);
    assert_eq!(rows(&v)[0][2], Value::Null);

    // Missing and bad parameters.
    let v = alice.get("folders", &[("action", "list"), ("columns", COLS)]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = alice.get("folders", &[("action", "list"), ("parent", "1")]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = alice.get("folders", &[("action", "list"), ("parent", "1"), ("columns", "1"), ("tree", "x")]).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = alice.get("folders", &[("action", "nope")]).await;
    assert_eq!(code(&v), "SVL-0021");
}

async fn all_visible(c: &Client, cols: &str) -> Value {
    c.get("folders", &[("action", "allVisible"), ("content_type", "contacts"), ("columns", cols)]).await
}

fn titles_of(v: &Value) -> Vec<String> {
    data(v).as_array().unwrap().iter().map(|r| r[1].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn share_read_only_then_revoke() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (_, alice_id) = standard(&alice, "calendar").await;
    let (_, bob_id) = standard(&bob, "calendar").await;

    let project = create_ok(&alice, "1", "Project", "calendar").await;
    let secret = create_ok(&alice, &project, "Secret", "calendar").await;

    // Before sharing bob sees nothing: FLD-0003 without the name.
    let v = get(&bob, &project).await;
    assert_eq!(code(&v), "FLD-0003");
    assert!(!v.to_string().contains("Project"), "{v}");
    let v = list(&bob, &project).await;
    assert_eq!(code(&v), "FLD-0003");
    let v = get(&bob, "999999").await;
    assert_eq!(code(&v), "FLD-0008");
    let v = get(&bob, "garbage").await;
    assert_eq!(code(&v), "FLD-0008");

    let v = share(&alice, &project, alice_id, bob_id, false, VIEWER).await;
    assert_eq!(data(&v), project.as_str());
    let before_revoke = v["timestamp"].as_i64().unwrap();

    // Bob: "Shared folders" holds alice's virtual folder holding the shared folder.
    let v = list(&bob, "3").await;
    let owner_folder = format!("u:{alice_id}");
    assert_eq!(ids(&v), [owner_folder.clone()]);
    assert_eq!(titles(&v), ["alice Tester"]);
    let v = list(&bob, &owner_folder).await;
    assert_eq!(ids(&v), [project.clone()]);
    let r = &rows(&v)[0];
    assert_eq!(r[1], owner_folder.as_str());
    assert_eq!(r[4], 3);
    assert_eq!(r[5], VIEWER);
    assert_eq!(r[7], false);
    // The unshared subfolder stays hidden.
    assert!(ids(&list(&bob, &project).await).is_empty());
    assert_eq!(r[9], false);
    let v = get(&bob, &project).await;
    assert_eq!(data(&v)["type"], 3);
    assert_eq!(data(&v)["com.openexchange.folderstorage.displayName"], "alice Tester");
    let v = get(&bob, &secret).await;
    assert_eq!(code(&v), "FLD-0003");

    // Bob's own private list is unchanged; alice still sees her folder as private.
    assert!(!ids(&list(&bob, "1").await).contains(&project));
    assert_eq!(data(&get(&alice, &project).await)["type"], 1);

    // Read-only: no rename, no delete, no subfolder, no permission change.
    let v = update(&bob, &project, json!({ "title": "Mine" })).await;
    assert_eq!(code(&v), "FLD-1002");
    let v = bob.put("folders", &[("action", "delete"), ("failOnError", "true")], &json!([project])).await;
    assert_eq!(code(&v), "FLD-1026");
    let v = bob.put("folders", &[("action", "delete")], &json!([project])).await;
    assert_eq!(v["data"], json!([project]));
    assert_eq!(code(&v), "FLD-1026");
    let v = create(&bob, &project, json!({ "title": "Sub", "module": "calendar" })).await;
    assert_eq!(code(&v), "FLD-1029");
    let v = share(&bob, &project, alice_id, bob_id, false, OWNER).await;
    assert_eq!(code(&v), "FLD-1002");
    assert_eq!(data(&get(&alice, &project).await)["title"], "Project");

    // path from bob's point of view goes through the virtual owner folder.
    let v = bob.get("folders", &[("action", "path"), ("id", &project), ("columns", "1,300")]).await;
    let p: Vec<&str> = data(&v).as_array().unwrap().iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(p, [project.as_str(), owner_folder.as_str(), "3"]);

    // shares: alice's shared folders.
    let v = alice.get("folders", &[("action", "shares"), ("content_type", "calendar"), ("columns", COLS)]).await;
    assert_eq!(ids(&v), [project.clone()]);
    let v = bob.get("folders", &[("action", "shares"), ("content_type", "calendar"), ("columns", COLS)]).await;
    assert!(ids(&v).is_empty());

    // Revoke: bob loses it, and `updates` reports it as gone for bob.
    let v = update(&alice, &project, json!({ "permissions": [{ "bits": OWNER, "entity": alice_id, "group": false }] })).await;
    data(&v);
    assert_eq!(code(&get(&bob, &project).await), "FLD-0003");
    assert!(ids(&list(&bob, "3").await).is_empty());
    let v = bob
        .get("folders", &[("action", "updates"), ("parent", "1"), ("columns", "1"), ("timestamp", &before_revoke.to_string())])
        .await;
    assert!(data(&v).as_array().unwrap().contains(&json!(project)), "{v}");
    let v = alice
        .get("folders", &[("action", "updates"), ("parent", "1"), ("columns", "1"), ("timestamp", &before_revoke.to_string())])
        .await;
    let d = data(&v).as_array().unwrap();
    assert!(d.contains(&json!([project])), "{v}");
    assert!(!d.contains(&json!(project)), "{v}");
}

#[tokio::test]
async fn group_share_and_all_visible() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    server.admin(&["user", "add", "--login", "bob", "--password", PASSWORD, "--given-name", "bob", "--sur-name", "Tester"]);
    server.admin(&["user", "add", "--login", "carol", "--password", PASSWORD, "--given-name", "carol", "--sur-name", "Tester"]);
    let gid: i64 = server.admin(&["group", "add", "--name", "team", "--member", "bob"]).trim().parse().unwrap();
    let bob = server.login("bob", PASSWORD).await;
    let carol = server.login("carol", PASSWORD).await;
    let (_, alice_id) = standard(&alice, "contacts").await;

    let shared = create_ok(&alice, "1", "Team contacts", "contacts").await;
    data(&share(&alice, &shared, alice_id, gid, true, AUTHOR).await);

    let v = get(&bob, &shared).await;
    assert_eq!(data(&v)["own_rights"], AUTHOR);
    assert_eq!(code(&get(&carol, &shared).await), "FLD-0003");

    // Author may create below it; the new folder inherits the sharing.
    let sub = create_ok(&bob, &shared, "From bob", "contacts").await;
    let v = get(&alice, &sub).await;
    assert!(data(&v)["permissions"].as_array().unwrap().iter().any(|p| p["entity"] == gid && p["group"] == true), "{v}");

    // allVisible from each point of view.
    let cols = "1,300,302";
    let section_ids = |v: &Value, s: &str| -> Vec<String> {
        data(v)[s].as_array().unwrap().iter().map(|r| r[0].as_str().unwrap().to_string()).collect()
    };
    let v = all_visible(&alice, cols).await;
    assert!(section_ids(&v, "private").contains(&shared));
    assert!(section_ids(&v, "public").contains(&"6".to_string()));
    assert!(section_ids(&v, "shared").contains(&sub), "{v}");
    let v = all_visible(&bob, cols).await;
    assert!(section_ids(&v, "shared").contains(&shared));
    assert!(section_ids(&v, "private").contains(&sub));
    assert!(!section_ids(&v, "private").contains(&shared));
    let v = all_visible(&carol, cols).await;
    assert!(!section_ids(&v, "shared").contains(&shared));
    assert!(section_ids(&v, "public").contains(&"6".to_string()));
    let v = carol.get("folders", &[("action", "allVisible"), ("content_type", "nothing"), ("columns", cols)]).await;
    assert_eq!(code(&v), "SVL-0010");

    // notify mails the members of a group holding a permission (only those).
    let v = alice.put("folders", &[("action", "notify"), ("id", &shared)], &json!({ "entities": [gid], "notification": { "message": "hi" } })).await;
    assert_eq!(data(&v), &json!({}));
    assert!(v.get("code").is_none(), "unexpected warning: {v}");
    assert_eq!(inbox_subjects(&bob).await, ["alice Tester has shared the folder \"Team contacts\" with you"]);
    assert!(inbox_subjects(&carol).await.is_empty());
    let v = alice.put("folders", &[("action", "notify"), ("id", &shared)], &json!({ "entities": [999] })).await;
    assert_eq!(code(&v), "FLD-1038");
    let v = alice.put("folders", &[("action", "notify"), ("id", &shared)], &json!({})).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = bob.put("folders", &[("action", "notify"), ("id", &shared)], &json!({ "entities": [gid] })).await;
    assert_eq!(code(&v), "FLD-1002");

    // Sharing with a `notification` mails only those who gained access (carol), once.
    let (_, carol_id) = standard(&carol, "contacts").await;
    let ts = get(&alice, &shared).await["timestamp"].as_i64().unwrap().to_string();
    let perms = json!([{ "bits": OWNER, "entity": alice_id, "group": false }, { "bits": AUTHOR, "entity": gid, "group": true }, { "bits": AUTHOR, "entity": carol_id, "group": false }]);
    let body = json!({ "folder": { "permissions": perms }, "notification": { "message": "welcome" } });
    let v = alice.put("folders", &[("action", "update"), ("id", &shared), ("timestamp", &ts)], &body).await;
    data(&v);
    assert!(v.get("code").is_none(), "unexpected warning: {v}");
    assert_eq!(inbox_subjects(&carol).await, ["alice Tester has shared the folder \"Team contacts\" with you"]);
    assert_eq!(inbox_subjects(&bob).await.len(), 1);
    let created = alice.put("folders", &[("action", "new"), ("folder_id", "1")], &json!({ "folder": { "title": "Announcements", "module": "contacts", "permissions": [{ "bits": OWNER, "entity": alice_id, "group": false }, { "bits": 257, "entity": carol_id, "group": false }] }, "notification": {} })).await;
    data(&created);
    assert_eq!(inbox_subjects(&carol).await.len(), 2);
}

async fn inbox_subjects(c: &Client) -> Vec<String> {
    let v = c.get("mail", &[("action", "all"), ("folder", "default0/INBOX"), ("columns", "607")]).await;
    data(&v).as_array().unwrap().iter().map(|r| r[0].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn move_rename_cycles_and_names() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (_, alice_id) = standard(&alice, "tasks").await;
    let (_, bob_id) = standard(&bob, "tasks").await;

    let a = create_ok(&alice, "1", "A", "tasks").await;
    let b = create_ok(&alice, &a, "B", "tasks").await;
    let c = create_ok(&alice, &b, "C", "tasks").await;
    let d = create_ok(&alice, &c, "D", "tasks").await;

    // path of a deep folder.
    let v = alice.get("folders", &[("action", "path"), ("id", &d), ("columns", "1,300")]).await;
    let p: Vec<&str> = data(&v).as_array().unwrap().iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(p, [d.as_str(), c.as_str(), b.as_str(), a.as_str(), "1"]);

    // Cycles.
    assert_eq!(code(&update(&alice, &a, json!({ "folder_id": c })).await), "FLD-1016");
    assert_eq!(code(&update(&alice, &a, json!({ "folder_id": a })).await), "FLD-1016");

    // Names clashing in a parent (case-insensitive, same module), reserved and illegal names.
    let v = create(&alice, &a, json!({ "title": "b", "module": "tasks" })).await;
    assert_eq!(code(&v), "FLD-1014");
    let other = create_ok(&alice, &a, "Other", "tasks").await;
    assert_eq!(code(&update(&alice, &other, json!({ "title": "B" })).await), "FLD-1014");
    assert_eq!(code(&create(&alice, &a, json!({ "title": "..", "module": "tasks" })).await), "FLD-1033");
    assert_eq!(code(&create(&alice, &a, json!({ "title": "bad\u{1}name", "module": "tasks" })).await), "FLD-1040");
    assert_eq!(code(&create(&alice, &a, json!({ "module": "tasks" })).await), "SVL-0002");
    assert_eq!(code(&create(&alice, "1", json!({ "title": "x", "module": "infostore" })).await), "FLD-1031");
    assert_eq!(code(&create(&alice, "3", json!({ "title": "x", "module": "tasks" })).await), "FLD-1029");
    assert_eq!(code(&create(&alice, "0", json!({ "title": "x", "module": "tasks" })).await), "FLD-1029");
    assert_eq!(code(&create(&alice, "424242", json!({ "title": "x", "module": "tasks" })).await), "FLD-0008");
    // Two users may both have "A" below Private folders.
    create_ok(&bob, "1", "A", "tasks").await;

    // errorOnDuplicateName in list.
    let v = alice.get("folders", &[("action", "list"), ("parent", &a), ("columns", "1"), ("errorOnDuplicateName", "true")]).await;
    data(&v);

    // Rename and stale timestamp.
    let v = alice.put("folders", &[("action", "update"), ("id", &other), ("timestamp", "1")], &json!({ "folder": { "title": "New" } })).await;
    assert_eq!(code(&v), "FLD-1022");
    data(&update(&alice, &other, json!({ "title": "Renamed" })).await);
    assert_eq!(data(&get(&alice, &other).await)["title"], "Renamed");

    // A folder moved under a shared parent: bob sees the parent, and the moved folder
    // only once it is shared too, below the shared parent.
    let shared = create_ok(&alice, "1", "Shared", "tasks").await;
    data(&share(&alice, &shared, alice_id, bob_id, false, VIEWER).await);
    data(&update(&alice, &other, json!({ "folder_id": shared })).await);
    let v = alice.get("folders", &[("action", "path"), ("id", &other), ("columns", "1")]).await;
    assert_eq!(data(&v)[1][0], shared.as_str());
    assert!(ids(&list(&bob, &shared).await).is_empty());
    data(&share(&alice, &other, alice_id, bob_id, false, VIEWER).await);
    let v = list(&bob, &shared).await;
    assert_eq!(ids(&v), [other.clone()]);
    assert_eq!(rows(&v)[0][1], shared.as_str());
    assert_eq!(data(&get(&bob, &shared).await)["subfolders"], true);

    // Bob cannot move alice's folders, nor move his own below a read-only shared folder.
    let mine = create_ok(&bob, "1", "Mine", "tasks").await;
    assert_eq!(code(&update(&bob, &mine, json!({ "folder_id": shared })).await), "FLD-1029");
    assert_eq!(code(&update(&bob, &other, json!({ "folder_id": "1" })).await), "FLD-1002");

    // Subscription flag.
    data(&update(&alice, &c, json!({ "subscribed": false })).await);
    assert!(!ids(&list(&alice, &b).await).contains(&c));
    let v = alice.get("folders", &[("action", "list"), ("parent", &b), ("columns", "1"), ("all", "1")]).await;
    assert!(ids(&v).contains(&c));
}

#[tokio::test]
async fn protected_folders_and_permission_checks() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let (cal, alice_id) = standard(&alice, "calendar").await;
    let home = ids(&list(&alice, "10").await)[0].clone();
    let trash = rows(&list(&alice, &home).await).into_iter().find(|r| r[2] == "Trash").unwrap()[0].as_str().unwrap().to_string();

    // System folders: no rename, move, delete or permission change.
    for id in ["1", "2", "9", "15"] {
        assert_eq!(code(&update(&alice, id, json!({ "title": "X" })).await), "FLD-1004", "rename {id}");
        let v = update(&alice, id, json!({ "permissions": [{ "bits": OWNER, "entity": alice_id, "group": false }] })).await;
        assert_eq!(code(&v), "FLD-1004", "permissions {id}");
        let v = alice.put("folders", &[("action", "delete"), ("failOnError", "1")], &json!([id])).await;
        assert_eq!(code(&v), "FLD-1026", "delete {id}");
    }
    // Standard folders: no rename/move/delete; trash permissions stay as they are.
    assert_eq!(code(&update(&alice, &cal, json!({ "title": "X" })).await), "FLD-1004");
    assert_eq!(code(&update(&alice, &cal, json!({ "folder_id": "2" })).await), "FLD-1004");
    let v = alice.put("folders", &[("action", "delete"), ("failOnError", "1")], &json!([cal])).await;
    assert_eq!(code(&v), "FLD-1026");
    let v = update(&alice, &trash, json!({ "permissions": [{ "bits": OWNER, "entity": alice_id, "group": false }, { "bits": VIEWER, "entity": 0, "group": true }] })).await;
    assert_eq!(code(&v), "FLD-1004");

    // Invalid permissions: bad bits, unknown entity, owner losing admin, not an array.
    let f = create_ok(&alice, "1", "Perm", "calendar").await;
    let bad_bits = update(&alice, &f, json!({ "permissions": [{ "bits": OWNER, "entity": alice_id, "group": false }, { "bits": 3, "entity": 0, "group": true }] })).await;
    assert_eq!(code(&bad_bits), "FLD-1038");
    let v = update(&alice, &f, json!({ "permissions": [{ "bits": -5, "entity": alice_id, "group": false }] })).await;
    assert_eq!(code(&v), "FLD-1038");
    let v = update(&alice, &f, json!({ "permissions": [{ "bits": OWNER, "entity": 987654, "group": false }] })).await;
    assert_eq!(code(&v), "FLD-1038");
    let v = update(&alice, &f, json!({ "permissions": [{ "bits": VIEWER, "entity": alice_id, "group": false }] })).await;
    assert_eq!(code(&v), "FLD-1039");
    let v = update(&alice, &f, json!({ "permissions": "all" })).await;
    assert_eq!(code(&v), "FLD-1038");
    let v = create(&alice, "1", json!({ "title": "Bad", "module": "calendar", "permissions": [{ "bits": 1 << 30, "entity": alice_id }] })).await;
    assert_eq!(code(&v), "FLD-1038");
    // Nothing changed.
    assert_eq!(data(&get(&alice, &f).await)["permissions"], json!([{ "bits": OWNER, "entity": alice_id, "group": false }]));

    // Cascading permissions to subfolders.
    let sub = create_ok(&alice, &f, "Sub", "calendar").await;
    let v = alice
        .put(
            "folders",
            &[("action", "update"), ("id", &f), ("cascadePermissions", "true")],
            &json!({ "folder": { "permissions": [{ "bits": OWNER, "entity": alice_id, "group": false }, { "bits": VIEWER, "entity": 0, "group": true }] } }),
        )
        .await;
    data(&v);
    let perms = data(&get(&alice, &sub).await)["permissions"].clone();
    assert!(perms.as_array().unwrap().iter().any(|p| p["entity"] == 0 && p["group"] == true), "{perms}");

    // Bad bodies.
    let v = alice.put_raw("folders", &[("action", "new"), ("folder_id", "1")], "{not json").await;
    assert_eq!(code(&parse_json(v).await), "SVL-0029");
    let v = alice.put("folders", &[("action", "delete")], &json!({"a": 1})).await;
    assert_eq!(code(&v), "SVL-0029");
}

#[tokio::test]
async fn delete_clear_updates_and_trash() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let home = ids(&list(&alice, "10").await)[0].clone();
    let trash = rows(&list(&alice, &home).await).into_iter().find(|r| r[2] == "Trash").unwrap()[0].as_str().unwrap().to_string();

    let p = create_ok(&alice, "1", "Parent", "contacts").await;
    let child = create_ok(&alice, &p, "Child", "contacts").await;
    let since = data(&get(&alice, &child).await)["last_modified_utc"].as_i64().unwrap();

    // Stale timestamp on delete.
    let v = alice.put("folders", &[("action", "delete"), ("timestamp", "1"), ("failOnError", "true")], &json!([p])).await;
    assert_eq!(code(&v), "FLD-1022");

    let v = alice.put("folders", &[("action", "delete")], &json!([p])).await;
    assert_eq!(data(&v), &json!([]));
    assert_eq!(code(&get(&alice, &p).await), "FLD-0008");
    assert_eq!(code(&get(&alice, &child).await), "FLD-0008");
    let v = alice.get("folders", &[("action", "updates"), ("parent", "1"), ("columns", "1"), ("timestamp", &since.to_string())]).await;
    let d = data(&v).as_array().unwrap().clone();
    assert!(d.contains(&json!(p)) && d.contains(&json!(child)), "{v}");
    assert!(v["timestamp"].as_i64().unwrap() > since);
    let v = alice
        .get("folders", &[("action", "updates"), ("parent", "1"), ("columns", "1"), ("timestamp", &since.to_string()), ("ignore", "deleted")])
        .await;
    assert!(!data(&v).as_array().unwrap().contains(&json!(p)));
    let v = alice.get("folders", &[("action", "updates"), ("parent", "1"), ("columns", "1")]).await;
    assert_eq!(code(&v), "SVL-0002");

    // Drive folders go to the trash first, then away for good.
    let docs = create_ok(&alice, &home, "Old stuff", "infostore").await;
    assert_eq!(code(&create(&alice, &home, json!({ "title": "a/b", "module": "infostore" })).await), "FLD-1040");
    let v = alice.put("folders", &[("action", "delete")], &json!([docs])).await;
    assert_eq!(data(&v), &json!([]));
    assert_eq!(data(&get(&alice, &docs).await)["folder_id"], trash.as_str());
    let v = alice.put("folders", &[("action", "delete")], &json!([docs])).await;
    assert_eq!(data(&v), &json!([]));
    assert_eq!(code(&get(&alice, &docs).await), "FLD-0008");
    let hard = create_ok(&alice, &home, "Gone", "infostore").await;
    let v = alice.put("folders", &[("action", "delete"), ("hardDelete", "true")], &json!([hard])).await;
    assert_eq!(data(&v), &json!([]));
    assert_eq!(code(&get(&alice, &hard).await), "FLD-0008");

    // Unknown ids are reported as not deleted.
    let v = alice.put("folders", &[("action", "delete")], &json!(["777777"])).await;
    assert_eq!(v["data"], json!(["777777"]));
    assert_eq!(code(&v), "FLD-0008");

    // clear and sync refresh_server: own folder fine, global address book denied.
    let (contacts, _) = standard(&alice, "contacts").await;
    let v = alice.put("folders", &[("action", "clear")], &json!([contacts])).await;
    assert_eq!(data(&v), &json!([]));
    let v = alice.put("folders", &[("action", "clear"), ("failOnError", "true")], &json!(["6"])).await;
    assert_eq!(code(&v), "FLD-1041");
    let v = alice.put("sync", &[("action", "refresh_server")], &json!([contacts])).await;
    assert_eq!(data(&v), &json!([]));
    let v = alice.put("sync", &[("action", "refresh_server")], &json!(["6"])).await;
    assert_eq!(code(&v), "FLD-1041");
    let v = alice.put("sync", &[("action", "nope")], &json!([])).await;
    assert_eq!(code(&v), "SVL-0021");
}
