//! The global address book (folder 6): one contact per user, created with the user and
//! kept in step with the account's names and address.

use super::model::Changes;
use crate::folders::GLOBAL_ADDRESS_BOOK;
use oxbow_core::OxResult;
use oxbow_store::contacts::{self as store, Arg};
use oxbow_store::users::{self, User};
use oxbow_store::{ids, Tx};

fn text(s: &str) -> Arg {
    Arg::Text(if s.is_empty() { None } else { Some(s.to_string()) })
}

fn changes_for(user: &User) -> Changes {
    let mut c = Changes::default();
    c.set("display_name", text(&user.display_name));
    c.set("first_name", text(&user.given_name));
    c.set("last_name", text(&user.sur_name));
    c.set("email1", text(&user.email));
    c
}

/// Create the user's entry in the global address book and link it to the account.
/// Runs inside the transaction that creates the user.
pub async fn create_user_contact(tx: &mut Tx, user: &User) -> OxResult<i64> {
    let ts = ids::next_timestamp(&mut *tx, user.cid).await?;
    let id = super::insert(tx, user.cid, GLOBAL_ADDRESS_BOOK, user.id, ts, &changes_for(user), Some(user.id)).await?;
    let mut linked = user.clone();
    linked.contact_id = Some(id);
    users::update(&mut *tx, &linked).await?;
    Ok(id)
}

/// Bring the user's address book entry in line with the account (names, display name,
/// primary address); creates the entry when it is missing. Call after every change of a
/// user account, inside its transaction.
pub async fn sync_user_contact(tx: &mut Tx, user: &User) -> OxResult<()> {
    let existing: Option<i64> = oxbow_store::fetch_optional!(
        tx,
        (i64,),
        "SELECT id FROM contacts WHERE cid = $1 AND user_id = $2 AND folder_id = $3",
        user.cid,
        user.id,
        GLOBAL_ADDRESS_BOOK
    )?
    .map(|r| r.0);
    let Some(id) = existing else {
        create_user_contact(tx, user).await?;
        return Ok(());
    };
    let ts = ids::next_timestamp(&mut *tx, user.cid).await?;
    store::execute_args(
        &mut *tx,
        "UPDATE contacts SET display_name = $1, first_name = $2, last_name = $3, email1 = $4, last_modified = $5, modified_by = $6 WHERE cid = $7 AND id = $8",
        &[
            text(&user.display_name),
            text(&user.given_name),
            text(&user.sur_name),
            text(&user.email),
            Arg::Int(Some(ts)),
            Arg::Int(Some(user.id)),
            Arg::Int(Some(user.cid)),
            Arg::Int(Some(id)),
        ],
    )
    .await?;
    Ok(())
}

/// Remove a deleted user's entry and the contacts of the user's own folders (inside the
/// user deletion's transaction, before the folders go).
pub async fn delete_user_contact(tx: &mut Tx, cid: i64, user_id: i64) -> OxResult<()> {
    // Attachments go with their contacts: those of the user's folders and the user's entry.
    let with_attachments: Vec<i64> = oxbow_store::fetch_scalars!(
        tx,
        i64,
        "SELECT DISTINCT a.attached FROM attachments a JOIN contacts c ON c.cid = a.cid AND c.id = a.attached \
         LEFT JOIN folders f ON f.cid = c.cid AND f.id = c.folder_id \
         WHERE a.cid = $1 AND a.module = $3 AND ((f.created_by = $2 AND f.module = 'contacts') OR c.user_id = $2)",
        cid,
        user_id,
        crate::infostore::attachments::MODULE_CONTACT
    )?;
    for id in with_attachments {
        crate::infostore::attachments::delete_all_deferred(&mut *tx, cid, crate::infostore::attachments::MODULE_CONTACT, id).await?;
    }
    oxbow_store::execute!(
        tx,
        "DELETE FROM contact_images WHERE cid = $1 AND contact_id IN (SELECT c.id FROM contacts c JOIN folders f ON f.cid = c.cid AND f.id = c.folder_id WHERE c.cid = $1 AND f.created_by = $2 AND f.module = 'contacts')",
        cid,
        user_id
    )?;
    oxbow_store::execute!(
        tx,
        "DELETE FROM contacts WHERE cid = $1 AND folder_id IN (SELECT id FROM folders WHERE cid = $1 AND created_by = $2 AND module = 'contacts')",
        cid,
        user_id
    )?;
    let ids: Vec<i64> = oxbow_store::fetch_scalars!(tx, i64, "SELECT id FROM contacts WHERE cid = $1 AND user_id = $2", cid, user_id)?;
    if ids.is_empty() {
        return Ok(());
    }
    let ts = ids::next_timestamp(&mut *tx, cid).await?;
    for id in ids {
        store::delete_image(&mut *tx, cid, id).await?;
        store::execute_args(&mut *tx, "DELETE FROM contacts WHERE cid = $1 AND id = $2", &[Arg::Int(Some(cid)), Arg::Int(Some(id))]).await?;
        store::add_tombstone(&mut *tx, cid, GLOBAL_ADDRESS_BOOK, id, user_id, ts).await?;
    }
    Ok(())
}
