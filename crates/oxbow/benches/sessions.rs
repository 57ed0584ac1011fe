//! Session benchmark: logins per second, session-checked requests per second, and the
//! server's resident memory with many live, cached sessions. Prints `name: value unit`.
//! `SESSIONS_BENCH_LIVE` overrides the number of live sessions (default 100000).

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use oxbow_store::Db;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENT: &str = "bench-client";
const MEASURE_FOR: Duration = Duration::from_secs(3);

#[tokio::main]
async fn main() {
    let live: usize = std::env::var("SESSIONS_BENCH_LIVE").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    // A long cache lifetime so that every live session stays cached while memory is read.
    let server = Server::start_with(&[("OXBOW_MAX_SESSIONS_PER_USER", "0"), ("OXBOW_SESSION_CACHE_SECS", "3600"), ("OXBOW_LOG", "error")]).await;
    let backend = if server.database_url.starts_with("postgres") { "postgresql" } else { "sqlite" };
    eprintln!("database: {backend}");
    let admin = server.admin_client().await;
    let concurrency = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) * 4;

    // Logins per second (argon2 verification dominates).
    let logins = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (url, logins) = (server.url.clone(), logins.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(&url);
            while started.elapsed() < MEASURE_FOR {
                let v = c.login("admin", ADMIN_PASSWORD).await;
                assert!(v.get("session").is_some(), "login failed: {v}");
                logins.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!("logins_per_second: {:.1} logins/s", logins.load(Ordering::Relaxed) as f64 / secs);

    // Authenticated requests per second on cheap session-checked endpoints.
    let user_get = requests_per_second(&admin, concurrency, |c| Box::pin(async move {
        let v = c.get("user", &[("action", "get")]).await;
        assert!(v.get("error").is_none(), "user get failed: {v}");
    }))
    .await;
    println!("user_get_requests_per_second: {user_get:.0} requests/s");
    let empty_multiple = requests_per_second(&admin, concurrency, |c| Box::pin(async move {
        let v = c.ping().await;
        assert!(v.is_array(), "multiple failed: {v}");
    }))
    .await;
    println!("empty_multiple_requests_per_second: {empty_multiple:.0} requests/s");

    // Memory with many live sessions: insert the rows directly, then touch every session
    // once over HTTP so that it sits in the server's session cache.
    let rss_before = resident_kib(server.pid()).unwrap_or(0);
    let admin_id: i64 = data(&admin.get("user", &[("action", "get")]).await)["id"].as_i64().expect("admin id");
    let sessions = insert_sessions(&server.database_url, admin_id, live).await;
    let hash = oxbow_http::cookies::cookie_hash(USER_AGENT, Some(CLIENT), "");
    let cookie_name = format!("{}{hash}", oxbow_http::cookies::SECRET_PREFIX);
    let http = reqwest::Client::builder().user_agent(USER_AGENT).build().unwrap();
    let queue = Arc::new(std::sync::Mutex::new(sessions));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (queue, http, url, cookie_name) = (queue.clone(), http.clone(), format!("{}/ajax/multiple", server.url), cookie_name.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Some((id, secret)) = queue.lock().unwrap().pop() else { break };
                let r = http
                    .put(&url)
                    .query(&[("session", id.as_str())])
                    .header("cookie", format!("{cookie_name}={secret}"))
                    .body("[]")
                    .send()
                    .await
                    .unwrap();
                let v: Value = r.json().await.unwrap();
                assert!(v.is_array(), "session {id} not accepted: {v}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let warm_secs = started.elapsed().as_secs_f64();
    println!("first_requests_per_second: {:.0} requests/s", live as f64 / warm_secs);
    let rss_after = resident_kib(server.pid()).unwrap_or(0);
    println!("live_sessions: {live} sessions");
    println!("resident_memory_with_live_sessions: {:.1} MiB", rss_after as f64 / 1024.0);
    println!("resident_memory_before_live_sessions: {:.1} MiB", rss_before as f64 / 1024.0);
    println!(
        "resident_memory_per_live_session: {:.0} bytes",
        (rss_after.saturating_sub(rss_before) * 1024) as f64 / live.max(1) as f64
    );
}

type Job = fn(Client) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Run `job` from `concurrency` tasks for `MEASURE_FOR`; requests per second.
async fn requests_per_second(client: &Client, concurrency: usize, job: Job) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (c, done) = (client.on_node(&client.base), done.clone());
        tasks.push(tokio::spawn(async move {
            while started.elapsed() < MEASURE_FOR {
                job(c.on_node(&c.base)).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn hex_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Insert `count` sessions of the admin user in multi-row statements inside one
/// transaction; returns (session id, secret) pairs.
async fn insert_sessions(database_url: &str, user_id: i64, count: usize) -> Vec<(String, String)> {
    let db = Db::connect(database_url, 2).await.expect("connect to the server's database");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let rows: Vec<(String, String, String)> = (0..count).map(|_| (hex_id(), hex_id(), hex_id())).collect();
    const PER_STATEMENT: usize = 500;
    const COLUMNS: &str = "INSERT INTO sessions (id, secret, alt_id, cid, user_id, login, client, client_ip, user_agent, created, last_active) VALUES ";
    macro_rules! insert_all {
        ($pool:expr) => {{
            let mut tx = $pool.begin().await.unwrap();
            for chunk in rows.chunks(PER_STATEMENT) {
                let placeholders: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        let b = i * 5;
                        format!("(${}, ${}, ${}, 1, ${}, 'admin', '{CLIENT}', '127.0.0.1', '{USER_AGENT}', ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 5)
                    })
                    .collect();
                let sql = format!("{COLUMNS}{}", placeholders.join(", "));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (id, secret, alt) in chunk {
                    q = q.bind(id.clone()).bind(secret.clone()).bind(alt.clone()).bind(user_id).bind(now);
                }
                q.execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        }};
    }
    match &db {
        Db::Sqlite(pool) => insert_all!(pool),
        Db::Postgres(pool) => insert_all!(pool),
    }
    db.close().await;
    rows.into_iter().map(|(id, secret, _)| (id, secret)).collect()
}
