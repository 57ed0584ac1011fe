//! Attachments of appointments (1), tasks (4), contacts (7) and Drive items (137). Access
//! follows the parent object's folder: reading needs read rights there, attaching and
//! detaching need write rights. Bytes live in the shared blob store like Drive versions.

use super::{adopt, discard, remove_blobs, validate_filename, NewFile};
use crate::Core;
use crate::folders::{self, FolderAccess};
use crate::sessions::Session;
use oxbow_core::codes;
use oxbow_core::OxResult;
use oxbow_store::attachments::{self as store, AttachmentRow};
use oxbow_store::{blob, ids};

pub const MODULE_APPOINTMENT: i64 = 1;
pub const MODULE_TASK: i64 = 4;
pub const MODULE_CONTACT: i64 = 7;
pub const MODULE_INFOSTORE: i64 = 137;

/// Folder module name of an attachment module number.
pub fn folder_module(module: i64) -> OxResult<&'static str> {
    match module {
        MODULE_APPOINTMENT => Ok("calendar"),
        MODULE_TASK => Ok("tasks"),
        MODULE_CONTACT => Ok("contacts"),
        MODULE_INFOSTORE => Ok("infostore"),
        other => Err(codes::ATT_INVALID_MODULE.with([other])),
    }
}

/// Tombstone scope of one parent object (for `attachment?action=updates`).
pub fn scope(module: i64, folder: i64, attached: i64) -> String {
    format!("{module}/{folder}/{attached}")
}

/// Check the parent object's folder (and, for Drive items, the item itself).
pub async fn parent_access(core: &Core, s: &Session, module: i64, folder: i64, attached: i64, write: bool) -> OxResult<FolderAccess> {
    let wanted = folder_module(module)?;
    let access = match folders::access(&core.db, s, folder).await? {
        Some(a) if a.folder.module == wanted => a,
        _ => return Err(codes::ATT_OBJECT_NOT_FOUND.with([attached])),
    };
    let creator = match module {
        MODULE_INFOSTORE => match oxbow_store::infostore::get(&core.db, s.cid, attached).await? {
            Some(item) if item.folder_id == folder => item.created_by,
            _ => return Err(codes::ATT_OBJECT_NOT_FOUND.with([attached])),
        },
        MODULE_CONTACT => match oxbow_store::contacts::owner(&core.db, s.cid, attached).await? {
            // Another user's private contact is as invisible as a missing one.
            Some((f, creator, private)) if f == folder && (!private || creator == s.user_id) => creator,
            _ => return Err(codes::ATT_OBJECT_NOT_FOUND.with([attached])),
        },
        // Appointments and tasks: the folder's rights decide.
        _ => s.user_id,
    };
    let allowed = if write { access.rights.can_write(s.user_id, creator) } else { access.rights.can_read(s.user_id, creator) };
    if !allowed {
        return Err(if write { codes::ATT_NO_PERMISSION.err() } else { codes::OX_NO_PERMISSION.err() });
    }
    Ok(access)
}

/// One attachment, checked against its parent.
pub async fn readable(core: &Core, s: &Session, module: i64, folder: i64, attached: i64, id: i64) -> OxResult<AttachmentRow> {
    parent_access(core, s, module, folder, attached, false).await?;
    match store::get(&core.db, s.cid, id).await? {
        Some(a) if a.module == module && a.attached == attached && a.folder_id == folder => Ok(a),
        _ => Err(codes::ATT_NOT_FOUND.with([id])),
    }
}

pub struct NewAttachment<'a> {
    pub module: i64,
    pub folder: i64,
    pub attached: i64,
    pub filename: Option<String>,
    pub mimetype: Option<String>,
    pub rtf_flag: bool,
    pub file: &'a NewFile,
}

