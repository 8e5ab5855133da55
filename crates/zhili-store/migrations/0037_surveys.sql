-- Surveys (安全感 / 满意度测评): the questionnaire and its headline figure kept as data (JSON of
-- the domain's types), the quotas per grid drawn from the registered population when a round
-- opens, who answered (one answer per registered person), and the answers. An anonymous
-- survey's answer row carries neither the person, nor who took it, nor when: its id is random
-- and the respondents table says only that someone answered, not what.
CREATE TABLE surveys (
    id {id},
    title TEXT NOT NULL,
    purpose TEXT NOT NULL,
    intro TEXT NOT NULL,
    questionnaire TEXT NOT NULL,
    headline TEXT NOT NULL,
    anonymous BIGINT NOT NULL,
    sample_size BIGINT NOT NULL,
    region_code TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    opened_at BIGINT,
    closed_at BIGINT,
    published_at BIGINT,
    -- The results as published, frozen: what residents read does not move afterwards.
    results TEXT
);

CREATE TABLE survey_quotas (
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    grid_code TEXT NOT NULL,
    population BIGINT NOT NULL,
    quota BIGINT NOT NULL,
    PRIMARY KEY (survey_id, grid_code)
);

CREATE TABLE survey_respondents (
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    PRIMARY KEY (survey_id, person_id)
);

CREATE TABLE survey_answers (
    id TEXT PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    grid_code TEXT NOT NULL,
    mode TEXT NOT NULL,
    sheet TEXT NOT NULL,
    person_id BIGINT,
    taken_by TEXT,
    taken_at BIGINT
);
CREATE INDEX survey_answers_of ON survey_answers (survey_id, grid_code);

-- The answers counted as they come, per grid: sheets, each question answered, each value given,
-- the headline's rated and good, each mode (keys starting with '#' are these counters). The
-- results add these up in SQL, weighted by each grid's population, instead of reading every
-- answer.
CREATE TABLE survey_tally (
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    grid_code TEXT NOT NULL,
    question TEXT NOT NULL,
    value TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (survey_id, grid_code, question, value)
);
