mod common;

use common::*;
use serde_json::{json, Value};

fn ts(v: &Value) -> String {
    v.get("timestamp").and_then(Value::as_i64).unwrap_or_else(|| panic!("no timestamp in {v}")).to_string()
}

async fn new_contact(c: &Client, folder: &str, body: Value) -> (String, String) {
    let mut body = body;
    body["folder_id"] = json!(folder);
    let v = c.put("contacts", &[("action", "new")], &body).await;
    let id = data(&v)["id"].as_str().unwrap().to_string();
    (id, ts(&v))
}

#[tokio::test]
async fn create_read_update_delete_and_updates() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let folder = own_contacts_folder(&alice).await;

    let (id, t1) = new_contact(&alice, &folder, json!({"first_name": "Max", "last_name": "Mustermann", "email1": "max@example.com", "birthday": 315532800123i64, "telephone_business1": "+49 1"})).await;
    let v = alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &id)]).await;
    let c = data(&v);
    assert_eq!(c["display_name"], "Max Mustermann");
    assert_eq!(c["id"], json!(id));
    assert_eq!(c["folder_id"], json!(folder));
    assert_eq!(c["birthday"], 315532800000i64, "dates are UTC midnight");
    assert_eq!(c["number_of_images"], 0);
    assert!(c["uid"].as_str().is_some_and(|u| !u.is_empty()));

    let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "1,20,500,555,9999")]).await;
    assert_eq!(data(&v), &json!([[id, folder, "Max Mustermann", "max@example.com", null]]));
    let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "1,x")]).await;
    assert_eq!(code(&v), "SVL-0010");

    let v = alice.put("contacts", &[("action", "list"), ("columns", "list")], &json!([{"id": id, "folder": folder}])).await;
    assert_eq!(data(&v)[0].as_array().unwrap().len(), 26);

    // Stale timestamp: conflict; current one: success.
    let v = alice.put("contacts", &[("action", "update"), ("folder", &folder), ("id", &id), ("timestamp", "1")], &json!({"last_name": "X"})).await;
    assert_eq!(code(&v), "CON-0119");
    let v = alice.put("contacts", &[("action", "update"), ("folder", &folder), ("id", &id), ("timestamp", &t1)], &json!({"last_name": "Muster", "note": null})).await;
    let t2 = ts(&v);
    assert!(t2.parse::<i64>().unwrap() > t1.parse::<i64>().unwrap());

    let v = alice.get("contacts", &[("action", "updates"), ("folder", &folder), ("columns", "1,502"), ("timestamp", &t1)]).await;
    assert_eq!(data(&v), &json!([[id, "Muster"]]));

    let (id2, _) = new_contact(&alice, &folder, json!({"display_name": "Second"})).await;
    let v = alice.put("contacts", &[("action", "delete"), ("timestamp", "1")], &json!([{"id": id2, "folder": folder}])).await;
    assert_eq!(code(&v), "CON-0119");
    let v = alice.put("contacts", &[("action", "delete"), ("timestamp", &i64::MAX.to_string())], &json!([{"id": id2, "folder": folder}])).await;
    data(&v);
    let v = alice.get("contacts", &[("action", "updates"), ("folder", &folder), ("columns", "1"), ("timestamp", &t2)]).await;
    assert!(data(&v).as_array().unwrap().contains(&json!(id2.parse::<i64>().unwrap())), "deleted id listed: {v}");
    let v = alice.get("contacts", &[("action", "updates"), ("folder", &folder), ("columns", "1"), ("timestamp", &t2), ("ignore", "deleted")]).await;
    assert!(!data(&v).as_array().unwrap().contains(&json!(id2.parse::<i64>().unwrap())));
    let v = alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &id2)]).await;
    assert_eq!(code(&v), "CON-0125");
    let v = alice.get("contacts", &[("action", "get"), ("folder", &folder)]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = alice.get("contacts", &[("action", "nope")]).await;
    assert_eq!(code(&v), "SVL-0021");
}

