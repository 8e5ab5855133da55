-- What the risk evaluation reads, from indexes alone over a million reports: one indicator's
-- reports per day and area are a range of the category index (columns a report never changes,
-- so handling an event does not touch it); the few merged and the few serious reports come
-- from partial indexes of their own.
CREATE INDEX events_category_day ON events (category, reported_at, grid_code, channel);
CREATE INDEX events_merged ON events (category, reported_at, grid_code, channel) WHERE status = 'merged';
CREATE INDEX events_serious ON events (category, reported_at, grid_code, channel, status) WHERE escalations > 0 OR supervision_level > 0;
-- Residents' low ratings by the day their case closed: few, so a small partial index.
CREATE INDEX events_dissatisfied ON events (closed_at, grid_code) WHERE satisfaction <= 2;
