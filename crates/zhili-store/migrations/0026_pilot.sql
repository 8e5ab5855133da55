-- The pilot's organisation ("1+5+29+N"), kept as versions: each edit a new row (the
-- organisation as JSON) with who set it; the latest in force.
CREATE TABLE pilot_organisations (
    version BIGINT PRIMARY KEY,
    organisation TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

-- Key tasks (重点任务) of a year, each owned by a task force of the organisation.
CREATE TABLE pilot_tasks (
    id {id},
    year BIGINT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    task_force TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX pilot_tasks_code ON pilot_tasks (year, code);

-- A task's yearly targets: lead unit, weight, due day (days since 1970-01-01) and the lead's
-- latest percentage; changed only at the version read.
CREATE TABLE pilot_targets (
    id {id},
    task_id BIGINT NOT NULL,
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    lead_unit TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    due_day BIGINT NOT NULL,
    percent DOUBLE PRECISION NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX pilot_targets_task ON pilot_targets (task_id);
CREATE INDEX pilot_targets_year ON pilot_targets (year, due_day);

-- Which units a target is theirs (the lead and each partner): a unit's reads go by it.
CREATE TABLE pilot_target_units (
    unit_id TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    lead BIGINT NOT NULL,
    PRIMARY KEY (unit_id, target_id)
);
CREATE INDEX pilot_target_units_target ON pilot_target_units (target_id);

-- A target's milestones in day order, done on a day once the lead reports them done.
CREATE TABLE pilot_milestones (
    target_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    title TEXT NOT NULL,
    due_day BIGINT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    done_on BIGINT,
    PRIMARY KEY (target_id, seq)
);

-- Progress reports (进展报送): the unit's note, the lead's percentage and milestones done,
-- evidence (photo ids and links as JSON), who and when.
CREATE TABLE pilot_progress (
    id {id},
    target_id BIGINT NOT NULL,
    unit_id TEXT NOT NULL,
    percent DOUBLE PRECISION,
    milestones_done TEXT NOT NULL,
    note TEXT NOT NULL,
    photos TEXT NOT NULL,
    links TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at BIGINT NOT NULL
);
CREATE INDEX pilot_progress_target ON pilot_progress (target_id, reported_at);
