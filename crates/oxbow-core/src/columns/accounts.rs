//! Mail account data (reference 2: Mail account data, 1001-1045).

use super::{Column, ColumnTable};
use crate::cols;

pub const COLUMNS: &[Column] = cols![
    1001 => "id", 1002 => "login", 1003 => "password", 1004 => "mail_url", 1005 => "transport_url",
    1006 => "name", 1007 => "primary_address", 1008 => "spam_handler", 1009 => "trash", 1010 => "sent",
    1011 => "drafts", 1012 => "spam", 1013 => "confirmed_spam", 1014 => "confirmed_ham",
    1015 => "mail_server", 1016 => "mail_port", 1017 => "mail_protocol", 1018 => "mail_secure",
    1019 => "transport_server", 1020 => "transport_port", 1021 => "transport_protocol",
    1022 => "transport_secure", 1023 => "transport_login", 1024 => "transport_password",
    1025 => "unified_inbox_enabled", 1026 => "trash_fullname", 1027 => "sent_fullname",
    1028 => "drafts_fullname", 1029 => "spam_fullname", 1030 => "confirmed_spam_fullname",
    1031 => "confirmed_ham_fullname", 1032 => "pop3_refresh_rate", 1033 => "pop3_expunge_on_quit",
    1034 => "pop3_delete_write_through", 1035 => "pop3_storage", 1036 => "pop3_path", 1037 => "personal",
    1038 => "reply_to", 1039 => "addresses", 1040 => "meta", 1041 => "archive", 1042 => "archive_fullname",
    1043 => "transport_auth", 1044 => "mail_starttls", 1045 => "transport_starttls",
];

pub const TABLE: ColumnTable = ColumnTable { module: "account", columns: COLUMNS, alias_all: &[], alias_list: &[] };
