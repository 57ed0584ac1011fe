//! Real mail services for tests: a Dovecot (IMAP + LMTP) and a Postfix (SMTP) that delivers
//! to that Dovecot over LMTP. Each `MailServer` gets its own configuration directory, mail
//! store and free loopback ports; both daemons are stopped when it is dropped.
//!
//! Dovecot authenticates users from a generated passwd-file (`add_user` appends to it; Dovecot
//! re-reads it on change) and knows one master user, so oxbow can open the primary account of
//! any user (`alice*<master>` + master password) without knowing the user's own password.
//!
//! The packages come from `scripts/install-test-services.sh`. When a daemon cannot be started
//! the test fails with the daemon's log, never silently skips.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const MAIL_DOMAIN: &str = "oxbow.local";
pub const MASTER_USER: &str = "oxbowmaster";
pub const MASTER_PASSWORD: &str = "master-secret";

pub struct MailServer {
    pub imap_port: u16,
    pub lmtp_port: u16,
    pub smtp_port: u16,
    pub domain: String,
    dir: tempfile::TempDir,
    dovecot: Option<Child>,
    postfix: Option<Child>,
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let children: Vec<Child> = [self.postfix.take(), self.dovecot.take()].into_iter().flatten().collect();
        stop_all(children);
    }
}

/// SIGTERM to every daemon at once (so each takes its worker processes down with it), then
/// wait for all of them together; SIGKILL whatever is still running after a few seconds.
fn stop_all(mut children: Vec<Child>) {
    for child in &children {
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && !children.is_empty() {
        children.retain_mut(|c| !matches!(c.try_wait(), Ok(Some(_))));
        std::thread::sleep(Duration::from_millis(20));
    }
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().unwrap().port()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn current_user() -> (String, String) {
    let run = |flag: &str| {
        Command::new("id")
            .arg(flag)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    (run("-un"), run("-gn"))
}

/// uid and gid of a system account, from /etc/passwd.
fn system_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() > 3 && f[0] == name).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

fn group_id(name: &str) -> Option<u32> {
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() > 2 && f[0] == name).then(|| f[2].parse().ok())?
    })
}

fn find_binary(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|_| "(no log written)".into())
}

