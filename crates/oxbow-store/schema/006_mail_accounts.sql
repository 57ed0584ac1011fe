-- External mail accounts of a user (the primary account, id 0, comes from the configuration).
-- Passwords are stored sealed (AEAD, key outside the database), never in clear text.

CREATE TABLE mail_accounts (
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    primary_address TEXT NOT NULL,
    login TEXT NOT NULL,
    password_sealed TEXT NOT NULL DEFAULT '',
    mail_protocol TEXT NOT NULL DEFAULT 'imap',
    mail_server TEXT NOT NULL,
    mail_port BIGINT NOT NULL,
    mail_secure BOOLEAN NOT NULL DEFAULT FALSE,
    mail_starttls BOOLEAN NOT NULL DEFAULT FALSE,
    transport_server TEXT NOT NULL DEFAULT '',
    transport_port BIGINT NOT NULL DEFAULT 25,
    transport_secure BOOLEAN NOT NULL DEFAULT FALSE,
    transport_starttls BOOLEAN NOT NULL DEFAULT FALSE,
    -- mail | custom | none
    transport_auth TEXT NOT NULL DEFAULT 'mail',
    transport_login TEXT NOT NULL DEFAULT '',
    transport_password_sealed TEXT NOT NULL DEFAULT '',
    -- The remaining MailAccountData fields (folder names, personal, reply_to, meta, ...) as
    -- a JSON object.
    settings TEXT NOT NULL DEFAULT '{}',
    last_modified BIGINT NOT NULL,
    PRIMARY KEY (cid, user_id, id)
);
