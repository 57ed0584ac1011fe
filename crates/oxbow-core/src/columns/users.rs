//! User objects (reference 2: Common object data, Detailed contact data, Detailed user
//! data). A user is answered like its global-address-book contact plus the user-specific
//! columns 610-616, which take precedence over the contact module's meaning of 610-615.

use super::{Column, ColumnTable};
use crate::cols;

pub const COLUMNS: &[Column] = cols![
    1 => "id", 2 => "created_by", 3 => "modified_by", 4 => "creation_date", 5 => "last_modified",
    6 => "last_modified_utc", 20 => "folder_id", 100 => "categories", 101 => "private_flag",
    102 => "color_label", 104 => "number_of_attachments", 105 => "lastModifiedOfNewestAttachmentUTC",
    223 => "uid",
    500 => "display_name", 501 => "first_name", 502 => "last_name", 503 => "second_name", 504 => "suffix",
    505 => "title", 506 => "street_home", 507 => "postal_code_home", 508 => "city_home", 509 => "state_home",
    510 => "country_home", 511 => "birthday", 512 => "marital_status", 513 => "number_of_children",
    514 => "profession", 515 => "nickname", 516 => "spouse_name", 517 => "anniversary", 518 => "note",
    519 => "department", 520 => "position", 521 => "employee_type", 522 => "room_number",
    523 => "street_business", 524 => "user_id", 525 => "postal_code_business", 526 => "city_business",
    527 => "state_business", 528 => "country_business", 529 => "number_of_employees", 530 => "sales_volume",
    531 => "tax_id", 532 => "commercial_register", 533 => "branches", 534 => "business_category",
    535 => "info", 536 => "manager_name", 537 => "assistant_name", 538 => "street_other", 539 => "city_other",
    540 => "postal_code_other", 541 => "country_other", 542 => "telephone_business1",
    543 => "telephone_business2", 544 => "fax_business", 545 => "telephone_callback", 546 => "telephone_car",
    547 => "telephone_company", 548 => "telephone_home1", 549 => "telephone_home2", 550 => "fax_home",
    551 => "cellular_telephone1", 552 => "cellular_telephone2", 553 => "telephone_other", 554 => "fax_other",
    555 => "email1", 556 => "email2", 557 => "email3", 558 => "url", 559 => "telephone_isdn",
    560 => "telephone_pager", 561 => "telephone_primary", 562 => "telephone_radio", 563 => "telephone_telex",
    564 => "telephone_ttytdd", 565 => "instant_messenger1", 566 => "instant_messenger2", 567 => "telephone_ip",
    568 => "telephone_assistant", 569 => "company", 570 => "image1",
    571 => "userfield01", 572 => "userfield02", 573 => "userfield03", 574 => "userfield04", 575 => "userfield05",
    576 => "userfield06", 577 => "userfield07", 578 => "userfield08", 579 => "userfield09", 580 => "userfield10",
    581 => "userfield11", 582 => "userfield12", 583 => "userfield13", 584 => "userfield14", 585 => "userfield15",
    586 => "userfield16", 587 => "userfield17", 588 => "userfield18", 589 => "userfield19", 590 => "userfield20",
    592 => "distribution_list", 594 => "number_of_distribution_list", 596 => "number_of_images",
    597 => "image_last_modified", 598 => "state_other", 599 => "file_as", 601 => "image1_content_type",
    602 => "mark_as_distributionlist", 605 => "default_address", 606 => "image1_url", 608 => "useCount",
    // Detailed user data.
    610 => "aliases", 611 => "timezone", 612 => "locale", 613 => "groups", 614 => "contact_id",
    615 => "login_info", 616 => "guest_created_by",
];

pub const TABLE: ColumnTable = ColumnTable { module: "user", columns: COLUMNS, alias_all: &[], alias_list: &[] };
