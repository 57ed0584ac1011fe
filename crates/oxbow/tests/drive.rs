mod common;

use common::*;
use serde_json::{json, Value};

const ALL_COLS: &str = "1,2,3,4,5,6,20,700,702,703,704,705,706,707,708,709,710,711";

fn ts(v: &Value) -> i64 {
    v.get("timestamp").and_then(Value::as_i64).unwrap_or_else(|| panic!("no timestamp in {v}"))
}

fn id_of(v: &Value) -> String {
    data(v).as_str().unwrap_or_else(|| panic!("no id in {v}")).to_string()
}

/// The caller's user id.
async fn user_id(c: &Client) -> i64 {
    let v = c.get("user", &[("action", "get")]).await;
    let id = &data(&v)["id"];
    id.as_i64().or_else(|| id.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("no user id in {v}"))
}

const OWNER_BITS: i64 = 403_710_016;

/// Share `folder` (owned by `owner`) with `grantee` through `folders?action=update`, as a
/// client does; the owner keeps full rights.
async fn share_folder(owner: &Client, folder: &str, grantee: i64, bits: i64) {
    let owner_id = user_id(owner).await;
    let t = ts(&owner.get("folders", &[("action", "get"), ("id", folder)]).await).to_string();
    let perms = json!([{"entity": owner_id, "group": false, "bits": OWNER_BITS}, {"entity": grantee, "group": false, "bits": bits}]);
    let v = owner.put("folders", &[("action", "update"), ("id", folder), ("timestamp", &t)], &json!({"folder": {"permissions": perms}})).await;
    data(&v);
}

async fn get_item(c: &Client, id: &str) -> Value {
    let v = c.get("infostore", &[("action", "get"), ("id", id)]).await;
    data(&v).clone()
}

#[tokio::test]
async fn versions_downloads_and_ranges() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let home = alice.drive_home().await;

    let v = alice.upload(&home, "hello.txt", b"hello world".to_vec(), &[]).await;
    let id = id_of(&v);
    assert!(id.starts_with(&format!("{home}/")), "{id}");
    let item = get_item(&alice, &id).await;
    assert_eq!(item["filename"], "hello.txt");
    assert_eq!(item["file_size"], 11);
    assert_eq!(item["version"], 1);
    assert_eq!(item["current_version"], true);
    assert_eq!(item["number_of_versions"], 1);
    assert_eq!(item["file_md5sum"], "5eb63bbbe01eeed093cb22bb8f5acdc3");
    assert_eq!(item["file_mimetype"], "text/plain");
    assert_eq!(item["folder_id"], home.as_str());

    // A PNG named .txt is detected from its content.
    let png: Vec<u8> = [&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..], &[0u8; 32][..]].concat();
    let pic = id_of(&alice.upload(&home, "picture.txt", png, &[]).await);
    assert_eq!(get_item(&alice, &pic).await["file_mimetype"], "image/png");

    // New version; stale timestamp conflicts.
    let stale = alice.upload_version(&id, 1, "hello.txt", b"v2".to_vec(), json!({})).await;
    assert_eq!(code(&stale), "IFO-1302");
    let t = item["last_modified_utc"].as_i64().unwrap();
    let v = alice.upload_version(&id, t, "hello.txt", b"second version".to_vec(), json!({"version_comment": "two"})).await;
    data(&v);
    let item = get_item(&alice, &id).await;
    assert_eq!(item["version"], 2);
    assert_eq!(item["version_comment"], "two");
    assert_eq!(item["number_of_versions"], 2);

    let v = alice.get("infostore", &[("action", "versions"), ("id", &id), ("columns", "705,710,704")]).await;
    assert_eq!(data(&v), &json!([[1, false, 11], [2, true, 14]]));

    // Downloads: current, a given version, ranges, ETag.
    let (status, headers, body) = alice.download("infostore", &[("action", "document"), ("id", &id)], &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body, b"second version");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let etag = headers["etag"].to_str().unwrap().to_string();
    let (status, _, body) = alice.download("infostore", &[("action", "document"), ("id", &id), ("version", "1")], &[]).await;
    assert_eq!((status, body.as_slice()), (200, &b"hello world"[..]));
    let (status, headers, body) = alice.download("infostore", &[("action", "document"), ("id", &id)], &[("range", "bytes=7-")]).await;
    assert_eq!((status, body.as_slice()), (206, &b"version"[..]));
    assert_eq!(headers["content-range"], "bytes 7-13/14");
    let (status, _, _) = alice.download("infostore", &[("action", "document"), ("id", &id)], &[("range", "bytes=14-20")]).await;
    assert_eq!(status, 416);
    let (status, _, body) = alice.download("infostore", &[("action", "document"), ("id", &id)], &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    let (_, headers, _) = alice
        .download("infostore", &[("action", "document"), ("id", &id), ("delivery", "view"), ("content_type", "application/x-test")], &[])
        .await;
    assert_eq!(headers["content-type"], "application/x-test");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("inline"));
    let (status, _, _) = alice.download("infostore", &[("action", "document"), ("id", &id), ("version", "9")], &[]).await;
    assert_eq!(status, 200);

    // Detach the current version: version 1 becomes current; numbers are not reused.
    let t = ts(&alice.get("infostore", &[("action", "get"), ("id", &id)]).await);
    let v = alice.put("infostore", &[("action", "detach"), ("id", &id), ("folder", &home), ("timestamp", &t.to_string())], &json!([2, 7])).await;
    assert_eq!(data(&v), &json!([7]));
    let item = get_item(&alice, &id).await;
    assert_eq!((item["version"].clone(), item["file_size"].clone()), (json!(1), json!(11)));
    let t = item["last_modified_utc"].as_i64().unwrap();
    data(&alice.upload_version(&id, t, "hello.txt", b"third".to_vec(), json!({})).await);
    assert_eq!(get_item(&alice, &id).await["version"], 3);

    // Revert drops every version, leaving the item.
    let t = get_item(&alice, &id).await["last_modified_utc"].as_i64().unwrap();
    data(&alice.put("infostore", &[("action", "revert"), ("id", &id), ("folder", &home), ("timestamp", &t.to_string())], &json!({})).await);
    let item = get_item(&alice, &id).await;
    assert_eq!((item["version"].clone(), item["number_of_versions"].clone()), (json!(0), json!(0)));
    let v = alice.get("infostore", &[("action", "document"), ("id", &id)]).await;
    assert_eq!(code(&v), "IFO-0438");

    // all / list / sorting / paging.
    let v = alice.get("infostore", &[("action", "all"), ("folder", &home), ("columns", "1,702"), ("sort", "702"), ("order", "desc")]).await;
    let rows = data(&v).as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], "picture.txt");
    let v = alice.get("infostore", &[("action", "all"), ("folder", &home), ("columns", "1"), ("sort", "702"), ("left_hand_limit", "1"), ("right_hand_limit", "2")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 1);
    let v = alice.put("infostore", &[("action", "list"), ("columns", ALL_COLS)], &json!([{"id": pic, "folder": home}])).await;
    assert_eq!(data(&v)[0][8], "picture.txt");
}

