mod common;

use common::*;
use serde_json::{json, Value};

const INBOX: &str = "default0/INBOX";

async fn send(from: &Client, from_addr: &str, to: &str, subject: &str, body: &str) -> Value {
    let mail = json!({
        "from": [[null, from_addr]],
        "to": [[null, to]],
        "subject": subject,
        "attachments": [{"content_type": "text/plain", "content": body}],
    });
    from.put("mail", &[("action", "new")], &mail).await
}

async fn inbox_ids(c: &Client) -> Vec<String> {
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600,607")]).await;
    data(&v).as_array().unwrap().iter().map(|r| r[0].as_str().unwrap().to_string()).collect()
}

async fn import_raw(c: &Client, folder: &str, raw: &[u8]) -> String {
    let form = reqwest::multipart::Form::new().part("file_0", reqwest::multipart::Part::bytes(raw.to_vec()).file_name("m.eml"));
    let v = c.post_multipart("mail", &[("action", "import"), ("folder", folder)], form).await;
    data(&v)[0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn alice_sends_bob_reads_and_replies() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;

    let v = send(&alice, "alice@oxbow.local", "bob@oxbow.local", "Hello Bob", "How are you?").await;
    let sent_path = data(&v).as_str().unwrap().to_string();
    assert!(sent_path.starts_with("default0/Sent/"), "{sent_path}");

    // Bob sees it unread in his INBOX.
    let v = bob.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600,601,603,607,611,610"), ("sort", "610"), ("order", "desc")]).await;
    let rows = data(&v).as_array().unwrap().clone();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][1], INBOX);
    assert_eq!(rows[0][2], json!([[null, "alice@oxbow.local"]]));
    assert_eq!(rows[0][3], "Hello Bob");
    assert_eq!(rows[0][4].as_i64().unwrap() & 32, 0);
    let id = rows[0][0].as_str().unwrap().to_string();

    // Folder counts through the folder tree.
    let v = bob.get("mail", &[("action", "count"), ("folder", INBOX)]).await;
    assert_eq!(data(&v), &json!(1));

    // Reading marks it seen.
    let v = bob.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id)]).await;
    let m = data(&v);
    assert_eq!(m["subject"], "Hello Bob");
    assert_eq!(m["attachments"][0]["content"], "How are you?");
    assert_eq!(m["flags"].as_i64().unwrap() & 32, 32);
    let v = bob.get("mail", &[("action", "list"), ("columns", "600,611")]).await;
    assert!(v.get("error").is_some());
    let v = bob.put("mail", &[("action", "list"), ("columns", "600,611")], &json!([{"folder": INBOX, "id": id}])).await;
    assert_eq!(data(&v)[0][1].as_i64().unwrap() & 32, 32);

    // Reply template quotes the text and addresses alice.
    let v = bob.get("mail", &[("action", "reply"), ("folder", INBOX), ("id", &id), ("view", "text")]).await;
    let r = data(&v);
    assert_eq!(r["subject"], "Re: Hello Bob");
    assert_eq!(r["to"], json!([[null, "alice@oxbow.local"]]));
    assert!(r["attachments"][0]["content"].as_str().unwrap().contains("> How are you?"));
    let msgref = r["msgref"].as_str().unwrap().to_string();

    let reply = json!({
        "from": [["Bob", "bob@oxbow.local"]],
        "to": r["to"],
        "subject": r["subject"],
        "msgref": msgref,
        "sendtype": 1,
        "attachments": [{"content_type": "text/plain", "content": "Fine, thanks."}],
    });
    let v = bob.put("mail", &[("action", "new")], &reply).await;
    data(&v);
    // The original is now answered.
    let v = bob.put("mail", &[("action", "list"), ("columns", "600,611")], &json!([{"folder": INBOX, "id": id}])).await;
    assert_eq!(data(&v)[0][1].as_i64().unwrap() & 1, 1);

    // Alice gets the reply, threaded with her sent message by References.
    let ids = inbox_ids(&alice).await;
    assert_eq!(ids.len(), 1);
    let v = alice.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &ids[0]), ("hdr", "1")]).await;
    let headers = data(&v).as_str().unwrap();
    assert!(headers.contains("In-Reply-To:"), "{headers}");
    // Bcc-free, and the Sent copy of alice exists.
    let v = alice.get("mail", &[("action", "all"), ("folder", "default0/Sent"), ("columns", "600,607")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 1);

    // Bob cannot read alice's mail by id: it is his own INBOX that is looked up.
    let v = bob.get("mail", &[("action", "get"), ("folder", INBOX), ("id", "999")]).await;
    assert_eq!(code(&v), "MSG-0032");
}

