//! The one place that maps column ids to JSON field names, per module.
//! Handlers build objects keyed by field name; the HTTP layer's column mechanism picks
//! fields out of them in the order of the `columns` parameter using these tables.

pub mod contacts;
pub mod attachments;
pub mod accounts;
pub mod folders;
pub mod groups;
pub mod resources;
pub mod users;
pub mod infostore;
pub mod mail;

/// One column: its numeric id and the JSON field name it stands for.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub id: u32,
    pub field: &'static str,
}

/// A module's column table plus its `columns=all` / `columns=list` aliases.
#[derive(Debug, Clone, Copy)]
pub struct ColumnTable {
    pub module: &'static str,
    pub columns: &'static [Column],
    pub alias_all: &'static [u32],
    pub alias_list: &'static [u32],
}

impl ColumnTable {
    pub fn field(&self, id: u32) -> Option<&'static str> {
        self.columns.iter().find(|c| c.id == id).map(|c| c.field)
    }
    pub fn id_of(&self, field: &str) -> Option<u32> {
        self.columns.iter().find(|c| c.field == field).map(|c| c.id)
    }
}

/// Shorthand for writing tables: `cols![1 => "id", 2 => "created_by"]`.
#[macro_export]
macro_rules! cols {
    ($($id:literal => $field:literal),* $(,)?) => {
        &[$($crate::columns::Column { id: $id, field: $field }),*]
    };
}

/// Common object data shared by the groupware modules (reference: Common object data).
pub const COMMON: &[Column] = cols![
    1 => "id", 2 => "created_by", 3 => "modified_by", 4 => "creation_date", 5 => "last_modified",
    6 => "last_modified_utc", 20 => "folder_id", 100 => "categories", 101 => "private_flag",
    102 => "color_label", 104 => "number_of_attachments", 105 => "lastModifiedOfNewestAttachmentUTC",
];
