-- Two indexes of the events that others already serve, dropped: every report wrote them both.
-- `events_today (reported_at, status, village_code, lead_unit)` begins with `reported_at`, so it
-- serves every read `events_reported` did; `events_category_day (category, reported_at,
-- grid_code, channel)` serves every read by category and time `events_category_place` did (the
-- duplicate search reads `events_near`, by place cell).
DROP INDEX IF EXISTS events_reported;
DROP INDEX IF EXISTS events_category_place;
