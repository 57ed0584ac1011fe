//! Contact columns (reference 2: Common object data, Detailed contact data) with each
//! field's storage column, value kind, length limit and CSV column title.

use super::{Column, ColumnTable};
use crate::cols;

/// How a contact field is typed, stored and validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Object or folder id (number in storage, string-compatible on the wire).
    Id,
    /// A number stored as is.
    Int,
    /// A `Time` value: stored as UTC milliseconds, shifted into the user's zone on output.
    Time,
    /// A `Timestamp` value: raw UTC milliseconds.
    Utc,
    /// A `Date` value: UTC midnight.
    Date,
    Bool,
    /// A string of at most this many characters.
    Text(usize),
    /// Computed on output (image URL, counts); not stored, not writable.
    Derived,
    /// The picture itself (base64 on input).
    Image,
    /// The members of a distribution list (JSON in storage).
    DistributionList,
    /// Stored, but only the server writes it.
    ReadOnlyText,
    ReadOnlyInt,
}

#[derive(Debug, Clone, Copy)]
pub struct ContactField {
    pub id: u32,
    pub name: &'static str,
    /// Column of the `contacts` table, when stored there.
    pub column: Option<&'static str>,
    pub kind: Kind,
    /// Column title in CSV import/export.
    pub csv: Option<&'static str>,
}

