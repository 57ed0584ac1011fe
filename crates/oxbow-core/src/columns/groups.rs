//! Group objects (reference 6: GroupData) for `group?action=all&columns=...`.

use super::{Column, ColumnTable};
use crate::cols;

pub const COLUMNS: &[Column] = cols![
    1 => "id", 5 => "last_modified", 6 => "last_modified_utc",
    500 => "display_name", 501 => "name", 502 => "members",
];

pub const TABLE: ColumnTable = ColumnTable { module: "group", columns: COLUMNS, alias_all: &[], alias_list: &[] };
