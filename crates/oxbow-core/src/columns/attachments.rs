//! Attachments of PIM objects: common object data plus the attachment object (reference 2).

use super::{Column, ColumnTable};
use crate::cols;

pub const COLUMNS: &[Column] = cols![
    1 => "id", 2 => "created_by", 4 => "creation_date",
    800 => "folder", 801 => "attached", 802 => "module", 803 => "filename", 804 => "file_size",
    805 => "file_mimetype", 806 => "rft_flag",
];

pub const TABLE: ColumnTable = ColumnTable { module: "attachment", columns: COLUMNS, alias_all: &[], alias_list: &[] };
