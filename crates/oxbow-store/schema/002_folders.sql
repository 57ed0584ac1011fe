-- The folder tree of the groupware modules and its permissions (mail folders live in the
-- mail backends and are merged into the tree by the folders service).

CREATE TABLE folders (
    cid BIGINT NOT NULL,
    id BIGINT NOT NULL,
    parent BIGINT NOT NULL,
    -- tasks, calendar, contacts, infostore, system
    module TEXT NOT NULL,
    -- 1 private, 2 public, 5 system, 16 trash, 20-24 infostore media folders
    type BIGINT NOT NULL,
    title TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    modified_by BIGINT NOT NULL,
    creation_date BIGINT NOT NULL,
    last_modified BIGINT NOT NULL,
    standard_folder_type BIGINT NOT NULL DEFAULT 0,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (cid, id)
);
CREATE INDEX folders_parent ON folders (cid, parent);
CREATE INDEX folders_owner_module ON folders (cid, created_by, module);

CREATE TABLE folder_permissions (
    cid BIGINT NOT NULL,
    folder_id BIGINT NOT NULL,
    entity BIGINT NOT NULL,
    is_group BOOLEAN NOT NULL,
    bits BIGINT NOT NULL,
    PRIMARY KEY (cid, folder_id, entity, is_group)
);
CREATE INDEX folder_permissions_entity ON folder_permissions (cid, entity, is_group);

-- Per-user subscription state (absent row = subscribed).
CREATE TABLE folder_subscriptions (
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    folder_id TEXT NOT NULL,
    subscribed BOOLEAN NOT NULL,
    PRIMARY KEY (cid, user_id, folder_id)
);
