-- The district's grouping of departments into sector assessments (行业研判), kept as versions
-- like the indicator catalogue: each edit a new row (a JSON array), the latest in force, the
-- shipped grouping until the district keeps its own.
CREATE TABLE risk_sector_versions (
    version BIGINT PRIMARY KEY,
    sectors TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
