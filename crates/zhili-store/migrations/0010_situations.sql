-- Situations (社情民意): notes about an area with a sensitivity level (1 一般, 2 内部, 3 敏感)
-- and tags stored as '|a|b|'. Links tie notes and events to the people, places, things and
-- events they concern, and are read from either end.
CREATE TABLE situations (
    id {id},
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    sensitivity BIGINT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL,
    unit TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX situations_region ON situations (region_code, created_at);

CREATE TABLE links (
    source TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    target TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    PRIMARY KEY (source, source_id, target, target_id)
);
CREATE INDEX links_target ON links (target, target_id, source);
