//! Resource objects (reference 6: ResourceData) for column-based answers.

use super::{Column, ColumnTable};
use crate::cols;

pub const COLUMNS: &[Column] = cols![
    1 => "id", 5 => "last_modified", 6 => "last_modified_utc",
    500 => "display_name", 501 => "name", 502 => "mailaddress", 503 => "availability", 504 => "description",
];

pub const TABLE: ColumnTable = ColumnTable { module: "resource", columns: COLUMNS, alias_all: &[], alias_list: &[] };
