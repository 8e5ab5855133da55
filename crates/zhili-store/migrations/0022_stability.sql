-- Stability-risk assessments of major decisions (重大决策社会稳定风险评估): the decision, its
-- track and status, the evidence heard, the risks rated and the follow-ups (JSON arrays), the
-- conclusion with who signed it, and the verdict.
CREATE TABLE stability_assessments (
    id {id},
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    area_code TEXT NOT NULL,
    decision_unit TEXT NOT NULL,
    track TEXT NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    risks TEXT NOT NULL,
    level TEXT,
    conclusion_reason TEXT,
    signed_by TEXT,
    signed_at BIGINT,
    verdict TEXT,
    follow_ups TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX stability_area ON stability_assessments (area_code, status);
