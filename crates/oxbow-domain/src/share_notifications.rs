//! Share notifications by mail (`folders?action=notify`, `infostore?action=notify`): each
//! recipient gets a message naming the shared folder or file, the sender's text and a link.
//! Mail goes through the primary transport, so users of this server find it in their INBOX.

use crate::mail::backend::{MailAddress, OutgoingMessage};
use crate::mail::compose::{self, Compose};
use crate::mail::transport::{user_address, valid_address};
use crate::sessions::Session;
use crate::Core;
use oxbow_core::{codes, OxResult};

/// Most mail recipients one notification may reach (groups are expanded to members).
pub const MAX_RECIPIENTS: usize = 1000;
/// Longest accepted personal message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// Whom to notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    User(i64),
    Group(i64),
    /// A plain address (someone without an account here).
    Address(String),
}

/// What was shared.
pub struct SharedThing<'a> {
    /// "file" or "folder".
    pub kind: &'a str,
    pub name: &'a str,
    /// Where the recipient opens it; `None` when no public address is known.
    pub link: Option<String>,
}

/// The mail addresses behind `recipients`: users' primary addresses, every member of each
/// group (the sender left out), plain addresses as given. Duplicates are dropped.
pub async fn addresses(core: &Core, s: &Session, recipients: &[Recipient]) -> OxResult<Vec<String>> {
    let mut users: Vec<i64> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for r in recipients {
        match r {
            Recipient::User(u) => users.push(*u),
            Recipient::Group(g) if *g == crate::folders::ALL_USERS_GROUP => {
                users.extend(oxbow_store::users::list(&core.db, s.cid).await?.into_iter().filter(|u| u.active).map(|u| u.id).filter(|u| *u != s.user_id));
            }
            Recipient::Group(g) => {
                users.extend(oxbow_store::groups::members(&core.db, s.cid, *g).await?.into_iter().filter(|u| *u != s.user_id));
            }
            Recipient::Address(a) => {
                if !valid_address(a) {
                    return Err(codes::SVL_INVALID_FIELD.with(["entities", &format!("not a mail address: {}", a.chars().take(100).collect::<String>())]));
                }
                out.push(a.clone());
            }
        }
        if users.len() + out.len() > MAX_RECIPIENTS {
            return Err(codes::SVL_INVALID_FIELD.with(["entities", &format!("more than {MAX_RECIPIENTS} recipients")]));
        }
    }
    users.sort_unstable();
    users.dedup();
    for u in users {
        out.push(user_address(&core.db, &core.config, s.cid, u).await?);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| seen.insert(a.to_lowercase()));
    Ok(out)
}

/// The notification message for one recipient.
fn message(sender_name: &str, sender_address: &str, to: &str, thing: &SharedThing<'_>, personal: &str, domain: &str) -> OxResult<Vec<u8>> {
    let subject = format!("{sender_name} has shared the {} \"{}\" with you", thing.kind, thing.name);
    let mut text = format!("{sender_name} has shared the {} \"{}\" with you.\n", thing.kind, thing.name);
    if !personal.trim().is_empty() {
        text.push_str(&format!("\n{}\n", personal.trim()));
    }
    let mut html = format!(
        "<p>{} has shared the {} &quot;{}&quot; with you.</p>",
        compose::escape_html(sender_name),
        thing.kind,
        compose::escape_html(thing.name)
    );
    if !personal.trim().is_empty() {
        html.push_str(&format!("<p>{}</p>", compose::escape_html(personal.trim()).replace('\n', "<br>")));
    }
    if let Some(link) = &thing.link {
        text.push_str(&format!("\nOpen it: {link}\n"));
        html.push_str(&format!("<p><a href=\"{0}\">{0}</a></p>", compose::escape_html(link)));
    }
    let c = Compose {
        from: vec![MailAddress { name: Some(sender_name.to_string()).filter(|n| !n.is_empty()), email: sender_address.to_string() }],
        to: vec![MailAddress { name: None, email: to.to_string() }],
        subject,
        text_body: Some(text),
        html_body: Some(html),
        headers: vec![("X-Open-Xchange-Share-Type".into(), thing.kind.to_string())],
        ..Compose::default()
    };
    compose::build(c, &compose::new_message_id(domain))
}