/// Wait until `port` answers with a line starting with `greeting`.
fn wait_for_greeting(port: u16, greeting: &str, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    while Instant::now() < deadline {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(mut s) => {
                s.set_read_timeout(Some(Duration::from_secs(2))).ok();
                let mut buf = [0u8; 512];
                let n = s.read(&mut buf).unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).to_string();
                if text.starts_with(greeting) {
                    return Ok(());
                }
                last = text;
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(last)
}

impl MailServer {
    /// Start Dovecot and Postfix with the given `(login, password)` users.
    pub fn start(users: &[(&str, &str)]) -> MailServer {
        let dir = tempfile::Builder::new().prefix("oxmail").tempdir().expect("tempdir");
        let mut m = MailServer {
            imap_port: free_port(),
            lmtp_port: free_port(),
            smtp_port: free_port(),
            domain: MAIL_DOMAIN.to_string(),
            dir,
            dovecot: None,
            postfix: None,
        };
        std::fs::write(m.passwd_path(), "").unwrap();
        for (login, password) in users {
            m.add_user(login, password);
        }
        m.start_dovecot();
        m.start_postfix();
        m
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn passwd_path(&self) -> PathBuf {
        self.dir.path().join("passwd")
    }

    /// Add an IMAP user (Dovecot notices the changed passwd-file by itself).
    pub fn add_user(&self, login: &str, password: &str) {
        let mut text = std::fs::read_to_string(self.passwd_path()).unwrap_or_default();
        writeln!(text, "{login}:{{PLAIN}}{password}::::::").unwrap();
        std::fs::write(self.passwd_path(), text).unwrap();
    }

    /// `OXBOW_*` settings that point oxbow's IMAP backend at these services.
    pub fn oxbow_env(&self) -> Vec<(String, String)> {
        vec![
            ("OXBOW_MAIL_BACKEND".into(), "imap".into()),
            ("OXBOW_MAIL_DOMAIN".into(), self.domain.clone()),
            ("OXBOW_MAIL_IMAP_HOST".into(), "127.0.0.1".into()),
            ("OXBOW_MAIL_IMAP_PORT".into(), self.imap_port.to_string()),
            ("OXBOW_MAIL_IMAP_TLS".into(), "false".into()),
            ("OXBOW_MAIL_SMTP_HOST".into(), "127.0.0.1".into()),
            ("OXBOW_MAIL_SMTP_PORT".into(), self.smtp_port.to_string()),
            ("OXBOW_MAIL_SMTP_TLS".into(), "false".into()),
            ("OXBOW_MAIL_IMAP_MASTER_USER".into(), MASTER_USER.into()),
            ("OXBOW_MAIL_IMAP_MASTER_PASSWORD".into(), MASTER_PASSWORD.into()),
        ]
    }

    fn start_dovecot(&mut self) {
        let binary = find_binary(&["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]).unwrap_or_else(|| {
            panic!("Dovecot is not installed: run scripts/install-test-services.sh (needs dovecot-imapd, dovecot-lmtpd)")
        });
        let d = self.dir.path().to_path_buf();
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join("master-users"), format!("{MASTER_USER}:{{PLAIN}}{MASTER_PASSWORD}::::::\n")).unwrap();
        // Dovecot never gives mail access to uid 0: as root the mail belongs to the `dovecot`
        // account; otherwise everything runs as the current user.
        let identity = if is_root() {
            let (uid, gid) = system_ids("dovecot").expect("the dovecot system account is missing");
            std::os::unix::fs::chown(d.join("mail"), Some(uid), Some(gid)).unwrap();
            "first_valid_uid = 1\nmail_uid = dovecot\nmail_gid = dovecot\n".to_string()
        } else {
            let (user, group) = current_user();
            format!(
                "default_internal_user = {user}\ndefault_internal_group = {group}\ndefault_login_user = {user}\n\
                 first_valid_uid = 1\n"
            )
        };
        let conf = format!(
            r#"protocols = imap lmtp
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = oxbow-test-{imap}
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
{identity}mail_location = sdbox:{d}/mail/%n
# Test mail is disposable: no fsync keeps deliveries and bulk APPENDs fast.
mail_fsync = never
mail_plugins = quota
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \Drafts
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \Junk
    auto = subscribe
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {d}/master-users
  master = yes
  pass = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {d}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
service anvil {{
  chroot =
}}
protocol lmtp {{
  postmaster_address = postmaster@{domain}
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
  mail_max_userip_connections = 100
}}
plugin {{
  quota = count:User quota
  quota_rule = *:storage=1G
  quota_vsizes = yes
}}
"#,
            d = d.display(),
            imap = self.imap_port,
            lmtp = self.lmtp_port,
            domain = self.domain,
        );
        std::fs::write(d.join("dovecot.conf"), conf).unwrap();
        let out = std::fs::File::create(d.join("dovecot.out")).unwrap();
        let child = Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(d.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run Dovecot: {e}"));
        self.dovecot = Some(child);
        if let Err(last) = wait_for_greeting(self.imap_port, "* OK", Duration::from_secs(15)) {
            panic!(
                "Dovecot did not start on port {} ({last}).\n--- output:\n{}\n--- log:\n{}",
                self.imap_port,
                read_log(&d.join("dovecot.out")),
                read_log(&d.join("dovecot.log"))
            );
        }
    }

    fn start_postfix(&mut self) {
        let master = find_binary(&["/usr/lib/postfix/sbin/master", "/usr/libexec/postfix/master"])
            .unwrap_or_else(|| panic!("Postfix is not installed: run scripts/install-test-services.sh (needs postfix)"));
        assert!(
            is_root(),
            "the test SMTP server (Postfix) must be started as root: its master process hands work to the `postfix` account"
        );
        let (uid, _) = system_ids("postfix").expect("the postfix system account is missing");
        let postdrop = group_id("postdrop").expect("the postdrop group is missing");
        let d = self.dir.path().join("postfix");
        let queue = d.join("queue");
        for sub in ["active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved", "trace"] {
            let p = queue.join(sub);
            std::fs::create_dir_all(&p).unwrap();
            std::os::unix::fs::chown(&p, Some(uid), None).unwrap();
            set_mode(&p, 0o700);
        }
        for (sub, mode) in [("public", 0o710), ("maildrop", 0o730)] {
            let p = queue.join(sub);
            std::fs::create_dir_all(&p).unwrap();
            std::os::unix::fs::chown(&p, Some(uid), Some(postdrop)).unwrap();
            set_mode(&p, mode);
        }
        std::fs::create_dir_all(queue.join("pid")).unwrap();
        std::fs::create_dir_all(d.join("data")).unwrap();
        std::os::unix::fs::chown(d.join("data"), Some(uid), None).unwrap();
        let main_cf = format!(
            "compatibility_level = 3.6
queue_directory = {q}
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.{domain}
mydomain = {domain}
myorigin = {domain}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, reject
virtual_mailbox_domains = {domain}
virtual_transport = lmtp:inet:127.0.0.1:{lmtp}
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
default_transport = error:mail to other domains is not delivered in tests
maillog_file_prefixes = {d}
maillog_file = {d}/maillog
smtputf8_enable = no
in_flow_delay = 0
biff = no
",
            q = queue.display(),
            d = d.display(),
            domain = self.domain,
            lmtp = self.lmtp_port,
        );
        std::fs::write(d.join("main.cf"), main_cf).unwrap();
        let master_cf = format!(
            "127.0.0.1:{smtp} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
lmtp      unix  - - n -  - lmtp
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
",
            smtp = self.smtp_port
        );
        std::fs::write(d.join("master.cf"), master_cf).unwrap();
        let out = std::fs::File::create(d.join("master.out")).unwrap();
        let child = Command::new(master)
            .arg("-d")
            .arg("-c")
            .arg(&d)
            .env("MAIL_CONFIG", &d)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run Postfix: {e}"));
        self.postfix = Some(child);
        if let Err(last) = wait_for_greeting(self.smtp_port, "220", Duration::from_secs(15)) {
            panic!(
                "Postfix did not start on port {} ({last}).\n--- output:\n{}\n--- log:\n{}",
                self.smtp_port,
                read_log(&d.join("master.out")),
                read_log(&d.join("maillog"))
            );
        }
    }

    /// Postfix's log, for assertion messages.
    pub fn smtp_log(&self) -> String {
        read_log(&self.dir.path().join("postfix/maillog"))
    }

    pub fn imap_log(&self) -> String {
        read_log(&self.dir.path().join("dovecot.log"))
    }

    /// Deliver a raw message to `login`'s INBOX through LMTP, bypassing oxbow and Postfix.
    pub fn deliver(&self, login: &str, raw: &str) {
        let mut s = TcpStream::connect(("127.0.0.1", self.lmtp_port)).expect("connect LMTP");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let rcpt = format!("{login}@{}", self.domain);
        let reply = |s: &mut TcpStream| {
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).expect("LMTP reply");
            String::from_utf8_lossy(&buf[..n]).to_string()
        };
        reply(&mut s);
        for cmd in ["LHLO tests".to_string(), "MAIL FROM:<sender@example.org>".into(), format!("RCPT TO:<{rcpt}>"), "DATA".into()] {
            s.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
            let r = reply(&mut s);
            assert!(r.starts_with('2') || r.starts_with('3'), "LMTP {cmd}: {r}");
        }
        let body = raw.replace("\r\n", "\n").replace('\n', "\r\n");
        let stuffed: String = body.split("\r\n").map(|l| if l.starts_with('.') { format!(".{l}\r\n") } else { format!("{l}\r\n") }).collect();
        s.write_all(stuffed.as_bytes()).unwrap();
        s.write_all(b".\r\n").unwrap();
        let r = reply(&mut s);
        assert!(r.starts_with("250"), "LMTP delivery: {r}");
        s.write_all(b"QUIT\r\n").ok();
    }
}

/// A minimal IMAP client for tests and benchmarks: another client changing a mailbox
/// behind oxbow's back, or filling it quickly.
pub struct ImapTestClient {
    stream: TcpStream,
    reader: std::io::BufReader<TcpStream>,
    tag: u32,
}

impl ImapTestClient {
    pub fn login(port: u16, login: &str, password: &str) -> ImapTestClient {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect IMAP");
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let reader = std::io::BufReader::new(stream.try_clone().unwrap());
        let mut c = ImapTestClient { stream, reader, tag: 0 };
        let greeting = c.line();
        assert!(greeting.starts_with("* OK"), "IMAP greeting: {greeting}");
        c.run(&format!("LOGIN \"{login}\" \"{password}\""));
        c
    }

    fn line(&mut self) -> String {
        use std::io::BufRead;
        let mut l = String::new();
        self.reader.read_line(&mut l).expect("IMAP response");
        assert!(!l.is_empty(), "IMAP connection closed");
        l
    }

    /// Run one command (without literals); returns the untagged lines. Panics unless OK.
    pub fn run(&mut self, command: &str) -> Vec<String> {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        self.stream.write_all(format!("{tag} {command}\r\n").as_bytes()).unwrap();
        self.finish(&tag, command)
    }

    fn finish(&mut self, tag: &str, what: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let l = self.line();
            if let Some(rest) = l.strip_prefix(&format!("{tag} ")) {
                assert!(rest.starts_with("OK"), "IMAP {what}: {rest}");
                return lines;
            }
            lines.push(l);
        }
    }

    /// APPEND every message to `mailbox` in one MULTIAPPEND with non-synchronising literals.
    pub fn append_all(&mut self, mailbox: &str, messages: &[Vec<u8>]) {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        let mut out = format!("{tag} APPEND \"{mailbox}\"").into_bytes();
        for m in messages {
            out.extend_from_slice(format!(" (\\Seen) {{{}+}}\r\n", m.len()).as_bytes());
            out.extend_from_slice(m);
        }
        out.extend_from_slice(b"\r\n");
        self.stream.write_all(&out).unwrap();
        self.finish(&tag, "APPEND");
    }

    pub fn logout(mut self) {
        let _ = self.stream.write_all(b"z LOGOUT\r\n");
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