#[tokio::test]
async fn validation_and_permissions() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let folder = own_contacts_folder(&alice).await;

    let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": folder, "last_name": "x".repeat(129)})).await;
    assert_eq!(code(&v), "CON-0154");
    assert_eq!(v["problematic"][0]["id"], 502);
    assert_eq!(v["truncated"], json!([502]));
    assert_eq!(v["error_params"][0], "last_name");
    let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": folder, "email1": "not an address"})).await;
    assert_eq!(code(&v), "CON-0100");
    let v = alice.put("contacts", &[("action", "new")], &json!({"last_name": "x"})).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": "6", "last_name": "x"})).await;
    assert_eq!(code(&v), "CON-0112");
    let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": "99999", "last_name": "x"})).await;
    assert_eq!(code(&v), "CON-0104");
    let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": folder, "birthday": "soon"})).await;
    assert_eq!(code(&v), "CON-0168");

    let (id, t) = new_contact(&alice, &folder, json!({"last_name": "Secret"})).await;
    // Bob cannot see alice's private folder at all.
    let v = bob.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &id)]).await;
    assert_eq!(code(&v), "CON-0104");
    let v = bob.put("contacts", &[("action", "update"), ("folder", &folder), ("id", &id), ("timestamp", &t)], &json!({"last_name": "Mine"})).await;
    assert_eq!(code(&v), "CON-0104");
    let v = bob.put("contacts", &[("action", "delete"), ("timestamp", &t)], &json!([{"id": id, "folder": folder}])).await;
    assert_eq!(code(&v), "CON-0104");
    let v = bob.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "1")]).await;
    assert_eq!(code(&v), "CON-0104");
    // The contact id in another folder is not found there.
    let v = alice.get("contacts", &[("action", "get"), ("folder", "6"), ("id", &id)]).await;
    assert_eq!(code(&v), "CON-0125");
    let v = alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &id)]).await;
    assert_eq!(data(&v)["last_name"], "Secret");
}

#[tokio::test]
async fn global_address_book() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;

    let v = alice.get("contacts", &[("action", "all"), ("folder", "6"), ("columns", "1,524,500,555")]).await;
    let rows = data(&v).as_array().unwrap().clone();
    assert_eq!(rows.len(), 3, "admin, alice, bob: {v}");
    let alice_row = rows.iter().find(|r| r[2] == "alice Tester").expect("alice in GAB");
    let alice_user = alice_row[1].as_i64().unwrap();
    let alice_contact = alice_row[0].as_str().unwrap().to_string();
    assert!(alice_row[3].as_str().unwrap().starts_with("alice@"));

    let v = bob.get("contacts", &[("action", "getuser"), ("id", &alice_user.to_string())]).await;
    assert_eq!(data(&v)["id"], json!(alice_contact));
    assert_eq!(data(&v)["first_name"], "alice");
    let v = bob.get("contacts", &[("action", "getuser"), ("id", "4711")]).await;
    assert_eq!(code(&v), "CON-0125");
    let v = bob.put("contacts", &[("action", "listuser"), ("columns", "524,502")], &json!([alice_user])).await;
    assert_eq!(data(&v), &json!([[alice_user, "Tester"]]));

    let t = ts(&alice.get("contacts", &[("action", "get"), ("folder", "6"), ("id", &alice_contact)]).await);
    let v = bob.put("contacts", &[("action", "update"), ("folder", "6"), ("id", &alice_contact), ("timestamp", &t)], &json!({"telephone_business1": "1"})).await;
    assert_eq!(code(&v), "CON-0176");
    let v = alice.put("contacts", &[("action", "update"), ("folder", "6"), ("id", &alice_contact), ("timestamp", &t)], &json!({"telephone_business1": "+1 555"})).await;
    data(&v);
    let v = alice.put("contacts", &[("action", "delete"), ("timestamp", &i64::MAX.to_string())], &json!([{"id": alice_contact, "folder": "6"}])).await;
    assert_eq!(code(&v), "CON-0260");
    let v = bob.get("contacts", &[("action", "get"), ("folder", "6"), ("id", &alice_contact)]).await;
    assert_eq!(data(&v)["telephone_business1"], "+1 555");

    // Changing the account changes the address book entry.
    let before = ts(&alice.get("user", &[("action", "get")]).await);
    let v = alice.put("user", &[("action", "update"), ("id", &alice_user.to_string()), ("timestamp", &before)], &json!({"display_name": "Alice Renamed", "first_name": "Alicia"})).await;
    data(&v);
    let v = bob.get("contacts", &[("action", "getuser"), ("id", &alice_user.to_string())]).await;
    assert_eq!(data(&v)["display_name"], "Alice Renamed");
    assert_eq!(data(&v)["first_name"], "Alicia");
    assert_eq!(data(&v)["telephone_business1"], "+1 555");
}