#[tokio::test]
async fn folders_tree_create_rename_delete() {
    let server = Server::start().await;
    let c = server.user("carol").await;
    let v = c.get("folders", &[("action", "list"), ("parent", "1"), ("columns", "1,300,301")]).await;
    if v.get("error").is_none() {
        let rows = data(&v).as_array().unwrap();
        assert!(rows.iter().any(|r| r[0] == "default0"), "{v}");
        let v = c.get("folders", &[("action", "list"), ("parent", "default0"), ("columns", "1,300,316,309")]).await;
        let rows = data(&v).as_array().unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(&ids[..5], &["default0/INBOX", "default0/Drafts", "default0/Sent", "default0/Spam", "default0/Trash"]);
        assert_eq!(rows[0][2], 7);
        assert_eq!(rows[4][2], 12);
    }
    // Through the mail module alone: unknown folders.
    let v = c.get("mail", &[("action", "all"), ("folder", "default0/Nope"), ("columns", "600")]).await;
    assert_eq!(code(&v), "MSG-0066");
    let v = c.get("mail", &[("action", "all"), ("folder", "25"), ("columns", "600")]).await;
    assert_eq!(code(&v), "MSG-0066");
    let v = c.get("mail", &[("action", "all"), ("folder", "default7/INBOX"), ("columns", "600")]).await;
    assert_eq!(code(&v), "MSG-0066");
}

#[tokio::test]
async fn flags_labels_move_copy_delete() {
    let server = Server::start().await;
    let c = server.user("dave").await;
    let raw = b"From: X <x@example.com>\r\nTo: dave@oxbow.local\r\nSubject: one\r\nMessage-ID: <1@x>\r\n\r\nbody one\r\n";
    let id = import_raw(&c, INBOX, raw).await;

    // Colour label and flag changes.
    let v = c.put("mail", &[("action", "update"), ("folder", INBOX), ("id", &id)], &json!({"color_label": 3})).await;
    assert_eq!(data(&v)["id"], id);
    let v = c.put("mail", &[("action", "update"), ("folder", INBOX), ("id", &id)], &json!({"flags": 8, "value": true})).await;
    data(&v);
    let v = c.put("mail", &[("action", "list"), ("columns", "600,611,102")], &json!([{"folder": INBOX, "id": id}])).await;
    let r = &data(&v)[0];
    assert_eq!(r[1].as_i64().unwrap() & 8, 8);
    assert_eq!(r[2], 3);
    let v = c.put("mail", &[("action", "update"), ("folder", INBOX), ("id", &id)], &json!({"clear_flags": 8, "color_label": 0})).await;
    data(&v);
    let v = c.put("mail", &[("action", "list"), ("columns", "600,611,102")], &json!([{"folder": INBOX, "id": id}])).await;
    assert_eq!(data(&v)[0][1].as_i64().unwrap() & 8, 0);
    assert_eq!(data(&v)[0][2], 0);
    let v = c.put("mail", &[("action", "update"), ("folder", INBOX), ("id", &id)], &json!({"color_label": 11})).await;
    assert_eq!(code(&v), "SVL-0010");

    // Copy then move.
    let v = c.put("mail", &[("action", "copy"), ("folder", INBOX), ("id", &id)], &json!({"folder_id": "default0/Drafts"})).await;
    assert_eq!(data(&v)["folder_id"], "default0/Drafts");
    let v = c.put("mail", &[("action", "update"), ("folder", INBOX), ("id", &id)], &json!({"folder_id": "default0/Spam"})).await;
    let moved = data(&v)["id"].as_str().unwrap().to_string();
    assert!(inbox_ids(&c).await.is_empty());
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id)]).await;
    assert_eq!(code(&v), "MSG-0032");

    // Delete to trash, then for good.
    let v = c.put("mail", &[("action", "delete")], &json!([{"folder": "default0/Spam", "id": moved}])).await;
    assert_eq!(data(&v), &json!([]));
    let v = c.get("mail", &[("action", "all"), ("folder", "default0/Trash"), ("columns", "600")]).await;
    let trash = data(&v).as_array().unwrap().clone();
    assert_eq!(trash.len(), 1);
    let tid = trash[0][0].as_str().unwrap();
    let v = c.put("mail", &[("action", "delete")], &json!([{"folder": "default0/Trash", "id": tid}])).await;
    data(&v);
    let v = c.get("mail", &[("action", "count"), ("folder", "default0/Trash")]).await;
    assert_eq!(data(&v), &json!(0));

    // all_seen and clear.
    import_raw(&c, INBOX, raw).await;
    import_raw(&c, INBOX, raw).await;
    let v = c.put("mail", &[("action", "all_seen"), ("folder", INBOX)], &json!({})).await;
    assert_eq!(data(&v), &json!(true));
    let v = c.put("mail", &[("action", "search"), ("folder", INBOX), ("columns", "600")], &json!({"filter": ["=", {"field": "flags"}, 32]})).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 2);
    let v = c.put("mail", &[("action", "clear")], &json!([INBOX, "default0/Missing"])).await;
    assert_eq!(data(&v), &json!(["default0/Missing"]));
    assert!(inbox_ids(&c).await.is_empty());
}

