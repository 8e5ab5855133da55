-- Regions, units, users, tokens and the action chain.
-- {id} is the auto-numbered key: INTEGER PRIMARY KEY on SQLite, BIGSERIAL PRIMARY KEY on PostgreSQL.
-- Timestamps are Unix milliseconds (BIGINT); booleans are 0/1 BIGINT; both read the same on both engines.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every version of every region. The current version has valid_to NULL; a boundary change
-- closes it and adds version + 1, so history is never rewritten.
CREATE TABLE regions (
    id {id},
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_code TEXT,
    geometry TEXT,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    UNIQUE (code, version)
);
CREATE UNIQUE INDEX regions_current_code ON regions (code) WHERE valid_to IS NULL;
CREATE INDEX regions_current_level ON regions (level, code) WHERE valid_to IS NULL;
CREATE INDEX regions_current_parent ON regions (parent_code) WHERE valid_to IS NULL;

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    region_code TEXT NOT NULL
);
CREATE INDEX units_kind ON units (kind, id);

CREATE TABLE users (
    id {id},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id TEXT REFERENCES units (id),
    region_code TEXT NOT NULL,
    department TEXT,
    password_hash TEXT NOT NULL,
    failed_count BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    created_at BIGINT NOT NULL
);

-- Bearer tokens are stored only as SHA-256 hashes.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX tokens_user ON tokens (user_id);

-- The hash-chained record of every state change, and the head the next append links to.
CREATE TABLE actions (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    unit TEXT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    opinion TEXT,
    attachments TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX actions_subject ON actions (subject, seq);

CREATE TABLE chain_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
INSERT INTO meta (key, value) VALUES ('regions_generation', '0');
