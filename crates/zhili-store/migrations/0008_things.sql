-- City components (部件) and cameras (雪亮工程): points in grids with a state; cameras also
-- what they cover and when they were last seen online.
CREATE TABLE things (
    id {id},
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    class TEXT NOT NULL DEFAULT '',
    subclass TEXT NOT NULL DEFAULT '',
    grid_code TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    department TEXT,
    state TEXT NOT NULL,
    coverage TEXT,
    last_seen BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX things_kind_grid ON things (kind, grid_code, state);
