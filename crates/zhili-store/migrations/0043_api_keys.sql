-- API keys of the departments' systems: the part lists show (zk_<id>) and the key's SHA-256,
-- never the key; the scopes it was issued with (channels and reads as words, space-separated;
-- the area), its lifetime, its revocation, when it was last used, and the key it succeeded.
CREATE TABLE api_keys (
    id {id},
    unit_id TEXT NOT NULL,
    name TEXT NOT NULL,
    public_part TEXT NOT NULL UNIQUE,
    digest TEXT NOT NULL UNIQUE,
    channels TEXT NOT NULL,
    reads TEXT NOT NULL,
    area_code TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT,
    rotated_from BIGINT
);
CREATE INDEX api_keys_unit ON api_keys (unit_id, id);
