-- Quarterly inspections (督查) of the pilot: what was found is a task of its own (task_id, its
-- task force empty) whose targets are the rectifications, each owned by the unit at fault.
CREATE TABLE pilot_inspections (
    id {id},
    year BIGINT NOT NULL,
    quarter BIGINT NOT NULL,
    title TEXT NOT NULL,
    held_on BIGINT NOT NULL,
    inspectors TEXT NOT NULL,
    summary TEXT NOT NULL,
    task_id BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX pilot_inspections_year ON pilot_inspections (year, held_on);
