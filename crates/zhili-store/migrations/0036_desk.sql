-- The reception desk (群众诉求接待中心, 12345): a caller is found by their number's blind
-- index on the reports they made (the number itself stays sealed), and the reply to them when
-- their case closes is kept with when it was due and whether it was in time.
ALTER TABLE events ADD COLUMN reporter_phone_blind TEXT;
CREATE INDEX events_reporter_phone ON events (reporter_phone_blind, id) WHERE reporter_phone_blind IS NOT NULL;

CREATE TABLE event_replies (
    event_id BIGINT PRIMARY KEY REFERENCES events (id),
    replied_at BIGINT NOT NULL,
    replied_by TEXT NOT NULL,
    unit TEXT,
    channel TEXT NOT NULL,
    reached BIGINT NOT NULL,
    said TEXT NOT NULL,
    satisfaction BIGINT,
    due_at BIGINT NOT NULL,
    on_time BIGINT NOT NULL
);
CREATE INDEX event_replies_at ON event_replies (replied_at);
