-- The terms a case is found by (its search text's letters and its number's digit runs, see
-- zhili_domain::search), so a search reads the cases that hold the query's terms instead of
-- every case; byte order, so a run's prefix is a range. A term carries its case's area and
-- registration time, so a one-character search is counted and paged from this table alone.
-- And the open (or overdue) cases of an area counted and sorted from one index, without
-- reading the cases.
CREATE TABLE mediation_case_terms (
    term TEXT {collate_c} NOT NULL,
    case_id BIGINT NOT NULL,
    region_code TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    PRIMARY KEY (term, case_id)
){clustered};
DROP INDEX mediation_cases_status;
CREATE INDEX mediation_cases_status ON mediation_cases (status, due, region_code, registered_at);
