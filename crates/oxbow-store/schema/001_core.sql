-- Contexts, users, groups, resources, sessions, settings: the foundation tables.
-- Portable SQL for SQLite and PostgreSQL (see src/db.rs for the rules).

CREATE TABLE contexts (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- last issued timestamp; strictly increasing per context (see Store::next_timestamp)
    last_ts BIGINT NOT NULL DEFAULT 0,
    quota_bytes BIGINT,
    created BIGINT NOT NULL
);

-- per-context id sequences (OX object ids are per context)
CREATE TABLE sequences (
    cid BIGINT NOT NULL,
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (cid, name)
);

CREATE TABLE users (
    cid BIGINT NOT NULL,
    id BIGINT NOT NULL,
    login TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    given_name TEXT NOT NULL DEFAULT '',
    sur_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT 'en_US',
    timezone TEXT NOT NULL DEFAULT 'UTC',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    is_context_admin BOOLEAN NOT NULL DEFAULT FALSE,
    contact_id BIGINT,
    created BIGINT NOT NULL,
    last_modified BIGINT NOT NULL,
    PRIMARY KEY (cid, id),
    UNIQUE (cid, login)
);

CREATE TABLE user_attributes (
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (cid, user_id, name)
);

CREATE TABLE groups (
    cid BIGINT NOT NULL,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_modified BIGINT NOT NULL,
    PRIMARY KEY (cid, id),
    UNIQUE (cid, name)
);

CREATE TABLE group_members (
    cid BIGINT NOT NULL,
    group_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (cid, group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (cid, user_id);

CREATE TABLE resources (
    cid BIGINT NOT NULL,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    mail TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    available BOOLEAN NOT NULL DEFAULT TRUE,
    created BIGINT NOT NULL,
    last_modified BIGINT NOT NULL,
    PRIMARY KEY (cid, id),
    UNIQUE (cid, name)
);

-- Deleted objects of every module, for the `updates` actions (ids as text: mail/folder ids are strings).
CREATE TABLE tombstones (
    cid BIGINT NOT NULL,
    module TEXT NOT NULL,
    folder_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    deleted_by BIGINT NOT NULL,
    last_modified BIGINT NOT NULL
);
CREATE INDEX tombstones_by_time ON tombstones (cid, module, last_modified);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    alt_id TEXT NOT NULL UNIQUE,
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    login TEXT NOT NULL,
    client TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    auth_id TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    long_term BOOLEAN NOT NULL DEFAULT FALSE,
    created BIGINT NOT NULL,
    last_active BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (cid, user_id);

-- One-time tokens: redirect random tokens, tokenLogin server/client tokens, acquireToken tokens.
CREATE TABLE login_tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    session_id TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '',
    expires BIGINT NOT NULL
);

-- Per-user JSON documents: jslob entries and the writable parts of the config tree.
CREATE TABLE user_settings (
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (cid, user_id, kind, key)
);
