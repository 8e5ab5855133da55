-- Deliberation (事情共商): a village's council or open-air meeting as recorded once held, its
-- agenda, attendees and the 小事 it took up kept as JSON of the domain's lists; its decisions
-- one row each, with who carries them out, by when, the event they concern, and when they were
-- carried out.
CREATE TABLE deliberations (
    id {id},
    village_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_day BIGINT NOT NULL,
    place TEXT NOT NULL,
    host TEXT NOT NULL,
    attendees TEXT NOT NULL,
    headcount BIGINT NOT NULL,
    agenda TEXT NOT NULL,
    matters TEXT NOT NULL,
    minutes TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX deliberations_village ON deliberations (village_code, held_day);

CREATE TABLE deliberation_decisions (
    meeting_id BIGINT NOT NULL REFERENCES deliberations (id),
    seq BIGINT NOT NULL,
    text TEXT NOT NULL,
    carried_by TEXT NOT NULL,
    due_day BIGINT NOT NULL,
    event_id BIGINT,
    settles BIGINT NOT NULL,
    done_at BIGINT,
    done_by TEXT,
    done_note TEXT,
    PRIMARY KEY (meeting_id, seq)
);
CREATE INDEX deliberation_decisions_event ON deliberation_decisions (event_id) WHERE event_id IS NOT NULL;
