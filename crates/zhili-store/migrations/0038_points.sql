-- Residents' points (积分制). A village's rule book is versioned JSON of the domain's
-- catalogue, with the assembly that adopted it. Entries move from request to the ledger
-- through approval and public notice. The ledger is append-only (no statement of zhili
-- updates or deletes a row) and each movement has a key that can be written once: an entry is
-- credited once, a redemption paid once, an expiry taken once. The balance is kept beside it
-- under a CHECK, so no interleaving of requests can take it below zero.
CREATE TABLE point_catalogues (
    village_code TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    adopted_on TEXT NOT NULL,
    adopted_by TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (village_code, version)
);

CREATE TABLE point_entries (
    id {id},
    village_code TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people (id),
    catalogue_version BIGINT NOT NULL,
    item_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    category TEXT NOT NULL,
    points BIGINT NOT NULL,
    state TEXT NOT NULL,
    origin TEXT NOT NULL,
    note TEXT NOT NULL,
    event_id BIGINT,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    idem TEXT UNIQUE,
    decided_by TEXT,
    decided_at BIGINT,
    decision_note TEXT,
    notice_ends BIGINT,
    appeal TEXT,
    appealed_by TEXT,
    appealed_at BIGINT,
    appeal_answer TEXT,
    credited_at BIGINT
);
CREATE INDEX point_entries_village ON point_entries (village_code, state, id);
CREATE INDEX point_entries_person ON point_entries (person_id, item_code, requested_at);
CREATE INDEX point_entries_event ON point_entries (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX point_entries_due ON point_entries (state, notice_ends);

CREATE TABLE point_accounts (
    person_id BIGINT PRIMARY KEY REFERENCES people (id),
    village_code TEXT NOT NULL,
    balance BIGINT NOT NULL CHECK (balance >= 0),
    earned BIGINT NOT NULL DEFAULT 0,
    deducted BIGINT NOT NULL DEFAULT 0,
    spent BIGINT NOT NULL DEFAULT 0,
    expired BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX point_accounts_village ON point_accounts (village_code, balance);

CREATE TABLE point_ledger (
    id {id},
    person_id BIGINT NOT NULL REFERENCES people (id),
    village_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    asked BIGINT NOT NULL,
    balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
    entry_id BIGINT,
    redemption_id BIGINT,
    expires_at BIGINT,
    movement TEXT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    by_user TEXT NOT NULL
);
CREATE INDEX point_ledger_person ON point_ledger (person_id, id);
CREATE INDEX point_ledger_village ON point_ledger (village_code, at);

CREATE TABLE point_goods (
    id {id},
    village_code TEXT NOT NULL,
    name TEXT NOT NULL,
    price BIGINT NOT NULL CHECK (price > 0),
    stock BIGINT NOT NULL CHECK (stock >= 0),
    funding TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX point_goods_village ON point_goods (village_code, id);

CREATE TABLE point_redemptions (
    id {id},
    goods_id BIGINT NOT NULL REFERENCES point_goods (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    village_code TEXT NOT NULL,
    goods_name TEXT NOT NULL,
    price BIGINT NOT NULL,
    idem TEXT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    by_user TEXT NOT NULL
);
CREATE INDEX point_redemptions_village ON point_redemptions (village_code, id);
CREATE INDEX point_redemptions_person ON point_redemptions (person_id, id);

-- A month's publication (积分公示榜), frozen as it was posted.
CREATE TABLE point_publications (
    village_code TEXT NOT NULL,
    month TEXT NOT NULL,
    body TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (village_code, month)
);