#[tokio::test]
async fn sort_paging_headers_and_errors() {
    let server = Server::start().await;
    let c = server.user("erin").await;
    for (i, subj) in ["banana", "apple", "cherry"].iter().enumerate() {
        let raw = format!(
            "From: s{i}@example.com\r\nTo: erin@oxbow.local\r\nSubject: {subj}\r\nX-Custom: v{i}\r\nDate: Mon, 0{} Jan 2024 10:00:00 +0000\r\n\r\nbody {subj}\r\n",
            i + 1
        );
        import_raw(&c, INBOX, raw.as_bytes()).await;
    }
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "607,X-Custom"), ("sort", "607"), ("order", "asc")]).await;
    let rows = data(&v).as_array().unwrap();
    let subjects: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(subjects, ["apple", "banana", "cherry"]);
    assert_eq!(rows[0][1], "v1");
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "607,9999"), ("sort", "607"), ("order", "desc"), ("limit", "1,3")]).await;
    let rows = data(&v).as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "banana");
    assert_eq!(rows[0][1], Value::Null);
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600"), ("headers", "X-Custom"), ("sort", "609"), ("order", "asc")]).await;
    assert_eq!(data(&v)[0][1], "v0");

    // sort without order, bad order, missing parameters.
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600"), ("sort", "607")]).await;
    assert_eq!(code(&v), "MSG-0001");
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600"), ("sort", "607"), ("order", "up")]).await;
    assert_eq!(code(&v), "MSG-0031");
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX)]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = c.get("mail", &[("action", "all"), ("columns", "600")]).await;
    assert_eq!(code(&v), "SVL-0002");
    let v = c.get("mail", &[("action", "nope")]).await;
    assert_eq!(code(&v), "SVL-0021");

    // Search by subject (advanced filter and the legacy form) and by body.
    let v = c.put("mail", &[("action", "search"), ("folder", INBOX), ("columns", "607")], &json!({"filter": ["=", {"field": "subject"}, "cher"]})).await;
    assert_eq!(data(&v), &json!([["cherry"]]));
    let v = c.put("mail", &[("action", "search"), ("folder", INBOX), ("columns", "607")], &json!([{"col": 603, "pattern": "s1@"}])).await;
    assert_eq!(data(&v), &json!([["apple"]]));
    let v = c.put("mail", &[("action", "search"), ("folder", INBOX), ("columns", "607")], &json!({"filter": ["and", ["=", {"field": "content"}, "body ban"], ["not", ["=", {"field": "subject"}, "apple"]]]})).await;
    assert_eq!(data(&v), &json!([["banana"]]));
    let v = c.put("mail", &[("action", "search"), ("folder", INBOX), ("columns", "607")], &json!({"filter": ["~~", 1]})).await;
    assert_eq!(code(&v), "SVL-0010");

    // updates answers an empty list with a timestamp.
    let v = c.get("mail", &[("action", "updates"), ("folder", INBOX), ("columns", "600")]).await;
    assert_eq!(data(&v), &json!([]));
}

