-- To-do lists: the events waiting for a unit as their owner (the lead's wait is served by
-- events_lead, the grid worker's by events_grid).
CREATE INDEX events_owner ON events (owner, status);
