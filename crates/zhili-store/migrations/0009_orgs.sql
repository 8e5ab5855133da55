-- Organisations and sites: enterprises, social organisations, schools, hospitals,
-- hazardous-chemical sites, delivery/logistics points. The contact's phone is sealed.
CREATE TABLE orgs (
    id {id},
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    address TEXT NOT NULL,
    grid_code TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone_sealed TEXT,
    contact_phone_masked TEXT,
    staff BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX orgs_kind_grid ON orgs (kind, grid_code);
CREATE INDEX orgs_grid ON orgs (grid_code);
