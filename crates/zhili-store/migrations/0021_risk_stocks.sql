-- What a standing count read on a day, per area (a grid, or a unit for the events a unit leads
-- past their deadline): key people whose visit is overdue, cameras offline, overdue events.
-- Recorded by each evaluation (the day's last reading stands), so the detectors have a history.
CREATE TABLE risk_stock_days (
    source TEXT NOT NULL,
    area_code TEXT NOT NULL,
    day BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (source, day, area_code)
);