#[tokio::test]
async fn distribution_lists_follow_their_members() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let folder = own_contacts_folder(&alice).await;
    let (member, t) = new_contact(&alice, &folder, json!({"display_name": "Member", "email1": "old@example.com", "email2": "two@example.com"})).await;
    let (list, _) = new_contact(
        &alice,
        &folder,
        json!({"display_name": "Team", "mark_as_distributionlist": true, "distribution_list": [
            {"id": member, "folder_id": folder, "mail_field": 1},
            {"display_name": "Outside", "mail": "out@example.org", "mail_field": 0}
        ]}),
    )
    .await;
    let v = alice.put("contacts", &[("action", "update"), ("folder", &folder), ("id", &member), ("timestamp", &t)], &json!({"email1": "new@example.com", "display_name": "Member Renamed"})).await;
    data(&v);
    let v = alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &list)]).await;
    let c = data(&v);
    assert_eq!(c["mark_as_distributionlist"], true);
    assert_eq!(c["number_of_distribution_list"], 2);
    assert_eq!(c["distribution_list"][0]["mail"], "new@example.com");
    assert_eq!(c["distribution_list"][0]["display_name"], "Member Renamed");
    assert_eq!(c["distribution_list"][0]["id"], json!(member));
    assert_eq!(c["distribution_list"][1]["mail"], "out@example.org");

    let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": folder, "display_name": "Bad", "distribution_list": [{"display_name": "nobody"}]})).await;
    assert_eq!(code(&v), "CON-0168");
    let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": folder, "display_name": "Bad", "distribution_list": [{"id": "999999", "folder_id": folder, "mail_field": 1}]})).await;
    assert_eq!(code(&v), "CON-0125");
}

