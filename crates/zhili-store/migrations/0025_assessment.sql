-- The pilot's assessment schemes (考核方案), one per year and group of units (towns,
-- departments), kept as versions: each edit a new row (the scheme as JSON) with who set it;
-- the latest in force until the year's results are published.
CREATE TABLE assessment_schemes (
    year BIGINT NOT NULL,
    unit_group TEXT NOT NULL,
    version BIGINT NOT NULL,
    scheme TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (year, unit_group, version)
);
