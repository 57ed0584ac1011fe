mod common;

use common::*;
use serde_json::json;

fn part(name: &str, bytes: &[u8]) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string())
}

#[tokio::test]
async fn attachments_of_drive_items_and_contacts() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let home = alice.drive_home().await;
    let v = alice.upload(&home, "doc.txt", b"the document".to_vec(), &[]).await;
    let item = data(&v).as_str().unwrap().to_string();
    let attached = item.rsplit('/').next().unwrap().to_string();
    let meta = |i: usize| json!({"folder": home, "attached": attached, "module": 137, "filename": format!("note{i}.txt")}).to_string();

    // Two attachments in one request.
    let form = reqwest::multipart::Form::new()
        .text("json_0", meta(0))
        .part("file_0", part("a.txt", b"first attachment"))
        .text("json_1", meta(1))
        .part("file_1", part("b.bin", b"second"));
    let v = alice.post_multipart("attachment", &[("action", "attach")], form).await;
    let ids: Vec<i64> = data(&v).as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    let t0 = v["timestamp"].as_i64().unwrap();
    let (a0, a1) = (ids[0].to_string(), ids[1].to_string());
    let p = |extra: &[(&'static str, &str)]| {
        let mut v: Vec<(&str, String)> = vec![("folder", home.clone()), ("attached", attached.clone()), ("module", "137".into())];
        v.extend(extra.iter().map(|(k, x)| (*k, x.to_string())));
        v
    };
    let params = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };

    let all = params(&p(&[("action", "all"), ("columns", "1,803,804,805,802,801,800")]));
    let all_ref: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let v = alice.get("attachment", &all_ref).await;
    let rows = data(&v).as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], "note0.txt");
    assert_eq!(rows[0][2], 16);
    assert_eq!(rows[0][3], "text/plain");
    assert_eq!(rows[0][4], 137);
    assert_eq!(alice.get("infostore", &[("action", "get"), ("id", &item)]).await["data"]["number_of_attachments"], 2);

    let get = params(&p(&[("action", "get"), ("id", &a1)]));
    let get_ref: Vec<(&str, &str)> = get.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let v = alice.get("attachment", &get_ref).await;
    assert_eq!(data(&v)["filename"], "note1.txt");
    assert_eq!(data(&v)["file_size"], 6);

    let list = params(&p(&[("action", "list"), ("columns", "1,803")]));
    let list_ref: Vec<(&str, &str)> = list.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let v = alice.put("attachment", &list_ref, &json!([ids[1], ids[0]])).await;
    assert_eq!(data(&v), &json!([[ids[1], "note1.txt"], [ids[0], "note0.txt"]]));

    let doc = params(&p(&[("action", "document"), ("id", &a0)]));
    let doc_ref: Vec<(&str, &str)> = doc.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, headers, body) = alice.download("attachment", &doc_ref, &[]).await;
    assert_eq!((status, body.as_slice()), (200, &b"first attachment"[..]));
    assert!(headers["content-disposition"].to_str().unwrap().contains("note0.txt"));
    let (status, _, body) = alice.download("attachment", &doc_ref, &[("range", "bytes=6-")]).await;
    assert_eq!((status, body.as_slice()), (206, &b"attachment"[..]));

    // Bob sees nothing of alice's item.
    assert_eq!(code(&bob.get("attachment", &get_ref).await), "ATT-0400");
    let (_, _, body) = bob.download("attachment", &doc_ref, &[]).await;
    assert!(String::from_utf8_lossy(&body).contains("ATT-0400"));

    // saveAs: the attachment becomes a Drive item sharing its bytes.
    let blobs = server.blob_files();
    let docs = alice.drive_folder("documents").await;
    let v = alice
        .put("infostore", &[("action", "saveAs"), ("module", "137"), ("attached", &attached), ("folder", &home), ("attachment", &a0)], &json!({"folder_id": docs}))
        .await;
    let saved = data(&v).as_str().unwrap().to_string();
    assert_eq!(server.blob_files(), blobs);
    let (_, _, body) = alice.download("infostore", &[("action", "document"), ("id", &saved)], &[]).await;
    assert_eq!(body, b"first attachment");
    let v = alice.get("infostore", &[("action", "get"), ("id", &saved)]).await;
    assert_eq!(data(&v)["filename"], "note0.txt");

    // Detach one, then updates shows it as deleted.
    let detach = params(&p(&[("action", "detach")]));
    let detach_ref: Vec<(&str, &str)> = detach.iter().map(|(k, v)| (*k, v.as_str())).collect();
    data(&alice.put("attachment", &detach_ref, &json!([ids[1]])).await);
    let upd = params(&p(&[("action", "updates"), ("columns", "1"), ("timestamp", &t0.to_string())]));
    let upd_ref: Vec<(&str, &str)> = upd.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let v = alice.get("attachment", &upd_ref).await;
    assert_eq!(data(&v), &json!([ids[1]]));
    assert_eq!(code(&alice.put("attachment", &detach_ref, &json!([ids[1]])).await), "ATT-0405");
    assert_eq!(server.blob_files(), blobs - 1);

    // Bad input: module, missing fields, no file.
    let bad = vec![("action", "all"), ("folder", home.as_str()), ("attached", attached.as_str()), ("module", "99"), ("columns", "1")];
    assert_eq!(code(&alice.get("attachment", &bad).await), "ATT-0408");
    assert_eq!(code(&alice.get("attachment", &[("action", "all"), ("columns", "1")]).await), "SVL-0002");
    let form = reqwest::multipart::Form::new().text("json_0", json!({"folder": home, "module": 137}).to_string()).part("file_0", part("x", b"x"));
    assert_eq!(code(&alice.post_multipart("attachment", &[("action", "attach")], form).await), "SVL-0002");
    let form = reqwest::multipart::Form::new().text("json_0", meta(5));
    assert_eq!(code(&alice.post_multipart("attachment", &[("action", "attach")], form).await), "SVL-0002");
    assert_eq!(server.blob_files(), blobs - 1);

    // Attachments of a contact follow the contacts folder's permissions.
    let contacts = alice.config_value("folder/contacts").await;
    let contacts = contacts.as_i64().map(|i| i.to_string()).unwrap_or_else(|| contacts.as_str().unwrap_or("").to_string());
    let v = alice.put("contacts", &[("action", "new")], &json!({"folder_id": contacts, "display_name": "Card"})).await;
    let contact = data(&v)["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text("json_0", json!({"folder": contacts, "attached": contact, "module": 7}).to_string())
        .part("file_0", part("card.txt", b"contact file"));
    let v = alice.post_multipart("attachment", &[("action", "attach")], form).await;
    let cid = data(&v)[0].as_i64().unwrap().to_string();
    let v = alice.get("attachment", &[("action", "get"), ("folder", &contacts), ("attached", &contact), ("module", "7"), ("id", &cid)]).await;
    assert_eq!(data(&v)["filename"], "card.txt");
    let form = reqwest::multipart::Form::new()
        .text("json_0", json!({"folder": contacts, "attached": contact, "module": 7}).to_string())
        .part("file_0", part("card.txt", b"bob's file"));
    assert_eq!(code(&bob.post_multipart("attachment", &[("action", "attach")], form).await), "ATT-0400");
    // Wrong module for the folder.
    let form = reqwest::multipart::Form::new()
        .text("json_0", json!({"folder": contacts, "attached": contact, "module": 4}).to_string())
        .part("file_0", part("t.txt", b"t"));
    assert_eq!(code(&alice.post_multipart("attachment", &[("action", "attach")], form).await), "ATT-0400");
}
