-- Exact identifier lookups (a search by ID number, a registration's or an import's
-- duplicate check) counted per account and hour, for the per-account budget.
CREATE TABLE id_lookups (
    username TEXT NOT NULL,
    hour BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (username, hour)
);
-- A masked number shows only its first four characters: with the last two, the birth date
-- and the sex shown beside it, a number had only a few dozen candidates left.
UPDATE people SET id_masked = substr(id_masked, 1, 4) || substr('**********************************', 1, length(id_masked) - 4)
    WHERE length(id_masked) > 6;
