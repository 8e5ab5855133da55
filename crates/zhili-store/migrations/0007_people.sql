-- People, houses, key groups and visits (GB/T 31000 data modules). Identity numbers and
-- phones are stored only sealed (AEAD, key outside the database) and masked; exact lookup
-- goes through a keyed blind index (HMAC), so the plain number is nowhere in the file.
CREATE TABLE houses (
    id {id},
    code TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    grid_code TEXT NOT NULL,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    usage TEXT NOT NULL,
    rented BIGINT NOT NULL DEFAULT 0,
    hazards TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX houses_grid ON houses (grid_code);

CREATE TABLE people (
    id {id},
    id_type TEXT NOT NULL,
    id_blind TEXT NOT NULL,
    id_sealed TEXT NOT NULL,
    id_masked TEXT NOT NULL,
    name TEXT NOT NULL,
    sex TEXT,
    birth_date TEXT,
    phone_sealed TEXT,
    phone_masked TEXT,
    population_type TEXT NOT NULL,
    house_id BIGINT REFERENCES houses (id),
    grid_code TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    UNIQUE (id_blind, id_type)
);
CREATE INDEX people_grid ON people (grid_code, id);
CREATE INDEX people_name ON people (name);
CREATE INDEX people_house ON people (house_id);

CREATE TABLE key_roles (
    person_id BIGINT NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL,
    risk_level BIGINT,
    visit_every_days BIGINT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}',
    since BIGINT NOT NULL,
    last_visit_at BIGINT,
    next_visit_due BIGINT NOT NULL,
    grid_code TEXT NOT NULL,
    PRIMARY KEY (person_id, kind)
);
CREATE INDEX key_roles_due ON key_roles (next_visit_due, grid_code);
CREATE INDEX key_roles_grid ON key_roles (grid_code, kind);

CREATE TABLE visits (
    id {id},
    person_id BIGINT NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    place TEXT NOT NULL,
    findings TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',
    visitor TEXT NOT NULL,
    grid_code TEXT NOT NULL
);
CREATE INDEX visits_person ON visits (person_id, at);
