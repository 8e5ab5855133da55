-- The risk indicator catalogue (a JSON array of zhili_domain::risk::IndicatorSpec), each edit a
-- new version; alerts name the version that raised them.
CREATE TABLE risk_catalogues (
    version BIGINT PRIMARY KEY,
    indicators TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

-- Alerts the evaluation raised: one per indicator, area and raising period (so a re-run finds
-- it again instead of raising it twice), with what was observed against what was expected, the
-- series around it for its chart (JSON), and what people did with it.
CREATE TABLE risk_alerts (
    id {id},
    indicator_code TEXT NOT NULL,
    indicator_name TEXT NOT NULL,
    catalogue_version BIGINT NOT NULL,
    area_level TEXT NOT NULL,
    area_code TEXT NOT NULL,
    level TEXT NOT NULL,
    state TEXT NOT NULL,
    raised_on BIGINT NOT NULL,
    cleared_on BIGINT,
    peak_on BIGINT NOT NULL,
    observed DOUBLE PRECISION NOT NULL,
    expected DOUBLE PRECISION NOT NULL,
    bound DOUBLE PRECISION NOT NULL,
    history TEXT NOT NULL,
    assigned_unit TEXT,
    silenced_until BIGINT,
    silence_reason TEXT,
    event_id BIGINT,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX risk_alerts_episode ON risk_alerts (indicator_code, area_code, raised_on);
CREATE INDEX risk_alerts_area ON risk_alerts (area_code, state);
CREATE INDEX risk_alerts_state ON risk_alerts (state, raised_on);
