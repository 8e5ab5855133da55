-- Running totals for the dashboard, kept in the same transaction as every event write, so a
-- district summary over a million events reads a few hundred rows instead of a million.
-- Each event counts at its village and its town (levels 'village' and 'town', lead unit ''),
-- and, once it has a lead unit, under that unit at its town and its district ('town-lead',
-- 'district-lead'): a district summary reads its town rows and its district-lead rows of the
-- departments, a town summary its village rows and its town-lead rows. {clustered} keeps the
-- rows in key order on SQLite (no lookup from index to table).
-- What depends on the clock (overdue now, reported today) is read live through the two
-- covering indexes below, whose ranges hold only overdue or today's events.
CREATE TABLE event_counts (
    level TEXT NOT NULL,
    area_code TEXT NOT NULL,
    lead_unit TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    -- never handled late
    on_time BIGINT NOT NULL,
    -- reworked at least once
    reworked BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    -- rated 4 or 5
    satisfied BIGINT NOT NULL,
    PRIMARY KEY (level, area_code, lead_unit, status)
){clustered};
INSERT INTO event_counts (level, area_code, lead_unit, status, n, on_time, reworked, rated, satisfied)
SELECT 'village', village_code, '', status, COUNT(*),
       SUM(CASE WHEN handle_late = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN reworks > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END)
FROM events GROUP BY village_code, status;
INSERT INTO event_counts (level, area_code, lead_unit, status, n, on_time, reworked, rated, satisfied)
SELECT 'town', town_code, '', status, COUNT(*),
       SUM(CASE WHEN handle_late = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN reworks > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END)
FROM events GROUP BY town_code, status;
INSERT INTO event_counts (level, area_code, lead_unit, status, n, on_time, reworked, rated, satisfied)
SELECT 'town-lead', town_code, lead_unit, status, COUNT(*),
       SUM(CASE WHEN handle_late = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN reworks > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END)
FROM events WHERE lead_unit IS NOT NULL AND lead_unit <> '' GROUP BY town_code, lead_unit, status;
INSERT INTO event_counts (level, area_code, lead_unit, status, n, on_time, reworked, rated, satisfied)
SELECT 'district-lead', district_code, lead_unit, status, COUNT(*),
       SUM(CASE WHEN handle_late = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN reworks > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END)
FROM events WHERE lead_unit IS NOT NULL AND lead_unit <> '' GROUP BY district_code, lead_unit, status;
CREATE INDEX events_overdue ON events (step_due, status, village_code, lead_unit);
CREATE INDEX events_today ON events (reported_at, status, village_code, lead_unit);
DROP INDEX events_reported;