/// Send the notification to every address, one message each (recipients do not see each
/// other). Returns the addresses that could not be reached, with the reason.
pub async fn send(core: &Core, s: &Session, to: &[String], thing: &SharedThing<'_>, personal: &str) -> OxResult<Vec<(String, String)>> {
    let sender = oxbow_store::users::get(&core.db, s.cid, s.user_id).await?;
    let sender_name = sender.as_ref().map(|u| u.display_name.clone()).unwrap_or_default();
    let sender_address = user_address(&core.db, &core.config, s.cid, s.user_id).await?;
    let domain = sender_address.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_else(|| core.config.mail.domain.clone());
    let transport = core.mail.primary_transport().clone();
    let mut failed = Vec::new();
    for address in to {
        let raw = message(&sender_name, &sender_address, address, thing, personal, &domain)?;
        let outgoing = OutgoingMessage { from: sender_address.clone(), recipients: vec![address.clone()], raw: raw.into() };
        if let Err(e) = transport.send(s, &outgoing).await {
            failed.push((address.clone(), e.display_message()));
        }
    }
    Ok(failed)
}

/// One entry of a notify body's `entities`: an entity id (user or group) or a plain
/// address. `group_hint`: whether a known permission entry names this id as a group.
pub async fn resolve(db: &oxbow_store::Db, cid: i64, entry: &serde_json::Value, group_hint: impl Fn(i64) -> bool) -> OxResult<Recipient> {
    use serde_json::Value;
    let shown = || entry.to_string().chars().take(100).collect::<String>();
    let id = match entry {
        Value::Number(n) => n.as_i64(),
        Value::String(t) if t.contains('@') => {
            let a = t.trim();
            if !valid_address(a) {
                return Err(codes::SVL_INVALID_FIELD.with(["entities".to_string(), format!("not a mail address: {}", shown())]));
            }
            return Ok(Recipient::Address(a.to_string()));
        }
        Value::String(t) => t.trim().parse::<i64>().ok(),
        _ => None,
    }
    .filter(|e| *e >= 0)
    .ok_or_else(|| codes::SVL_INVALID_FIELD.with(["entities".to_string(), format!("not an entity id: {}", shown())]))?;
    let group_exists = async |g: i64| -> OxResult<bool> { Ok(g == crate::folders::ALL_USERS_GROUP || oxbow_store::groups::get(db, cid, g).await?.is_some()) };
    if group_hint(id) && group_exists(id).await? {
        return Ok(Recipient::Group(id));
    }
    if oxbow_store::users::get(db, cid, id).await?.is_some() {
        return Ok(Recipient::User(id));
    }
    if group_exists(id).await? {
        return Ok(Recipient::Group(id));
    }
    Err(codes::SVL_INVALID_FIELD.with(["entities".to_string(), format!("unknown user or group {id}")]))
}

/// The personal message of a notify body (`notification.message`).
pub fn personal_message(body: &serde_json::Map<String, serde_json::Value>) -> OxResult<String> {
    use serde_json::Value;
    let message = match body.get("notification") {
        None | Some(Value::Null) => return Ok(String::new()),
        Some(Value::Object(n)) => match n.get("message") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(m)) => m.clone(),
            Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["notification", "message must be a string"])),
        },
        Some(_) => return Err(codes::SVL_INVALID_FIELD.with(["notification", "expected an object"])),
    };
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(codes::SVL_INVALID_FIELD.with(["notification".to_string(), format!("the message is longer than {MAX_MESSAGE_CHARS} characters")]));
    }
    Ok(message)
}

/// The web UI app that shows folders of `module`.
pub fn app_of_module(module: &str) -> &'static str {
    match module {
        "contacts" => "io.ox/contacts",
        "calendar" => "io.ox/calendar",
        "tasks" => "io.ox/tasks",
        "mail" => "io.ox/mail",
        _ => "io.ox/files",
    }
}

/// Mail the share notifications the caller queued for `folder_id` (by `notify`, or by
/// new/update with a `notification` object). Returns undeliverable addresses with reasons.
pub async fn deliver_folder_notifications(core: &Core, s: &Session, folder_id: i64, link: Option<String>) -> OxResult<Vec<(String, String)>> {
    let Some(folder) = oxbow_store::folders::get(&core.db, s.cid, folder_id).await? else {
        return Ok(Vec::new());
    };
    let mut tx = core.db.begin().await?;
    let pending = oxbow_store::folders::take_pending_notifications(&mut tx, s.cid, folder_id, s.user_id).await?;
    tx.commit().await?;
    let thing = SharedThing { kind: "folder", name: &folder.title, link };
    // One mail per recipient and message text.
    let mut by_message: Vec<(String, Vec<Recipient>)> = Vec::new();
    for p in pending {
        let r = if p.is_group { Recipient::Group(p.entity) } else { Recipient::User(p.entity) };
        match by_message.iter_mut().find(|(m, _)| *m == p.message) {
            Some((_, list)) => list.push(r),
            None => by_message.push((p.message, vec![r])),
        }
    }
    let mut failed = Vec::new();
    for (message, recipients) in by_message {
        let to = addresses(core, s, &recipients).await?;
        failed.extend(send(core, s, &to, &thing, &message).await?);
    }
    Ok(failed)
}