#[tokio::test]
async fn drafts_threads_zip_and_sources() {
    let server = Server::start().await;
    let c = server.user("frank").await;
    // Save a draft, then edit it: the old version goes away.
    let draft = json!({"to": "x@example.com", "subject": "draft 1", "flags": 4, "attachments": [{"content_type": "text/plain", "content": "v1"}]});
    let v = c.put("mail", &[("action", "new")], &draft).await;
    let path = data(&v).as_str().unwrap().to_string();
    assert!(path.starts_with("default0/Drafts/"));
    let draft2 = json!({"to": "x@example.com", "subject": "draft 2", "flags": 4, "sendtype": 3, "msgref": path, "attachments": [{"content_type": "text/plain", "content": "v2"}]});
    let v = c.put("mail", &[("action", "new")], &draft2).await;
    data(&v);
    let v = c.get("mail", &[("action", "all"), ("folder", "default0/Drafts"), ("columns", "607,611")]).await;
    let rows = data(&v).as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "draft 2");
    assert_eq!(rows[0][1].as_i64().unwrap() & 4, 4);
    // Sending needs a sender; an unknown msgref is MSG-0067.
    let v = c.put("mail", &[("action", "new")], &json!({"to": "x@example.com", "subject": "s"})).await;
    assert_eq!(code(&v), "MSG-0001");
    let v = c.put("mail", &[("action", "new")], &json!({"from": "frank@oxbow.local", "to": "frank@oxbow.local", "msgref": "default0/INBOX/77", "sendtype": 1})).await;
    assert_eq!(code(&v), "MSG-0067");
    let v = c.put("mail", &[("action", "new")], &json!({"from": "frank@oxbow.local", "to": [[null, "not an address"]], "subject": "s"})).await;
    assert_eq!(code(&v), "MSG-0056");

    // A thread of three plus an unrelated mail.
    let m1 = b"From: a@example.com\r\nSubject: topic\r\nMessage-ID: <t1@x>\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\nfirst\r\n";
    let m2 = b"From: b@example.com\r\nSubject: Re: topic\r\nMessage-ID: <t2@x>\r\nIn-Reply-To: <t1@x>\r\nReferences: <t1@x>\r\n\r\nsecond\r\n";
    let m3 = b"From: a@example.com\r\nSubject: Re: topic\r\nMessage-ID: <t3@x>\r\nReferences: <t1@x> <t2@x>\r\n\r\nthird\r\n";
    let m4 = b"From: z@example.com\r\nSubject: other\r\nMessage-ID: <o1@x>\r\n\r\nother\r\n";
    for m in [&m1[..], &m2[..], &m3[..], &m4[..]] {
        import_raw(&c, INBOX, m).await;
    }
    let v = c.get("mail", &[("action", "threadedAll"), ("folder", INBOX), ("columns", "600,607,612"), ("sort", "610"), ("order", "desc")]).await;
    let threads = data(&v).as_array().unwrap();
    assert_eq!(threads.len(), 2);
    let big = threads.iter().find(|t| t["thread"].as_array().unwrap().len() == 3).expect("thread of three");
    assert_eq!(big["subject"], "topic");
    assert_eq!(big["unreadCount"], 3);
    let levels: Vec<i64> = big["thread"].as_array().unwrap().iter().map(|m| m["level"].as_i64().unwrap()).collect();
    assert_eq!(levels, [0, 1, 2]);
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "607,612"), ("sort", "thread"), ("order", "asc")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 4);

    // zip of messages; source download; attach_src.
    let ids = inbox_ids(&c).await;
    let joined = ids.join(",");
    let r = c.get_raw("mail", &[("action", "zip_messages"), ("folder", INBOX), ("id", &joined)]).await;
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(zip.len(), 4);
    // Each entry is the complete source of one of the mails.
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &ids[0]), ("src", "1"), ("unseen", "true")]).await;
    let first_source = data(&v).as_str().unwrap().to_string();
    let mut sources = Vec::new();
    for i in 0..zip.len() {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut text).unwrap();
        assert!(zip.by_index(i).unwrap().name().ends_with(".eml"));
        sources.push(text);
    }
    assert!(sources.contains(&first_source), "{sources:?}");
    // An unknown id is an error before anything is streamed.
    let v = c.get("mail", &[("action", "zip_messages"), ("folder", INBOX), ("id", &format!("{},999999", ids[0]))]).await;
    assert_eq!(code(&v), "MSG-0032", "{v}");
    let r = c.get_raw("mail", &[("action", "get"), ("folder", INBOX), ("id", &ids[0]), ("src", "1"), ("save", "1")]).await;
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let text = r.text().await.unwrap();
    assert!(text.contains("Message-ID"));
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &ids[0]), ("src", "1")]).await;
    assert!(data(&v).as_str().unwrap().contains("Subject:"));
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &ids[1]), ("attach_src", "1"), ("unseen", "true")]).await;
    assert!(data(&v)["source"].as_str().unwrap().contains("Subject:"));
    assert_eq!(data(&v)["flags"].as_i64().unwrap() & 32, 0);
}

const HTML_MAIL: &str = "From: evil@example.com\r\nTo: gina@oxbow.local\r\nSubject: html\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"steal()\">Hi<script>alert(1)</script><a href=\"javascript:alert(2)\">x</a><img src=\"cid:logo@x\"><img src=\"https://tracker.example.com/p.gif\"></p>\r\n--b1\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--\r\n";