async fn search(c: &Client, folder: Option<&str>, pattern: &str) -> Value {
    let mut p: Vec<(&str, &str)> = vec![("action", "search"), ("columns", "702"), ("sort", "702")];
    if let Some(f) = folder {
        p.push(("folder", f));
    }
    data(&c.put("infostore", &p, &json!({ "pattern": pattern })).await).clone()
}

#[tokio::test]
async fn metadata_search_updates_trash_copy_move() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let home = alice.drive_home().await;
    let docs = alice.drive_folder("documents").await;
    let trash = alice.drive_folder("trash").await;

    // PUT new without a file, then metadata update.
    let v = alice.put("infostore", &[("action", "new")], &json!({"file": {"folder_id": home, "title": "Notes", "description": "meeting minutes"}})).await;
    let note = id_of(&v);
    let t = ts(&v);
    let v = alice.put("infostore", &[("action", "update"), ("id", &note), ("timestamp", &t.to_string())], &json!({"file": {"title": "Notes 2", "color_label": 3}})).await;
    data(&v);
    let item = get_item(&alice, &note).await;
    assert_eq!((item["title"].clone(), item["color_label"].clone()), (json!("Notes 2"), json!(3)));
    let v = alice.put("infostore", &[("action", "update"), ("id", &note), ("timestamp", &t.to_string())], &json!({"file": {"title": "late"}})).await;
    assert_eq!(code(&v), "IFO-1302");

    let report = id_of(&alice.upload(&home, "report.pdf", b"%PDF-1.4 test".to_vec(), &[]).await);
    let plan = id_of(&alice.upload(&docs, "plan.odt", b"plan".to_vec(), &[]).await);

    // The same name in a folder: refused, or a new version with try_add_version.
    assert_eq!(code(&alice.upload(&home, "REPORT.pdf", b"x".to_vec(), &[]).await), "IFO-0441");
    let again = id_of(&alice.upload(&home, "report.pdf", b"%PDF-1.4 v2".to_vec(), &[("try_add_version", "true")]).await);
    assert_eq!(again, report);
    assert_eq!(get_item(&alice, &report).await["version"], 2);

    // Search with wildcards in one folder and across all folders.
    assert_eq!(search(&alice, None, "*.pdf").await, json!([["report.pdf"]]));
    assert_eq!(search(&alice, None, "p*").await, json!([["plan.odt"]]));
    assert_eq!(search(&alice, Some(&docs), "rep*").await, json!([]));
    assert_eq!(search(&alice, None, "minutes").await, json!([[null]]));

    // updates: changes and tombstones.
    let before = ts(&alice.get("infostore", &[("action", "all"), ("folder", &home), ("columns", "1")]).await);
    let v = alice.put("infostore", &[("action", "move"), ("folder", &docs)], &json!([{"id": report, "folder": home}])).await;
    assert_eq!(data(&v), &json!([]));
    let v = alice.get("infostore", &[("action", "updates"), ("folder", &home), ("columns", "1"), ("timestamp", &before.to_string())]).await;
    assert_eq!(data(&v), &json!([report.clone()]));
    let moved = format!("{docs}/{}", report.rsplit('/').next().unwrap());
    let v = alice.get("infostore", &[("action", "updates"), ("folder", &docs), ("columns", "1"), ("timestamp", &before.to_string())]).await;
    assert_eq!(data(&v), &json!([[moved.clone()]]));

    // Copy shares the bytes: no new blob file.
    let blobs = server.blob_files();
    let v = alice.put("infostore", &[("action", "copy"), ("id", &moved)], &json!({"folder_id": docs})).await;
    let copy = id_of(&v);
    assert_eq!(get_item(&alice, &copy).await["filename"], "report (1).pdf");
    assert_eq!(server.blob_files(), blobs);
    let (_, _, body) = alice.download("infostore", &[("action", "document"), ("id", &copy)], &[]).await;
    assert_eq!(body, b"%PDF-1.4 v2");

    // Delete: into trash, then for good; the copy keeps the shared blob alive.
    let now = ts(&alice.get("infostore", &[("action", "get"), ("id", &moved)]).await).to_string();
    let v = alice.put("infostore", &[("action", "delete"), ("timestamp", &now)], &json!([{"id": moved, "folder": docs}])).await;
    assert_eq!(data(&v), &json!([]));
    let v = alice.get("infostore", &[("action", "all"), ("folder", &trash), ("columns", "1,702")]).await;
    let in_trash = data(&v)[0][0].as_str().unwrap().to_string();
    assert!(in_trash.starts_with(&format!("{trash}/")));
    let now = ts(&alice.get("infostore", &[("action", "get"), ("id", &in_trash)]).await).to_string();
    let v = alice.put("infostore", &[("action", "delete"), ("timestamp", &now)], &json!([{"id": in_trash, "folder": trash}])).await;
    data(&v);
    assert_eq!(code(&alice.get("infostore", &[("action", "get"), ("id", &in_trash)]).await), "IFO-0300");
    let (_, _, body) = alice.download("infostore", &[("action", "document"), ("id", &copy)], &[]).await;
    assert_eq!(body, b"%PDF-1.4 v2");
    // Version 1 of the report was released with the item: one blob fewer.
    assert_eq!(server.blob_files(), blobs - 1);
    let now = ts(&alice.get("infostore", &[("action", "get"), ("id", &copy)]).await).to_string();
    data(&alice.put("infostore", &[("action", "delete"), ("timestamp", &now), ("hardDelete", "true")], &json!([{"id": copy, "folder": docs}])).await);
    assert_eq!(server.blob_files(), blobs - 2);
    let _ = plan;
}

