//! Drive items: common object data plus detailed infoitem data (reference 2).

use super::{Column, ColumnTable};
use crate::cols;

pub const COLUMNS: &[Column] = cols![
    1 => "id", 2 => "created_by", 3 => "modified_by", 4 => "creation_date", 5 => "last_modified",
    6 => "last_modified_utc", 20 => "folder_id", 100 => "categories", 101 => "private_flag",
    102 => "color_label", 104 => "number_of_attachments", 105 => "lastModifiedOfNewestAttachmentUTC",
    108 => "object_permissions", 109 => "shareable",
    700 => "title", 701 => "url", 702 => "filename", 703 => "file_mimetype", 704 => "file_size",
    705 => "version", 706 => "description", 707 => "locked_until", 708 => "file_md5sum",
    709 => "version_comment", 710 => "current_version", 711 => "number_of_versions",
    7010 => "com.openexchange.share.extendedObjectPermissions",
    7020 => "com.openexchange.realtime.resourceID",
];

pub const TABLE: ColumnTable = ColumnTable { module: "infostore", columns: COLUMNS, alias_all: &[], alias_list: &[] };
