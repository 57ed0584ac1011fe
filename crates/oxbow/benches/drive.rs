//! Drive throughput: upload and download of a large file (1 GiB by default; set
//! DRIVE_BENCH_BYTES to change) against copying the same file on the same disk, and
//! `infostore?action=all` over a folder of 10,000 items.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use std::time::Instant;

fn mb_per_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / secs.max(1e-9)
}

#[tokio::main]
async fn main() {
    let size: u64 = std::env::var("DRIVE_BENCH_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 30);
    let items: usize = std::env::var("DRIVE_BENCH_ITEMS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let home = alice.drive_home().await;

    // The test file, on the same disk as the server's blobs.
    let src = server.data_dir.path().join("bench-source.bin");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&src).unwrap());
        let block: Vec<u8> = (0..1024 * 1024u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        let mut left = size;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            f.write_all(&block[..n]).unwrap();
            left -= n as u64;
        }
        f.flush().unwrap();
    }

    let t = Instant::now();
    std::fs::copy(&src, server.data_dir.path().join("bench-copy.bin")).unwrap();
    let copy_secs = t.elapsed().as_secs_f64();
    std::fs::remove_file(server.data_dir.path().join("bench-copy.bin")).unwrap();
    println!("disk_copy: {:.1} MB/s", mb_per_s(size, copy_secs));

    let file = tokio::fs::File::open(&src).await.unwrap();
    let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::from(file), size).file_name("big.bin");
    let form = reqwest::multipart::Form::new().text("json", serde_json::json!({ "folder_id": home }).to_string()).part("file", part);
    let t = Instant::now();
    let v = alice.post_multipart("infostore", &[("action", "new")], form).await;
    let up_secs = t.elapsed().as_secs_f64();
    let id = data(&v).as_str().unwrap().to_string();
    println!("drive_upload: {:.1} MB/s", mb_per_s(size, up_secs));

    let t = Instant::now();
    let mut r = alice.get_raw("infostore", &[("action", "document"), ("id", &id)]).await;
    let mut got = 0u64;
    while let Some(chunk) = r.chunk().await.unwrap() {
        got += chunk.len() as u64;
    }
    let down_secs = t.elapsed().as_secs_f64();
    assert_eq!(got, size);
    println!("drive_download: {:.1} MB/s", mb_per_s(size, down_secs));
    println!("drive_upload_vs_disk_copy: {:.2} ratio", copy_secs / up_secs);
    println!("drive_download_vs_disk_copy: {:.2} ratio", copy_secs / down_secs);

    // A folder of many items (inserted directly; the API path is what is measured).
    let docs = alice.drive_folder("documents").await;
    let user: i64 = server.admin(&["user", "list"]).lines().find(|l| l.contains("\talice\t")).unwrap().split('\t').next().unwrap().parse().unwrap();
    let mut next = 1_000_000i64;
    for chunk in (0..items).collect::<Vec<_>>().chunks(1000) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| {
                next += 1;
                format!("(1, {next}, {docs}, {user}, {user}, 1700000000000, 1700000000000, 'file {i}', 'file-{i:05}.txt', 1234, 'text/plain')")
            })
            .collect();
        server
            .sql(&format!(
                "INSERT INTO infostore_items (cid, id, folder_id, created_by, modified_by, creation_date, last_modified, title, filename, file_size, file_mimetype) VALUES {}",
                rows.join(", ")
            ))
            .await;
    }
    let runs = 5;
    let t = Instant::now();
    for _ in 0..runs {
        let v = alice.get("infostore", &[("action", "all"), ("folder", &docs), ("columns", "1,20,700,702,703,704,705,711"), ("sort", "702"), ("order", "asc")]).await;
        assert_eq!(data(&v).as_array().unwrap().len(), items);
    }
    println!("drive_all_{items}_items: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0 / runs as f64);
    let t = Instant::now();
    for _ in 0..runs {
        let v = alice.get("infostore", &[("action", "all"), ("folder", &docs), ("columns", "1,702"), ("sort", "702"), ("left_hand_limit", "100"), ("right_hand_limit", "150")]).await;
        assert_eq!(data(&v).as_array().unwrap().len(), 50);
    }
    println!("drive_all_page_of_50_in_{items}: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0 / runs as f64);
}
