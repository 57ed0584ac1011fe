//! Two oxbow nodes on one PostgreSQL database: sessions are shared, and ending a session
//! on one node ends it on the other at once (cache invalidation via NOTIFY). Runs only
//! when `OXBOW_TEST_POSTGRES_URL` is set.

mod common;

use common::*;
use std::io::Write;
use std::process::Child;
use std::time::{Duration, Instant};

/// Stops the extra node when the test ends, however it ends.
struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Straight to stderr, past the test harness's output capture, so a run shows whether
/// the cluster test really ran.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn postgres_configured() -> bool {
    std::env::var("OXBOW_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

#[tokio::test]
async fn sessions_are_shared_between_nodes() {
    if !postgres_configured() {
        report("cluster test skipped: OXBOW_TEST_POSTGRES_URL is not set");
        return;
    }
    let server = Server::start().await;
    let (child, url_b) = server.spawn_node();
    let _node_b = Node(child);
    report(&format!("cluster test running: node A {}, node B {url_b}", server.url));

    // Created on A, used on B (the browser keeps its cookies: same host).
    let on_a = server.admin_client().await;
    let on_b = on_a.on_node(&url_b);
    assert!(on_a.ping().await.is_array());
    assert!(on_b.ping().await.is_array(), "session of node A unknown on node B");

    // Both nodes now have the session cached. Log out on B; A must refuse it at once.
    let r = on_b.get_raw("login", &[("action", "logout")]).await;
    assert_eq!(r.status().as_u16(), 200);
    let started = Instant::now();
    loop {
        let v = on_a.ping().await;
        if v.get("code").is_some() {
            assert_eq!(code(&v), "SES-0203");
            break;
        }
        assert!(started.elapsed() < Duration::from_millis(500), "node A still accepts the session after logout on B");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    report(&format!("cluster test: logout on B took effect on A after {:?}", started.elapsed()));

    // A change on A (new client IP) reaches B's cache too.
    let on_a = server.admin_client().await;
    let on_b = on_a.on_node(&url_b);
    assert!(on_b.ping().await.is_array());
    let v = on_a.post_form("login", &[("action", "changeip")], &[("clientIP", "10.0.0.9")]).await;
    assert_eq!(data(&v), "1");
    let started = Instant::now();
    loop {
        let v = on_b.ping().await;
        if v.get("code").is_some() {
            assert_eq!(code(&v), "SES-0205");
            break;
        }
        assert!(started.elapsed() < Duration::from_millis(500), "node B did not see the new client IP");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    report("cluster test ran on PostgreSQL with two nodes");
}
