//! Common and detailed folder data (reference 2: Common/Detailed folder data).

use super::{Column, ColumnTable};
use crate::cols;

pub const COLUMNS: &[Column] = cols![
    1 => "id", 2 => "created_by", 3 => "modified_by", 4 => "creation_date", 5 => "last_modified",
    6 => "last_modified_utc", 20 => "folder_id",
    300 => "title", 301 => "module", 302 => "type", 304 => "subfolders", 305 => "own_rights",
    306 => "permissions", 307 => "summary", 308 => "standard_folder", 309 => "total", 310 => "new",
    311 => "unread", 312 => "deleted", 313 => "capabilities", 314 => "subscribed",
    315 => "subscr_subflds", 316 => "standard_folder_type", 317 => "supported_capabilities",
    318 => "account_id",
    3010 => "com.openexchange.publish.publicationFlag",
    3020 => "com.openexchange.subscribe.subscriptionFlag",
    3030 => "com.openexchange.folderstorage.displayName",
    3060 => "com.openexchange.share.extendedPermissions",
];

pub const TABLE: ColumnTable = ColumnTable { module: "folders", columns: COLUMNS, alias_all: &[], alias_list: &[] };
