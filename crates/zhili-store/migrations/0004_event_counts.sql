-- Running totals for the dashboard, kept in the same transaction as every event write, so a
-- district summary over a million events reads a few thousand rows instead of a million.
-- What depends on the clock (overdue now, reported today) is read live through the two
-- covering indexes below, whose ranges hold only overdue or today's events.
CREATE TABLE event_counts (
    village_code TEXT NOT NULL,
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
    PRIMARY KEY (village_code, lead_unit, status)
);
INSERT INTO event_counts (village_code, lead_unit, status, n, on_time, reworked, rated, satisfied)
SELECT village_code, COALESCE(lead_unit, ''), status, COUNT(*),
       SUM(CASE WHEN handle_late = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN reworks > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END)
FROM events GROUP BY village_code, COALESCE(lead_unit, ''), status;
CREATE INDEX events_overdue ON events (step_due, status, village_code, lead_unit);
CREATE INDEX events_today ON events (reported_at, status, village_code, lead_unit);
DROP INDEX events_reported;
