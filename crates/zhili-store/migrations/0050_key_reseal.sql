-- A data key rotation's progress, per table: the last row (in key order) the re-seal under key
-- `key_id` has passed, how many values it sealed again, and when a pass from the start found
-- none left under an older key. A restarted server resumes from here.
CREATE TABLE key_reseal (
    key_id BIGINT NOT NULL,
    table_name TEXT NOT NULL,
    after_a BIGINT,
    after_b BIGINT,
    resealed BIGINT NOT NULL DEFAULT 0,
    done_at BIGINT,
    PRIMARY KEY (key_id, table_name)
);
