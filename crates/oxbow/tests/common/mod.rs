//! Test harness: starts the real `oxbow` binary on a free loopback port with a fresh
//! database (SQLite by default; PostgreSQL when `OXBOW_TEST_POSTGRES_URL` names a server
//! URL, e.g. `postgres://user@127.0.0.1:5432`), and talks HTTP to it like a client.

#![allow(dead_code)]

pub mod mailserver;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const ADMIN_PASSWORD: &str = "admin-secret";
pub const PASSWORD: &str = "secret-password";
pub const USER_AGENT: &str = "oxbow-tests/1.0";

pub struct Server {
    pub url: String,
    pub data_dir: tempfile::TempDir,
    pub database_url: String,
    pub extra_env: Vec<(String, String)>,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_oxbow")
}

/// A database URL for a fresh, empty database of the backend under test.
pub async fn fresh_database_url(data_dir: &std::path::Path) -> String {
    match std::env::var("OXBOW_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            let name = format!("oxbow_test_{}", uuid::Uuid::new_v4().simple());
            let admin = format!("{}/postgres", base.trim_end_matches('/'));
            let pool = sqlx::PgPool::connect(&admin).await.expect("connect to test PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create test database");
            pool.close().await;
            format!("{}/{name}", base.trim_end_matches('/'))
        }
        _ => format!("sqlite://{}", data_dir.join("oxbow.db").display()),
    }
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(&[]).await
    }

    /// Start with extra `OXBOW_*` environment settings.
    pub async fn start_with(env: &[(&str, &str)]) -> Server {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let database_url = fresh_database_url(data_dir.path()).await;
        let extra_env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Server::spawn(data_dir, database_url, extra_env)
    }

    /// Another node on the same database and data directory settings.
    pub fn spawn_node(&self) -> (Child, String) {
        let mut child = self.command("serve").stdout(Stdio::piped()).spawn().expect("spawn oxbow");
        let url = read_listen_url(&mut child);
        (child, url)
    }

    fn spawn(data_dir: tempfile::TempDir, database_url: String, extra_env: Vec<(String, String)>) -> Server {
        let mut s = Server { url: String::new(), data_dir, database_url, extra_env, child: Command::new("true").spawn().unwrap() };
        let mut child = s.command("serve").stdout(Stdio::piped()).spawn().expect("spawn oxbow");
        s.url = read_listen_url(&mut child);
        s.child = child;
        s
    }

    /// `oxbow <sub>` with this server's database and environment.
    pub fn command(&self, sub: &str) -> Command {
        let mut c = Command::new(bin());
        c.arg(sub);
        c.arg("--data-dir").arg(self.data_dir.path());
        c.arg("--database-url").arg(&self.database_url);
        if sub == "serve" {
            c.arg("--listen").arg("127.0.0.1:0");
        }
        c.env("OXBOW_ADMIN_PASSWORD", ADMIN_PASSWORD);
        c.env("OXBOW_LOG", std::env::var("OXBOW_LOG").unwrap_or_else(|_| "warn".into()));
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c.stderr(Stdio::inherit());
        c
    }

    /// Run `oxbow admin ARGS...`; panics with its stderr when it fails. Returns stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = self.admin_result(args);
        assert!(out.0, "oxbow admin {args:?} failed: {}", out.2);
        out.1
    }

    /// Run `oxbow admin ARGS...`: (success, stdout, stderr).
    pub fn admin_result(&self, args: &[&str]) -> (bool, String, String) {
        let mut c = Command::new(bin());
        c.arg("admin").args(args);
        c.arg("--data-dir").arg(self.data_dir.path());
        c.arg("--database-url").arg(&self.database_url);
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        let out = c.output().expect("run oxbow admin");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Create a user `login` (password `PASSWORD`) and return a logged-in client.
    pub async fn user(&self, login: &str) -> Client {
        self.admin(&["user", "add", "--login", login, "--password", PASSWORD, "--given-name", login, "--sur-name", "Tester"]);
        self.login(login, PASSWORD).await
    }

    pub async fn login(&self, name: &str, password: &str) -> Client {
        let mut c = Client::new(&self.url);
        let v = c.login(name, password).await;
        assert!(v.get("session").is_some(), "login failed: {v}");
        c
    }

    pub async fn admin_client(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD).await
    }
}

