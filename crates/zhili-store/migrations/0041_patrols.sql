-- "1+X" joint defence (大院联防): compounds with their lead unit and member households and
-- units; patrol routes of checkpoints (JSON of the domain's, with a QR code each); shifts of a
-- team on a route; check-ins as the phone sent them, with what was doubtful about them, and the
-- event a finding raised.
CREATE TABLE compounds (
    id {id},
    village_code TEXT NOT NULL,
    name TEXT NOT NULL,
    lead_unit TEXT NOT NULL,
    members TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX compounds_village ON compounds (village_code, id);

CREATE TABLE patrol_routes (
    id {id},
    compound_id BIGINT NOT NULL REFERENCES compounds (id),
    name TEXT NOT NULL,
    checkpoints TEXT NOT NULL,
    codes TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX patrol_routes_compound ON patrol_routes (compound_id);

CREATE TABLE patrol_shifts (
    id {id},
    route_id BIGINT NOT NULL REFERENCES patrol_routes (id),
    village_code TEXT NOT NULL,
    team TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    ended_at BIGINT,
    missed TEXT,
    created_by TEXT NOT NULL
);
CREATE INDEX patrol_shifts_village ON patrol_shifts (village_code, starts_at);

CREATE TABLE patrol_checkins (
    id {id},
    shift_id BIGINT NOT NULL REFERENCES patrol_shifts (id),
    checkpoint BIGINT NOT NULL,
    at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    accuracy_m DOUBLE PRECISION NOT NULL,
    mock_hint BIGINT NOT NULL,
    scanned BIGINT NOT NULL,
    flags TEXT NOT NULL,
    by_user TEXT NOT NULL,
    event_id BIGINT
);
CREATE INDEX patrol_checkins_shift ON patrol_checkins (shift_id, id);
