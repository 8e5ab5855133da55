-- The API key a system reported an event with (Open311, the video platform): how a system
-- finds the requests it filed, and how the record attributes them. NULL for people's reports.
ALTER TABLE events ADD COLUMN api_key_id BIGINT;
CREATE INDEX events_api_key ON events (api_key_id, updated_at);