#[tokio::test]
async fn searches_sorting_and_dates() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let folder = own_contacts_folder(&alice).await;
    for (first, last, mail, bday) in [
        ("Zoe", "Zebra", "zoe@example.com", 946684800000i64),  // 2000-01-01
        ("Émile", "Émile", "emile@example.com", 978220800000), // 2000-12-31
        ("Anna", "Ärger", "anna@example.com", 963446400000),   // 2000-07-13
        ("Bob", "Bauer", "", 0),
        ("adam", "adam", "adam@example.com", 0),
    ] {
        let mut body = json!({"first_name": first, "last_name": last, "display_name": last});
        if !mail.is_empty() {
            body["email1"] = json!(mail);
        }
        if bday != 0 {
            body["birthday"] = json!(bday);
        }
        new_contact(&alice, &folder, body).await;
    }
    let names = |v: &Value| data(v).as_array().unwrap().iter().map(|r| r[0].as_str().unwrap().to_string()).collect::<Vec<_>>();

    let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "502"), ("sort", "502"), ("order", "asc")]).await;
    assert_eq!(names(&v), ["adam", "Ärger", "Bauer", "Émile", "Zebra"]);
    let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "502"), ("sort", "502"), ("order", "desc"), ("left_hand_limit", "1"), ("right_hand_limit", "3")]).await;
    assert_eq!(names(&v), ["Émile", "Bauer"]);

    let v = alice.put("contacts", &[("action", "search"), ("columns", "502")], &json!({"pattern": "Ba"})).await;
    assert_eq!(names(&v), ["Bauer"]);
    let v = alice.put("contacts", &[("action", "search"), ("columns", "502")], &json!({"pattern": "Robert'); DROP TABLE contacts;--"})).await;
    assert_eq!(data(&v), &json!([]));
    let v = alice.put("contacts", &[("action", "search"), ("columns", "502"), ("sort", "502")], &json!({"first_name": "a", "orSearch": true, "folder": [folder.parse::<i64>().unwrap()]})).await;
    assert_eq!(names(&v), ["adam", "Ärger"]);
    let v = alice.put("contacts", &[("action", "search"), ("columns", "502"), ("sort", "502")], &json!({"email1": "example.com"})).await;
    assert_eq!(names(&v).len(), 4);

    let adv = |f: Value| json!({"filter": f});
    let v = alice.put("contacts", &[("action", "advancedSearch"), ("columns", "502"), ("sort", "502")], &adv(json!(["and", ["=", {"field": "last_name"}, "z*"], ["not", ["=", {"field": "first_name"}, "Max"]]]))).await;
    assert_eq!(names(&v), ["Zebra"]);
    let v = alice.put("contacts", &[("action", "advancedSearch"), ("columns", "502"), ("sort", "502")], &adv(json!(["or", ["=", {"field": "email1"}, "ZOE@example.com"], [">", {"field": "birthday"}, 970000000000i64]]))).await;
    assert_eq!(names(&v), ["Émile", "Zebra"]);
    let v = alice.put("contacts", &[("action", "advancedSearch"), ("columns", "502")], &adv(json!(["=", {"field": "last_name"}, "Robert'); DROP TABLE contacts;--"]))).await;
    assert_eq!(data(&v), &json!([]));
    let v = alice.put("contacts", &[("action", "advancedSearch"), ("columns", "502")], &adv(json!(["=", {"field": "no_such_field"}, "x"]))).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = alice.put("contacts", &[("action", "advancedSearch"), ("columns", "502")], &adv(json!(["like", {"field": "last_name"}, "x"]))).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = alice.put("contacts", &[("action", "advancedSearch"), ("columns", "502")], &json!({})).await;
    assert_eq!(code(&v), "SVL-0002");
    // The table is still there.
    let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "1")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 5);

    let v = alice.get("contacts", &[("action", "autocomplete"), ("query", "ada"), ("columns", "502")]).await;
    assert_eq!(names(&v), ["adam"]);
    let v = alice.get("contacts", &[("action", "autocomplete"), ("query", "b"), ("columns", "502"), ("email", "false"), ("folder", &folder)]).await;
    assert_eq!(names(&v), ["Bauer"]);
    let v = alice.get("contacts", &[("action", "autocomplete"), ("query", " "), ("columns", "502")]).await;
    assert_eq!(code(&v), "CON-1000");

    // 2025-12-20 .. 2026-01-10: Émile (Dec 31) and Zoe (Jan 1) across the year boundary.
    let v = alice.get("contacts", &[("action", "birthdays"), ("start", "1766188800000"), ("end", "1768003200000"), ("columns", "502"), ("sort", "502")]).await;
    assert_eq!(names(&v), ["Émile", "Zebra"]);
    let v = alice.get("contacts", &[("action", "anniversaries"), ("start", "1766188800000"), ("end", "1768003200000"), ("columns", "502")]).await;
    assert_eq!(data(&v), &json!([]));
    let v = alice.get("contacts", &[("action", "birthdays"), ("start", "1"), ("columns", "502")]).await;
    assert_eq!(code(&v), "SVL-0002");
}