#[tokio::test]
async fn locks_and_read_only_sharing() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let docs = alice.drive_folder("documents").await;
    let bob_id = user_id(&bob).await;

    let id = id_of(&alice.upload(&docs, "shared.txt", b"shared text".to_vec(), &[]).await);
    // Invisible to bob at first.
    assert_eq!(code(&bob.get("infostore", &[("action", "get"), ("id", &id)]).await), "IFO-0300");
    assert_eq!(code(&bob.get("infostore", &[("action", "all"), ("folder", &docs), ("columns", "1")]).await), "FLD-0008");

    // Read-only share: bob reads and downloads, but cannot upload, lock, change or delete.
    share_folder(&alice, &docs, bob_id, 257).await;
    let v = bob.get("infostore", &[("action", "all"), ("folder", &docs), ("columns", "1,702")]).await;
    assert_eq!(data(&v)[0][1], "shared.txt");
    let (status, _, body) = bob.download("infostore", &[("action", "document"), ("id", &id)], &[]).await;
    assert_eq!((status, body.as_slice()), (200, &b"shared text"[..]));
    let before = get_item(&alice, &id).await;
    let blobs = server.blob_files();
    assert_eq!(code(&bob.upload(&docs, "bob.txt", b"from bob".to_vec(), &[]).await), "IFO-0402");
    assert_eq!(server.blob_files(), blobs);
    assert_eq!(code(&bob.get("infostore", &[("action", "lock"), ("id", &id)]).await), "IFO-0403");
    let t = ts(&bob.get("infostore", &[("action", "get"), ("id", &id)]).await).to_string();
    assert_eq!(code(&bob.put("infostore", &[("action", "update"), ("id", &id), ("timestamp", &t)], &json!({"title": "x"})).await), "IFO-0403");
    assert_eq!(code(&bob.put("infostore", &[("action", "delete"), ("timestamp", &t)], &json!([{"id": id, "folder": docs}])).await), "IFO-0445");
    let bob_home = bob.drive_home().await;
    assert_eq!(code(&bob.put("infostore", &[("action", "move"), ("folder", &bob_home)], &json!([{"id": id, "folder": docs}])).await), "IFO-0445");
    let stale = bob.upload_version(&id, i64::MAX, "shared.txt", b"overwritten".to_vec(), json!({})).await;
    assert_eq!(code(&stale), "IFO-0403");
    // Nothing changed: same item, same bytes, still only alice's file in the folder.
    assert_eq!(get_item(&alice, &id).await, before);
    let (_, _, body) = alice.download("infostore", &[("action", "document"), ("id", &id)], &[]).await;
    assert_eq!(body, b"shared text");
    let v = alice.get("infostore", &[("action", "all"), ("folder", &docs), ("columns", "702")]).await;
    assert_eq!(data(&v), &json!([["shared.txt"]]));
    assert_eq!(server.blob_files(), blobs);

    // Locks: with write access bob is still refused while alice holds the lock.
    share_folder(&alice, &docs, bob_id, 1 | (2 << 7) | (2 << 14) | (2 << 21)).await;
    data(&alice.get("infostore", &[("action", "lock"), ("id", &id), ("diff", "60000")]).await);
    let item = get_item(&alice, &id).await;
    assert!(item["locked_until"].as_i64().unwrap() > 0);
    let t = item["last_modified_utc"].as_i64().unwrap().to_string();
    assert_eq!(code(&bob.put("infostore", &[("action", "update"), ("id", &id), ("timestamp", &t)], &json!({"title": "x"})).await), "IFO-0415");
    assert_eq!(code(&bob.get("infostore", &[("action", "lock"), ("id", &id)]).await), "IFO-0415");
    assert_eq!(code(&bob.get("infostore", &[("action", "unlock"), ("id", &id)]).await), "IFO-0415");
    assert_eq!(code(&bob.put("infostore", &[("action", "delete"), ("timestamp", &t)], &json!([{"id": id, "folder": docs}])).await), "IFO-0415");
    // Alice herself may still change it.
    data(&alice.put("infostore", &[("action", "update"), ("id", &id), ("timestamp", &t)], &json!({"title": "mine"})).await);
    data(&alice.get("infostore", &[("action", "unlock"), ("id", &id)]).await);
    assert_eq!(get_item(&alice, &id).await["locked_until"], 0);
    let t = ts(&bob.get("infostore", &[("action", "get"), ("id", &id)]).await).to_string();
    data(&bob.put("infostore", &[("action", "update"), ("id", &id), ("timestamp", &t)], &json!({"title": "bob's"})).await);

    // shares: alice's items in folders she shares.
    let v = alice.get("infostore", &[("action", "shares"), ("columns", "1,702")]).await;
    assert_eq!(data(&v)[0][1], "shared.txt");
    assert_eq!(data(&bob.get("infostore", &[("action", "shares"), ("columns", "1")]).await), &json!([]));

    // notify: bob gets a mail (see notifications_by_mail); a reader may not notify.
    assert_eq!(code(&bob.put("infostore", &[("action", "notify"), ("id", &id)], &json!({"entities": [bob_id]})).await), "IFO-0403");
    assert_eq!(code(&alice.put("infostore", &[("action", "notify"), ("id", &id)], &json!({})).await), "SVL-0002");
}

