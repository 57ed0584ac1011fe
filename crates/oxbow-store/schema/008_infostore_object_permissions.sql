-- Per-item permissions of Drive items (`object_permissions`): a user or group may read
-- (bits 1), change (2) or also delete (4) one item without rights on its folder.
CREATE TABLE infostore_object_permissions (
    cid BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    entity BIGINT NOT NULL,
    is_group BOOLEAN NOT NULL,
    bits BIGINT NOT NULL,
    PRIMARY KEY (cid, item_id, entity, is_group)
);
CREATE INDEX infostore_object_permissions_entity ON infostore_object_permissions (cid, entity, is_group);