#[tokio::test]
async fn pictures_and_halo() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let folder = own_contacts_folder(&alice).await;
    let png = tiny_png();

    let form = reqwest::multipart::Form::new()
        .text("json", json!({"folder_id": folder, "display_name": "Pic", "email1": "pic@example.com"}).to_string())
        .part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("me.png").mime_str("image/png").unwrap());
    let v = alice.post_multipart("contacts", &[("action", "new")], form).await;
    let id = data(&v)["id"].as_str().unwrap().to_string();
    let v = alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &id)]).await;
    let c = data(&v).clone();
    assert_eq!(c["number_of_images"], 1);
    assert_eq!(c["image1_content_type"], "image/png");
    let url = c["image1_url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("/ajax/image/contact/picture?folder={folder}&id={id}&timestamp=")));

    let r = alice.http.get(format!("{}{url}", alice.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let r = alice.http.get(format!("{}{url}", alice.base)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 304);

    let r = alice.get_raw("halo/contact/picture", &[("email1", "pic@example.com")]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let r = alice.get_raw("halo/contact/picture", &[("email1", "nobody@example.com")]).await;
    assert_eq!(r.status().as_u16(), 404);

    let t = ts(&alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &id)]).await);
    // Too large, not an image: refused, the old picture stays.
    let huge = vec![0u8; 5 * 1024 * 1024];
    let form = reqwest::multipart::Form::new().text("json", "{}").part("file", reqwest::multipart::Part::bytes(huge).file_name("big.png"));
    let v = alice.post_multipart("contacts", &[("action", "update"), ("folder", &folder), ("id", &id), ("timestamp", &t)], form).await;
    assert_eq!(code(&v), "CON-0101");
    let form = reqwest::multipart::Form::new().text("json", "{}").part("file", reqwest::multipart::Part::bytes(b"just text".to_vec()).file_name("x.png"));
    let v = alice.post_multipart("contacts", &[("action", "update"), ("folder", &folder), ("id", &id), ("timestamp", &t)], form).await;
    assert_eq!(code(&v), "CON-0158");
    let v = alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &id)]).await;
    assert_eq!(data(&v)["number_of_images"], 1);

    let v = alice.get("halo/contact", &[("action", "services")]).await;
    assert_eq!(data(&v), &json!(["com.openexchange.halo.contacts", "com.openexchange.halo.mail"]));
    let v = alice.get("halo/contact", &[("action", "investigate"), ("provider", "com.openexchange.halo.contacts"), ("email1", "pic@example.com"), ("columns", "1,500")]).await;
    assert_eq!(data(&v), &json!([[id, "Pic"]]));
    let v = alice.get("halo/contact", &[("action", "investigate"), ("provider", "com.openexchange.halo.contacts"), ("email1", "stranger@example.org"), ("columns", "1,555")]).await;
    assert_eq!(data(&v), &json!([[null, "stranger@example.org"]]));
    let v = alice.get("halo/contact", &[("action", "investigate"), ("provider", "nope"), ("email1", "x@y.z"), ("columns", "1")]).await;
    assert_eq!(code(&v), "HALO-0003");

    // Removing the picture.
    let v = alice.put("contacts", &[("action", "update"), ("folder", &folder), ("id", &id), ("timestamp", &t)], &json!({"image1": null})).await;
    data(&v);
    let v = alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &id)]).await;
    assert_eq!(data(&v)["number_of_images"], 0);
    let r = alice.http.get(format!("{}{url}", alice.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn read_only_shared_folder() {
    const OWNER: i64 = 403_710_016;
    const VIEWER: i64 = 257;
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let folder = own_contacts_folder(&alice).await;
    let bob_folder = own_contacts_folder(&bob).await;
    let user_id = |v: Value| data(&v)["id"].as_i64().or_else(|| data(&v)["id"].as_str().and_then(|s| s.parse().ok())).unwrap();
    let alice_id = user_id(alice.get("user", &[("action", "get")]).await);
    let bob_id = user_id(bob.get("user", &[("action", "get")]).await);

    let (shared, t) = new_contact(&alice, &folder, json!({"display_name": "Shared", "email1": "shared@example.com"})).await;
    let (hidden, _) = new_contact(&alice, &folder, json!({"display_name": "Hidden", "private_flag": true})).await;

    let fts = ts(&alice.get("folders", &[("action", "get"), ("id", &folder)]).await);
    let v = alice
        .put(
            "folders",
            &[("action", "update"), ("id", &folder), ("timestamp", &fts)],
            &json!({"folder": {"permissions": [{"bits": OWNER, "entity": alice_id, "group": false}, {"bits": VIEWER, "entity": bob_id, "group": false}]}}),
        )
        .await;
    data(&v);

    let v = bob.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "500")]).await;
    assert_eq!(data(&v), &json!([["Shared"]]), "private contacts stay hidden");
    let v = bob.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &shared)]).await;
    assert_eq!(data(&v)["display_name"], "Shared");
    let v = bob.get("contacts", &[("action", "get"), ("folder", &folder), ("id", &hidden)]).await;
    assert_eq!(code(&v), "CON-0104");
    let v = bob.put("contacts", &[("action", "update"), ("folder", &folder), ("id", &shared), ("timestamp", &t)], &json!({"display_name": "Mine"})).await;
    assert_eq!(code(&v), "CON-0176");
    let v = bob.put("contacts", &[("action", "delete"), ("timestamp", &i64::MAX.to_string())], &json!([{"id": shared, "folder": folder}])).await;
    assert_eq!(code(&v), "CON-0169");
    let v = bob.put("contacts", &[("action", "new")], &json!({"folder_id": folder, "display_name": "Intruder"})).await;
    assert_eq!(code(&v), "CON-0112");
    let v = bob.put("contacts", &[("action", "search"), ("columns", "500")], &json!({"pattern": "Shar"})).await;
    assert_eq!(data(&v), &json!([["Shared"]]));
    let v = bob.put("contacts", &[("action", "search"), ("columns", "500")], &json!({"pattern": "Hidd"})).await;
    assert_eq!(data(&v), &json!([]));
    // Bob's own list may reference the shared contact.
    let (list, _) = new_contact(&bob, &bob_folder, json!({"display_name": "Bob's list", "distribution_list": [{"id": shared, "folder_id": folder, "mail_field": 1}]})).await;
    let v = bob.get("contacts", &[("action", "get"), ("folder", &bob_folder), ("id", &list)]).await;
    assert_eq!(data(&v)["distribution_list"][0]["mail"], "shared@example.com");
    let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "500"), ("sort", "500")]).await;
    assert_eq!(data(&v), &json!([["Hidden"], ["Shared"]]));
}