#[tokio::test]
async fn bad_names_and_parameters() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let home = alice.drive_home().await;
    let long = "x".repeat(300);
    for name in ["../etc/passwd", "a/b.txt", "back\\slash", "bell\u{7}.txt", "..", long.as_str()] {
        let expected = if name.len() > 255 { "IFO-0100" } else { "IFO-2101" };
        let v = alice.get("infostore", &[("action", "checkname"), ("name", name)]).await;
        assert_eq!(code(&v), expected, "checkname {name:?}");
        let v = alice.put("infostore", &[("action", "new")], &json!({"file": {"folder_id": home, "filename": name}})).await;
        assert_eq!(code(&v), expected, "new {name:?}");
    }
    assert_eq!(data(&alice.get("infostore", &[("action", "checkname"), ("name", "fine name.txt")]).await), &json!({}));
    // A multipart file name with a path keeps only its last segment.
    let id = id_of(&alice.upload(&home, "C:\\Users\\x\\evil.txt", b"x".to_vec(), &[]).await);
    assert_eq!(get_item(&alice, &id).await["filename"], "evil.txt");
    let blobs = server.blob_files();
    let form = reqwest::multipart::Form::new()
        .text("json", json!({"folder_id": home, "filename": "../x"}).to_string())
        .part("file", reqwest::multipart::Part::bytes(b"abc".to_vec()).file_name("x.txt"));
    assert_eq!(code(&alice.post_multipart("infostore", &[("action", "new")], form).await), "IFO-2101");
    assert_eq!(server.blob_files(), blobs);

    assert_eq!(code(&alice.get("infostore", &[("action", "get")]).await), "SVL-0002");
    assert_eq!(code(&alice.get("infostore", &[("action", "get"), ("id", "abc")]).await), "SVL-0010");
    assert_eq!(code(&alice.get("infostore", &[("action", "get"), ("id", "999999")]).await), "IFO-0300");
    assert_eq!(code(&alice.get("infostore", &[("action", "all"), ("folder", &home)]).await), "SVL-0002");
    assert_eq!(code(&alice.get("infostore", &[("action", "all"), ("folder", &home), ("columns", "1,9999")]).await), "SVL-0010");
    assert_eq!(code(&alice.get("infostore", &[("action", "all"), ("folder", "99999"), ("columns", "1")]).await), "FLD-0008");
    assert_eq!(code(&alice.put("infostore", &[("action", "delete")], &json!([])).await), "SVL-0002");
    assert_eq!(code(&alice.put("infostore", &[("action", "new")], &json!({"file": {"title": "no folder"}})).await), "SVL-0002");
    assert_eq!(code(&alice.put("infostore", &[("action", "new")], &json!({"file": {"folder_id": "1"}})).await), "FLD-0008");
    assert_eq!(code(&alice.put("infostore", &[("action", "new")], &json!({"file": {"folder_id": home, "color_label": 99}})).await), "SVL-0010");
    assert_eq!(code(&alice.get("infostore", &[("action", "nope")]).await), "SVL-0021");
    // Folders outside Drive are not Drive folders.
    assert_eq!(code(&alice.put("infostore", &[("action", "new")], &json!({"file": {"folder_id": "6", "title": "x"}})).await), "FLD-0008");
}

#[tokio::test]
async fn upload_limits_quota_and_interrupted_uploads() {
    let server = Server::start_with(&[("OXBOW_MAX_UPLOAD_SIZE", "100000")]).await;
    let alice = server.user("alice").await;
    let home = alice.drive_home().await;

    // Over the maximum upload size: refused, nothing stored.
    let v = alice.upload(&home, "big.bin", vec![7u8; 300_000], &[]).await;
    assert_eq!(code(&v), "SVL-0024");
    assert_eq!(server.blob_files(), 0);
    assert_eq!(server.blob_tmp_files(), 0);
    let v = alice.get("infostore", &[("action", "all"), ("folder", &home), ("columns", "1")]).await;
    assert_eq!(data(&v), &json!([]));

    // Quota: 50 kB for the context.
    let out = server.admin(&["context", "quota", "--context", "1", "--bytes", "50000"]);
    assert!(out.starts_with("50000"), "{out}");
    let v = alice.get("quota", &[("action", "filestore")]).await;
    assert_eq!(data(&v), &json!({"quota": 50000, "use": 0}));
    data(&alice.upload(&home, "a.bin", vec![1u8; 30_000], &[]).await);
    let v = alice.upload(&home, "b.bin", vec![2u8; 30_000], &[]).await;
    assert_eq!(code(&v), "QUOTA-0003");
    assert_eq!(server.blob_files(), 1);
    let v = alice.get("quota", &[("action", "filestore")]).await;
    assert_eq!(data(&v), &json!({"quota": 50000, "use": 30000}));
    let v = alice.get("quota", &[("action", "get"), ("module", "filestorage")]).await;
    assert_eq!(data(&v)[0]["use"], 30000);
    // Identical content is stored once but still counts for the quota.
    data(&alice.upload(&home, "a2.bin", vec![1u8; 15_000], &[]).await);
    assert_eq!(server.blob_files(), 2);
    server.admin(&["context", "quota", "--context", "1", "--unlimited"]);
    let v = alice.get("quota", &[("action", "filestore")]).await;
    assert_eq!(data(&v)["quota"], -1);

    // A client that drops the connection mid-body leaves no item and no blob.
    let before = server.blob_files();
    let addr = server.url.trim_start_matches("http://").to_string();
    let boundary = "XyZboundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{{\"folder_id\":\"{home}\"}}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    {
        use tokio::io::AsyncWriteExt;
        let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let req = format!(
            "POST /ajax/infostore?action=new&session={} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 90000\r\n\r\n{head}",
            alice.session
        );
        sock.write_all(req.as_bytes()).await.unwrap();
        sock.write_all(&vec![9u8; 20_000]).await.unwrap();
        sock.flush().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        drop(sock);
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let v = alice.get("infostore", &[("action", "all"), ("folder", &home), ("columns", "702")]).await;
    assert!(!data(&v).to_string().contains("cut.bin"));
    assert_eq!(server.blob_files(), before);
    assert_eq!(server.blob_tmp_files(), 0);
}

#[tokio::test]
async fn zip_archives() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let home = alice.drive_home().await;
    let docs = alice.drive_folder("documents").await;
    let a = id_of(&alice.upload(&home, "a.txt", b"alpha".to_vec(), &[]).await);
    let b = id_of(&alice.upload(&docs, "b.txt", b"bravo".to_vec(), &[]).await);
    let b2 = id_of(&alice.upload(&docs, "a.txt", b"other a".to_vec(), &[]).await);

    let r = alice
        .http
        .put(alice.url("infostore"))
        .query(&[("action", "zipdocuments"), ("session", alice.session.as_str())])
        .body(json!([{"id": a, "folder": home}, {"id": b, "folder": docs}, {"id": b2, "folder": docs}]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(names, ["a (1).txt", "a.txt", "b.txt"]);
    let mut s = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("b.txt").unwrap(), &mut s).unwrap();
    assert_eq!(s, "bravo");

    let (status, _, bytes) = alice.download("infostore", &[("action", "zipfolder"), ("folder", &home), ("recursive", "true")], &[]).await;
    assert_eq!(status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(names, ["Documents/a.txt", "Documents/b.txt", "a.txt"]);
    let mut s = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("Documents/a.txt").unwrap(), &mut s).unwrap();
    assert_eq!(s, "other a");
    let (_, _, bytes) = alice.download("infostore", &[("action", "zipfolder"), ("folder", &home)], &[]).await;
    assert_eq!(zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap().len(), 1);
    let v = alice.get("infostore", &[("action", "zipfolder"), ("folder", "99999")]).await;
    assert_eq!(code(&v), "FLD-0008");
}

