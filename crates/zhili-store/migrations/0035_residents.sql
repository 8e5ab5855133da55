-- Residents as users. An account is a mobile number, found by its blind index and kept only
-- sealed and masked; linked (at most once) to the registered person whose ID number and name
-- the resident gave. Sessions are their own (a resident's token opens no staff door).
CREATE TABLE residents (
    id {id},
    phone_blind TEXT NOT NULL UNIQUE,
    phone_sealed TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    person_id BIGINT UNIQUE REFERENCES people (id),
    grid_code TEXT,
    display_name TEXT,
    created_at BIGINT NOT NULL,
    linked_at BIGINT
);

-- Each link attempt (right or wrong), for the daily ration that keeps ID numbers from being
-- tried one after another.
CREATE TABLE resident_link_tries (
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    at BIGINT NOT NULL
);
CREATE INDEX resident_link_tries_by ON resident_link_tries (resident_id, at);

CREATE TABLE resident_sessions (
    token_hash TEXT PRIMARY KEY,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX resident_sessions_of ON resident_sessions (resident_id);

-- One-time codes: the keyed hash of number and digits, never the digits; one row per code
-- sent, so the ration (one a minute, ten a day) is counted from what was sent.
CREATE TABLE resident_codes (
    id {id},
    phone_blind TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT
);
CREATE INDEX resident_codes_by ON resident_codes (phone_blind, issued_at);

-- The outbox: every text message to a number (codes, notices of a resident's report), queued
-- in the transaction of what it tells, then handed to the configured sender. Without a
-- provider a message is held here for staff to read.
CREATE TABLE messages (
    id {id},
    phone_sealed TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    resident_id BIGINT,
    event_id BIGINT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    via TEXT,
    sent_at BIGINT,
    tries BIGINT NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX messages_resident ON messages (resident_id, id);
CREATE INDEX messages_state ON messages (state, id);

-- A village's (or town's, or the district's) public notices, read by its residents.
CREATE TABLE public_notices (
    id {id},
    region_code TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    posted_by TEXT NOT NULL,
    unit TEXT,
    posted_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX public_notices_region ON public_notices (region_code, posted_at);

-- The resident account an event was reported by (their own reports, their rating).
ALTER TABLE events ADD COLUMN resident_id BIGINT;
CREATE INDEX events_resident ON events (resident_id, id) WHERE resident_id IS NOT NULL;
