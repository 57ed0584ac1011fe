-- The built-in mail store: mailboxes per user and the messages in them. Message bytes live
-- in the blob store (blob_key); the header fields the lists sort and search on are copied
-- into columns when a message is stored.

CREATE TABLE mail_boxes (
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    full_name TEXT NOT NULL,
    -- standard_folder_type: 7 INBOX, 9 Drafts, 10 Sent, 11 Spam, 12 Trash, 0 other
    special_use BIGINT NOT NULL DEFAULT 0,
    subscribed BOOLEAN NOT NULL DEFAULT TRUE,
    uidvalidity BIGINT NOT NULL,
    uidnext BIGINT NOT NULL DEFAULT 1,
    last_modified BIGINT NOT NULL,
    PRIMARY KEY (cid, user_id, id),
    UNIQUE (cid, user_id, full_name)
);

CREATE TABLE mail_messages (
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    mailbox_id BIGINT NOT NULL,
    uid BIGINT NOT NULL,
    blob_key TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- OX flag bits (system flags and the keyword-backed bits 128/256/512)
    flags BIGINT NOT NULL DEFAULT 0,
    -- other keywords, space separated with a leading and trailing space (' a b ')
    keywords TEXT NOT NULL DEFAULT ' ',
    color_label BIGINT NOT NULL DEFAULT 0,
    received_date BIGINT NOT NULL,
    sent_date BIGINT,
    subject TEXT NOT NULL DEFAULT '',
    -- lower-case subject without reply/forward prefixes, for sorting
    subject_sort TEXT NOT NULL DEFAULT '',
    -- address lists as JSON arrays of [name, address]
    from_addr TEXT NOT NULL DEFAULT '[]',
    to_addr TEXT NOT NULL DEFAULT '[]',
    cc_addr TEXT NOT NULL DEFAULT '[]',
    bcc_addr TEXT NOT NULL DEFAULT '[]',
    reply_to_addr TEXT NOT NULL DEFAULT '[]',
    -- lower-case display text of the first address, for sorting
    from_sort TEXT NOT NULL DEFAULT '',
    to_sort TEXT NOT NULL DEFAULT '',
    cc_sort TEXT NOT NULL DEFAULT '',
    message_id TEXT,
    in_reply_to TEXT,
    -- message ids of References, space separated
    refs TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT 'text/plain',
    has_attachment BOOLEAN NOT NULL DEFAULT FALSE,
    priority BIGINT NOT NULL DEFAULT 3,
    disp_notification_to TEXT,
    -- the raw header block (for header-name columns and header search)
    header_block TEXT NOT NULL DEFAULT '',
    -- start of the decoded text body (for body search)
    body_text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (cid, user_id, mailbox_id, uid)
);

CREATE INDEX mail_messages_received ON mail_messages (cid, user_id, mailbox_id, received_date);
CREATE INDEX mail_messages_msgid ON mail_messages (cid, user_id, message_id);