fn mp3_with_cover(cover: &[u8]) -> Vec<u8> {
    use id3::TagLike;
    let mut tag = id3::Tag::new();
    tag.set_title("Song");
    tag.add_frame(id3::frame::Picture {
        mime_type: "image/png".into(),
        picture_type: id3::frame::PictureType::CoverFront,
        description: String::new(),
        data: cover.to_vec(),
    });
    let mut out = Vec::new();
    tag.write_to(&mut out, id3::Version::Id3v24).unwrap();
    out.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
    out.extend_from_slice(&[0u8; 400]);
    out
}

#[tokio::test]
async fn temporary_files_images_and_file_services() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let png: Vec<u8> = [&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..], &[1u8; 64][..]].concat();

    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("p.png"));
    let v = alice.post_multipart("file", &[("action", "new"), ("module", "contacts"), ("type", "image")], form).await;
    let tmp = data(&v)[0].as_str().unwrap().to_string();
    let (status, headers, body) = alice.download("file", &[("action", "get"), ("id", &tmp)], &[]).await;
    assert_eq!((status, body.clone()), (200, png.clone()));
    assert_eq!(headers["content-type"], "image/png");
    data(&alice.get("file", &[("action", "keepalive"), ("id", &tmp)]).await);
    let (status, headers, body) = alice.download("image/mfile/picture", &[("uid", &tmp)], &[]).await;
    assert_eq!((status, body), (200, png.clone()));
    assert_eq!(headers["content-type"], "image/png");
    // Another user's upload is not visible.
    assert_eq!(code(&bob.get("file", &[("action", "keepalive"), ("id", &tmp)]).await), "UPL-0009");
    let (status, _, _) = bob.download("file", &[("action", "get"), ("id", &tmp)], &[]).await;
    assert_eq!(status, 404);
    // The type filter applies.
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"plain".to_vec()).file_name("t.txt"));
    let v = alice.post_multipart("file", &[("action", "new"), ("module", "contacts"), ("type", "image")], form).await;
    assert_eq!(code(&v), "UPL-0010");
    assert_eq!(code(&alice.get("file", &[("action", "new"), ("module", "x"), ("type", "bogus")]).await), "SVL-0010");

    // Expiry: an expired upload is gone.
    server.sql("UPDATE temp_files SET expires = 0").await;
    assert_eq!(code(&alice.get("file", &[("action", "keepalive"), ("id", &tmp)]).await), "UPL-0009");

    // MP3 cover from a temporary upload and from a Drive item.
    let mp3 = mp3_with_cover(&png);
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(mp3.clone()).file_name("s.mp3"));
    let v = alice.post_multipart("file", &[("action", "new"), ("module", "infostore"), ("type", "file")], form).await;
    let tmp = data(&v)[0].as_str().unwrap().to_string();
    let (status, headers, body) = alice.download("image/file/mp3cover", &[("id", &tmp)], &[]).await;
    assert_eq!((status, body), (200, png.clone()));
    assert_eq!(headers["content-type"], "image/png");
    let home = alice.drive_home().await;
    let song = id_of(&alice.upload(&home, "song.mp3", mp3, &[]).await);
    let (status, _, body) = alice.download("image/file/mp3cover", &[("id", &song)], &[]).await;
    assert_eq!((status, body), (200, png));
    let plain = id_of(&alice.upload(&home, "no.mp3", vec![0u8; 100], &[]).await);
    let (status, _, _) = alice.download("image/file/mp3cover", &[("id", &plain)], &[]).await;
    assert_eq!(status, 400);

    // File storage services and accounts.
    let v = alice.get("fileservice", &[("action", "all")]).await;
    assert_eq!(data(&v)[0]["id"], "com.openexchange.infostore");
    let v = alice.get("fileservice", &[("action", "get"), ("id", "com.openexchange.infostore")]).await;
    assert_eq!(data(&v)["displayName"], "Drive");
    assert_eq!(code(&alice.get("fileservice", &[("action", "get"), ("id", "boxcom")]).await), "FILE_STORAGE-0002");
    let v = alice.get("fileaccount", &[("action", "all")]).await;
    assert_eq!(data(&v)[0]["isDefaultAccount"], true);
    let v = alice.get("fileaccount", &[("action", "get"), ("filestorageService", "com.openexchange.infostore"), ("id", "infostore")]).await;
    assert_eq!(data(&v)["qualifiedId"], "com.openexchange.infostore://infostore");
    assert_eq!(code(&alice.get("fileaccount", &[("action", "get"), ("filestorageService", "com.openexchange.infostore"), ("id", "x")]).await), "FILE_STORAGE-0004");
    assert_eq!(code(&alice.get("fileaccount", &[("action", "all"), ("filestorageService", "dropbox")]).await), "FILE_STORAGE-0002");
    let v = alice.put("fileaccount", &[("action", "new")], &json!({"filestorageService": "com.openexchange.infostore", "displayName": "x"})).await;
    assert_eq!(code(&v), "FILE_STORAGE-0019");
    let v = alice.put("fileaccount", &[("action", "update")], &json!({"filestorageService": "com.openexchange.infostore", "id": "infostore"})).await;
    assert_eq!(code(&v), "FILE_STORAGE-0019");
    let v = alice.get("fileaccount", &[("action", "delete"), ("filestorageService", "com.openexchange.infostore"), ("id", "infostore")]).await;
    assert_eq!(code(&v), "FILE_STORAGE-0019");
    assert_eq!(code(&alice.put("fileaccount", &[("action", "new")], &json!({})).await), "SVL-0002");
}

