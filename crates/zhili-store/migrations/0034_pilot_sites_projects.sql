-- Demonstration sites ("3+30+50"): each with its host unit, programme and area, where it
-- stands, the host's application with its evidence photos (JSON) and the office's decision.
CREATE TABLE pilot_sites (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    programme TEXT NOT NULL,
    host_unit TEXT NOT NULL,
    region TEXT,
    due_day BIGINT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    application_note TEXT,
    photos TEXT NOT NULL,
    applied_by_name TEXT,
    applied_at BIGINT,
    decision_note TEXT,
    decided_by_name TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX pilot_sites_host ON pilot_sites (host_unit);

-- The project ledger: innovation and key projects with budget and spending in yuan, their
-- milestones (JSON) and the lead unit's reports (JSON, bounded per project).
CREATE TABLE pilot_projects (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    programme TEXT NOT NULL,
    lead_unit TEXT NOT NULL,
    budget_yuan BIGINT NOT NULL,
    starts_on BIGINT NOT NULL,
    ends_on BIGINT NOT NULL,
    status TEXT NOT NULL,
    spent_yuan BIGINT NOT NULL,
    milestones TEXT NOT NULL,
    reports TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX pilot_projects_lead ON pilot_projects (lead_unit);