#[tokio::test]
async fn html_is_sanitized_and_inline_images_served() {
    let server = Server::start().await;
    let c = server.user("gina").await;
    let id = import_raw(&c, INBOX, HTML_MAIL.as_bytes()).await;
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id), ("view", "noimg")]).await;
    let body = data(&v)["attachments"][0]["content"].as_str().unwrap().to_string();
    assert!(!body.contains("<script"), "{body}");
    assert!(!body.contains("onclick"), "{body}");
    assert!(!body.contains("javascript:"), "{body}");
    assert!(!body.contains("tracker.example.com"), "{body}");
    assert!(body.contains("image/mail/picture"), "{body}");
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id), ("view", "html")]).await;
    let body = data(&v)["attachments"][0]["content"].as_str().unwrap().to_string();
    assert!(body.contains("tracker.example.com"), "{body}");
    assert!(!body.contains("<script"), "{body}");
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id), ("view", "text")]).await;
    let body = data(&v)["attachments"][0]["content"].as_str().unwrap().to_string();
    assert!(!body.contains('<'), "{body}");

    let r = c.get_raw("image/mail/picture", &[("folder", INBOX), ("id", &id), ("uid", "logo@x")]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(&r.bytes().await.unwrap()[..4], b"\x89PNG");
    let r = c.get_raw("mail", &[("action", "attachment"), ("folder", INBOX), ("id", &id), ("attachment", "2")]).await;
    assert_eq!(r.headers()["content-type"], "image/png");
    let v = c.get("mail", &[("action", "attachment"), ("folder", INBOX), ("id", &id), ("attachment", "9")]).await;
    assert_eq!(code(&v), "MSG-0032");
    let r = c.get_raw("mail", &[("action", "zip_attachments"), ("folder", INBOX), ("id", &id), ("attachment", "2")]).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(zip.len(), 1);
    let mut png = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_index(0).unwrap(), &mut png).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    // A missing part is an error before anything is streamed.
    let v = c.get("mail", &[("action", "zip_attachments"), ("folder", INBOX), ("id", &id), ("attachment", "2,9")]).await;
    assert_eq!(code(&v), "MSG-0032", "{v}");
}

#[tokio::test]
async fn broken_input_is_stored_and_shown() {
    let server = Server::start().await;
    let c = server.user("hank").await;
    // Malformed MIME: a boundary that never closes, a wrong charset, raw 8-bit headers.
    let broken = b"From: \xe4\xf6\xfc <u@example.com>\r\nSubject: caf\xe9 \xff\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain; charset=x-nonsense\r\n\r\nbody \xe9\r\n--zz\r\nContent-Type: application/octet-stream\r\n\r\nAAAA";
    let id = import_raw(&c, INBOX, broken).await;
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id)]).await;
    let m = data(&v);
    assert!(m["subject"].as_str().unwrap().starts_with("caf"));
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600,603,607")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 1);
    // Not a mail at all.
    let id2 = import_raw(&c, INBOX, b"\x00\x01\x02 garbage without headers").await;
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id2)]).await;
    assert!(v.get("error").is_none() || code(&v) == "MSG-0064", "{v}");

    // A thousand parts.
    let mut many = String::from("From: a@example.com\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary=\"p\"\r\n\r\n");
    for i in 0..1000 {
        many.push_str(&format!("--p\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"f{i}.txt\"\r\n\r\npart {i}\r\n"));
    }
    many.push_str("--p--\r\n");
    let id3 = import_raw(&c, INBOX, many.as_bytes()).await;
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &id3)]).await;
    assert!(data(&v)["attachments"].as_array().unwrap().len() >= 1000);

    // Unknown ids and non-numeric ids.
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", "abc")]).await;
    assert_eq!(code(&v), "MSG-0032");
    let v = c.put("mail", &[("action", "copy"), ("folder", INBOX), ("id", "424242")], &json!({"folder_id": "default0/Drafts"})).await;
    assert_eq!(code(&v), "MSG-0032");
    let v = c.put("mail", &[("action", "copy"), ("folder", INBOX), ("id", &id)], &json!({"folder_id": "default0/Gone"})).await;
    assert_eq!(code(&v), "MSG-0066");
    let v = c.put("mail", &[("action", "update"), ("folder", INBOX), ("id", "424242")], &json!({"flags": 32, "value": true})).await;
    assert_eq!(code(&v), "MSG-0032");
    let v = c.put("mail", &[("action", "list"), ("columns", "600")], &json!([{"folder": INBOX, "id": "424242"}])).await;
    assert_eq!(data(&v), &json!([]));
    let v = c.put("mail", &[("action", "list"), ("columns", "600")], &json!([{"id": "1"}])).await;
    assert_eq!(code(&v), "SVL-0002");
}

