//! Mail folders in the folder tree (`default<account>` roots under folder 1 and
//! `default<account>/<full name>` below them), served from the account's `MailBackend`.

use super::backend::{mail_folder_id, parse_mail_folder_id, MailFolderInfo, SpecialUse};
use super::service::{MailAccount, MailService};
use crate::folder_provider::{FolderChange, FolderObject, FolderProvider};
use crate::sessions::Session;
use oxbow_core::config::Config;
use oxbow_core::{codes, OxResult};
use oxbow_store::Db;
use serde_json::{json, Value};
use std::sync::Arc;

/// Full rights on objects and the folder (OX packing: 64 | 64<<7 | 64<<14 | 64<<21 | 1<<28).
pub const FULL_RIGHTS: i64 = 403_710_016;
/// Mail-specific `own_rights` extras: user flags supported, folder may be renamed.
pub const RIGHT_USER_FLAGS: i64 = 1 << 29;
pub const RIGHT_RENAME: i64 = 1 << 30;

pub struct MailFolders {
    pub mail: Arc<MailService>,
    pub db: Db,
    pub config: Arc<Config>,
}

/// The account and full name a mail folder id stands for.
pub async fn resolve(mail: &MailService, db: &Db, config: &Config, s: &Session, id: &str) -> OxResult<Option<(MailAccount, String)>> {
    let Some((account_id, full)) = parse_mail_folder_id(id) else { return Ok(None) };
    let address = super::transport::user_address(db, config, s.cid, s.user_id).await?;
    Ok(mail.account(s, account_id, address).await?.map(|a| (a, full)))
}

pub fn folder_title(info: &MailFolderInfo) -> String {
    if info.special_use == SpecialUse::Inbox && info.full_name.eq_ignore_ascii_case("INBOX") {
        "Inbox".into()
    } else {
        info.name.clone()
    }
}

pub fn folder_object(account: &MailAccount, info: &MailFolderInfo, s: &Session) -> FolderObject {
    let id = mail_folder_id(account.id, &info.full_name);
    let parent = mail_folder_id(account.id, &info.parent);
    let standard = info.special_use != SpecialUse::None;
    let own = FULL_RIGHTS | RIGHT_USER_FLAGS | if standard { 0 } else { RIGHT_RENAME };
    let v = json!({
        "id": id,
        "folder_id": parent,
        "title": folder_title(info),
        "module": "mail",
        "type": 1,
        "created_by": s.user_id,
        "modified_by": s.user_id,
        "creation_date": 0,
        "last_modified": info.last_modified,
        "last_modified_utc": info.last_modified,
        "subfolders": info.has_children,
        "subscr_subflds": info.has_children,
        "own_rights": own,
        "permissions": [{"bits": FULL_RIGHTS, "entity": s.user_id, "group": false}],
        "summary": format!("({}/{})", info.total, info.unread),
        "standard_folder": standard,
        "total": info.total,
        "new": info.new,
        "unread": info.unread,
        "deleted": info.deleted,
        "capabilities": 0b11110,
        "subscribed": info.subscribed,
        "standard_folder_type": info.special_use.standard_folder_type(),
        "supported_capabilities": ["quota", "sort", "subscription"],
        "account_id": account.id,
    });
    match v {
        Value::Object(m) => m,
        _ => FolderObject::new(),
    }
}

pub fn root_object(account: &MailAccount, s: &Session) -> FolderObject {
    let v = json!({
        "id": mail_folder_id(account.id, ""),
        "folder_id": "1",
        "title": account.name,
        "module": "mail",
        "type": 1,
        "created_by": s.user_id,
        "modified_by": s.user_id,
        "creation_date": 0,
        "last_modified": 0,
        "last_modified_utc": 0,
        "subfolders": true,
        "subscr_subflds": true,
        "own_rights": 4 | RIGHT_USER_FLAGS,
        "permissions": [{"bits": 4, "entity": s.user_id, "group": false}],
        "standard_folder": true,
        "standard_folder_type": 0,
        "total": null,
        "new": null,
        "unread": null,
        "deleted": null,
        "capabilities": 0b11110,
        "subscribed": true,
        "supported_capabilities": ["quota", "sort", "subscription"],
        "account_id": account.id,
    });
    match v {
        Value::Object(m) => m,
        _ => FolderObject::new(),
    }
}

fn join(sep: char, parent: &str, name: &str) -> String {
    if parent.is_empty() { name.to_string() } else { format!("{parent}{sep}{name}") }
}

impl MailFolders {
    async fn resolve(&self, s: &Session, id: &str) -> OxResult<(MailAccount, String)> {
        resolve(&self.mail, &self.db, &self.config, s, id).await?.ok_or_else(|| codes::MSG_FOLDER_NOT_FOUND.with([id]))
    }
}

#[async_trait::async_trait]
impl FolderProvider for MailFolders {
    fn owns(&self, id: &str) -> bool {
        parse_mail_folder_id(id).is_some()
    }

    async fn roots(&self, s: &Session) -> OxResult<Vec<FolderObject>> {
        let address = super::transport::user_address(&self.db, &self.config, s.cid, s.user_id).await?;
        let mut out = Vec::new();
        for id in self.mail.account_ids(s).await? {
            if let Some(a) = self.mail.account(s, id, address.clone()).await? {
                out.push(root_object(&a, s));
            }
        }
        Ok(out)
    }

