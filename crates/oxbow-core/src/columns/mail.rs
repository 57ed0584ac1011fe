//! Detailed mail data (reference 2: columns 600+). Column tokens that are not numbers are
//! header names (behaviour notes 5.2); the mail module handles those itself.

use super::{Column, ColumnTable};
use crate::cols;

pub const COLUMNS: &[Column] = cols![
    102 => "color_label",
    600 => "id", 601 => "folder_id", 602 => "attachment", 603 => "from", 604 => "to", 605 => "cc",
    606 => "bcc", 607 => "subject", 608 => "size", 609 => "sent_date", 610 => "received_date",
    611 => "flags", 612 => "level", 613 => "disp_notification_to", 614 => "priority",
    615 => "msg_ref", 651 => "flag_seen", 652 => "account_name", 653 => "account_id",
    654 => "original_id", 655 => "original_folder_id",
];

pub const TABLE: ColumnTable = ColumnTable {
    module: "mail",
    columns: COLUMNS,
    alias_all: &[600, 601],
    alias_list: &[600, 601, 614, 602, 611, 603, 612, 607, 652, 610, 608, 102],
};