#[tokio::test]
async fn raw_rfc822_new_and_big_attachment() {
    let server = Server::start().await;
    let c = server.user("ivy").await;
    let _j = server.user("jay").await;
    // PUT new with an RFC 822 body and a folder appends it.
    let raw = "From: ivy@oxbow.local\r\nTo: jay@oxbow.local\r\nBcc: ivy@oxbow.local\r\nSubject: raw one\r\n\r\nraw body\r\n";
    let r = c.put_raw("mail", &[("action", "new"), ("folder", "default0/Drafts"), ("flags", "32")], raw).await;
    let v = parse_json(r).await;
    assert_eq!(data(&v)["folder_id"], "default0/Drafts");
    // Without a folder it is sent: jay gets it, ivy too (Bcc), without a Bcc header.
    let r = c.put_raw("mail", &[("action", "new")], raw).await;
    let v = parse_json(r).await;
    assert_eq!(data(&v)["folder_id"], "default0/Sent");
    let ids = inbox_ids(&c).await;
    assert_eq!(ids.len(), 1);
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &ids[0]), ("src", "1")]).await;
    assert!(!data(&v).as_str().unwrap().contains("Bcc:"));

    // A 50 MB attachment through the upload form, sent to jay.
    let big = vec![b'x'; 50 * 1024 * 1024];
    let json0 = json!({"from": "ivy@oxbow.local", "to": "jay@oxbow.local", "subject": "big", "attachments": [{"content_type": "text/plain", "content": "see attachment"}]});
    let form = reqwest::multipart::Form::new()
        .text("json_0", json0.to_string())
        .part("file_0", reqwest::multipart::Part::bytes(big).file_name("big.bin").mime_str("application/octet-stream").unwrap());
    let v = c.post_multipart("mail", &[("action", "new")], form).await;
    let path = data(&v).as_str().unwrap().to_string();
    let (folder, id) = path.rsplit_once('/').unwrap();
    let v = c.get("mail", &[("action", "get"), ("folder", folder), ("id", id)]).await;
    let atts = data(&v)["attachments"].as_array().unwrap();
    let file = atts.iter().find(|a| a["filename"] == "big.bin").expect("attachment listed");
    assert_eq!(file["size"], 50 * 1024 * 1024);
    let r = c.get_raw("mail", &[("action", "attachment"), ("folder", folder), ("id", id), ("attachment", file["id"].as_str().unwrap()), ("save", "1")]).await;
    assert_eq!(r.bytes().await.unwrap().len(), 50 * 1024 * 1024);
}

#[tokio::test]
async fn forward_keeps_attachments_and_quota() {
    let server = Server::start_with(&[("OXBOW_MAIL_QUOTA_BYTES", "4000")]).await;
    let c = server.user("kim").await;
    let m = "From: a@example.com\r\nSubject: with file\r\nContent-Type: multipart/mixed; boundary=\"q\"\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--q\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"a.txt\"\r\n\r\nfile content\r\n--q--\r\n";
    let id = import_raw(&c, INBOX, m.as_bytes()).await;
    let v = c.get("mail", &[("action", "forward"), ("folder", INBOX), ("id", &id)]).await;
    let f = data(&v);
    assert_eq!(f["subject"], "Fwd: with file");
    let atts = f["attachments"].as_array().unwrap();
    assert!(atts[0]["content"].as_str().unwrap().contains("see file"));
    assert_eq!(atts[1]["filename"], "a.txt");
    let fwd = json!({"from": "kim@oxbow.local", "to": "kim@oxbow.local", "subject": f["subject"], "msgref": f["msgref"], "sendtype": 2,
        "copy2Sent": false,
        "attachments": [{"content_type": "text/plain", "content": "fyi"}, {"id": atts[1]["id"]}]});
    let v = c.put("mail", &[("action", "new")], &fwd).await;
    assert_eq!(data(&v), &Value::Null);
    let v = c.put("mail", &[("action", "list"), ("columns", "600,611")], &json!([{"folder": INBOX, "id": id}])).await;
    assert_eq!(data(&v)[0][1].as_i64().unwrap() & 256, 256);
    let v = c.get("quota", &[("action", "mail")]).await;
    if v.get("error").is_none() {
        assert_eq!(data(&v)["quota"], 4000);
    }
    // The quota refuses what does not fit.
    let big = format!("From: a@example.com\r\nSubject: big\r\n\r\n{}\r\n", "y".repeat(5000));
    let form = reqwest::multipart::Form::new().part("file_0", reqwest::multipart::Part::bytes(big.into_bytes()).file_name("m.eml"));
    let v = c.post_multipart("mail", &[("action", "import"), ("folder", INBOX)], form).await;
    assert_eq!(code(&v), "MSG-0029");
}