async fn set_object_permissions(c: &Client, id: &str, perms: Value) -> Value {
    let t = ts(&c.get("infostore", &[("action", "get"), ("id", id)]).await).to_string();
    c.put("infostore", &[("action", "update"), ("id", id), ("timestamp", &t)], &json!({"file": {"object_permissions": perms}})).await
}

#[tokio::test]
async fn object_permissions_grant_use_and_revoke() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let bob_id = user_id(&bob).await;
    let docs = alice.drive_folder("documents").await;
    let id = id_of(&alice.upload(&docs, "private.txt", b"for bob".to_vec(), &[]).await);
    let other = id_of(&alice.upload(&docs, "other.txt", b"not for bob".to_vec(), &[]).await);
    assert_eq!(code(&bob.get("infostore", &[("action", "get"), ("id", &id)]).await), "IFO-0300");
    let v = alice.get("infostore", &[("action", "get"), ("id", &id)]).await;
    assert_eq!((data(&v)["object_permissions"].clone(), data(&v)["shareable"].clone()), (json!([]), json!(true)));

    // Read permission on one item: bob reads and downloads it, nothing else of the folder.
    data(&set_object_permissions(&alice, &id, json!([{"entity": bob_id, "group": false, "bits": 1}])).await);
    let item = get_item(&alice, &id).await;
    assert_eq!(item["object_permissions"], json!([{"entity": bob_id, "group": false, "bits": 1}]));
    let extended = &item["com.openexchange.share.extendedObjectPermissions"][0];
    assert_eq!((extended["entity"].clone(), extended["type"].clone(), extended["bits"].clone()), (json!(bob_id), json!("user"), json!(1)));
    assert_eq!(extended["display_name"], "bob Tester");
    let v = alice.get("infostore", &[("action", "all"), ("folder", &docs), ("columns", "702,108,109"), ("sort", "702")]).await;
    assert_eq!(data(&v), &json!([["other.txt", [], true], ["private.txt", [{"entity": bob_id, "group": false, "bits": 1}], true]]));
    let v = alice.put("infostore", &[("action", "list"), ("columns", "1,108")], &json!([{"id": id, "folder": docs}])).await;
    assert_eq!(data(&v)[0][1][0]["entity"], bob_id);

    // Bob cannot see alice's folder: the item shows up in "Shared files" (folder 10).
    let shared_id = format!("10/{}", id.rsplit('/').next().unwrap());
    let v = bob.get("infostore", &[("action", "get"), ("id", &id)]).await;
    assert_eq!((data(&v)["filename"].clone(), data(&v)["shareable"].clone()), (json!("private.txt"), json!(false)));
    assert_eq!((data(&v)["id"].clone(), data(&v)["folder_id"].clone()), (json!(shared_id), json!("10")));
    let v = bob.get("infostore", &[("action", "get"), ("id", &shared_id)]).await;
    assert_eq!(data(&v)["filename"], "private.txt");
    let v = bob.put("infostore", &[("action", "list"), ("columns", "1,20,702")], &json!([{"id": shared_id, "folder": "10"}])).await;
    assert_eq!(data(&v), &json!([[shared_id.clone(), "10", "private.txt"]]));
    let (status, _, body) = bob.download("infostore", &[("action", "document"), ("id", &id)], &[]).await;
    assert_eq!((status, body.as_slice()), (200, &b"for bob"[..]));
    assert_eq!(code(&bob.get("infostore", &[("action", "get"), ("id", &other)]).await), "IFO-0300");
    assert_eq!(code(&bob.get("infostore", &[("action", "all"), ("folder", &docs), ("columns", "1")]).await), "FLD-0008");
    let v = bob.get("infostore", &[("action", "all"), ("folder", "10"), ("columns", "1,702")]).await;
    assert_eq!(data(&v), &json!([[shared_id.clone(), "private.txt"]]));
    let v = bob.get("infostore", &[("action", "updates"), ("folder", "10"), ("columns", "1"), ("timestamp", "0")]).await;
    assert_eq!(data(&v), &json!([[shared_id.clone()]]));
    let later = ts(&v).to_string();
    let v = bob.put("infostore", &[("action", "search"), ("columns", "1,702")], &json!({"pattern": "priv*"})).await;
    assert_eq!(data(&v), &json!([[shared_id.clone(), "private.txt"]]));
    let v = bob.put("infostore", &[("action", "search"), ("columns", "1"), ("folder", "10")], &json!({"pattern": "other"})).await;
    assert_eq!(data(&v), &json!([]));
    let v = bob.get("infostore", &[("action", "updates"), ("folder", "10"), ("columns", "1"), ("timestamp", &later)]).await;
    assert_eq!(data(&v), &json!([]));
    assert_eq!(code(&carol.get("infostore", &[("action", "get"), ("id", &id)]).await), "IFO-0300");
    assert_eq!(data(&carol.get("infostore", &[("action", "all"), ("folder", "10"), ("columns", "1")]).await), &json!([]));

    // Read only: every change is refused and nothing changes.
    let before = get_item(&alice, &id).await;
    let t = before["last_modified_utc"].as_i64().unwrap().to_string();
    assert_eq!(code(&bob.put("infostore", &[("action", "update"), ("id", &id), ("timestamp", &t)], &json!({"title": "x"})).await), "IFO-0403");
    assert_eq!(code(&bob.upload_version(&id, i64::MAX, "private.txt", b"changed".to_vec(), json!({})).await), "IFO-0403");
    assert_eq!(code(&bob.get("infostore", &[("action", "lock"), ("id", &id)]).await), "IFO-0403");
    assert_eq!(code(&bob.put("infostore", &[("action", "delete"), ("timestamp", &t)], &json!([{"id": id, "folder": docs}])).await), "IFO-0445");
    assert_eq!(code(&set_object_permissions(&bob, &id, json!([{"entity": bob_id, "bits": 4}])).await), "IFO-0403");
    assert_eq!(get_item(&alice, &id).await, before);

    // Write permission: bob changes the item and adds a version, but may not delete or re-share it.
    data(&set_object_permissions(&alice, &id, json!([{"entity": bob_id, "bits": 2}])).await);
    let t = ts(&bob.get("infostore", &[("action", "get"), ("id", &id)]).await);
    data(&bob.put("infostore", &[("action", "update"), ("id", &id), ("timestamp", &t.to_string())], &json!({"file": {"title": "edited by bob"}})).await);
    let t = ts(&bob.get("infostore", &[("action", "get"), ("id", &id)]).await);
    data(&bob.upload_version(&id, t, "private.txt", b"bob's version".to_vec(), json!({})).await);
    let item = get_item(&alice, &id).await;
    assert_eq!((item["title"].clone(), item["version"].clone()), (json!("edited by bob"), json!(2)));
    let t = item["last_modified_utc"].as_i64().unwrap().to_string();
    assert_eq!(code(&bob.put("infostore", &[("action", "delete"), ("timestamp", &t)], &json!([{"id": id, "folder": docs}])).await), "IFO-0445");
    assert_eq!(code(&set_object_permissions(&bob, &id, json!([{"entity": bob_id, "bits": 4}])).await), "IFO-0403");

    // shares lists alice's item with object permissions.
    let v = alice.get("infostore", &[("action", "shares"), ("columns", "1")]).await;
    assert_eq!(data(&v), &json!([[id.clone()]]));
    assert_eq!(data(&bob.get("infostore", &[("action", "shares"), ("columns", "1")]).await), &json!([]));

    // Bad input is refused naming the field, and leaves the permissions as they were.
    let granted = get_item(&alice, &id).await["object_permissions"].clone();
    for bad in [
        json!([{"entity": bob_id, "bits": 3}]),
        json!([{"entity": bob_id, "bits": 128}]),
        json!([{"entity": 999_999, "bits": 1}]),
        json!([{"entity": 999_999, "group": true, "bits": 1}]),
        json!([{"entity": bob_id, "bits": 1}, {"entity": bob_id, "bits": 2}]),
        json!([{"type": "guest", "email_address": "guest@example.com", "bits": 1}]),
        json!([{"bits": 1}]),
        json!([{"entity": -3, "bits": 1}]),
        json!([{"entity": bob_id, "group": "no", "bits": 1}]),
        json!(["bob"]),
        json!("everyone"),
        json!((0..501).map(|i| json!({"entity": i, "bits": 1})).collect::<Vec<_>>()),
    ] {
        let v = set_object_permissions(&alice, &id, bad.clone()).await;
        assert_eq!(code(&v), "SVL-0010", "{bad}");
        assert!(v["error"].as_str().unwrap().contains("object_permissions"), "{v}");
    }
    assert_eq!(get_item(&alice, &id).await["object_permissions"], granted);

    // Revoke: bob loses the item again.
    data(&set_object_permissions(&alice, &id, json!([])).await);
    assert_eq!(code(&bob.get("infostore", &[("action", "get"), ("id", &id)]).await), "IFO-0300");
    assert_eq!(data(&bob.get("infostore", &[("action", "all"), ("folder", "10"), ("columns", "1")]).await), &json!([]));
    assert_eq!(data(&alice.get("infostore", &[("action", "shares"), ("columns", "1")]).await), &json!([]));

    // Delete permission: bob may delete the item; it does not land in his trash.
    let doomed = id_of(&alice.upload(&docs, "doomed.txt", b"bye".to_vec(), &[]).await);
    data(&set_object_permissions(&alice, &doomed, json!([{"entity": bob_id, "bits": 4}])).await);
    let t = ts(&bob.get("infostore", &[("action", "get"), ("id", &doomed)]).await).to_string();
    assert_eq!(data(&bob.put("infostore", &[("action", "delete"), ("timestamp", &t)], &json!([{"id": doomed, "folder": docs}])).await), &json!([]));
    assert_eq!(code(&alice.get("infostore", &[("action", "get"), ("id", &doomed)]).await), "IFO-0300");
    let bob_trash = bob.drive_folder("trash").await;
    assert_eq!(data(&bob.get("infostore", &[("action", "all"), ("folder", &bob_trash), ("columns", "1")]).await), &json!([]));

    // Granted on creation, to the group of all users; deleting the item ends the share.
    let v = alice
        .put("infostore", &[("action", "new")], &json!({"file": {"folder_id": docs, "title": "for everyone", "object_permissions": [{"entity": 0, "group": true, "bits": 1}]}}))
        .await;
    let open = id_of(&v);
    assert_eq!(data(&carol.get("infostore", &[("action", "get"), ("id", &open)]).await)["title"], "for everyone");
    assert_eq!(get_item(&alice, &open).await["com.openexchange.share.extendedObjectPermissions"][0]["type"], "group");
    let t = ts(&alice.get("infostore", &[("action", "get"), ("id", &open)]).await).to_string();
    data(&alice.put("infostore", &[("action", "delete"), ("timestamp", &t), ("hardDelete", "true")], &json!([{"id": open, "folder": docs}])).await);
    assert_eq!(code(&carol.get("infostore", &[("action", "get"), ("id", &open)]).await), "IFO-0300");
    let v = alice.put("infostore", &[("action", "new")], &json!({"file": {"folder_id": docs, "title": "bad", "object_permissions": [{"entity": 424_242, "bits": 1}]}})).await;
    assert_eq!(code(&v), "SVL-0010");
    let v = alice.get("infostore", &[("action", "all"), ("folder", &docs), ("columns", "700")]).await;
    assert!(!data(&v).to_string().contains("\"bad\""));
}

