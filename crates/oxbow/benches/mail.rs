//! Mail list performance on the built-in store: `mail?action=all` with 10 columns over an
//! INBOX of 10,000 messages (whole folder and one page), the folder count, and import throughput.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use std::time::Instant;

const MESSAGES: usize = 10_000;
const BATCH: usize = 200;
const COLUMNS: &str = "600,601,602,603,607,608,610,611,614,102";

fn message(i: usize) -> Vec<u8> {
    format!(
        "From: Sender {s} <sender{s}@example.com>\r\nTo: bench@oxbow.local\r\nSubject: Message number {i}\r\nMessage-ID: <m{i}@example.com>\r\nDate: Mon, 01 Jan 2024 10:{:02}:{:02} +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of message {i}.\r\n",
        (i / 60) % 60,
        i % 60,
        s = i % 97
    )
    .into_bytes()
}

#[tokio::main]
async fn main() {
    let server = Server::start().await;
    let c = server.user("bench").await;
    let started = Instant::now();
    for batch in 0..MESSAGES / BATCH {
        let mut form = reqwest::multipart::Form::new();
        for j in 0..BATCH {
            let i = batch * BATCH + j;
            form = form.part(format!("file_{j}"), reqwest::multipart::Part::bytes(message(i)).file_name(format!("{i}.eml")));
        }
        let v = c.post_multipart("mail", &[("action", "import"), ("folder", "default0/INBOX")], form).await;
        assert_eq!(data(&v).as_array().unwrap().len(), BATCH);
    }
    let secs = started.elapsed().as_secs_f64();
    println!("mail_import_rate: {:.0} messages/s", MESSAGES as f64 / secs);

    let params = [("action", "all"), ("folder", "default0/INBOX"), ("columns", COLUMNS), ("sort", "610"), ("order", "desc")];
    let v = c.get("mail", &params).await;
    assert_eq!(data(&v).as_array().unwrap().len(), MESSAGES);
    let runs = 5;
    let started = Instant::now();
    for _ in 0..runs {
        let v = c.get("mail", &params).await;
        assert_eq!(data(&v).as_array().unwrap().len(), MESSAGES);
    }
    println!("mail_all_10000_10cols: {:.1} ms", started.elapsed().as_secs_f64() * 1000.0 / runs as f64);

    let mut paged = params.to_vec();
    paged.push(("limit", "0,50"));
    let runs = 50;
    let started = Instant::now();
    for _ in 0..runs {
        let v = c.get("mail", &paged).await;
        assert_eq!(data(&v).as_array().unwrap().len(), 50);
    }
    println!("mail_all_page50_of_10000: {:.2} ms", started.elapsed().as_secs_f64() * 1000.0 / runs as f64);

    let started = Instant::now();
    let runs = 20;
    for _ in 0..runs {
        let v = c.get("mail", &[("action", "count"), ("folder", "default0/INBOX")]).await;
        assert_eq!(data(&v), &serde_json::json!(MESSAGES));
    }
    println!("mail_count_10000: {:.2} ms", started.elapsed().as_secs_f64() * 1000.0 / runs as f64);
}