#[tokio::test]
async fn lmtp_delivers_into_inbox() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let server = Server::start_with(&[("OXBOW_MAIL_LMTP_LISTEN", &listen)]).await;
    let c = server.user("lena").await;
    let mut stream = None;
    for _ in 0..50 {
        if let Ok(s) = tokio::net::TcpStream::connect(&listen).await {
            stream = Some(s);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (r, mut w) = stream.expect("LMTP port").into_split();
    let mut r = BufReader::new(r);
    let mut line = String::new();
    let mut expect = async |r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, prefix: &str| {
        loop {
            line.clear();
            r.read_line(&mut line).await.unwrap();
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        assert!(line.starts_with(prefix), "expected {prefix}, got {line}");
    };
    expect(&mut r, "220").await;
    w.write_all(b"LHLO mta\r\n").await.unwrap();
    expect(&mut r, "250").await;
    w.write_all(b"MAIL FROM:<x@example.com>\r\n").await.unwrap();
    expect(&mut r, "250").await;
    w.write_all(b"RCPT TO:<lena@oxbow.local>\r\n").await.unwrap();
    expect(&mut r, "250").await;
    w.write_all(b"RCPT TO:<nobody@oxbow.local>\r\n").await.unwrap();
    expect(&mut r, "550").await;
    w.write_all(b"DATA\r\n").await.unwrap();
    expect(&mut r, "354").await;
    w.write_all(b"From: x@example.com\r\nSubject: via lmtp\r\n\r\n..dot line\r\n.\r\n").await.unwrap();
    expect(&mut r, "250").await;
    w.write_all(b"QUIT\r\n").await.unwrap();
    expect(&mut r, "221").await;
    let v = c.get("mail", &[("action", "all"), ("folder", INBOX), ("columns", "600,607")]).await;
    let rows = data(&v).as_array().unwrap().clone();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][1], "via lmtp");
    let id = rows[0][0].as_str().unwrap();
    let v = c.get("mail", &[("action", "get"), ("folder", INBOX), ("id", id), ("view", "text")]).await;
    assert!(data(&v)["attachments"][0]["content"].as_str().unwrap().starts_with(".dot line"));
}

