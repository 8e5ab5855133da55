-- A year's published assessment result per group of units: the scores frozen as JSON when the
-- pilot office publishes them; the scheme and the year's plan are closed to changes after it.
CREATE TABLE assessment_results (
    year BIGINT NOT NULL,
    unit_group TEXT NOT NULL,
    scheme_version BIGINT NOT NULL,
    results TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (year, unit_group)
);
