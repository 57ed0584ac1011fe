-- Share notifications asked for by folders?action=notify (and new/update with a
-- "notification" object); the mail transport delivers and marks them sent.
CREATE TABLE folder_notifications (
    cid BIGINT NOT NULL,
    folder_id BIGINT NOT NULL,
    sender BIGINT NOT NULL,
    entity BIGINT NOT NULL,
    is_group BOOLEAN NOT NULL,
    message TEXT NOT NULL,
    created BIGINT NOT NULL,
    sent BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX folder_notifications_pending ON folder_notifications (cid, sent);
CREATE INDEX tombstones_folders ON tombstones (cid, module, object_id);
