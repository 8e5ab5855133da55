-- The event closed loop: reference data (versioned), events, the units on each event, and
-- the record of each timed step. {id} as in 0001.

-- Categories: an edit closes the current version and adds the next; running cases keep
-- the limits they were given at intake (copied onto the event).
CREATE TABLE categories (
    id {id},
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    major TEXT NOT NULL,
    minor TEXT NOT NULL,
    matter_class TEXT NOT NULL,
    urgent BIGINT NOT NULL,
    accept_hours DOUBLE PRECISION NOT NULL,
    handle_hours DOUBLE PRECISION NOT NULL,
    lead TEXT NOT NULL,
    opens_dispute BIGINT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    UNIQUE (code, version)
);
CREATE UNIQUE INDEX categories_current ON categories (code) WHERE valid_to IS NULL;

-- Ordered dispatch rules: category prefix x region subtree -> lead + assisting units.
CREATE TABLE dispatch_rules (
    id {id},
    position BIGINT NOT NULL,
    category_prefix TEXT NOT NULL,
    region_code TEXT NOT NULL,
    lead TEXT NOT NULL,
    assisting TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT
);

-- Holidays and make-up working days (the working hours of a day are in meta 'working_hours').
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);

-- The daily sequence behind case numbers (500114-20261127-00042).
CREATE TABLE case_counters (
    day TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);

CREATE TABLE events (
    id {id},
    case_number TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    category_version BIGINT NOT NULL,
    description TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    grid_code TEXT NOT NULL,
    village_code TEXT NOT NULL,
    town_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    reported_at BIGINT NOT NULL,
    reporter_name TEXT,
    -- The phone is stored only encrypted (AEAD) and, for lists, masked.
    reporter_phone_enc TEXT,
    reporter_phone_masked TEXT,
    duplicate_of BIGINT,
    merged_into BIGINT,
    status TEXT NOT NULL,
    matter_class TEXT NOT NULL,
    owner TEXT NOT NULL,
    lead_unit TEXT,
    limit_register BIGINT NOT NULL,
    limit_dispatch BIGINT NOT NULL,
    limit_take_up BIGINT NOT NULL,
    limit_handle BIGINT NOT NULL,
    limit_verify BIGINT NOT NULL,
    limit_close BIGINT NOT NULL,
    clock TEXT NOT NULL,
    step_started BIGINT,
    step_due BIGINT,
    deferred_from TEXT,
    remaining_ms BIGINT,
    pending_extension_ms BIGINT,
    closed_at BIGINT,
    returns BIGINT NOT NULL DEFAULT 0,
    reworks BIGINT NOT NULL DEFAULT 0,
    escalations BIGINT NOT NULL DEFAULT 0,
    supervision_level BIGINT NOT NULL DEFAULT 0,
    extensions BIGINT NOT NULL DEFAULT 0,
    deferrals BIGINT NOT NULL DEFAULT 0,
    reopens BIGINT NOT NULL DEFAULT 0,
    satisfaction BIGINT,
    -- 1 once any handling step was completed after its due time (for 按期结案率).
    handle_late BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX events_grid ON events (grid_code, status);
CREATE INDEX events_town ON events (town_code, status);
CREATE INDEX events_status_due ON events (status, step_due);
CREATE INDEX events_reported ON events (reported_at);
CREATE INDEX events_category_place ON events (category, reported_at, lat, lon);
CREATE INDEX events_lead ON events (lead_unit, status);

-- Assisting units (the lead is on the event row), for department scoping.
CREATE TABLE event_units (
    event_id BIGINT NOT NULL REFERENCES events (id),
    unit_id TEXT NOT NULL,
    PRIMARY KEY (event_id, unit_id)
);
CREATE INDEX event_units_unit ON event_units (unit_id);

-- Each completed timed step: its due time and whether it was done in time.
CREATE TABLE event_steps (
    event_id BIGINT NOT NULL REFERENCES events (id),
    seq BIGINT NOT NULL,
    step TEXT NOT NULL,
    unit TEXT,
    due BIGINT NOT NULL,
    done_at BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    PRIMARY KEY (event_id, seq)
);