/// (id, subject) of the mails in the caller's INBOX.
async fn inbox(c: &Client) -> Vec<(String, String)> {
    let v = c.get("mail", &[("action", "all"), ("folder", "default0/INBOX"), ("columns", "600,607"), ("sort", "610"), ("order", "asc")]).await;
    data(&v).as_array().unwrap().iter().map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap_or("").to_string())).collect()
}

#[tokio::test]
async fn notifications_by_mail() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let bob_id = user_id(&bob).await;
    let docs = alice.drive_folder("documents").await;
    let id = id_of(&alice.upload(&docs, "report.pdf", b"%PDF-1.4".to_vec(), &[]).await);
    data(&set_object_permissions(&alice, &id, json!([{"entity": bob_id, "bits": 1}])).await);

    // Bob finds the notification in his INBOX: who shared what, the message, a link.
    let body = json!({"entities": [bob_id.to_string()], "notification": {"transport": "mail", "message": "Please review <b>this</b>"}});
    let v = alice.put("infostore", &[("action", "notify"), ("id", &id)], &body).await;
    assert_eq!(data(&v), &json!({}));
    assert!(v.get("code").is_none(), "unexpected warning: {v}");
    let mails = inbox(&bob).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].1, "alice Tester has shared the file \"report.pdf\" with you");
    let v = bob.get("mail", &[("action", "get"), ("folder", "default0/INBOX"), ("id", &mails[0].0), ("view", "text")]).await;
    let mail = data(&v).to_string();
    assert!(mail.contains("Please review"), "{mail}");
    assert!(mail.contains("app=io.ox/files"), "{mail}");
    assert!(mail.contains("alice@"), "{mail}");
    assert!(inbox(&carol).await.is_empty());

    // Groups reach their members (not the sender); plain addresses are mailed as given.
    let gid: i64 = server.admin(&["group", "add", "--name", "readers", "--member", "carol", "--member", "alice"]).trim().parse().unwrap();
    data(&set_object_permissions(&alice, &id, json!([{"entity": bob_id, "bits": 1}, {"entity": gid, "group": true, "bits": 1}])).await);
    let v = alice.put("infostore", &[("action", "notify"), ("id", &id)], &json!({"entities": [gid]})).await;
    assert_eq!(data(&v), &json!({}));
    assert_eq!(inbox(&carol).await.len(), 1);
    assert!(inbox(&alice).await.is_empty());
    let v = alice.put("infostore", &[("action", "notify"), ("id", &id)], &json!({"entities": ["carol@oxbow.local"]})).await;
    assert_eq!(data(&v), &json!({}));
    assert_eq!(inbox(&carol).await.len(), 2);
    // An outside address without a mail relay: the answer warns, nothing fails.
    let v = alice.put("infostore", &[("action", "notify"), ("id", &id)], &json!({"entities": ["dave@example.com"]})).await;
    assert_eq!(v["data"], json!({}));
    assert_eq!(v["code"], "IFO-2201");
    assert_eq!(v["categories"], "WARNING");

    // Unknown or malformed entities are refused before anything is sent.
    for bad in [json!([999_999]), json!([bob_id, "nobody"]), json!(["not an address@"]), json!([{"entity": bob_id}]), json!([-1])] {
        let v = alice.put("infostore", &[("action", "notify"), ("id", &id)], &json!({"entities": bad})).await;
        assert_eq!(code(&v), "SVL-0010", "{bad}");
        assert!(v["error"].as_str().unwrap().contains("entities"), "{v}");
    }
    let v = alice.put("infostore", &[("action", "notify"), ("id", &id)], &json!({"entities": [bob_id], "notification": {"message": "x".repeat(10_001)}})).await;
    assert_eq!(code(&v), "SVL-0010");
    assert_eq!(code(&alice.put("infostore", &[("action", "notify"), ("id", &id)], &json!({"entities": []})).await), "SVL-0002");
    assert_eq!(code(&alice.put("infostore", &[("action", "notify"), ("id", "999999")], &json!({"entities": [bob_id]})).await), "IFO-0300");
    assert_eq!(inbox(&bob).await.len(), 1);

    // Granting with a `notification` mails only the entities that gained a permission.
    let t = ts(&alice.get("infostore", &[("action", "get"), ("id", &id)]).await).to_string();
    let perms = json!([{"entity": bob_id, "bits": 1}, {"entity": gid, "group": true, "bits": 1}, {"entity": user_id(&carol).await, "bits": 2}]);
    let body = json!({"file": {"object_permissions": perms}, "notification": {"message": "now you can edit"}});
    let v = alice.put("infostore", &[("action", "update"), ("id", &id), ("timestamp", &t)], &body).await;
    data(&v);
    assert!(v.get("code").is_none(), "unexpected warning: {v}");
    assert_eq!(inbox(&carol).await.len(), 3);
    assert_eq!(inbox(&bob).await.len(), 1);
    let v = alice
        .put("infostore", &[("action", "new")], &json!({"file": {"folder_id": docs, "title": "memo", "object_permissions": [{"entity": bob_id, "bits": 1}]}, "notification": {}}))
        .await;
    data(&v);
    let mails = inbox(&bob).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].1, "alice Tester has shared the file \"memo\" with you");
}