    async fn get(&self, s: &Session, id: &str) -> OxResult<Option<FolderObject>> {
        let Some((account, full)) = resolve(&self.mail, &self.db, &self.config, s, id).await? else { return Ok(None) };
        if full.is_empty() {
            return Ok(Some(root_object(&account, s)));
        }
        Ok(account.backend.folder(s, &full).await?.map(|f| folder_object(&account, &f, s)))
    }

    async fn children(&self, s: &Session, id: &str, all: bool) -> OxResult<Vec<FolderObject>> {
        let Some((account, full)) = resolve(&self.mail, &self.db, &self.config, s, id).await? else { return Ok(Vec::new()) };
        let folders = account.backend.folders(s, all).await?;
        let mut kids: Vec<&MailFolderInfo> = folders.iter().filter(|f| f.parent == full).collect();
        // Standard folders first in their usual order, then the rest by name.
        kids.sort_by_key(|f| {
            let rank = match f.special_use {
                SpecialUse::Inbox => 0,
                SpecialUse::Drafts => 1,
                SpecialUse::Sent => 2,
                SpecialUse::Spam => 3,
                SpecialUse::Trash => 4,
                SpecialUse::None => 5,
            };
            (rank, f.name.to_lowercase())
        });
        Ok(kids.into_iter().map(|f| folder_object(&account, f, s)).collect())
    }

    async fn create(&self, s: &Session, parent: &str, change: FolderChange) -> OxResult<String> {
        let (account, parent_full) = self.resolve(s, parent).await?;
        let title = change.title.unwrap_or_default();
        let sep = account.backend.separator();
        if title.trim().is_empty() || title.contains(sep) {
            return Err(codes::SVL_INVALID_FIELD.with(["title", title.as_str()]));
        }
        if !parent_full.is_empty() && account.backend.folder(s, &parent_full).await?.is_none() {
            return Err(codes::MSG_FOLDER_NOT_FOUND.with([parent]));
        }
        let full = join(sep, &parent_full, title.trim());
        account.backend.create_folder(s, &full).await?;
        if change.subscribed == Some(false) {
            account.backend.subscribe_folder(s, &full, false).await?;
        }
        Ok(mail_folder_id(account.id, &full))
    }

    async fn update(&self, s: &Session, id: &str, change: FolderChange) -> OxResult<String> {
        let (account, full) = self.resolve(s, id).await?;
        if full.is_empty() {
            return Err(codes::MSG_STANDARD_FOLDER.with([id]));
        }
        let info = account.backend.folder(s, &full).await?.ok_or_else(|| codes::MSG_FOLDER_NOT_FOUND.with([id]))?;
        let sep = account.backend.separator();
        let mut new_full = full.clone();
        let new_parent = match &change.parent {
            Some(p) => {
                let (pa, pfull) = self.resolve(s, p).await?;
                if pa.id != account.id {
                    return Err(codes::SVL_INVALID_FIELD.with(["folder_id", p.as_str()]));
                }
                pfull
            }
            None => info.parent.clone(),
        };
        let new_name = match &change.title {
            Some(t) if !t.trim().is_empty() => {
                if t.contains(sep) {
                    return Err(codes::SVL_INVALID_FIELD.with(["title", t.as_str()]));
                }
                t.trim().to_string()
            }
            Some(t) => return Err(codes::SVL_INVALID_FIELD.with(["title", t.as_str()])),
            None => info.name.clone(),
        };
        if new_parent != info.parent || new_name != info.name {
            new_full = join(sep, &new_parent, &new_name);
            account.backend.rename_folder(s, &full, &new_full).await?;
        }
        if let Some(sub) = change.subscribed {
            if sub != info.subscribed {
                account.backend.subscribe_folder(s, &new_full, sub).await?;
            }
        }
        Ok(mail_folder_id(account.id, &new_full))
    }

    async fn delete(&self, s: &Session, id: &str, hard: bool) -> OxResult<()> {
        let (account, full) = self.resolve(s, id).await?;
        if full.is_empty() {
            return Err(codes::MSG_STANDARD_FOLDER.with([id]));
        }
        let info = account.backend.folder(s, &full).await?.ok_or_else(|| codes::MSG_FOLDER_NOT_FOUND.with([id]))?;
        if info.special_use != SpecialUse::None {
            return Err(codes::MSG_STANDARD_FOLDER.with([id]));
        }
        let trash = account.backend.special_folder(s, SpecialUse::Trash).await?;
        let sep = account.backend.separator();
        match trash {
            Some(t) if !hard && !full.starts_with(&format!("{t}{sep}")) => {
                // Move below the trash; add a number when the name is taken there.
                let mut target = join(sep, &t, &info.name);
                let mut n = 2;
                while account.backend.folder(s, &target).await?.is_some() {
                    target = join(sep, &t, &format!("{} ({n})", info.name));
                    n += 1;
                }
                account.backend.rename_folder(s, &full, &target).await
            }
            _ => account.backend.delete_folder(s, &full).await,
        }
    }

    async fn clear(&self, s: &Session, id: &str) -> OxResult<()> {
        let (account, full) = self.resolve(s, id).await?;
        if full.is_empty() {
            return Ok(());
        }
        account.backend.clear_folder(s, &full).await
    }
}
