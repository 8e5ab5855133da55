-- The acceptance checklist's requirements as the district answers them: the unit's claim with
-- its note and evidence photos (JSON), the reviewer's verdict with its note, at a version.
CREATE TABLE checklist_entries (
    code TEXT PRIMARY KEY,
    claim TEXT,
    claim_note TEXT,
    photos TEXT NOT NULL,
    claimed_by_name TEXT,
    claimed_at BIGINT,
    verdict TEXT,
    verdict_note TEXT,
    reviewed_by_name TEXT,
    reviewed_at BIGINT,
    version BIGINT NOT NULL
);