#[tokio::test]
async fn deleting_users_removes_their_drive_items_and_grants() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let (alice_id, bob_id) = (user_id(&alice).await, user_id(&bob).await);
    let home = alice.drive_home().await;
    let id = id_of(&alice.upload(&home, "a.txt", b"alice's".to_vec(), &[]).await);
    data(&set_object_permissions(&alice, &id, json!([{"entity": bob_id, "bits": 1}, {"entity": user_id(&carol).await, "bits": 1}])).await);
    let carol_file = id_of(&carol.upload(&carol.drive_home().await, "c.txt", b"carol's".to_vec(), &[]).await);
    let count = |sql: String| {
        let server = &server;
        async move { server.sql_i64(&sql).await }
    };
    assert_eq!(count(format!("SELECT COUNT(*) FROM infostore_object_permissions WHERE entity = {bob_id}")).await, 1);

    server.admin(&["user", "delete", "--login", "bob"]);
    assert_eq!(count(format!("SELECT COUNT(*) FROM infostore_object_permissions WHERE entity = {bob_id}")).await, 0);
    assert_eq!(get_item(&alice, &id).await["object_permissions"].as_array().unwrap().len(), 1);

    server.admin(&["user", "delete", "--login", "alice"]);
    assert_eq!(count(format!("SELECT COUNT(*) FROM infostore_items WHERE created_by = {alice_id}")).await, 0);
    assert_eq!(count(format!("SELECT COUNT(*) FROM infostore_versions WHERE created_by = {alice_id}")).await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM infostore_object_permissions".to_string()).await, 0);
    assert_eq!(code(&carol.get("infostore", &[("action", "get"), ("id", &id)]).await), "IFO-0300");
    assert_eq!(data(&carol.get("infostore", &[("action", "all"), ("folder", "10"), ("columns", "1")]).await), &json!([]));
    // Other users' files are untouched.
    let (status, _, body) = carol.download("infostore", &[("action", "document"), ("id", &carol_file)], &[]).await;
    assert_eq!((status, body.as_slice()), (200, &b"carol's"[..]));
}
