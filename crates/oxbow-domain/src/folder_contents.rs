//! What a folder holds, per module. Folder delete and clear call `delete_contents` so that
//! no object outlives its folder; the folder views call `count_contents` for
//! `total`/`new`/`unread`. Each module adds its own arm here.

use oxbow_core::OxResult;
use oxbow_store::{Db, Tx};

/// Delete every object of `module` in `folder_ids` (one transaction with the folder change),
/// writing tombstones with timestamp `ts` for `updates`. `user` is the one deleting.
pub async fn delete_contents(tx: &mut Tx, cid: i64, module: &str, folder_ids: &[i64], user: i64, ts: i64) -> OxResult<()> {
    let _ = (&tx, cid, folder_ids, user, ts);
    match module {
        "contacts" => {
            for folder in folder_ids {
                crate::contacts::delete_folder_contents(tx, cid, *folder, user, ts).await?;
            }
        }
        "calendar" => {}
        "tasks" => {}
        "infostore" => {
            for folder in folder_ids {
                crate::infostore::delete_folder_contents(tx, cid, *folder, user, ts).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Number of objects of `module` in `folder_id`; `None` where the module keeps no count
/// (the folder answers `total: null`).
pub async fn count_contents(db: &Db, cid: i64, module: &str, folder_id: i64) -> OxResult<Option<i64>> {
    let _ = (db, cid, folder_id);
    match module {
        "contacts" => Ok(Some(oxbow_store::contacts::count_in_folder(db, cid, folder_id).await?)),
        "calendar" => Ok(None),
        "tasks" => Ok(None),
        "infostore" => Ok(Some(oxbow_store::infostore::count_in_folder(db, cid, folder_id).await?)),
        _ => Ok(None),
    }
}
