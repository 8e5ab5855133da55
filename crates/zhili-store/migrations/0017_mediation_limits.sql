-- Mediation's time limits as the district sets them (`settle_ms,clock,confirm_ms,follow_up_ms,
-- max_extensions`), each edit a new version; a case copies the limits in force when it opens.
CREATE TABLE mediation_limits (
    version BIGINT PRIMARY KEY,
    limits TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

-- What a case list is searched by (its title, number and parties' names), in one column; and a
-- subcategory's cases by their index.
ALTER TABLE mediation_cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
CREATE INDEX mediation_cases_category ON mediation_cases (category, registered_at);
