-- Reviewers' entries in a year's assessment (评审评分): a reviewer-scored item's score or a
-- figure the system does not count (subject `figure:<name>`), each with its basis, evidence
-- photos (JSON) and the sequence and hash of the reviewer's recorded action (the signature);
-- a new entry for the same unit and subject supersedes the last, which stays.
CREATE TABLE assessment_reviews (
    id {id},
    year BIGINT NOT NULL,
    unit_group TEXT NOT NULL,
    unit TEXT NOT NULL,
    subject TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    basis TEXT NOT NULL,
    photos TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    reviewer_name TEXT NOT NULL,
    reviewed_at BIGINT NOT NULL,
    action_seq BIGINT NOT NULL,
    action_hash TEXT NOT NULL
);
CREATE INDEX assessment_reviews_year ON assessment_reviews (year, unit_group, id);

-- Appeals (申诉) against a line of a published sheet: filed by the unit, decided once by the
-- pilot office (upheld with the corrected score, or rejected), beside the frozen result.
CREATE TABLE assessment_appeals (
    id {id},
    year BIGINT NOT NULL,
    unit_group TEXT NOT NULL,
    unit TEXT NOT NULL,
    item TEXT NOT NULL,
    published_score DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    photos TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_by_name TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    upheld BIGINT,
    corrected_score DOUBLE PRECISION,
    decision_reason TEXT,
    decided_by TEXT,
    decided_by_name TEXT,
    decided_at BIGINT
);
CREATE INDEX assessment_appeals_year ON assessment_appeals (year, unit_group, unit);
