-- Units' monthly reports on their part of the pilot: the sections they write, the figures the
-- draft was made from (JSON, frozen when submitted), the state (draft, submitted, returned) at a
-- version, who saved, submitted or returned it and when.
CREATE TABLE pilot_monthly_reports (
    unit_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    month BIGINT NOT NULL,
    state TEXT NOT NULL,
    done TEXT NOT NULL,
    problems TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    figures TEXT NOT NULL,
    version BIGINT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_by_name TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    submitted_at BIGINT,
    returned_reason TEXT,
    returned_by_name TEXT,
    returned_at BIGINT,
    PRIMARY KEY (unit_id, year, month)
);
CREATE INDEX pilot_monthly_reports_month ON pilot_monthly_reports (year, month);
