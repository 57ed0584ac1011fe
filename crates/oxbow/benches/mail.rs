//! Mail list performance: `mail?action=all` with 10 columns over an INBOX of 10,000 messages
//! on the built-in store and on Dovecot (IMAP backend), next to a raw IMAP FETCH of the same
//! fields from that Dovecot; plus paging, the folder count and import throughput.
//!
//! `MAIL_BENCH_MESSAGES` sets the number of messages (default 10,000) for quick runs.

#[path = "../tests/common/mod.rs"]
mod common;

use common::mailserver::{ImapTestClient, MailServer};
use common::*;
use futures::TryStreamExt;
use std::time::Instant;

const BATCH: usize = 200;
const COLUMNS: &str = "600,601,602,603,607,608,610,611,614,102";
const INBOX: &str = "default0/INBOX";

fn message(i: usize) -> Vec<u8> {
    format!(
        "From: Sender {s} <sender{s}@example.com>\r\nTo: bench@oxbow.local\r\nSubject: Message number {i}\r\nMessage-ID: <m{i}@example.com>\r\nDate: Mon, 01 Jan 2024 10:{:02}:{:02} +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of message {i}.\r\n",
        (i / 60) % 60,
        i % 60,
        s = i % 97
    )
    .into_bytes()
}

fn message_count() -> usize {
    std::env::var("MAIL_BENCH_MESSAGES").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(10_000)
}

/// Average milliseconds of `runs` calls of `all` (after one warm-up call).
async fn time_all(c: &Client, params: &[(&str, &str)], expected: usize, runs: usize) -> f64 {
    let v = c.get("mail", params).await;
    assert_eq!(data(&v).as_array().unwrap().len(), expected, "{}", v.to_string().chars().take(300).collect::<String>());
    let started = Instant::now();
    for _ in 0..runs {
        let v = c.get("mail", params).await;
        assert_eq!(data(&v).as_array().unwrap().len(), expected);
    }
    started.elapsed().as_secs_f64() * 1000.0 / runs as f64
}

/// One `UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`; the number of messages.
async fn fetch_list_fields(session: &mut async_imap::Session<tokio::net::TcpStream>) -> usize {
    let stream = session.uid_fetch("1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)").await.unwrap();
    let items: Vec<_> = stream.try_collect().await.unwrap();
    assert!(items.iter().all(|f| f.envelope().is_some() && f.uid.is_some()));
    items.len()
}

/// The raw fetch of the list fields over async-imap: (milliseconds, messages fetched).
async fn raw_imap_fetch(port: u16, login: &str, password: &str) -> (f64, usize) {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().expect("greeting");
    let mut session = client.login(login, password).await.map_err(|(e, _)| e).unwrap();
    session.examine("INBOX").await.unwrap();
    let n = fetch_list_fields(&mut session).await;
    let runs = 5;
    let started = Instant::now();
    for _ in 0..runs {
        assert_eq!(fetch_list_fields(&mut session).await, n);
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0 / runs as f64;
    let _ = session.logout().await;
    (ms, n)
}

#[tokio::main]
async fn main() {
    let messages = message_count();
    let label = messages.to_string();

    // --- built-in store ---
    let server = Server::start().await;
    let c = server.user("bench").await;
    let started = Instant::now();
    let mut next = 0;
    while next < messages {
        let n = BATCH.min(messages - next);
        let mut form = reqwest::multipart::Form::new();
        for j in 0..n {
            let i = next + j;
            form = form.part(format!("file_{j}"), reqwest::multipart::Part::bytes(message(i)).file_name(format!("{i}.eml")));
        }
        let v = c.post_multipart("mail", &[("action", "import"), ("folder", INBOX)], form).await;
        assert_eq!(data(&v).as_array().unwrap().len(), n);
        next += n;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("mail_import_rate: {:.0} messages/s", messages as f64 / secs);

    let params = [("action", "all"), ("folder", INBOX), ("columns", COLUMNS), ("sort", "610"), ("order", "desc")];
    println!("mail_all_{label}_10cols_builtin: {:.1} ms", time_all(&c, &params, messages, 5).await);

    let mut paged = params.to_vec();
    paged.push(("limit", "0,50"));
    let page = 50.min(messages);
    println!("mail_all_page50_of_{label}_builtin: {:.2} ms", time_all(&c, &paged, page, 50).await);

    let started = Instant::now();
    let runs = 20;
    for _ in 0..runs {
        let v = c.get("mail", &[("action", "count"), ("folder", INBOX)]).await;
        assert_eq!(data(&v), &serde_json::json!(messages));
    }
    println!("mail_count_{label}_builtin: {:.2} ms", started.elapsed().as_secs_f64() * 1000.0 / runs as f64);
    drop(c);
    drop(server);

    // --- Dovecot through the IMAP backend ---
    let m = MailServer::start(&[("bench", PASSWORD)]);
    let started = Instant::now();
    let mut imap = ImapTestClient::login(m.imap_port, "bench", PASSWORD);
    let all: Vec<Vec<u8>> = (0..messages).map(message).collect();
    for chunk in all.chunks(1000) {
        imap.append_all("INBOX", chunk);
    }
    imap.logout();
    println!("imap_fill_rate: {:.0} messages/s", messages as f64 / started.elapsed().as_secs_f64());

    let env = m.oxbow_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = Server::start_with(&env).await;
    let c = server.user("bench").await;
    println!("mail_all_{label}_10cols_imap: {:.1} ms", time_all(&c, &params, messages, 5).await);
    println!("mail_all_page50_of_{label}_imap: {:.2} ms", time_all(&c, &paged, page, 20).await);

    let (ms, n) = raw_imap_fetch(m.imap_port, "bench", PASSWORD).await;
    assert_eq!(n, messages);
    println!("imap_raw_fetch_{label}_envelope: {ms:.1} ms");
}
