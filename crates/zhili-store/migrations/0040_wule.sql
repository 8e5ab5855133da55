-- 五乐社区 evaluations: a village's year, its self-assessment (scores with evidence, JSON of the
-- domain's) and the town's review (changes with reasons), the totals and the state.
CREATE TABLE wule_evaluations (
    village_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    state TEXT NOT NULL,
    scores TEXT NOT NULL,
    self_total BIGINT NOT NULL,
    adjustments TEXT NOT NULL,
    final_total BIGINT,
    review_note TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT,
    reviewed_by TEXT,
    reviewed_at BIGINT,
    PRIMARY KEY (village_code, year)
);
CREATE INDEX wule_evaluations_year ON wule_evaluations (year, village_code);