async fn get_contact(c: &Client, folder: &str, id: &str) -> Value {
    c.get("contacts", &[("action", "get"), ("folder", folder), ("id", id)]).await
}

async fn attach_to_contact(c: &Client, folder: &str, contact: &str, name: &str) -> Value {
    let form = reqwest::multipart::Form::new()
        .text("json_0", json!({"folder": folder, "attached": contact, "module": 7}).to_string())
        .part("file_0", reqwest::multipart::Part::bytes(name.as_bytes().to_vec()).file_name(name.to_string()));
    c.post_multipart("attachment", &[("action", "attach")], form).await
}

#[tokio::test]
async fn attachments_are_counted_and_change_the_contact() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let folder = own_contacts_folder(&alice).await;
    let (id, t0) = new_contact(&alice, &folder, json!({"display_name": "With Files"})).await;
    let (other, _) = new_contact(&alice, &folder, json!({"display_name": "No Files"})).await;
    assert_eq!(data(&get_contact(&alice, &folder, &id).await)["number_of_attachments"], 0);

    let first = data(&attach_to_contact(&alice, &folder, &id, "one.txt").await)[0].as_i64().unwrap();
    let v = attach_to_contact(&alice, &folder, &id, "two.txt").await;
    let attached_ts = v["timestamp"].as_i64().unwrap();
    data(&v);

    let v = get_contact(&alice, &folder, &id).await;
    assert_eq!(data(&v)["number_of_attachments"], 2);
    assert_eq!(v["timestamp"].as_i64(), Some(attached_ts), "attaching changed the contact: {v}");
    let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "1,104"), ("sort", "104"), ("order", "desc")]).await;
    assert_eq!(data(&v), &json!([[id, 2], [other, 0]]));
    let v = alice.put("contacts", &[("action", "list"), ("columns", "1,104,105")], &json!([{"id": other, "folder": folder}, {"id": id, "folder": folder}])).await;
    assert_eq!(data(&v), &json!([[other, 0, null], [id, 2, attached_ts]]));
    let v = alice.put("contacts", &[("action", "search"), ("columns", "1,104")], &json!({"pattern": "With*", "folder": [folder]})).await;
    assert_eq!(data(&v), &json!([[id, 2]]));
    // Attaching changed the contact: updates since its creation lists it (and only it).
    let v = alice.get("contacts", &[("action", "updates"), ("folder", &folder), ("columns", "1,104"), ("timestamp", &t0)]).await;
    let rows = data(&v).as_array().unwrap().clone();
    assert!(rows.contains(&json!([id, 2])), "attached contact in updates: {v}");

    // Detach one: one left, and the contact is newer again.
    let params = [("action", "detach"), ("folder", folder.as_str()), ("attached", id.as_str()), ("module", "7")];
    let v = alice.put("attachment", &params, &json!([first])).await;
    let detached_ts = v["timestamp"].as_i64().unwrap();
    assert!(detached_ts > attached_ts);
    let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "1,104")]).await;
    assert!(data(&v).as_array().unwrap().contains(&json!([id, 1])), "{v}");
    let v = alice.get("contacts", &[("action", "updates"), ("folder", &folder), ("columns", "1,104"), ("timestamp", &attached_ts.to_string())]).await;
    assert_eq!(data(&v), &json!([[id, 1]]));

    // Unknown contacts and other users' objects take no attachments.
    assert_eq!(code(&attach_to_contact(&alice, &folder, "999999", "x.txt").await), "ATT-0400");
    assert_eq!(code(&attach_to_contact(&bob, &folder, &id, "x.txt").await), "ATT-0400");
    assert_eq!(data(&get_contact(&alice, &folder, &id).await)["number_of_attachments"], 1);

    // Deleting the contact removes its attachments.
    let v = alice.put("contacts", &[("action", "delete"), ("timestamp", &i64::MAX.to_string())], &json!([{"id": id, "folder": folder}])).await;
    data(&v);
    let v = alice.get("attachment", &[("action", "all"), ("folder", &folder), ("attached", &id), ("module", "7"), ("columns", "1")]).await;
    assert_eq!(code(&v), "ATT-0400");
    let attachments = |v: &Value| v["data"]["attachment"]["accounts"][0]["countuse"].as_i64().unwrap();
    assert_eq!(attachments(&alice.get("quota", &[("action", "get")]).await), 0);

    // Deleting a user removes the attachments of the user's contacts.
    let bobs = own_contacts_folder(&bob).await;
    let (card, _) = new_contact(&bob, &bobs, json!({"display_name": "Bob's card"})).await;
    data(&attach_to_contact(&bob, &bobs, &card, "b.txt").await);
    assert_eq!(attachments(&alice.get("quota", &[("action", "get")]).await), 1);
    server.admin(&["user", "delete", "--login", "bob"]);
    assert_eq!(attachments(&alice.get("quota", &[("action", "get")]).await), 0);
}