fn read_listen_url(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("read server stdout");
        assert!(n > 0, "oxbow exited before listening");
        if let Some(url) = line.trim().strip_prefix("oxbow listening on ") {
            let url = url.to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in reader.lines() {});
            return url;
        }
    }
}

/// An HTTP client with a cookie jar, like a browser running App Suite.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub session: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client::with_user_agent(base, USER_AGENT)
    }

    pub fn with_user_agent(base: &str, ua: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .user_agent(ua)
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        Client { http, base: base.to_string(), session: String::new() }
    }

    pub fn url(&self, module: &str) -> String {
        format!("{}/ajax/{module}", self.base)
    }

    /// POST login; stores the session id. Returns the JSON answer (session or error).
    pub async fn login(&mut self, name: &str, password: &str) -> Value {
        let v: Value = self
            .http
            .post(self.url("login"))
            .query(&[("action", "login")])
            .form(&[("name", name), ("password", password)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(s) = v.get("session").and_then(Value::as_str) {
            self.session = s.to_string();
        }
        v
    }

    fn with_session<'a>(&'a self, params: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut p: Vec<(&str, &str)> = params.to_vec();
        if !self.session.is_empty() && !p.iter().any(|(k, _)| *k == "session") {
            p.push(("session", &self.session));
        }
        p
    }

    /// GET /ajax/<module>?action=...&... with the session; returns the parsed JSON body.
    pub async fn get(&self, module: &str, params: &[(&str, &str)]) -> Value {
        let r = self.get_raw(module, params).await;
        parse_json(r).await
    }

    pub async fn get_raw(&self, module: &str, params: &[(&str, &str)]) -> reqwest::Response {
        self.http.get(self.url(module)).query(&self.with_session(params)).send().await.unwrap()
    }

    /// PUT with a JSON body.
    pub async fn put(&self, module: &str, params: &[(&str, &str)], body: &Value) -> Value {
        let r = self
            .http
            .put(self.url(module))
            .query(&self.with_session(params))
            .header("content-type", "text/javascript; charset=UTF-8")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        parse_json(r).await
    }

    /// PUT with a raw body (for broken-JSON tests).
    pub async fn put_raw(&self, module: &str, params: &[(&str, &str)], body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .put(self.url(module))
            .query(&self.with_session(params))
            .header("content-type", "text/javascript; charset=UTF-8")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// POST form fields.
    pub async fn post_form(&self, module: &str, params: &[(&str, &str)], form: &[(&str, &str)]) -> Value {
        let r = self.http.post(self.url(module)).query(&self.with_session(params)).form(form).send().await.unwrap();
        parse_json(r).await
    }

    /// POST multipart; the answer is the HTML callback page, whose JSON is returned.
    pub async fn post_multipart(&self, module: &str, params: &[(&str, &str)], form: reqwest::multipart::Form) -> Value {
        let r = self.http.post(self.url(module)).query(&self.with_session(params)).multipart(form).send().await.unwrap();
        assert!(r.status().is_success(), "HTTP {}", r.status());
        let text = r.text().await.unwrap();
        callback_json(&text)
    }
}

/// Parse a JSON answer, insisting on HTTP 200 (OX errors travel in the body).
pub async fn parse_json(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status.as_u16(), 200, "unexpected HTTP status {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The JSON inside an upload callback page: `(...({json}))`.
pub fn callback_json(html: &str) -> Value {
    let start = html.find("({").unwrap_or_else(|| panic!("no callback JSON in: {html}"));
    let end = html.rfind("})").unwrap_or_else(|| panic!("no callback JSON in: {html}"));
    serde_json::from_str(&html[start + 1..end + 1]).unwrap_or_else(|e| panic!("bad callback JSON ({e}): {html}"))
}

/// The `data` of a successful answer; panics with the error otherwise.
pub fn data(v: &Value) -> &Value {
    assert!(v.get("error").is_none(), "unexpected error: {v}");
    v.get("data").unwrap_or_else(|| panic!("no data in {v}"))
}

/// The error code of a failed answer; panics when there is none.
pub fn code(v: &Value) -> &str {
    v.get("code").and_then(Value::as_str).unwrap_or_else(|| panic!("expected an error, got {v}"))
}

/// The id of the caller's default contacts folder, found by probing the folder ids that
/// user folders get (the first one a contacts `all` succeeds on is the user's own).
pub async fn own_contacts_folder(c: &Client) -> String {
    for id in 20..400 {
        let v = c.get("contacts", &[("action", "all"), ("folder", &id.to_string()), ("columns", "1")]).await;
        if v.get("error").is_none() {
            return id.to_string();
        }
    }
    panic!("no contacts folder found");
}

/// A tiny but genuine PNG image (signature and IHDR chunk).
pub fn tiny_png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    v.extend_from_slice(b"\0\0\0\nIDATx\x9cc\0\x01\0\0\x05\0\x01\r\n-\xb4\0\0\0\0IEND\xaeB`\x82");
    v
}

// --- Drive helpers -------------------------------------------------------------------------

impl Server {
    /// Run one SQL statement on this server's database (test set-up that has no API yet).
    pub async fn sql(&self, statement: &str) {
        if self.database_url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(&self.database_url).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(statement.to_string())).execute(&pool).await.expect("sql");
            pool.close().await;
        } else {
            let pool = sqlx::SqlitePool::connect(&self.database_url).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(statement.to_string())).execute(&pool).await.expect("sql");
            pool.close().await;
        }
    }

    /// Run a query that yields one integer (e.g. a `COUNT(*)`) on this server's database.
    pub async fn sql_i64(&self, query: &str) -> i64 {
        if self.database_url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(&self.database_url).await.expect("connect");
            let v: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_string())).fetch_one(&pool).await.expect("sql");
            pool.close().await;
            v
        } else {
            let pool = sqlx::SqlitePool::connect(&self.database_url).await.expect("connect");
            let v: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_string())).fetch_one(&pool).await.expect("sql");
            pool.close().await;
            v
        }
    }

    /// Files in the local blob directory (temporary upload files excluded).
    pub fn blob_files(&self) -> usize {
        fn walk(dir: &std::path::Path, n: &mut usize) {
            let Ok(rd) = std::fs::read_dir(dir) else { return };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    if p.file_name().is_some_and(|f| f != "tmp") {
                        walk(&p, n);
                    }
                } else {
                    *n += 1;
                }
            }
        }
        let mut n = 0;
        walk(&self.data_dir.path().join("blobs"), &mut n);
        n
    }

    /// Files left in the local blob directory's temporary area.
    pub fn blob_tmp_files(&self) -> usize {
        std::fs::read_dir(self.data_dir.path().join("blobs").join("tmp")).map(|rd| rd.count()).unwrap_or(0)
    }
}

