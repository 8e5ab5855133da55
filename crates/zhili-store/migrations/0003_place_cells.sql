-- Duplicate suggestions look up (category, place cell, time) exactly instead of scanning
-- every recent report of the category. Cells are computed in Rust (zhili_domain::place):
-- the engines disagree on rounding, so existing rows are filled by the migration's code.
ALTER TABLE events ADD COLUMN place_cell BIGINT;
CREATE INDEX events_near ON events (category, place_cell, reported_at);
DROP INDEX events_category_place;
