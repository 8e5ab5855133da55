-- Dispute mediation (人民调解): committees, their rooms with the star history, mediators, cases
-- with their parties (identifiers sealed and blind-indexed as residents' are), the mediators on
-- each case, and each case's steps (sessions with minutes and attendees, the agreement …).
CREATE TABLE mediation_committees (
    id {id},
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    trade TEXT,
    region_code TEXT NOT NULL,
    unit_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX mediation_committees_region ON mediation_committees (region_code);

CREATE TABLE mediation_rooms (
    id {id},
    committee_id BIGINT NOT NULL REFERENCES mediation_committees (id),
    name TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL,
    stars BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX mediation_rooms_committee ON mediation_rooms (committee_id);

-- A room's star level year by year: how it was reached (the criteria's values as JSON) and who
-- decided it.
CREATE TABLE mediation_room_stars (
    room_id BIGINT NOT NULL REFERENCES mediation_rooms (id),
    year BIGINT NOT NULL,
    stars BIGINT NOT NULL,
    score DOUBLE PRECISION,
    basis TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, year)
);

CREATE TABLE mediators (
    id {id},
    committee_id BIGINT NOT NULL REFERENCES mediation_committees (id),
    name TEXT NOT NULL,
    grade TEXT NOT NULL,
    specialities TEXT NOT NULL DEFAULT '',
    region_code TEXT NOT NULL,
    full_time BIGINT NOT NULL DEFAULT 0,
    username TEXT,
    phone_sealed TEXT,
    phone_masked TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE INDEX mediators_committee ON mediators (committee_id, id);
CREATE INDEX mediators_username ON mediators (username);

CREATE TABLE mediation_cases (
    id {id},
    number TEXT NOT NULL UNIQUE,
    committee_id BIGINT NOT NULL REFERENCES mediation_committees (id),
    room_id BIGINT REFERENCES mediation_rooms (id),
    region_code TEXT NOT NULL,
    category TEXT NOT NULL,
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    facts TEXT NOT NULL,
    event_id BIGINT,
    units TEXT NOT NULL DEFAULT '',
    consents TEXT NOT NULL,
    sessions BIGINT NOT NULL DEFAULT 0,
    limits TEXT NOT NULL,
    step_started BIGINT,
    due BIGINT,
    clock TEXT NOT NULL,
    extensions BIGINT NOT NULL DEFAULT 0,
    agreement_form TEXT,
    agreed_at BIGINT,
    terms TEXT,
    confirmation TEXT,
    confirm_applied_at BIGINT,
    confirm_ruled_at BIGINT,
    referral TEXT,
    closed_at BIGINT,
    repeat_of BIGINT,
    registered_by TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX mediation_cases_region ON mediation_cases (region_code, registered_at);
CREATE INDEX mediation_cases_registered ON mediation_cases (registered_at, id);
CREATE INDEX mediation_cases_status ON mediation_cases (status, due);
CREATE INDEX mediation_cases_committee ON mediation_cases (committee_id, registered_at);
CREATE INDEX mediation_cases_event ON mediation_cases (event_id);
CREATE INDEX mediation_cases_repeat ON mediation_cases (repeat_of);

CREATE TABLE mediation_parties (
    case_id BIGINT NOT NULL REFERENCES mediation_cases (id),
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    id_blind TEXT,
    id_sealed TEXT,
    id_masked TEXT,
    phone_sealed TEXT,
    phone_masked TEXT,
    person_id BIGINT,
    house_id BIGINT,
    address TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, seq)
);
CREATE INDEX mediation_parties_blind ON mediation_parties (id_blind);
CREATE INDEX mediation_parties_person ON mediation_parties (person_id);
CREATE INDEX mediation_parties_house ON mediation_parties (house_id);

CREATE TABLE mediation_case_mediators (
    case_id BIGINT NOT NULL REFERENCES mediation_cases (id),
    mediator_id BIGINT NOT NULL REFERENCES mediators (id),
    PRIMARY KEY (case_id, mediator_id)
);
CREATE INDEX mediation_case_mediators_mediator ON mediation_case_mediators (mediator_id, case_id);

CREATE TABLE mediation_steps (
    id {id},
    case_id BIGINT NOT NULL REFERENCES mediation_cases (id),
    step TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX mediation_steps_case ON mediation_steps (case_id, id);

-- Documents generated from a case (the application, the agreement, the application for
-- judicial confirmation): kept sealed as generated (they carry the parties' identifiers), their
-- SHA-256 also in the record.
CREATE TABLE mediation_documents (
    id {id},
    case_id BIGINT NOT NULL REFERENCES mediation_cases (id),
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    sealed TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX mediation_documents_case ON mediation_documents (case_id, id);

-- The star review's criteria as the district sets them (JSON), each edit a new version.
CREATE TABLE mediation_criteria (
    version BIGINT PRIMARY KEY,
    criteria TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