impl Client {
    /// A config value below `config/` (e.g. `folder/infostore`).
    pub async fn config_value(&self, path: &str) -> Value {
        let v = self.get(&format!("config/{path}"), &[]).await;
        data(&v).clone()
    }

    /// The user's Drive home folder id.
    pub async fn drive_home(&self) -> String {
        let v = self.config_value("folder/infostore").await;
        v.as_i64().map(|i| i.to_string()).or_else(|| v.as_str().map(str::to_string)).unwrap_or_else(|| panic!("no drive home: {v}"))
    }

    /// A Drive standard folder (`trash`, `documents`, ...).
    pub async fn drive_folder(&self, name: &str) -> String {
        let v = self.config_value(&format!("modules/infostore/folder/{name}")).await;
        v.as_i64().map(|i| i.to_string()).or_else(|| v.as_str().map(str::to_string)).unwrap_or_else(|| panic!("no {name} folder: {v}"))
    }

    /// `infostore?action=new` with a file; returns the callback JSON.
    pub async fn upload(&self, folder: &str, name: &str, bytes: Vec<u8>, extra: &[(&str, &str)]) -> Value {
        let json = serde_json::json!({ "folder_id": folder }).to_string();
        let form = reqwest::multipart::Form::new()
            .text("json", json)
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        let mut params = vec![("action", "new")];
        params.extend_from_slice(extra);
        self.post_multipart("infostore", &params, form).await
    }