/// `halo/contact?action=investigate` with the mail provider and the given parameters.
async fn halo_mail(c: &Client, params: &[(&str, &str)]) -> Value {
    let mut p = vec![("action", "investigate"), ("provider", "com.openexchange.halo.mail")];
    p.extend_from_slice(params);
    c.get("halo/contact", &p).await
}

async fn send_mail(from: &Client, from_addr: &str, to: &str, cc: Option<&str>, subject: &str) {
    let mut mail = json!({
        "from": [[null, from_addr]],
        "to": [[null, to]],
        "subject": subject,
        "attachments": [{"content_type": "text/plain", "content": "hello"}],
    });
    if let Some(cc) = cc {
        mail["cc"] = json!([[null, cc]]);
    }
    data(&from.put("mail", &[("action", "new")], &mail).await);
}

#[tokio::test]
async fn halo_mail_provider_lists_mails_with_the_person() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    send_mail(&bob, "bob@oxbow.local", "alice@oxbow.local", None, "From Bob").await;
    send_mail(&alice, "alice@oxbow.local", "bob@oxbow.local", None, "To Bob").await;
    send_mail(&alice, "alice@oxbow.local", "carol@oxbow.local", Some("bob@oxbow.local"), "Copy to Bob").await;
    send_mail(&carol, "carol@oxbow.local", "alice@oxbow.local", None, "From Carol").await;

    let subjects = |v: &Value| -> Vec<String> {
        let mut out: Vec<String> = data(v).as_array().unwrap().iter().map(|r| r.as_array().unwrap().last().unwrap().as_str().unwrap().to_string()).collect();
        out.sort();
        out
    };

    let v = halo_mail(&alice, &[("email1", "bob@oxbow.local"), ("columns", "600,601,607")]).await;
    assert_eq!(subjects(&v), ["Copy to Bob", "From Bob", "To Bob"], "{v}");
    for r in data(&v).as_array().unwrap() {
        let folder = r[1].as_str().unwrap();
        if r[2] == "From Bob" {
            assert_eq!(folder, "default0/INBOX");
        } else {
            assert!(folder.starts_with("default0/") && folder != "default0/INBOX", "sent folder: {folder}");
        }
    }
    // The limit applies to the combined list.
    let v = halo_mail(&alice, &[("email1", "bob@oxbow.local"), ("columns", "607"), ("limit", "2")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 2);
    // By internal user id: bob's addresses come from his contact.
    let bob_id = bob.config_value("identifier").await.to_string();
    let v = halo_mail(&alice, &[("internal_userid", &bob_id), ("columns", "600,601,607")]).await;
    assert_eq!(subjects(&v), ["Copy to Bob", "From Bob", "To Bob"], "{v}");
    // Carol's mails are not bob's.
    let v = halo_mail(&alice, &[("email1", "carol@oxbow.local"), ("columns", "600,601,607")]).await;
    assert_eq!(subjects(&v), ["Copy to Bob", "From Carol"], "{v}");
    // Nobody known; the user's own address.
    let v = halo_mail(&alice, &[("email1", "stranger@example.org"), ("columns", "600")]).await;
    assert_eq!(data(&v), &json!([]));
    let v = halo_mail(&alice, &[("email1", "alice@oxbow.local"), ("columns", "600")]).await;
    assert_eq!(data(&v), &json!([]));
    // Bob's own view: the mail he sent to alice is in his sent folder.
    let v = halo_mail(&bob, &[("email1", "alice@oxbow.local"), ("columns", "607")]).await;
    assert_eq!(subjects(&v).iter().filter(|s| *s == "From Bob").count(), 1, "{v}");

    // Errors: unknown provider, nobody named, bad limit, missing columns.
    let v = alice.get("halo/contact", &[("action", "investigate"), ("provider", "com.example.halo.nope"), ("email1", "bob@oxbow.local"), ("columns", "600")]).await;
    assert_eq!(code(&v), "HALO-0003");
    let v = alice.get("halo/contact", &[("action", "investigate"), ("provider", "com.openexchange.halo.mail"), ("columns", "600")]).await;
    assert_eq!(code(&v), "HALO-0005");
    let v = halo_mail(&alice, &[("email1", "bob@oxbow.local"), ("columns", "600"), ("limit", "many")]).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = halo_mail(&alice, &[("email1", "bob@oxbow.local"), ("columns", "600"), ("limit", "100000")]).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = halo_mail(&alice, &[("email1", "bob@oxbow.local")]).await;
    assert_eq!(code(&v), "SVL-0002");
}
