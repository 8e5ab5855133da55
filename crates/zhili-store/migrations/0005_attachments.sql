-- Photos, stored once per content (SHA-256 of the bytes) in the database itself, so every
-- server of a PostgreSQL deployment sees the same files and a backup holds them all.
-- {blob} is BLOB on SQLite and BYTEA on PostgreSQL.
CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    bytes {blob} NOT NULL
);

-- Which events show which photos (intake photos and evidence of later steps): who may see
-- an event may see its photos.
CREATE TABLE event_attachments (
    event_id BIGINT NOT NULL REFERENCES events (id),
    sha256 TEXT NOT NULL REFERENCES attachments (sha256),
    PRIMARY KEY (sha256, event_id)
);
CREATE INDEX event_attachments_event ON event_attachments (event_id);
