//! LMTP listener (RFC 2033) of the built-in store, so that a real MTA (Postfix, Exim) can
//! deliver incoming mail into users' INBOXes. Enabled by `[mail] lmtp_listen`.

use super::builtin::{BuiltinMailStore, MAX_MESSAGE_SIZE};
use super::transport::local_user;
use bytes::Bytes;
use oxbow_core::config::Config;
use oxbow_store::Db;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Longest command line accepted.
const MAX_LINE: usize = 4096;
/// Most recipients of one transaction.
const MAX_RECIPIENTS: usize = 1000;

/// Accept LMTP connections on `listen` until the process ends.
pub async fn serve(listen: String, store: Arc<BuiltinMailStore>, db: Db, config: Arc<Config>) -> std::io::Result<()> {
    let listener = TcpListener::bind(&listen).await?;
    tracing::info!("LMTP listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let (store, db, config) = (store.clone(), db.clone(), config.clone());
        tokio::spawn(async move {
            if let Err(e) = session(stream, store, db, config).await {
                tracing::debug!("LMTP session ended: {e}");
            }
        });
    }
}

/// Read one line (without CRLF); `None` at end of stream. Over-long lines are an error.
async fn read_line(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(if line.is_empty() { None } else { Some(line) });
        }
        if let Some(p) = buf.iter().position(|b| *b == b'\n') {
            line.extend_from_slice(&buf[..p]);
            r.consume(p + 1);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(line));
        }
        let n = buf.len();
        line.extend_from_slice(buf);
        r.consume(n);
        if line.len() > limit {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "line too long"));
        }
    }
}

fn angle_address(arg: &str) -> Option<String> {
    let start = arg.find('<')?;
    let end = arg[start..].find('>')? + start;
    Some(arg[start + 1..end].trim().to_string())
}

async fn session(stream: TcpStream, store: Arc<BuiltinMailStore>, db: Db, config: Arc<Config>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 oxbow LMTP ready\r\n").await?;
    let mut sender: Option<String> = None;
    let mut recipients: Vec<(i64, i64)> = Vec::new();
    while let Some(line) = read_line(&mut reader, MAX_LINE).await? {
        let text = String::from_utf8_lossy(&line).to_string();
        let upper = text.to_ascii_uppercase();
        if upper.starts_with("LHLO") {
            write.write_all(b"250-oxbow\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SIZE 209715200\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            sender = Some(angle_address(&text[10..]).unwrap_or_default());
            recipients.clear();
            write.write_all(b"250 2.1.0 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            if sender.is_none() {
                write.write_all(b"503 5.5.1 MAIL first\r\n").await?;
                continue;
            }
            let addr = angle_address(&text[8..]).unwrap_or_default();
            if recipients.len() >= MAX_RECIPIENTS {
                write.write_all(b"452 4.5.3 Too many recipients\r\n").await?;
                continue;
            }
            match local_user(&db, &config, None, &addr).await {
                Ok(Some(u)) => {
                    recipients.push(u);
                    write.write_all(b"250 2.1.5 OK\r\n").await?;
                }
                Ok(None) => write.write_all(b"550 5.1.1 No such user\r\n").await?,
                Err(_) => write.write_all(b"451 4.3.0 Temporary failure\r\n").await?,
            }
        } else if upper == "DATA" {
            if recipients.is_empty() {
                write.write_all(b"503 5.5.1 No valid recipients\r\n").await?;
                continue;
            }
            write.write_all(b"354 Send message, end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = format!("Return-Path: <{}>\r\n", sender.clone().unwrap_or_default()).into_bytes();
            let mut too_big = false;
            loop {
                let Some(l) = read_line(&mut reader, MAX_MESSAGE_SIZE as usize).await? else { return Ok(()) };
                if l == b"." {
                    break;
                }
                let l = if l.first() == Some(&b'.') { &l[1..] } else { &l[..] };
                if data.len() + l.len() + 2 > MAX_MESSAGE_SIZE as usize {
                    too_big = true;
                    continue;
                }
                data.extend_from_slice(l);
                data.extend_from_slice(b"\r\n");
            }
            let raw = Bytes::from(data);
            // LMTP answers once per recipient.
            for (cid, user) in std::mem::take(&mut recipients) {
                if too_big {
                    write.write_all(b"552 5.3.4 Message too big\r\n").await?;
                    continue;
                }
                match store.deliver(cid, user, raw.clone()).await {
                    Ok(_) => write.write_all(b"250 2.0.0 Delivered\r\n").await?,
                    Err(e) if e.code == oxbow_core::codes::MSG_QUOTA_EXCEEDED.code => {
                        write.write_all(b"552 5.2.2 Mailbox full\r\n").await?
                    }
                    Err(_) => write.write_all(b"451 4.3.0 Delivery failed\r\n").await?,
                }
            }
            sender = None;
        } else if upper == "RSET" {
            sender = None;
            recipients.clear();
            write.write_all(b"250 2.0.0 OK\r\n").await?;
        } else if upper == "NOOP" {
            write.write_all(b"250 2.0.0 OK\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 Bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"500 5.5.2 Unknown command\r\n").await?;
        }
    }
    Ok(())
}
