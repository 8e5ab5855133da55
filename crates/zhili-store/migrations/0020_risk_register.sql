-- The risk register (风险台账): each risk with its owner, measures and review day; links (to
-- alerts, events, cases, people) as a JSON array of {kind, id}.
CREATE TABLE risk_register (
    id {id},
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    level TEXT NOT NULL,
    area_code TEXT NOT NULL,
    owner_unit TEXT NOT NULL,
    measures TEXT NOT NULL,
    review_on BIGINT NOT NULL,
    status TEXT NOT NULL,
    links TEXT NOT NULL,
    note TEXT,
    registered_by TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX risk_register_area ON risk_register (area_code, status);
CREATE INDEX risk_register_owner ON risk_register (owner_unit, status);
CREATE INDEX risk_register_review ON risk_register (status, review_on);

-- The risk an alert was registered as.
ALTER TABLE risk_alerts ADD COLUMN risk_id BIGINT;

-- Assessment meetings (研判会): scheduled, then held with attendees, minutes and the material
-- looked at (a JSON snapshot of the alerts and risks standing when it was held).
CREATE TABLE risk_meetings (
    id {id},
    kind TEXT NOT NULL,
    sector TEXT,
    area_code TEXT NOT NULL,
    title TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    held_at BIGINT,
    attendees TEXT,
    minutes TEXT,
    material TEXT,
    convened_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX risk_meetings_when ON risk_meetings (scheduled_at);

-- A held meeting's decisions, each dispatched as an event (event_id once it is).
CREATE TABLE risk_meeting_decisions (
    meeting_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    text TEXT NOT NULL,
    lead_unit TEXT NOT NULL,
    category TEXT NOT NULL,
    due_on BIGINT NOT NULL,
    event_id BIGINT,
    PRIMARY KEY (meeting_id, seq)
);