    /// `infostore?action=update` with a new file version.
    pub async fn upload_version(&self, id: &str, timestamp: i64, name: &str, bytes: Vec<u8>, json: Value) -> Value {
        let form = reqwest::multipart::Form::new()
            .text("json", json.to_string())
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        let ts = timestamp.to_string();
        self.post_multipart("infostore", &[("action", "update"), ("id", id), ("timestamp", &ts)], form).await
    }

    /// GET a download; returns (status, headers, body).
    pub async fn download(&self, module: &str, params: &[(&str, &str)], headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut rb = self.http.get(self.url(module)).query(&self.with_session(params));
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let h = r.headers().clone();
        (status, h, r.bytes().await.unwrap().to_vec())
    }
}

/// An S3-compatible server for blob tests: `moto_server` on a free loopback port. Fails the
/// test with a clear message when it cannot be started.
pub struct S3Server {
    pub endpoint: String,
    child: Child,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    pub async fn start(bucket: &str) -> S3Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the S3 test server `moto_server` ({e}); install it with: pip install 'moto[server]'"));
        let endpoint = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..150 {
            if http.get(&endpoint).send().await.is_ok() {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "moto_server did not start listening on {endpoint}");
        let r = http.put(format!("{endpoint}/{bucket}")).send().await.expect("create bucket");
        assert!(r.status().is_success(), "creating bucket {bucket} failed: {}", r.status());
        S3Server { endpoint, child }
    }

    /// Keys of the objects in `bucket`.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let body = reqwest::get(format!("{}/{bucket}?list-type=2", self.endpoint)).await.unwrap().text().await.unwrap();
        body.split("<Key>").skip(1).filter_map(|p| p.split("</Key>").next()).map(str::to_string).collect()
    }
}

impl Client {
    /// A client that does not follow redirects (form login, token login, redirect).
    pub fn without_redirects(base: &str, ua: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .user_agent(ua)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        Client { http, base: base.to_string(), session: String::new() }
    }

    /// The same browser (cookie jar, session) talking to another node.
    pub fn on_node(&self, base: &str) -> Client {
        Client { http: self.http.clone(), base: base.to_string(), session: self.session.clone() }
    }

    /// POST form fields; the raw response (for status codes, headers, HTML answers).
    pub async fn post_form_raw(&self, module: &str, params: &[(&str, &str)], form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(self.url(module)).query(&self.with_session(params)).form(form).send().await.unwrap()
    }

    /// A cheap session-checked request: `multiple` with an empty array.
    pub async fn ping(&self) -> Value {
        self.put("multiple", &[], &serde_json::json!([])).await
    }
}

/// The `Set-Cookie` values of a response.
pub fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect()
}

/// Parse a JSON body whatever the HTTP status; returns (status, JSON).
pub async fn status_json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}), HTTP {status}: {text}"));
    (status, v)
}

impl Server {
    /// Process id of the server (for memory figures).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Resident memory of a process in KiB (`VmRSS` of /proc/<pid>/status; Linux only).
pub fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
