-- Drive (infostore) items and their versions, PIM attachments, temporary uploads, and the
-- reference-counted blobs behind all of them.

-- One row per stored blob. Identical content (same SHA-256 and size) is stored once and
-- shared; `refcount` counts the versions/attachments/temporary files using it. A row with
-- refcount 0 and empty sha256 is an upload in progress; stale ones are swept.
CREATE TABLE blobs (
    blob_key TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    md5 TEXT NOT NULL,
    refcount BIGINT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX blobs_content ON blobs (sha256, size);

CREATE TABLE infostore_items (
    cid BIGINT NOT NULL,
    id BIGINT NOT NULL,
    folder_id BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    modified_by BIGINT NOT NULL,
    creation_date BIGINT NOT NULL,
    last_modified BIGINT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    categories TEXT NOT NULL DEFAULT '',
    color_label BIGINT NOT NULL DEFAULT 0,
    -- the current version (0 = no file yet) and the highest number ever issued
    version BIGINT NOT NULL DEFAULT 0,
    last_version BIGINT NOT NULL DEFAULT 0,
    -- copied from the current version so that listings read one table
    filename TEXT NOT NULL DEFAULT '',
    file_size BIGINT NOT NULL DEFAULT 0,
    file_mimetype TEXT NOT NULL DEFAULT '',
    file_md5sum TEXT NOT NULL DEFAULT '',
    version_comment TEXT NOT NULL DEFAULT '',
    locked_until BIGINT NOT NULL DEFAULT 0,
    locked_by BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (cid, id)
);
CREATE INDEX infostore_items_folder ON infostore_items (cid, folder_id, last_modified);
CREATE INDEX infostore_items_name ON infostore_items (cid, folder_id, filename);

CREATE TABLE infostore_versions (
    cid BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    filename TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    file_mimetype TEXT NOT NULL,
    file_md5sum TEXT NOT NULL,
    version_comment TEXT NOT NULL DEFAULT '',
    blob_key TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    creation_date BIGINT NOT NULL,
    PRIMARY KEY (cid, item_id, version)
);

-- Recorded sharing notifications (`infostore?action=notify`).
CREATE TABLE infostore_notifications (
    cid BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    sender BIGINT NOT NULL,
    entity BIGINT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created BIGINT NOT NULL
);

CREATE TABLE attachments (
    cid BIGINT NOT NULL,
    id BIGINT NOT NULL,
    -- 1 appointment, 4 task, 7 contact, 137 infostore
    module BIGINT NOT NULL,
    folder_id BIGINT NOT NULL,
    attached BIGINT NOT NULL,
    filename TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    file_mimetype TEXT NOT NULL,
    rtf_flag BOOLEAN NOT NULL DEFAULT FALSE,
    blob_key TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    creation_date BIGINT NOT NULL,
    PRIMARY KEY (cid, id)
);
CREATE INDEX attachments_object ON attachments (cid, module, attached);

-- `file?action=new` uploads: kept while clients call keepalive, swept when expired.
CREATE TABLE temp_files (
    id TEXT PRIMARY KEY,
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    filename TEXT NOT NULL,
    mimetype TEXT NOT NULL,
    size BIGINT NOT NULL,
    blob_key TEXT NOT NULL,
    expires BIGINT NOT NULL
);
CREATE INDEX temp_files_expiry ON temp_files (expires);