pub const FIELDS: &[ContactField] = &[
    ContactField { id: 1, name: "id", column: Some("id"), kind: Kind::Id, csv: None },
    ContactField { id: 2, name: "created_by", column: Some("created_by"), kind: Kind::Int, csv: None },
    ContactField { id: 3, name: "modified_by", column: Some("modified_by"), kind: Kind::Int, csv: None },
    ContactField { id: 4, name: "creation_date", column: Some("creation_date"), kind: Kind::Time, csv: None },
    ContactField { id: 5, name: "last_modified", column: Some("last_modified"), kind: Kind::Time, csv: None },
    ContactField { id: 6, name: "last_modified_utc", column: Some("last_modified"), kind: Kind::Utc, csv: None },
    ContactField { id: 20, name: "folder_id", column: Some("folder_id"), kind: Kind::Id, csv: None },
    ContactField { id: 100, name: "categories", column: Some("categories"), kind: Kind::Text(1024), csv: Some("Categories") },
    ContactField { id: 101, name: "private_flag", column: Some("private_flag"), kind: Kind::Bool, csv: Some("Private") },
    ContactField { id: 102, name: "color_label", column: Some("color_label"), kind: Kind::Int, csv: None },
    ContactField { id: 104, name: "number_of_attachments", column: None, kind: Kind::Derived, csv: None },
    ContactField { id: 105, name: "lastModifiedOfNewestAttachmentUTC", column: None, kind: Kind::Derived, csv: None },
    ContactField { id: 223, name: "uid", column: Some("uid"), kind: Kind::Text(255), csv: None },
    ContactField { id: 500, name: "display_name", column: Some("display_name"), kind: Kind::Text(320), csv: Some("Display name") },
    ContactField { id: 501, name: "first_name", column: Some("first_name"), kind: Kind::Text(128), csv: Some("Given name") },
    ContactField { id: 502, name: "last_name", column: Some("last_name"), kind: Kind::Text(128), csv: Some("Sur name") },
    ContactField { id: 503, name: "second_name", column: Some("second_name"), kind: Kind::Text(128), csv: Some("Middle name") },
    ContactField { id: 504, name: "suffix", column: Some("suffix"), kind: Kind::Text(64), csv: Some("Suffix") },
    ContactField { id: 505, name: "title", column: Some("title"), kind: Kind::Text(64), csv: Some("Title") },
    ContactField { id: 506, name: "street_home", column: Some("street_home"), kind: Kind::Text(256), csv: Some("Street home") },
    ContactField { id: 507, name: "postal_code_home", column: Some("postal_code_home"), kind: Kind::Text(64), csv: Some("Postal code home") },
    ContactField { id: 508, name: "city_home", column: Some("city_home"), kind: Kind::Text(128), csv: Some("City home") },
    ContactField { id: 509, name: "state_home", column: Some("state_home"), kind: Kind::Text(128), csv: Some("State home") },
    ContactField { id: 510, name: "country_home", column: Some("country_home"), kind: Kind::Text(128), csv: Some("Country home") },
    ContactField { id: 511, name: "birthday", column: Some("birthday"), kind: Kind::Date, csv: Some("Birthday") },
    ContactField { id: 512, name: "marital_status", column: Some("marital_status"), kind: Kind::Text(64), csv: Some("Marital status") },
    ContactField { id: 513, name: "number_of_children", column: Some("number_of_children"), kind: Kind::Text(64), csv: Some("Number of children") },
    ContactField { id: 514, name: "profession", column: Some("profession"), kind: Kind::Text(256), csv: Some("Profession") },
    ContactField { id: 515, name: "nickname", column: Some("nickname"), kind: Kind::Text(64), csv: Some("Nickname") },
    ContactField { id: 516, name: "spouse_name", column: Some("spouse_name"), kind: Kind::Text(64), csv: Some("Spouse name") },
    ContactField { id: 517, name: "anniversary", column: Some("anniversary"), kind: Kind::Date, csv: Some("Anniversary") },
    ContactField { id: 518, name: "note", column: Some("note"), kind: Kind::Text(5680), csv: Some("Note") },
    ContactField { id: 519, name: "department", column: Some("department"), kind: Kind::Text(512), csv: Some("Department") },
    ContactField { id: 520, name: "position", column: Some("job_position"), kind: Kind::Text(128), csv: Some("Position") },
    ContactField { id: 521, name: "employee_type", column: Some("employee_type"), kind: Kind::Text(128), csv: Some("Employee type") },
    ContactField { id: 522, name: "room_number", column: Some("room_number"), kind: Kind::Text(64), csv: Some("Room number") },
    ContactField { id: 523, name: "street_business", column: Some("street_business"), kind: Kind::Text(256), csv: Some("Street business") },
    ContactField { id: 524, name: "user_id", column: Some("user_id"), kind: Kind::Int, csv: Some("Internal user id") },
    ContactField { id: 525, name: "postal_code_business", column: Some("postal_code_business"), kind: Kind::Text(64), csv: Some("Postal code business") },
    ContactField { id: 526, name: "city_business", column: Some("city_business"), kind: Kind::Text(128), csv: Some("City business") },
    ContactField { id: 527, name: "state_business", column: Some("state_business"), kind: Kind::Text(128), csv: Some("State business") },
    ContactField { id: 528, name: "country_business", column: Some("country_business"), kind: Kind::Text(128), csv: Some("Country business") },
    ContactField { id: 529, name: "number_of_employees", column: Some("number_of_employees"), kind: Kind::Text(64), csv: Some("Number of employee") },
    ContactField { id: 530, name: "sales_volume", column: Some("sales_volume"), kind: Kind::Text(64), csv: Some("Sales volume") },
    ContactField { id: 531, name: "tax_id", column: Some("tax_id"), kind: Kind::Text(64), csv: Some("Tax id") },
    ContactField { id: 532, name: "commercial_register", column: Some("commercial_register"), kind: Kind::Text(64), csv: Some("Commercial register") },
    ContactField { id: 533, name: "branches", column: Some("branches"), kind: Kind::Text(1024), csv: Some("Branches") },
    ContactField { id: 534, name: "business_category", column: Some("business_category"), kind: Kind::Text(1024), csv: Some("Business category") },
    ContactField { id: 535, name: "info", column: Some("info"), kind: Kind::Text(1024), csv: Some("Info") },
    ContactField { id: 536, name: "manager_name", column: Some("manager_name"), kind: Kind::Text(128), csv: Some("Manager's name") },
    ContactField { id: 537, name: "assistant_name", column: Some("assistant_name"), kind: Kind::Text(128), csv: Some("Assistant's name") },
    ContactField { id: 538, name: "street_other", column: Some("street_other"), kind: Kind::Text(256), csv: Some("Street other") },
    ContactField { id: 539, name: "city_other", column: Some("city_other"), kind: Kind::Text(128), csv: Some("City other") },
    ContactField { id: 540, name: "postal_code_other", column: Some("postal_code_other"), kind: Kind::Text(64), csv: Some("Postal code other") },
    ContactField { id: 541, name: "country_other", column: Some("country_other"), kind: Kind::Text(128), csv: Some("Country other") },
    ContactField { id: 542, name: "telephone_business1", column: Some("telephone_business1"), kind: Kind::Text(64), csv: Some("Telephone business 1") },
    ContactField { id: 543, name: "telephone_business2", column: Some("telephone_business2"), kind: Kind::Text(64), csv: Some("Telephone business 2") },
    ContactField { id: 544, name: "fax_business", column: Some("fax_business"), kind: Kind::Text(64), csv: Some("FAX business") },
    ContactField { id: 545, name: "telephone_callback", column: Some("telephone_callback"), kind: Kind::Text(64), csv: Some("Telephone callback") },
    ContactField { id: 546, name: "telephone_car", column: Some("telephone_car"), kind: Kind::Text(64), csv: Some("Telephone car") },
    ContactField { id: 547, name: "telephone_company", column: Some("telephone_company"), kind: Kind::Text(64), csv: Some("Telephone company") },
    ContactField { id: 548, name: "telephone_home1", column: Some("telephone_home1"), kind: Kind::Text(64), csv: Some("Telephone home 1") },
    ContactField { id: 549, name: "telephone_home2", column: Some("telephone_home2"), kind: Kind::Text(64), csv: Some("Telephone home 2") },
    ContactField { id: 550, name: "fax_home", column: Some("fax_home"), kind: Kind::Text(64), csv: Some("FAX home") },
    ContactField { id: 551, name: "cellular_telephone1", column: Some("cellular_telephone1"), kind: Kind::Text(64), csv: Some("Cellular telephone 1") },
    ContactField { id: 552, name: "cellular_telephone2", column: Some("cellular_telephone2"), kind: Kind::Text(64), csv: Some("Cellular telephone 2") },
    ContactField { id: 553, name: "telephone_other", column: Some("telephone_other"), kind: Kind::Text(64), csv: Some("Telephone other") },
    ContactField { id: 554, name: "fax_other", column: Some("fax_other"), kind: Kind::Text(64), csv: Some("FAX other") },
    ContactField { id: 555, name: "email1", column: Some("email1"), kind: Kind::Text(256), csv: Some("Email 1") },
    ContactField { id: 556, name: "email2", column: Some("email2"), kind: Kind::Text(256), csv: Some("Email 2") },
    ContactField { id: 557, name: "email3", column: Some("email3"), kind: Kind::Text(256), csv: Some("Email 3") },
    ContactField { id: 558, name: "url", column: Some("url"), kind: Kind::Text(256), csv: Some("URL") },
    ContactField { id: 559, name: "telephone_isdn", column: Some("telephone_isdn"), kind: Kind::Text(64), csv: Some("Telephone ISDN") },
    ContactField { id: 560, name: "telephone_pager", column: Some("telephone_pager"), kind: Kind::Text(64), csv: Some("Telephone pager") },
    ContactField { id: 561, name: "telephone_primary", column: Some("telephone_primary"), kind: Kind::Text(64), csv: Some("Telephone primary") },
    ContactField { id: 562, name: "telephone_radio", column: Some("telephone_radio"), kind: Kind::Text(64), csv: Some("Telephone radio") },
    ContactField { id: 563, name: "telephone_telex", column: Some("telephone_telex"), kind: Kind::Text(64), csv: Some("Telephone telex") },
    ContactField { id: 564, name: "telephone_ttytdd", column: Some("telephone_ttytdd"), kind: Kind::Text(64), csv: Some("Telephone TTY/TDD") },
    ContactField { id: 565, name: "instant_messenger1", column: Some("instant_messenger1"), kind: Kind::Text(256), csv: Some("Instantmessenger 1") },
    ContactField { id: 566, name: "instant_messenger2", column: Some("instant_messenger2"), kind: Kind::Text(256), csv: Some("Instantmessenger 2") },
    ContactField { id: 567, name: "telephone_ip", column: Some("telephone_ip"), kind: Kind::Text(64), csv: Some("Telephone IP") },
    ContactField { id: 568, name: "telephone_assistant", column: Some("telephone_assistant"), kind: Kind::Text(64), csv: Some("Telephone assistant") },
    ContactField { id: 569, name: "company", column: Some("company"), kind: Kind::Text(512), csv: Some("Company") },
    ContactField { id: 570, name: "image1", column: None, kind: Kind::Image, csv: None },
    ContactField { id: 571, name: "userfield01", column: Some("userfield01"), kind: Kind::Text(64), csv: Some("Dynamic Field 1") },
    ContactField { id: 572, name: "userfield02", column: Some("userfield02"), kind: Kind::Text(64), csv: Some("Dynamic Field 2") },
    ContactField { id: 573, name: "userfield03", column: Some("userfield03"), kind: Kind::Text(64), csv: Some("Dynamic Field 3") },
    ContactField { id: 574, name: "userfield04", column: Some("userfield04"), kind: Kind::Text(64), csv: Some("Dynamic Field 4") },
    ContactField { id: 575, name: "userfield05", column: Some("userfield05"), kind: Kind::Text(64), csv: Some("Dynamic Field 5") },
    ContactField { id: 576, name: "userfield06", column: Some("userfield06"), kind: Kind::Text(64), csv: Some("Dynamic Field 6") },
    ContactField { id: 577, name: "userfield07", column: Some("userfield07"), kind: Kind::Text(64), csv: Some("Dynamic Field 7") },
    ContactField { id: 578, name: "userfield08", column: Some("userfield08"), kind: Kind::Text(64), csv: Some("Dynamic Field 8") },
    ContactField { id: 579, name: "userfield09", column: Some("userfield09"), kind: Kind::Text(64), csv: Some("Dynamic Field 9") },
    ContactField { id: 580, name: "userfield10", column: Some("userfield10"), kind: Kind::Text(64), csv: Some("Dynamic Field 10") },
    ContactField { id: 581, name: "userfield11", column: Some("userfield11"), kind: Kind::Text(64), csv: Some("Dynamic Field 11") },
    ContactField { id: 582, name: "userfield12", column: Some("userfield12"), kind: Kind::Text(64), csv: Some("Dynamic Field 12") },
    ContactField { id: 583, name: "userfield13", column: Some("userfield13"), kind: Kind::Text(64), csv: Some("Dynamic Field 13") },
    ContactField { id: 584, name: "userfield14", column: Some("userfield14"), kind: Kind::Text(64), csv: Some("Dynamic Field 14") },
    ContactField { id: 585, name: "userfield15", column: Some("userfield15"), kind: Kind::Text(64), csv: Some("Dynamic Field 15") },
    ContactField { id: 586, name: "userfield16", column: Some("userfield16"), kind: Kind::Text(64), csv: Some("Dynamic Field 16") },
    ContactField { id: 587, name: "userfield17", column: Some("userfield17"), kind: Kind::Text(64), csv: Some("Dynamic Field 17") },
    ContactField { id: 588, name: "userfield18", column: Some("userfield18"), kind: Kind::Text(64), csv: Some("Dynamic Field 18") },
    ContactField { id: 589, name: "userfield19", column: Some("userfield19"), kind: Kind::Text(64), csv: Some("Dynamic Field 19") },
    ContactField { id: 590, name: "userfield20", column: Some("userfield20"), kind: Kind::Text(64), csv: Some("Dynamic Field 20") },
    ContactField { id: 592, name: "distribution_list", column: Some("distribution_list"), kind: Kind::DistributionList, csv: None },
    ContactField { id: 594, name: "number_of_distribution_list", column: None, kind: Kind::Derived, csv: Some("Number of distributionlists") },
    ContactField { id: 596, name: "number_of_images", column: None, kind: Kind::Derived, csv: None },
    ContactField { id: 597, name: "image_last_modified", column: Some("image_last_modified"), kind: Kind::Utc, csv: None },
    ContactField { id: 598, name: "state_other", column: Some("state_other"), kind: Kind::Text(128), csv: Some("State other") },
    ContactField { id: 599, name: "file_as", column: Some("file_as"), kind: Kind::Text(320), csv: None },
    ContactField { id: 601, name: "image1_content_type", column: Some("image_content_type"), kind: Kind::ReadOnlyText, csv: None },
    ContactField { id: 602, name: "mark_as_distributionlist", column: Some("mark_as_distributionlist"), kind: Kind::Bool, csv: None },
    ContactField { id: 605, name: "default_address", column: Some("default_address"), kind: Kind::Int, csv: Some("Default address") },
    ContactField { id: 606, name: "image1_url", column: None, kind: Kind::Derived, csv: None },
    ContactField { id: 608, name: "useCount", column: Some("use_count"), kind: Kind::ReadOnlyInt, csv: None },
    ContactField { id: 609, name: "useCount", column: Some("use_count"), kind: Kind::ReadOnlyInt, csv: None },
    ContactField { id: 610, name: "yomiFirstName", column: Some("yomi_first_name"), kind: Kind::Text(128), csv: None },
    ContactField { id: 611, name: "yomiLastName", column: Some("yomi_last_name"), kind: Kind::Text(128), csv: None },
    ContactField { id: 612, name: "yomiCompany", column: Some("yomi_company"), kind: Kind::Text(512), csv: None },
    ContactField { id: 613, name: "addressHome", column: Some("address_home"), kind: Kind::Text(512), csv: None },
    ContactField { id: 614, name: "addressBusiness", column: Some("address_business"), kind: Kind::Text(512), csv: None },
    ContactField { id: 615, name: "addressOther", column: Some("address_other"), kind: Kind::Text(512), csv: None },
];

