//! Drive on the S3 blob backend, against an S3-compatible server started by the test.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn drive_on_s3() {
    let bucket = "oxbow-test";
    let s3 = S3Server::start(bucket).await;
    let server = Server::start_with(&[
        ("OXBOW_BLOB_BACKEND", "s3"),
        ("OXBOW_BLOB_S3_ENDPOINT", &s3.endpoint),
        ("OXBOW_BLOB_S3_BUCKET", bucket),
        ("OXBOW_BLOB_S3_REGION", "us-east-1"),
        ("OXBOW_BLOB_S3_ACCESS_KEY", "test"),
        ("OXBOW_BLOB_S3_SECRET_KEY", "test"),
        ("OXBOW_MAX_UPLOAD_SIZE", "30000000"),
    ])
    .await;
    let alice = server.user("alice").await;
    let home = alice.drive_home().await;

    // Small (single request) and large (multipart) uploads.
    let small = alice.upload(&home, "small.txt", b"small file".to_vec(), &[]).await;
    let small = data(&small).as_str().unwrap().to_string();
    let large_bytes: Vec<u8> = (0..20_000_000u32).map(|i| (i % 251) as u8).collect();
    let large = alice.upload(&home, "large.bin", large_bytes.clone(), &[]).await;
    let large = data(&large).as_str().unwrap().to_string();
    assert_eq!(s3.keys(bucket).await.len(), 2);
    assert_eq!(server.blob_files(), 0, "nothing may land in the local directory");

    let (status, _, body) = alice.download("infostore", &[("action", "document"), ("id", &large)], &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body.len(), large_bytes.len());
    assert!(body == large_bytes);
    let (status, headers, body) = alice.download("infostore", &[("action", "document"), ("id", &large)], &[("range", "bytes=10000000-10000009")]).await;
    assert_eq!(status, 206);
    assert_eq!(body, &large_bytes[10_000_000..10_000_010]);
    assert_eq!(headers["content-range"], "bytes 10000000-10000009/20000000");
    let (status, _, _) = alice.download("infostore", &[("action", "document"), ("id", &small)], &[("range", "bytes=100-")]).await;
    assert_eq!(status, 416);

    // Copies share the object; a refused upload leaves no object behind.
    let copy = alice.put("infostore", &[("action", "copy"), ("id", &small)], &json!({"folder_id": home})).await;
    let copy = data(&copy).as_str().unwrap().to_string();
    assert_eq!(s3.keys(bucket).await.len(), 2);
    // The server refuses at once and closes the connection: the client sees the error page
    // or a broken pipe while still sending.
    let form = reqwest::multipart::Form::new()
        .text("json", json!({"folder_id": home}).to_string())
        .part("file", reqwest::multipart::Part::bytes(vec![0u8; 31_000_000]).file_name("too-big.bin"));
    let sent = alice.http.post(alice.url("infostore")).query(&[("action", "new"), ("session", alice.session.as_str())]).multipart(form).send().await;
    if let Ok(r) = sent {
        assert_eq!(code(&callback_json(&r.text().await.unwrap())), "SVL-0024");
    }
    assert_eq!(s3.keys(bucket).await.len(), 2);

    // Deleting for good removes objects once their last reference is gone.
    let t = alice.get("infostore", &[("action", "get"), ("id", &large)]).await["timestamp"].as_i64().unwrap().to_string();
    data(&alice.put("infostore", &[("action", "delete"), ("timestamp", &t), ("hardDelete", "true")], &json!([{"id": large, "folder": home}])).await);
    assert_eq!(s3.keys(bucket).await.len(), 1);
    let t = alice.get("infostore", &[("action", "get"), ("id", &copy)]).await["timestamp"].as_i64().unwrap().to_string();
    data(&alice.put("infostore", &[("action", "delete"), ("timestamp", &t), ("hardDelete", "true")], &json!([{"id": copy, "folder": home}])).await);
    assert_eq!(s3.keys(bucket).await.len(), 1);
    let (_, _, body) = alice.download("infostore", &[("action", "document"), ("id", &small)], &[]).await;
    assert_eq!(body, b"small file");
    let t = alice.get("infostore", &[("action", "get"), ("id", &small)]).await["timestamp"].as_i64().unwrap().to_string();
    data(&alice.put("infostore", &[("action", "delete"), ("timestamp", &t), ("hardDelete", "true")], &json!([{"id": small, "folder": home}])).await);
    assert_eq!(s3.keys(bucket).await.len(), 0);
}
