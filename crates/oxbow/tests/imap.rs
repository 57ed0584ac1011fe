//! The IMAP mail backend against a real Dovecot, with mail submitted through a real Postfix.

mod common;
use common::mailserver::MailServer;

#[test]
fn mail_services_start_and_deliver() {
    let m = MailServer::start(&[("alice", "pw-a"), ("bob", "pw-b")]);
    m.deliver("bob", "Subject: hello\nFrom: x@example.org\n\nbody\n");
    assert!(m.imap_port != m.smtp_port);
}