pub const COLUMNS: &[Column] = cols![1 => "id", 2 => "created_by", 3 => "modified_by", 4 => "creation_date", 5 => "last_modified", 6 => "last_modified_utc", 20 => "folder_id", 100 => "categories", 101 => "private_flag", 102 => "color_label", 104 => "number_of_attachments", 105 => "lastModifiedOfNewestAttachmentUTC", 223 => "uid", 500 => "display_name", 501 => "first_name", 502 => "last_name", 503 => "second_name", 504 => "suffix", 505 => "title", 506 => "street_home", 507 => "postal_code_home", 508 => "city_home", 509 => "state_home", 510 => "country_home", 511 => "birthday", 512 => "marital_status", 513 => "number_of_children", 514 => "profession", 515 => "nickname", 516 => "spouse_name", 517 => "anniversary", 518 => "note", 519 => "department", 520 => "position", 521 => "employee_type", 522 => "room_number", 523 => "street_business", 524 => "user_id", 525 => "postal_code_business", 526 => "city_business", 527 => "state_business", 528 => "country_business", 529 => "number_of_employees", 530 => "sales_volume", 531 => "tax_id", 532 => "commercial_register", 533 => "branches", 534 => "business_category", 535 => "info", 536 => "manager_name", 537 => "assistant_name", 538 => "street_other", 539 => "city_other", 540 => "postal_code_other", 541 => "country_other", 542 => "telephone_business1", 543 => "telephone_business2", 544 => "fax_business", 545 => "telephone_callback", 546 => "telephone_car", 547 => "telephone_company", 548 => "telephone_home1", 549 => "telephone_home2", 550 => "fax_home", 551 => "cellular_telephone1", 552 => "cellular_telephone2", 553 => "telephone_other", 554 => "fax_other", 555 => "email1", 556 => "email2", 557 => "email3", 558 => "url", 559 => "telephone_isdn", 560 => "telephone_pager", 561 => "telephone_primary", 562 => "telephone_radio", 563 => "telephone_telex", 564 => "telephone_ttytdd", 565 => "instant_messenger1", 566 => "instant_messenger2", 567 => "telephone_ip", 568 => "telephone_assistant", 569 => "company", 570 => "image1", 571 => "userfield01", 572 => "userfield02", 573 => "userfield03", 574 => "userfield04", 575 => "userfield05", 576 => "userfield06", 577 => "userfield07", 578 => "userfield08", 579 => "userfield09", 580 => "userfield10", 581 => "userfield11", 582 => "userfield12", 583 => "userfield13", 584 => "userfield14", 585 => "userfield15", 586 => "userfield16", 587 => "userfield17", 588 => "userfield18", 589 => "userfield19", 590 => "userfield20", 592 => "distribution_list", 594 => "number_of_distribution_list", 596 => "number_of_images", 597 => "image_last_modified", 598 => "state_other", 599 => "file_as", 601 => "image1_content_type", 602 => "mark_as_distributionlist", 605 => "default_address", 606 => "image1_url", 608 => "useCount", 609 => "useCount", 610 => "yomiFirstName", 611 => "yomiLastName", 612 => "yomiCompany", 613 => "addressHome", 614 => "addressBusiness", 615 => "addressOther"];

pub const TABLE: ColumnTable = ColumnTable {
    module: "contacts",
    columns: COLUMNS,
    alias_all: &[20, 1, 5, 2, 602],
    alias_list: &[20, 1, 5, 2, 500, 501, 502, 505, 523, 525, 526, 527, 542, 555, 102, 602, 592, 101, 551, 552, 543, 547, 548, 549, 556, 569],
};

/// The field of a column id.
pub fn by_id(id: u32) -> Option<&'static ContactField> {
    FIELDS.iter().find(|f| f.id == id)
}

/// The field of a JSON name.
pub fn by_name(name: &str) -> Option<&'static ContactField> {
    FIELDS.iter().find(|f| f.name == name)
}

/// The field of a CSV column title (case-insensitive).
pub fn by_csv_title(title: &str) -> Option<&'static ContactField> {
    let t = title.trim();
    FIELDS.iter().find(|f| f.csv.is_some_and(|c| c.eq_ignore_ascii_case(t)))
}