/// Store several attachments at once (one transaction). On failure every upload is removed.
pub async fn attach(core: &Core, s: &Session, items: &[NewAttachment<'_>]) -> OxResult<(Vec<i64>, i64)> {
    let result: OxResult<(Vec<i64>, i64, Vec<String>)> = async {
        for a in items {
            parent_access(core, s, a.module, a.folder, a.attached, true).await?;
        }
        let mut tx = core.db.begin().await?;
        let now = ids::next_timestamp(&mut tx, s.cid).await?;
        let mut out = Vec::new();
        let mut garbage = Vec::new();
        for a in items {
            let name = a
                .filename
                .clone()
                .or_else(|| a.file.part_name.as_ref().map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string()))
                .unwrap_or_else(|| "attachment".into());
            validate_filename(&name)?;
            let mime = super::detect_mime(&a.file.upload.head, &name, a.mimetype.as_deref().or(a.file.part_type.as_deref()));
            let (key, dup) = adopt(&mut tx, s.cid, &a.file.upload).await?;
            garbage.extend(dup);
            let id = ids::next_id(&mut tx, s.cid, "attachment", 1).await?;
            store::insert(
                &mut tx,
                &AttachmentRow {
                    cid: s.cid,
                    id,
                    module: a.module,
                    folder_id: a.folder,
                    attached: a.attached,
                    filename: name,
                    file_size: a.file.upload.out.size as i64,
                    file_mimetype: mime,
                    rtf_flag: a.rtf_flag,
                    blob_key: key,
                    created_by: s.user_id,
                    creation_date: now,
                },
            )
            .await?;
            out.push(id);
        }
        let mut touched = std::collections::BTreeSet::new();
        for a in items {
            if touched.insert((a.module, a.attached)) {
                touch_parent(&mut tx, s, a.module, a.attached, now).await?;
            }
        }
        tx.commit().await?;
        Ok((out, now, garbage))
    }
    .await;
    match result {
        Ok((ids, ts, garbage)) => {
            remove_blobs(core, &garbage).await;
            Ok((ids, ts))
        }
        Err(e) => {
            for a in items {
                discard(core, &a.file.upload).await;
            }
            Err(e)
        }
    }
}

/// Remove attachments of one object; unknown ids are an error and nothing is removed.
pub async fn detach(core: &Core, s: &Session, module: i64, folder: i64, attached: i64, ids_in: &[i64]) -> OxResult<i64> {
    parent_access(core, s, module, folder, attached, true).await?;
    let mut tx = core.db.begin().await?;
    let now = ids::next_timestamp(&mut tx, s.cid).await?;
    let mut garbage = Vec::new();
    for id in ids_in {
        let row = match store::get(&mut tx, s.cid, *id).await? {
            Some(a) if a.module == module && a.attached == attached && a.folder_id == folder => a,
            _ => return Err(codes::ATT_NOT_FOUND.with([id])),
        };
        if blob::refs::release(&mut tx, &row.blob_key).await? {
            garbage.push(row.blob_key.clone());
        }
        store::delete(&mut tx, s.cid, *id).await?;
        oxbow_store::infostore::record_tombstone(&mut tx, s.cid, "attachment", &scope(module, folder, attached), &id.to_string(), s.user_id, now).await?;
    }
    touch_parent(&mut tx, s, module, attached, now).await?;
    tx.commit().await?;
    remove_blobs(core, &garbage).await;
    Ok(now)
}

/// A contact whose attachments changed is itself changed (its `number_of_attachments`), so
/// the contacts module's `updates` reports it.
async fn touch_parent(tx: &mut oxbow_store::Tx, s: &Session, module: i64, attached: i64, now: i64) -> OxResult<()> {
    if module == MODULE_CONTACT {
        oxbow_store::contacts::touch(&mut *tx, s.cid, attached, s.user_id, now).await?;
    }
    Ok(())
}

/// Drop every attachment of an object inside the parent's deleting transaction; blob bytes
/// that lose their last reference are removed by the next sweep.
pub async fn delete_all_deferred(tx: &mut oxbow_store::Tx, cid: i64, module: i64, attached: i64) -> OxResult<()> {
    for a in store::of_object(&mut *tx, cid, module, attached).await? {
        blob::refs::release_deferred(&mut *tx, &a.blob_key).await?;
        store::delete(&mut *tx, cid, a.id).await?;
    }
    Ok(())
}

/// Number of attachments of an object, for the parent modules' `number_of_attachments`.
pub async fn count(db: &oxbow_store::Db, cid: i64, module: i64, attached: i64) -> OxResult<i64> {
    Ok(store::of_object(db, cid, module, attached).await?.len() as i64)
}

/// Remove every attachment of an object (call when the parent object is deleted, in the
/// parent's transaction); returns blob keys to remove after commit via `remove_unreferenced`.
pub async fn delete_all_of(tx: &mut oxbow_store::Tx, cid: i64, module: i64, attached: i64) -> OxResult<Vec<String>> {
    let mut garbage = Vec::new();
    for a in store::of_object(&mut *tx, cid, module, attached).await? {
        if blob::refs::release(&mut *tx, &a.blob_key).await? {
            garbage.push(a.blob_key.clone());
        }
        store::delete(&mut *tx, cid, a.id).await?;
    }
    Ok(garbage)
}

/// Remove blob bytes whose last reference was dropped (after the transaction committed).
pub async fn remove_unreferenced(core: &Core, keys: &[String]) {
    remove_blobs(core, keys).await;
}