#[tokio::test]
async fn drive_files_are_attached_by_id() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;

    // Bytes that survive no text conversion: every byte value, twice.
    let first: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
    let home = alice.drive_home().await;
    let v = alice.upload(&home, "data.bin", first.clone(), &[]).await;
    let file_id = data(&v).as_str().unwrap().to_string();
    let item = data(&alice.get("infostore", &[("action", "get"), ("id", &file_id)]).await).clone();
    let ts = item["last_modified"].as_i64().unwrap();
    let second = b"second version".to_vec();
    data(&alice.upload_version(&file_id, ts, "data.bin", second.clone(), json!({})).await);

    let mail = |ids: Value, subject: &str| {
        json!({
            "from": [[null, "alice@oxbow.local"]],
            "to": [[null, "bob@oxbow.local"]],
            "subject": subject,
            "attachments": [{"content_type": "text/plain", "content": "files from Drive"}],
            "infostore_ids": ids,
        })
    };
    // The current version by "<folder>/<id>", the first one by an object with a version.
    let v = alice.put("mail", &[("action", "new")], &mail(json!([file_id, {"id": file_id, "version": 1}]), "drive files")).await;
    data(&v);
    let ids = inbox_ids(&bob).await;
    assert_eq!(ids.len(), 1);
    let v = bob.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &ids[0])]).await;
    let atts: Vec<Value> = data(&v)["attachments"].as_array().unwrap().iter().filter(|a| a["filename"] == "data.bin").cloned().collect();
    assert_eq!(atts.len(), 2, "{v}");
    let mut got = Vec::new();
    for a in &atts {
        let (status, _, bytes) = bob
            .download("mail", &[("action", "attachment"), ("folder", INBOX), ("id", &ids[0]), ("attachment", a["id"].as_str().unwrap()), ("save", "1")], &[])
            .await;
        assert_eq!(status, 200);
        got.push(bytes);
    }
    assert_eq!(got, vec![second.clone(), first.clone()]);

    // Someone else's unshared file, an unknown id, an unknown version and a malformed
    // element are refused, and nothing is sent.
    let carol_home = carol.drive_home().await;
    let secret = data(&carol.upload(&carol_home, "secret.txt", b"carol only".to_vec(), &[]).await).as_str().unwrap().to_string();
    let v = alice.put("mail", &[("action", "new")], &mail(json!([secret]), "stolen")).await;
    assert_eq!(code(&v), "IFO-0300", "{v}");
    let v = alice.put("mail", &[("action", "new")], &mail(json!(["987654"]), "unknown")).await;
    assert_eq!(code(&v), "IFO-0300", "{v}");
    let v = alice.put("mail", &[("action", "new")], &mail(json!([{"id": file_id, "version": 9}]), "no such version")).await;
    assert_eq!(code(&v), "IFO-0438", "{v}");
    let v = alice.put("mail", &[("action", "new")], &mail(json!([{"name": "x"}]), "malformed")).await;
    assert_eq!(code(&v), "SVL-0010", "{v}");
    assert!(v["error"].as_str().unwrap_or("").contains("infostore_ids") || v.to_string().contains("infostore_ids"), "{v}");
    assert_eq!(inbox_ids(&bob).await.len(), 1);
    let v = alice.get("mail", &[("action", "all"), ("folder", "default0/Sent"), ("columns", "600")]).await;
    assert_eq!(data(&v).as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn shared_drive_files_resolve_by_share_reference() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let home = alice.drive_home().await;
    let file_id = data(&alice.upload(&home, "report.pdf", b"%PDF-1.4 shared".to_vec(), &[]).await).as_str().unwrap().to_string();

    // Sending with share_attachments links the Drive file instead of attaching it.
    let mail = json!({
        "from": [[null, "alice@oxbow.local"]],
        "to": [[null, "bob@oxbow.local"]],
        "subject": "the report",
        "attachments": [{"content_type": "text/plain", "content": "see the link"}],
        "infostore_ids": [file_id],
        "share_attachments": {"enable": true, "expiry_date": 4102444800000i64, "password": "pw1"},
    });
    let v = alice.put("mail", &[("action", "new")], &mail).await;
    let sent = data(&v).as_str().unwrap().to_string();
    let ids = inbox_ids(&bob).await;
    assert_eq!(ids.len(), 1);
    let v = bob.get("mail", &[("action", "get"), ("folder", INBOX), ("id", &ids[0])]).await;
    let m = data(&v);
    assert!(m["attachments"].as_array().unwrap().iter().all(|a| a["filename"] != "report.pdf"), "{v}");
    assert!(m["attachments"][0]["content"].as_str().unwrap().contains("report.pdf"), "{v}");
    // The recipient's copy carries no reference; the sender's copy does.
    assert!(m["headers"].get("X-Open-Xchange-Share-Reference").is_none(), "{v}");
    let (folder, id) = sent.rsplit_once('/').unwrap();
    let v = alice.get("mail", &[("action", "get"), ("folder", folder), ("id", id)]).await;
    let reference = data(&v)["headers"]["X-Open-Xchange-Share-Reference"].as_str().unwrap_or_else(|| panic!("no reference: {v}")).to_string();

    let v = alice.put("mail", &[("action", "resolve_share_reference")], &json!({"reference": reference})).await;
    let share = data(&v);
    assert_eq!(share["expiration"], json!(4102444800000i64));
    assert_eq!(share["password"], "pw1");
    assert!(share["shareToken"].as_str().is_some_and(|t| t.len() >= 16), "{v}");
    let files = share["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{v}");
    assert_eq!(files[0]["id"], json!(file_id));
    assert_eq!(files[0]["filename"], "report.pdf");

    // Another user's reference, malformed and tampered references are clear errors.
    let v = bob.put("mail", &[("action", "resolve_share_reference")], &json!({"reference": reference})).await;
    assert_eq!(code(&v), "SHR-0002", "{v}");
    let v = alice.put("mail", &[("action", "resolve_share_reference")], &json!({"reference": "definitely not a reference"})).await;
    assert_eq!(code(&v), "SVL-0029", "{v}");
    let mut tampered: Vec<char> = reference.chars().filter(|c| !c.is_whitespace()).collect();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == 'A' { 'B' } else { 'A' };
    let v = alice.put("mail", &[("action", "resolve_share_reference")], &json!({"reference": tampered.into_iter().collect::<String>()})).await;
    assert_eq!(code(&v), "SVL-0029", "{v}");
    let v = alice.put("mail", &[("action", "resolve_share_reference")], &json!({})).await;
    assert_eq!(code(&v), "SVL-0002", "{v}");

    // Once the file is gone, the reference still resolves, without it.
    let item = data(&alice.get("infostore", &[("action", "get"), ("id", &file_id)]).await).clone();
    let ts = item["last_modified"].as_i64().unwrap().to_string();
    let v = alice.put("infostore", &[("action", "delete"), ("timestamp", &ts), ("hardDelete", "true")], &json!([{"id": file_id, "folder": home}])).await;
    data(&v);
    let v = alice.put("mail", &[("action", "resolve_share_reference")], &json!({"reference": reference})).await;
    assert_eq!(data(&v)["files"], json!([]), "{v}");
}
